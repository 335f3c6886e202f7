package train

import (
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"deepopt/rundir"
)

// attachMetrics writes metrics.csv in the run directory (which
// attachRunDir created and holds): at the start it makes the file ready for this run's rows
// (rundir.PrepareCSV keeps a resumed run's rows up to its step), at every
// evaluation it appends the row, one complete line per write, and at the end
// it closes the file.
func attachMetrics(t *Trainer) {
	var f *os.File
	t.OnStart(PriorityFirst, func(t *Trainer) error {
		path := filepath.Join(t.Dir, rundir.MetricsFile)
		dropped, err := rundir.PrepareCSV(path, t.Columns(), t.Step())
		if err != nil {
			return err
		}
		if dropped > 0 && t.Progress != nil {
			fmt.Fprintf(t.Progress, "%s: %d rows after step %d, the checkpoint's, dropped; the run writes them again\n", path, dropped, t.Step())
		}
		f, err = os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
		return err
	})
	t.OnEval(PriorityDefault, func(_ *Trainer, r Report) error {
		_, err := io.WriteString(f, strings.Join(r.Row, ",")+"\n")
		return err
	})
	t.OnEnd(PriorityDefault, func(*Trainer, error) error {
		if f == nil {
			return nil
		}
		err := f.Close()
		f = nil
		return err
	})
}
