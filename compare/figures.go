package compare

import (
	"fmt"
	"path/filepath"

	"deepopt/plots"
	"deepopt/rundir"
)

// Figures are the PNG files Run writes: training loss and test accuracy
// against gradient evaluations and against wall time, in this order.
var Figures = []string{"loss_vs_grad_evals.png", "acc_vs_grad_evals.png", "loss_vs_wall.png", "acc_vs_wall.png"}

// writeFigures draws the four figures of Figures into dir.
func writeFigures(dir string, results []Result, budget int) error {
	type axis struct {
		label string
		value func(rundir.Row) float64
	}
	xs := []axis{
		{"gradient evaluations", func(r rundir.Row) float64 { return float64(r.GradEvals) }},
		{"wall time (s)", func(r rundir.Row) float64 { return r.WallSeconds }},
	}
	ys := []struct {
		axis
		log bool
	}{
		{axis{"training loss (mean over the steps since the previous point)", func(r rundir.Row) float64 { return r.TrainLoss }}, true},
		{axis{"test accuracy", func(r rundir.Row) float64 { return r.TestAcc }}, false},
	}
	i := 0
	for _, x := range xs {
		for _, y := range ys {
			fig := plots.Figure{
				Title:  fmt.Sprintf("Optimizers at a budget of %d gradient evaluations", budget),
				XLabel: x.label, YLabel: y.label, LogY: y.log,
			}
			for _, res := range results {
				s := plots.Series{Name: res.Method}
				for _, r := range res.Rows {
					s.X = append(s.X, x.value(r))
					s.Y = append(s.Y, y.value(r))
				}
				fig.Series = append(fig.Series, s)
			}
			name := Figures[i] // in the order of the loops
			if err := plots.Lines(filepath.Join(dir, name), fig); err != nil {
				return fmt.Errorf("compare: %s: %w", name, err)
			}
			i++
		}
	}
	return nil
}
