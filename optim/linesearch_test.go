package optim

import (
	"errors"
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/optimize/functions"
)

// scalarFunction is a 1-D test function φ with its derivative; as an
// Objective of dimension 1, a search from θ = 0 along d = 1 searches φ itself.
type scalarFunction struct {
	name  string
	value func(s float64) float64
	slope func(s float64) float64
}

func (p scalarFunction) Dim() int { return 1 }

func (p scalarFunction) Eval(theta, grad []float64) (float64, error) {
	if grad != nil {
		grad[0] = p.slope(theta[0])
	}
	return p.value(theta[0]), nil
}

// fromGonum adapts one of gonum's 1-D test functions.
func fromGonum(name string, f interface {
	Func([]float64) float64
	Grad([]float64, []float64)
}) scalarFunction {
	return scalarFunction{
		name:  name,
		value: func(s float64) float64 { return f.Func([]float64{s}) },
		slope: func(s float64) float64 {
			g := []float64{0}
			f.Grad(g, []float64{s})
			return g[0]
		},
	}
}

// lineTestFunctions are 1-D functions with φ'(0) < 0: the simple cases of
// simple shapes (a parabola, a cubic, an overshoot) and the six test functions of Moré & Thuente (1994, Table 1–6),
// as gonum implements them.
func lineTestFunctions() []scalarFunction {
	return []scalarFunction{
		{
			name:  "(s−2)²",
			value: func(s float64) float64 { return (s - 2) * (s - 2) },
			slope: func(s float64) float64 { return 2 * (s - 2) },
		},
		{
			// s³ − 3s has its local minimiser at s = 1 (φ' = 3s² − 3).
			name:  "s³−3s",
			value: func(s float64) float64 { return s*s*s - 3*s },
			slope: func(s float64) float64 { return 3*s*s - 3 },
		},
		{
			// −log(1 − s) − 2s is minimal at s = 1/2 and undefined (NaN)
			// from s = 1 on: a first step of 1 or more overshoots into it.
			name:  "−log(1−s)−2s",
			value: func(s float64) float64 { return -math.Log(1-s) - 2*s },
			slope: func(s float64) float64 { return 1/(1-s) - 2 },
		},
		{
			// Minimal at s = 0.01: the full step overshoots by a factor 100.
			name:  "(s−0.01)²",
			value: func(s float64) float64 { return (s - 0.01) * (s - 0.01) },
			slope: func(s float64) float64 { return 2 * (s - 0.01) },
		},
		fromGonum("Moré–Thuente 1 (concave right)", functions.ConcaveRight{}),
		fromGonum("Moré–Thuente 2 (concave left)", functions.ConcaveLeft{}),
		fromGonum("Moré–Thuente 3 (Plassmann)", functions.Plassmann{L: 39, Beta: 0.01}),
		fromGonum("Moré–Thuente 4 (Yanai–Ozawa–Kaneko)", functions.YanaiOzawaKaneko{Beta1: 0.001, Beta2: 0.001}),
		fromGonum("Moré–Thuente 5 (Yanai–Ozawa–Kaneko)", functions.YanaiOzawaKaneko{Beta1: 0.01, Beta2: 0.001}),
		fromGonum("Moré–Thuente 6 (Yanai–Ozawa–Kaneko)", functions.YanaiOzawaKaneko{Beta1: 0.001, Beta2: 0.01}),
	}
}

// lineTestSteps are the first trial steps of Moré & Thuente's experiments.
var lineTestSteps = []float64{1e-3, 1e-1, 1, 10, 1e3}

// searchScalar runs search on φ from s = 0 along d = 1.
func searchScalar(search LineSearcher, phi scalarFunction, s0 float64) (LineResult, error) {
	return search.Search(phi, []float64{0}, phi.value(0), []float64{phi.slope(0)}, []float64{1}, s0)
}

// gonumSearch runs one of gonum's line searchers on φ the way gonum's
// optimize.Minimize drives it, returning the accepted step and the number of
// evaluations of φ.
func gonumSearch(search optimize.Linesearcher, phi scalarFunction, s0 float64) (step float64, evals int, err error) {
	op := search.Init(phi.value(0), phi.slope(0), s0)
	step = s0
	for range 1000 {
		evals++
		op, step, err = search.Iterate(phi.value(step), phi.slope(step))
		if err != nil || op == optimize.MajorIteration {
			return step, evals, err
		}
	}
	return step, evals, errors.New("gonum line search did not finish in 1000 trials")
}

