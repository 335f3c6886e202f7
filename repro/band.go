package repro

import (
	"errors"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"

	"deepopt/rundir"
	"deepopt/stage"
)

// Band is one metric of several runs (seeds) at shared x values, with its
// mean, minimum and maximum over the runs at every x.
type Band struct {
	X              []float64
	Mean, Min, Max []float64
	// Runs are the metric of every run, in the order they were folded.
	Runs [][]float64
}

// Column reads the named columns (e.g. "step", "test_acc") of the metrics
// of the run in dir. A run of stages (package stage) is read from its whole
// story, stage.ViewFile: "step" is then the step counted from the start of
// the run (run_step), and rows of stages without one of the columns are
// left out.
func Column(dir string, names ...string) ([][]float64, error) {
	staged := stage.IsStaged(dir)
	file := rundir.MetricsFile
	if staged {
		file = stage.ViewFile
	}
	t, err := rundir.ReadCSV(filepath.Join(dir, file))
	if errors.Is(err, os.ErrNotExist) {
		return nil, fmt.Errorf("%s holds no %s; give a run directory (one that train writes)", dir, file)
	}
	if err != nil {
		return nil, err
	}
	var keep func(row []string) bool
	if staged {
		if names, keep, err = stagedColumns(t, names); err != nil {
			return nil, err
		}
	}
	cols, err := t.Floats(keep, names...)
	if err != nil {
		return nil, err
	}
	if len(cols[0]) == 0 {
		return nil, fmt.Errorf("%s has no rows with %s; did the run evaluate anything?", t.Path, strings.Join(names, " and "))
	}
	return cols, nil
}

// stageCounters are the metrics columns that count from 0 again in every
// stage of a run of stages, as each stage is a run of its own.
var stageCounters = []string{"epoch", "examples", "wall_s", "func_evals", "grad_evals"}

// stagedColumns maps names to the columns of a run of stages' view t
// (step to run_step; a counter that restarts with every stage is refused)
// and returns them with the filter of the rows that hold all of them.
func stagedColumns(t *rundir.Table, names []string) ([]string, func(row []string) bool, error) {
	names = slices.Clone(names)
	idx := make([]int, len(names))
	for i, n := range names {
		if slices.Contains(stageCounters, n) {
			return nil, nil, fmt.Errorf("%s is a run of stages, whose %s starts again in every stage; draw it against step, the step counted from the start of the run", filepath.Dir(t.Path), n)
		}
		if n == "step" {
			names[i] = "run_step"
		}
		var err error
		if idx[i], err = t.Column(names[i]); err != nil {
			return nil, nil, err
		}
	}
	keep := func(row []string) bool {
		return !slices.ContainsFunc(idx, func(c int) bool { return row[c] == "" })
	}
	return names, keep, nil
}

// Fold reads metric y against x from the metrics of every run directory
// and folds them into a Band; the runs must share their x values (the same
// train.steps and evaluation cadence).
func Fold(dirs []string, x, y string) (Band, error) {
	var b Band
	for i, dir := range dirs {
		cols, err := Column(dir, x, y)
		if err != nil {
			return Band{}, err
		}
		if i == 0 {
			b.X = cols[0]
		} else if !slices.Equal(cols[0], b.X) {
			return Band{}, fmt.Errorf("%s has other %s values than %s; the runs folded into one band must share train.steps and their evaluation cadence", dir, x, dirs[0])
		}
		b.Runs = append(b.Runs, cols[1])
	}
	return NewBand(b.X, b.Runs), nil
}

// NewBand is the band of runs, each holding one value per x: their mean,
// minimum and maximum at every x. The runs may be seeds, or any other set a
// quantity spreads over (the step sizes of a probe).
func NewBand(x []float64, runs [][]float64) Band {
	b := Band{X: x, Runs: runs}
	n := len(b.X)
	b.Mean, b.Min, b.Max = make([]float64, n), make([]float64, n), make([]float64, n)
	for i := range n {
		b.Min[i], b.Max[i] = math.Inf(1), math.Inf(-1)
		for _, r := range b.Runs {
			b.Mean[i] += r[i] / float64(len(b.Runs))
			b.Min[i] = min(b.Min[i], r[i])
			b.Max[i] = max(b.Max[i], r[i])
		}
	}
	return b
}

// At returns the index of the last x at or before x, -1 if none.
func (b *Band) At(x float64) int {
	i := -1
	for j, v := range b.X {
		if v <= x {
			i = j
		}
	}
	return i
}

// Reach returns, for each run, the first x at which its metric is at least
// threshold, or -1 when it never got there.
func (b *Band) Reach(threshold float64) []float64 {
	out := make([]float64, len(b.Runs))
	for k, r := range b.Runs {
		out[k] = -1
		if i := slices.IndexFunc(r, func(v float64) bool { return v >= threshold }); i >= 0 {
			out[k] = b.X[i]
		}
	}
	return out
}

// Scaled returns the band with every value multiplied by f (100 for
// percentages).
func (b Band) Scaled(f float64) Band {
	scale := func(v []float64) []float64 {
		out := make([]float64, len(v))
		for i, x := range v {
			out[i] = f * x
		}
		return out
	}
	s := Band{X: b.X, Mean: scale(b.Mean), Min: scale(b.Min), Max: scale(b.Max)}
	for _, r := range b.Runs {
		s.Runs = append(s.Runs, scale(r))
	}
	return s
}

// Spread is a quantity over seeds: its mean, minimum and maximum.
type Spread struct {
	Mean, Min, Max float64
	// N is the number of values.
	N int
}

// SpreadOf summarises values (NaN fields when there are none).
func SpreadOf(values []float64) Spread {
	if len(values) == 0 {
		return Spread{Mean: math.NaN(), Min: math.NaN(), Max: math.NaN()}
	}
	s := Spread{Min: math.Inf(1), Max: math.Inf(-1), N: len(values)}
	for _, v := range values {
		s.Mean += v / float64(len(values))
		s.Min, s.Max = min(s.Min, v), max(s.Max, v)
	}
	return s
}

// Percent formats the spread scaled by 100 as "mean% [min–max]", or
// "mean%" for a single value.
func (s Spread) Percent() string {
	if s.N == 1 {
		return fmt.Sprintf("%.2f%%", 100*s.Mean)
	}
	return fmt.Sprintf("%.2f%% [%.2f–%.2f]", 100*s.Mean, 100*s.Min, 100*s.Max)
}

// Last reads the named columns of the last metrics row of the run in dir:
// a run's final step, test accuracy and the like.
func Last(dir string, names ...string) ([]float64, error) {
	cols, err := Column(dir, names...)
	if err != nil {
		return nil, err
	}
	last := make([]float64, len(cols))
	for i, c := range cols {
		last[i] = c[len(c)-1]
	}
	return last, nil
}

// Final is the spread over the runs of their values at the last x.
func (b Band) Final() Spread {
	last := make([]float64, len(b.Runs))
	for i, r := range b.Runs {
		last[i] = r[len(r)-1]
	}
	return SpreadOf(last)
}

// Curve reads metric y of the run in dir against its step counted from the
// start of the run: metrics.csv's step, or for a run of stages (package
// stage) stages.csv's run_step over every stage (Column).
func Curve(dir, y string) (steps, values []float64, err error) {
	cols, err := Column(dir, "step", y)
	if err != nil {
		return nil, nil, err
	}
	return cols[0], cols[1], nil
}
