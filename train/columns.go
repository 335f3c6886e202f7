package train

import (
	"strconv"

	"deepopt/rundir"
)

// Column is one metrics.csv column: its name and its value at an
// evaluation, formatted. Value is called once per row, after the test set
// was evaluated and before the OnEval handlers run.
type Column struct {
	Name  string
	Value func(t *Trainer) string
}

// AddColumns appends columns to metrics.csv, after the loop's own
// (rundir.Columns) and those added before. Hooks add theirs in Attach.
func (t *Trainer) AddColumns(cols ...Column) { t.columns = append(t.columns, cols...) }

// Columns are the names of the metrics.csv columns of the run.
func (t *Trainer) Columns() []string {
	names := make([]string, len(t.columns))
	for i, c := range t.columns {
		names[i] = c.Name
	}
	return names
}

// row formats the columns' values at the current step.
func (t *Trainer) row() []string {
	fields := make([]string, len(t.columns))
	for i, c := range t.columns {
		fields[i] = c.Value(t)
	}
	return fields
}

// window accumulates the steps since the previous metrics row; the
// checkpoint stores it.
type window rundir.Window

// add counts one step that started at loss.
func (w *window) add(s stepInfo) {
	w.LossSum += s.loss
	w.Steps++
	w.LSIters += s.info.LineSearchIters
	w.StepLenSum += s.info.StepLength
	if s.info.Restarted {
		w.Restarts++
	}
	if s.searchFailed {
		w.SearchFailures++
	}
}

// mean divides sum by the window's steps (a row without steps shows the sum).
func (w *window) mean(sum float64) float64 { return sum / float64(max(w.Steps, 1)) }

// loopColumns are the loop's own columns, rundir.Columns: the step and its
// progress, the window's means and counts (the evaluation closes the window),
// the test set's loss and accuracy, and the cumulative evaluation counts.
func loopColumns() []Column {
	g := func(v float64) string { return strconv.FormatFloat(v, 'g', 10, 64) }
	return []Column{
		{"step", func(t *Trainer) string { return strconv.Itoa(t.state.Step) }},
		{"epoch", func(t *Trainer) string { return g(t.batch.Epoch()) }},
		{"examples", func(t *Trainer) string { return strconv.Itoa(t.state.Examples) }},
		{"wall_s", func(t *Trainer) string { return strconv.FormatFloat(t.state.WallSeconds, 'f', 3, 64) }},
		{"lr", func(t *Trainer) string { return g(t.LR.At(t.state.Step - 1)) }},
		{"train_loss", func(t *Trainer) string { return g(t.window.mean(t.window.LossSum)) }},
		{"test_loss", func(t *Trainer) string { return g(t.test.Loss) }},
		{"test_acc", func(t *Trainer) string { return g(t.test.Accuracy) }},
		{"func_evals", func(t *Trainer) string { return strconv.Itoa(t.state.FuncEvals) }},
		{"grad_evals", func(t *Trainer) string { return strconv.Itoa(t.state.GradEvals) }},
		{"ls_iters", func(t *Trainer) string { return strconv.Itoa(t.window.LSIters) }},
		{"step_len", func(t *Trainer) string { return g(t.window.mean(t.window.StepLenSum)) }},
		{"restarts", func(t *Trainer) string { return strconv.Itoa(t.window.Restarts) }},
		{"ls_failures", func(t *Trainer) string { return strconv.Itoa(t.window.SearchFailures) }},
	}
}