func TestStrongWolfeMeetsConditionsLikeMoreThuente(t *testing.T) {
	for _, c := range []struct{ c1, c2 float64 }{{1e-4, 0.1}, {1e-4, 0.9}, {1e-3, 0.1}} {
		search := &StrongWolfe{DecreaseFactor: c.c1, CurvatureFactor: c.c2}
		ours, theirs := 0, 0
		for _, phi := range lineTestFunctions() {
			f0, slope0 := phi.value(0), phi.slope(0)
			for _, s0 := range lineTestSteps {
				name := fmt.Sprintf("c1=%g c2=%g %s s0=%g", c.c1, c.c2, phi.name, s0)
				result, err := searchScalar(search, phi, s0)
				if err != nil {
					t.Errorf("%s: %v", name, err)
					continue
				}
				s := result.Step
				if result.F != phi.value(s) || len(result.Grad) != 1 || result.Grad[0] != phi.slope(s) {
					t.Errorf("%s: result (F %v, grad %v) is not φ and φ' at the step %v", name, result.F, result.Grad, s)
				}
				if !(result.F <= f0+c.c1*s*slope0) {
					t.Errorf("%s: step %v violates sufficient decrease: φ = %v > %v", name, s, result.F, f0+c.c1*s*slope0)
				}
				if !(math.Abs(result.Grad[0]) <= c.c2*math.Abs(slope0)) {
					t.Errorf("%s: step %v violates the curvature condition: |φ'| = %v > %v", name, s, math.Abs(result.Grad[0]), c.c2*math.Abs(slope0))
				}
				if result.FuncEvals != result.Iters || result.GradEvals != result.Iters {
					t.Errorf("%s: counts %+v; a strong Wolfe trial evaluates J and ∇J once each", name, result)
				}
				if !isFinite(phi.value(s0)) {
					continue // gonum's searchers assume finite values
				}
				ours += result.FuncEvals
				gonumStep, evals, err := gonumSearch(&optimize.MoreThuente{DecreaseFactor: c.c1, CurvatureFactor: c.c2}, phi, s0)
				if err != nil {
					t.Errorf("%s: gonum MoreThuente: %v", name, err)
					continue
				}
				if !(phi.value(gonumStep) <= f0+c.c1*gonumStep*slope0) || !(math.Abs(phi.slope(gonumStep)) <= c.c2*math.Abs(slope0)) {
					t.Errorf("%s: gonum's step %v is not a strong Wolfe point either", name, gonumStep)
				}
				theirs += evals
			}
		}
		t.Logf("c1=%g c2=%g: %d evaluations over the cases with a finite first trial; gonum MoreThuente: %d", c.c1, c.c2, ours, theirs)
		// Quality: within a factor 1.25 of Moré–Thuente over the whole set.
		if float64(ours) > 1.25*float64(theirs) {
			t.Errorf("c1=%g c2=%g: %d evaluations against gonum MoreThuente's %d", c.c1, c.c2, ours, theirs)
		}
	}
}

func TestStrongWolfeFindsMinimiserOfQuadraticWithTightCurvature(t *testing.T) {
	// For (s−2)² the strong Wolfe points with c2 = 1e-6 lie within 2e-6 of 2.
	phi := lineTestFunctions()[0]
	for _, s0 := range lineTestSteps {
		result, err := searchScalar(&StrongWolfe{DecreaseFactor: 1e-7, CurvatureFactor: 1e-6}, phi, s0)
		if err != nil || math.Abs(result.Step-2) > 2e-6 {
			t.Errorf("s0=%g: step %v (want 2 ± 2e-6), err %v", s0, result.Step, err)
		}
	}
}

