package train

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"strings"

	"deepopt/checkpoint"
)

// Columns are the metrics.csv columns, in order. func_evals and grad_evals
// are cumulative counts of objective evaluations (the loop's own one per step
// included), the fair x-axis for comparing optimizers; ls_iters, restarts
// (steps whose method fell back to steepest descent) and ls_failures (steps
// whose line search failed, ending their minibatch) are summed and step_len
// averaged over the steps since the previous row.
var Columns = []string{"step", "epoch", "examples", "wall_s", "lr", "train_loss", "test_loss", "test_acc",
	"func_evals", "grad_evals", "ls_iters", "step_len", "restarts", "ls_failures"}

// Row is one line of metrics.csv.
type Row struct {
	Step                 int
	Epoch                float64
	Examples             int
	WallSeconds, LR      float64
	TrainLoss            float64
	TestLoss, TestAcc    float64
	FuncEvals, GradEvals int
	LineSearchIters      int
	StepLength           float64
	Restarts             int
	SearchFailures       int
}

func (r Row) fields() []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }
	return []string{strconv.Itoa(r.Step), f(r.Epoch), strconv.Itoa(r.Examples), strconv.FormatFloat(r.WallSeconds, 'f', 3, 64),
		f(r.LR), f(r.TrainLoss), f(r.TestLoss), f(r.TestAcc), strconv.Itoa(r.FuncEvals), strconv.Itoa(r.GradEvals),
		strconv.Itoa(r.LineSearchIters), f(r.StepLength), strconv.Itoa(r.Restarts), strconv.Itoa(r.SearchFailures)}
}

// metricsFile appends rows to metrics.csv, one complete line per write.
type metricsFile struct {
	f *os.File
}

// openMetrics opens metrics.csv for appending after PrepareCSV.
func openMetrics(path string, keepThrough int) (*metricsFile, error) {
	if err := PrepareCSV(path, Columns, keepThrough); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return nil, err
	}
	return &metricsFile{f: f}, nil
}

// PrepareCSV makes path ready for appending rows of columns whose first
// column is the step, so that every per-step log of a run directory
// (metrics.csv, a probe's CSV) survives an interruption and a resume alike. A
// new file gets the header. An existing one (a resumed run) keeps its rows up
// to and including step keepThrough, drops later ones (the resumed run
// replays them identically) and any partial last line, atomically. A header
// other than columns is an error: the file belongs to another kind of run.
func PrepareCSV(path string, columns []string, keepThrough int) error {
	header := strings.Join(columns, ",") + "\n"
	old, err := os.ReadFile(path)
	switch {
	case errors.Is(err, os.ErrNotExist):
		return checkpoint.WriteFileAtomic(path, func(w io.Writer) error {
			_, err := io.WriteString(w, header)
			return err
		})
	case err != nil:
		return err
	}
	kept, err := keepRows(old, header, len(columns), keepThrough)
	if err != nil {
		return fmt.Errorf("%s: %w", path, err)
	}
	return checkpoint.WriteFileAtomic(path, func(w io.Writer) error {
		_, err := w.Write(kept)
		return err
	})
}

// AppendCSV appends one row to a file PrepareCSV made ready, opening and
// closing it: for logs written now and then, which need no open file
// between writes. The row is written by a single write call.
func AppendCSV(path string, fields []string) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_APPEND, 0)
	if err != nil {
		return err
	}
	_, err = io.WriteString(f, strings.Join(fields, ",")+"\n")
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	return err
}

func keepRows(old []byte, header string, columns, keepThrough int) ([]byte, error) {
	var out bytes.Buffer
	sc := bufio.NewScanner(bytes.NewReader(old))
	first := true
	for sc.Scan() {
		line := sc.Text()
		if first {
			if line+"\n" != header {
				return nil, fmt.Errorf("header %q differs from %q; move the file away or start a new run", line, strings.TrimSpace(header))
			}
			out.WriteString(header)
			first = false
			continue
		}
		stepField, _, _ := strings.Cut(line, ",")
		step, err := strconv.Atoi(stepField)
		if err != nil || strings.Count(line, ",") != columns-1 {
			break // a partial last line from an interrupted write
		}
		if step <= keepThrough {
			out.WriteString(line + "\n")
		}
	}
	if first {
		out.WriteString(header)
	}
	return out.Bytes(), sc.Err()
}

func (m *metricsFile) write(r Row) error {
	_, err := io.WriteString(m.f, strings.Join(r.fields(), ",")+"\n")
	return err
}

func (m *metricsFile) Close() error { return m.f.Close() }
