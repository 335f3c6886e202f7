package repro

import (
	"fmt"

	"deepopt/plots"
)

// Group is runs drawn as one curve: a single run, or the seeds of one
// configuration folded into their mean with a min–max band.
type Group struct {
	Label string
	Dirs  []string
}

// AxisLabel names a metrics.csv column on a figure's axis.
func AxisLabel(column string) string {
	if l, ok := axisLabels[column]; ok {
		return l
	}
	return column
}

var axisLabels = map[string]string{
	"step":       "training step",
	"examples":   "training examples",
	"grad_evals": "gradient evaluations",
	"func_evals": "function evaluations",
	"wall_s":     "wall time (s)",
	"train_loss": "training loss (mean over the steps since the previous point)",
	"test_loss":  "test loss",
	"test_acc":   "test accuracy",
	"lr":         "learning rate",
}

// Curves draws metric y against x of every group into the PNG file at
// path: the standard figure of a study. fig gives the title and the axes'
// scales; empty axis labels are filled from the column names.
func Curves(path string, fig plots.Figure, x, y string, groups []Group) error {
	if fig.XLabel == "" {
		fig.XLabel = AxisLabel(x)
	}
	if fig.YLabel == "" {
		fig.YLabel = AxisLabel(y)
	}
	for _, g := range groups {
		b, err := Fold(g.Dirs, x, y)
		if err != nil {
			return fmt.Errorf("%s: %w", g.Label, err)
		}
		fig.Series = append(fig.Series, b.Series(g.Label))
	}
	return plots.Lines(path, fig)
}
