// Package rundir is the layout of a run directory (runs/<name>/): the names
// of its files and the per-step CSV logs the loop and its hooks write
// (metrics.csv, activations.csv, landscape.csv) and reports read back. One
// writer makes every log survive an interruption and a resume alike, and one
// reader serves every CSV file the project writes.
package rundir

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
)

// Files of a run directory.
const (
	// ConfigFile is the resolved configuration of the run.
	ConfigFile = "config.yaml"
	// MetricsFile holds one row of Columns per evaluation.
	MetricsFile = "metrics.csv"
	// CheckpointFile holds everything needed to resume the run exactly, as
	// a NumPy archive (package checkpoint).
	CheckpointFile = "checkpoint.npz"
)

// CheckRun explains why dir is no run directory, if it is not one: a run
// directory holds the ConfigFile a run writes when it starts.
func CheckRun(dir string) error {
	info, err := os.Stat(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return fmt.Errorf("run directory %s does not exist", dir)
	case err != nil:
		return err
	case !info.IsDir():
		return fmt.Errorf("%s is a file, not a run directory", dir)
	}
	if _, err := os.Stat(filepath.Join(dir, ConfigFile)); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s holds no run (it has no %s; a run directory is what a run with --config writes)", dir, ConfigFile)
	}
	return nil
}

// CheckNew refuses, for a directory to write a new run into, one that
// exists and is not empty, and a file.
func CheckNew(dir string) error {
	entries, err := os.ReadDir(dir)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return nil
	case err != nil:
		return fmt.Errorf("%s: %w; choose another output directory", dir, err)
	case len(entries) > 0:
		return fmt.Errorf("%s already exists and is not empty; choose a new output directory", dir)
	}
	return nil
}
