package rundir

import (
	"fmt"
	"slices"
	"strconv"
)

// Columns are the loop's own metrics.csv columns, in order; hooks may add
// theirs after them (train.Trainer.AddColumns). func_evals and grad_evals
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

// Fields formats r as a line of metrics.csv.
func (r Row) Fields() []string {
	f := func(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }
	return []string{strconv.Itoa(r.Step), f(r.Epoch), strconv.Itoa(r.Examples), strconv.FormatFloat(r.WallSeconds, 'f', 3, 64),
		f(r.LR), f(r.TrainLoss), f(r.TestLoss), f(r.TestAcc), strconv.Itoa(r.FuncEvals), strconv.Itoa(r.GradEvals),
		strconv.Itoa(r.LineSearchIters), f(r.StepLength), strconv.Itoa(r.Restarts), strconv.Itoa(r.SearchFailures)}
}

// ReadMetrics reads a metrics.csv written by the loop back into Rows, so that
// reports (method comparisons, figures) use the run's own numbers. Columns
// are found by name, so columns hooks added are skipped; a header without
// every one of Columns is an error naming both.
func ReadMetrics(path string) ([]Row, error) {
	t, err := ReadCSV(path)
	if err != nil {
		return nil, err
	}
	idx := make([]int, len(Columns))
	for k, name := range Columns {
		if idx[k] = slices.Index(t.Header, name); idx[k] < 0 {
			return nil, fmt.Errorf("%s: header %v is not the metrics header %v", path, t.Header, Columns)
		}
	}
	rows := make([]Row, 0, len(t.Rows))
	for i, rec := range t.Rows {
		own := make([]string, len(idx))
		for k, j := range idx {
			own[k] = rec[j]
		}
		row, err := parseRow(own)
		if err != nil {
			return nil, fmt.Errorf("%s: line %d: %w", path, i+2, err)
		}
		rows = append(rows, row)
	}
	return rows, nil
}

// parseRow is the inverse of Row.Fields: f holds Columns' fields in order.
func parseRow(f []string) (Row, error) {
	var errs []error
	i := func(k int) int {
		v, err := strconv.Atoi(f[k])
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", Columns[k], err))
		}
		return v
	}
	x := func(k int) float64 {
		v, err := strconv.ParseFloat(f[k], 64)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", Columns[k], err))
		}
		return v
	}
	r := Row{Step: i(0), Epoch: x(1), Examples: i(2), WallSeconds: x(3), LR: x(4), TrainLoss: x(5), TestLoss: x(6),
		TestAcc: x(7), FuncEvals: i(8), GradEvals: i(9), LineSearchIters: i(10), StepLength: x(11), Restarts: i(12),
		SearchFailures: i(13)}
	if len(errs) > 0 {
		return Row{}, errs[0]
	}
	return r, nil
}