func TestBacktrackingMatchesGonumAndMeetsArmijo(t *testing.T) {
	for _, phi := range lineTestFunctions() {
		f0, slope0 := phi.value(0), phi.slope(0)
		for _, s0 := range lineTestSteps {
			name := fmt.Sprintf("%s s0=%g", phi.name, s0)
			plain, err := searchScalar(&Backtracking{}, phi, s0)
			if err != nil {
				t.Errorf("%s: %v", name, err)
				continue
			}
			interpolated, err := searchScalar(&Backtracking{Interpolate: true}, phi, s0)
			if err != nil {
				t.Errorf("%s interpolated: %v", name, err)
				continue
			}
			for _, result := range []LineResult{plain, interpolated} {
				s := result.Step
				if !(result.F <= f0+DefaultDecreaseFactor*s*slope0) || result.F != phi.value(s) {
					t.Errorf("%s: step %v with F %v violates Armijo (bound %v) or is not φ(s) = %v", name, s, result.F, f0+DefaultDecreaseFactor*s*slope0, phi.value(s))
				}
				if len(result.Grad) != 1 || result.Grad[0] != phi.slope(s) || result.FuncEvals != result.Iters || result.GradEvals != result.Iters {
					t.Errorf("%s: %+v; a backtracking trial evaluates J and ∇J once each, and the result holds φ'(s) = %v", name, result, phi.slope(s))
				}
				if s > s0 {
					t.Errorf("%s: step %v exceeds the first trial %v", name, s, s0)
				}
			}
			if !isFinite(phi.value(s0)) {
				continue // gonum's searchers assume finite values
			}
			// Without interpolation the search is gonum's Backtracking.
			gonumStep, evals, err := gonumSearch(&optimize.Backtracking{DecreaseFactor: DefaultDecreaseFactor, ContractionFactor: DefaultContraction}, phi, s0)
			if err != nil || gonumStep != plain.Step || evals != plain.FuncEvals {
				t.Errorf("%s: step %v in %d evaluations; gonum Backtracking: %v in %d (err %v)", name, plain.Step, plain.FuncEvals, gonumStep, evals, err)
			}
		}
	}
}

func TestBacktrackingInterpolationSavesEvaluationsOnOvershoot(t *testing.T) {
	// The full step overshoots (s−0.01)² a hundredfold: halving rejects 1,
	// 1/2, …, 1/32 and accepts 1/64 (φ(1/32) = 4.5e-4 > φ(0) = 1e-4); the
	// quadratic model is exact, but the safeguard allows at most a tenfold
	// cut per trial: 1, 0.1, then 0.01.
	phi := lineTestFunctions()[3]
	plain, err1 := searchScalar(&Backtracking{}, phi, 1)
	interpolated, err2 := searchScalar(&Backtracking{Interpolate: true}, phi, 1)
	if err1 != nil || err2 != nil {
		t.Fatal(err1, err2)
	}
	if plain.FuncEvals != 7 || interpolated.FuncEvals != 3 {
		t.Errorf("evaluations: halving %d (want 7: 1, 1/2, …, 1/64), interpolated %d (want 3: 1, 0.1, 0.01)", plain.FuncEvals, interpolated.FuncEvals)
	}
	if math.Abs(interpolated.Step-0.01) > 1e-15 {
		t.Errorf("interpolated step %v, want the exact minimiser 0.01", interpolated.Step)
	}
}

// misleadingSlope is J(θ) = θ with a gradient that claims J decreases along
// d = 1: every trial step increases J, the steps shrink until θ + s·d rounds
// to θ, and the search must stop there rather than loop.
type misleadingSlope struct{}

func (misleadingSlope) Dim() int { return 1 }
func (misleadingSlope) Eval(theta, grad []float64) (float64, error) {
	if grad != nil {
		grad[0] = -1
	}
	return theta[0], nil
}

// objectiveFailure fails every evaluation away from θ = 0.
type objectiveFailure struct{}

var errObjectiveTest = errors.New("test objective failure")

func (objectiveFailure) Dim() int { return 1 }
func (objectiveFailure) Eval(theta, grad []float64) (float64, error) {
	return 0, errObjectiveTest
}

