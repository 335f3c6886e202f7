package schedule

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"deepopt/optim"
	"deepopt/smooth"
)

func TestLevels(t *testing.T) {
	geometric, err := GeometricLevels(2, 0.5, 3)
	if err != nil || !slices.Equal(geometric, Levels{2, 1, 0.5, 0}) {
		t.Errorf("GeometricLevels(2, 0.5, 3) = %v, %v; want [2 1 0.5 0]", geometric, err)
	}
	linear, err := LinearLevels(1.5, 3)
	if err != nil || !slices.Equal(linear, Levels{1.5, 1, 0.5, 0}) {
		t.Errorf("LinearLevels(1.5, 3) = %v, %v; want [1.5 1 0.5 0]", linear, err)
	}
	if err := (Levels{0}).Validate(); err != nil {
		t.Errorf("Levels{0}: %v", err)
	}
	for _, bad := range []struct {
		build    func() (Levels, error)
		fragment string
	}{
		{func() (Levels, error) { return nil, Levels{}.Validate() }, "no continuation levels"},
		{func() (Levels, error) { return nil, Levels{1, 0.5}.Validate() }, "end at σ = 0.5; append 0"},
		{func() (Levels, error) { return nil, Levels{1, 1, 0}.Validate() }, "do not decrease at level 1"},
		{func() (Levels, error) { return nil, Levels{0.5, 1, 0}.Validate() }, "do not decrease at level 1 (σ = 1 after 0.5)"},
		{func() (Levels, error) { return nil, Levels{-1, 0}.Validate() }, "level 0 has σ = -1"},
		{func() (Levels, error) { return nil, Levels{math.Inf(1), 0}.Validate() }, "σ = +Inf"},
		{func() (Levels, error) { return GeometricLevels(1, 1, 3) }, "GeometricLevels.ratio = 1"},
		{func() (Levels, error) { return GeometricLevels(1, 0.5, 0) }, "GeometricLevels.n = 0"},
		{func() (Levels, error) { return GeometricLevels(-1, 0.5, 2) }, "σ = -1"},
		{func() (Levels, error) { return LinearLevels(1, 0) }, "0 linear steps"},
		{func() (Levels, error) { return LinearLevels(math.NaN(), 2) }, "σ = NaN"},
	} {
		if _, err := bad.build(); err == nil || !strings.Contains(err.Error(), bad.fragment) {
			t.Errorf("error %v, want one mentioning %q", err, bad.fragment)
		}
	}
}

// recorder remembers the first point each objective it wraps evaluates.
type recorder struct {
	optim.Objective
	first *[]float64
}

func (r recorder) Eval(theta, grad []float64) (float64, error) {
	if *r.first == nil {
		*r.first = slices.Clone(theta)
	}
	return r.Objective.Eval(theta, grad)
}

// TestContinuationFindsRastriginMinimum: from (3.2, …, 3.2) L-BFGS on
// 5-D Rastrigin stops in a local minimum near the start (f ≥ 1), while
// continuation through its exact smoothings from σ = 1 reaches the global
// minimum f(0) = 0; every level starts at the previous level's solution.
func TestContinuationFindsRastriginMinimum(t *testing.T) {
	f := smooth.Rastrigin{N: 5}
	start := []float64{3.2, 3.2, 3.2, 3.2, 3.2}
	settings := []optim.Settings{{GradientTolerance: 1e-9}}
	lbfgs := func(int) optim.Optimizer { return &optim.LBFGS{} }
	plain, err := optim.Minimize(f, start, lbfgs(0), settings[0])
	if err != nil || plain.F < 1 {
		t.Fatalf("plain L-BFGS: f = %v, %v; want a local minimum with f ≥ 1", plain.F, err)
	}
	levels, err := GeometricLevels(1, 0.7, 6)
	if err != nil {
		t.Fatal(err)
	}
	var firsts [][]float64
	path, err := Continuation{Levels: levels, Method: lbfgs, Settings: settings}.Minimize(func(sigma float64) optim.Objective {
		firsts = append(firsts, nil)
		return recorder{&smooth.Gaussian{Objective: f, Sigma: sigma}, &firsts[len(firsts)-1]}
	}, start)
	if err != nil {
		t.Fatal(err)
	}
	if len(path) != len(levels) {
		t.Fatalf("%d levels recorded, want %d", len(path), len(levels))
	}
	for k, level := range path {
		if level.Sigma != levels[k] || !level.Status.Converged() {
			t.Errorf("level %d: σ = %v (want %v), status %v", k, level.Sigma, levels[k], level.Status)
		}
		want := start
		if k > 0 {
			want = path[k-1].Theta
		}
		if !slices.Equal(firsts[k], want) {
			t.Errorf("level %d started at %v, want the previous solution %v", k, firsts[k], want)
		}
		value, _ := f.EvalSmoothed(level.Sigma, level.Theta, nil)
		if level.F != value {
			t.Errorf("level %d: recorded value %v, g(θ; σ) = %v", k, level.F, value)
		}
	}
	last := path[len(path)-1]
	if last.F > 1e-12 || !(math.Abs(last.Theta[0]) < 1e-6) {
		t.Errorf("continuation ends at f = %v, θ = %v; want the global minimum 0 at 0", last.F, last.Theta)
	}
}

// failAt fails once σ falls to a given width.
type failAt struct {
	smooth.Rastrigin
	sigma, at float64
}

func (f failAt) Eval(theta, grad []float64) (float64, error) {
	if f.sigma <= f.at {
		return 0, errors.New("out of data")
	}
	return f.EvalSmoothed(f.sigma, theta, grad)
}

func TestContinuationErrors(t *testing.T) {
	lbfgs := func(int) optim.Optimizer { return &optim.LBFGS{} }
	failing := func(sigma float64) optim.Objective { return failAt{smooth.Rastrigin{N: 2}, sigma, 0.5} }
	path, err := Continuation{Levels: Levels{1, 0.5, 0}, Method: lbfgs}.Minimize(failing, []float64{1, 1})
	if err == nil || !strings.Contains(err.Error(), "level 1 (σ = 0.5)") || !strings.Contains(err.Error(), "out of data") || len(path) != 2 {
		t.Errorf("failing level: %d levels, error %v; want 2 levels and an error naming level 1 and its cause", len(path), err)
	}
	for _, bad := range []struct {
		c        Continuation
		fragment string
	}{
		{Continuation{Levels: Levels{1}, Method: lbfgs}, "end at σ = 1"},
		{Continuation{Levels: Levels{1, 0}}, "Method is nil"},
		{Continuation{Levels: Levels{1, 0.5, 0}, Method: lbfgs, Settings: make([]optim.Settings, 2)}, "2 settings for 3 levels"},
	} {
		if _, err := bad.c.Minimize(failing, []float64{1, 1}); err == nil || !strings.Contains(err.Error(), bad.fragment) {
			t.Errorf("error %v, want one mentioning %q", err, bad.fragment)
		}
	}
}
