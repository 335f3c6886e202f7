package experiment

import (
	"fmt"
	"io"

	"deepopt/config"
)

// Open returns the run in dir: a new run of the config file at path with the
// sets applied when dir holds no run yet, otherwise the run already there,
// restored from its checkpoint with the same sets (so that Start continues an
// interrupted run and does nothing more for a finished one). Reproduction
// programs use it to make reruns cheap and interruptions harmless.
func Open(path, dir string, sets []string, log io.Writer) (*Run, error) {
	if CheckFresh(dir) != nil {
		fmt.Fprintf(log, "continuing the run in %s\n", dir)
		return Resume(dir, sets, log)
	}
	cfg, err := config.Load(path, sets)
	if err != nil {
		return nil, err
	}
	return New(cfg, dir, log)
}