func TestLineSearchesReportFailures(t *testing.T) {
	decreasing := scalarFunction{name: "−s", value: func(s float64) float64 { return -s }, slope: func(float64) float64 { return -1 }}
	notANumber := scalarFunction{name: "NaN", value: func(s float64) float64 { return math.NaN() }, slope: func(float64) float64 { return math.NaN() }}
	quadratic := lineTestFunctions()[0]
	cases := []struct {
		name   string
		search LineSearcher
		obj    Objective
		f0, g0 float64
		s0     float64
		reason LineSearchFailure
		// improves says whether the best point must lie below J(θ).
		improves bool
	}{
		{"Wolfe ascent direction", &StrongWolfe{}, quadratic, 4, 4, 1, LineSearchNotDescent, false},
		{"backtracking zero slope", &Backtracking{}, quadratic, 4, 0, 1, LineSearchNotDescent, false},
		{"Wolfe NaN start", &StrongWolfe{}, quadratic, math.NaN(), -4, 1, LineSearchNonFinite, false},
		{"Wolfe negative step", &StrongWolfe{}, quadratic, 4, -4, -1, LineSearchBadArgument, false},
		{"backtracking infinite step", &Backtracking{}, quadratic, 4, -4, math.Inf(1), LineSearchBadArgument, false},
		{"Wolfe NaN everywhere", &StrongWolfe{}, notANumber, 0, -1, 1, LineSearchNonFinite, false},
		{"backtracking NaN everywhere", &Backtracking{}, notANumber, 0, -1, 1, LineSearchNonFinite, false},
		{"Wolfe unbounded with MaxStep", &StrongWolfe{MaxStep: 100}, decreasing, 0, -1, 1, LineSearchStepLimit, true},
		{"Wolfe unbounded", &StrongWolfe{}, decreasing, 0, -1, 1, LineSearchMaxIterations, true},
		{"Wolfe budget", &StrongWolfe{MaxIterations: 2, DecreaseFactor: 1e-10, CurvatureFactor: 1e-9}, fromGonum("MT3", functions.Plassmann{L: 39, Beta: 0.01}), 1, -1, 10, LineSearchMaxIterations, true},
		{"backtracking budget", &Backtracking{MaxIterations: 3}, quadratic, 4, -4, 1000, LineSearchMaxIterations, false},
		{"Wolfe wrong gradient", &StrongWolfe{MaxIterations: 1000}, misleadingSlope{}, 1, -1, 1, LineSearchNoProgress, false},
		{"backtracking wrong gradient", &Backtracking{MaxIterations: 100}, misleadingSlope{}, 1, -1, 1, LineSearchNoProgress, false},
		{"Wolfe objective error", &StrongWolfe{}, objectiveFailure{}, 0, -1, 1, LineSearchEvaluation, false},
		{"backtracking bad c1", &Backtracking{DecreaseFactor: 2}, quadratic, 4, -4, 1, LineSearchBadArgument, false},
		{"Wolfe c2 below c1", &StrongWolfe{DecreaseFactor: 0.5, CurvatureFactor: 0.1}, quadratic, 4, -4, 1, LineSearchBadArgument, false},
	}
	for _, c := range cases {
		start := 0.0
		if _, misleading := c.obj.(misleadingSlope); misleading {
			start = 1
		}
		result, err := c.search.Search(c.obj, []float64{start}, c.f0, []float64{c.g0}, []float64{1}, c.s0)
		var failure *LineSearchError
		if !errors.As(err, &failure) {
			t.Errorf("%s: error %v, want a *LineSearchError", c.name, err)
			continue
		}
		if failure.Reason != c.reason {
			t.Errorf("%s: reason %v (%v), want %v", c.name, failure.Reason, err, c.reason)
		}
		if result.Step != failure.Best.Step || math.Float64bits(result.F) != math.Float64bits(failure.Best.F) {
			t.Errorf("%s: returned %+v but the error's best point is %+v", c.name, result, failure.Best)
		}
		if math.IsNaN(result.Step) || math.IsNaN(result.F) && !math.IsNaN(c.f0) {
			t.Errorf("%s: best point %+v has NaN", c.name, result)
		}
		if c.improves && !(result.Step > 0 && result.F < c.f0) {
			t.Errorf("%s: best point %+v does not improve on J(θ) = %v", c.name, result, c.f0)
		}
		if c.reason == LineSearchEvaluation && !errors.Is(err, errObjectiveTest) {
			t.Errorf("%s: %v does not wrap the objective's error", c.name, err)
		}
		if !IsLineSearchFailure(fmt.Errorf("wrapped: %w", err)) {
			t.Errorf("%s: IsLineSearchFailure does not see through wrapping", c.name)
		}
	}
}

func TestLineSearchesReuseScratchStorage(t *testing.T) {
	phi := lineTestFunctions()[3]
	var obj Objective = phi // boxed once, outside the measured calls
	theta, g0, d := []float64{0}, []float64{phi.slope(0)}, []float64{1}
	backtracking := &Backtracking{Interpolate: true}
	wolfe := &StrongWolfe{}
	// The only allocation is the returned gradient, which belongs to the caller.
	if allocs := testing.AllocsPerRun(20, func() { _, _ = backtracking.Search(obj, theta, phi.value(0), g0, d, 1) }); allocs != 1 {
		t.Errorf("Backtracking allocates %v times per search, want 1 (the returned gradient)", allocs)
	}
	if allocs := testing.AllocsPerRun(20, func() { _, _ = wolfe.Search(obj, theta, phi.value(0), g0, d, 1) }); allocs != 1 {
		t.Errorf("StrongWolfe allocates %v times per search, want 1 (the returned gradient)", allocs)
	}
}
