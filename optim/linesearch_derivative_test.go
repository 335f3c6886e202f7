package optim

import (
	"errors"
	"math"
	"testing"
)

// lineTestMinimizers are the closed-form minimisers of the first four
// lineTestFunctions, the ones DerivativeSearch must find from every first
// step: 2, 1 (φ' = 3s² − 3), 1/2 (φ' = 1/(1 − s) − 2) and 0.01.
var lineTestMinimizers = []float64{2, 1, 0.5, 0.01}

func TestDerivativeSearchMeetsItsSlopeTolerance(t *testing.T) {
	for _, tolerance := range []float64{0.1, DefaultSlopeTolerance, 1e-10} {
		for i, phi := range lineTestFunctions() {
			for _, s0 := range lineTestSteps {
				search := &DerivativeSearch{SlopeTolerance: tolerance}
				result, err := searchScalar(search, phi, s0)
				if err != nil {
					t.Errorf("%s, s0 = %g, tolerance %g: %v", phi.name, s0, tolerance, err)
					continue
				}
				slope0 := phi.slope(0)
				if slope := phi.slope(result.Step); math.Abs(slope) > tolerance*math.Abs(slope0) {
					t.Errorf("%s, s0 = %g: |φ'(%g)| = %.3g > %g·|φ'(0)|", phi.name, s0, result.Step, math.Abs(slope), tolerance)
				}
				if result.F != phi.value(result.Step) || result.F > phi.value(0) || len(result.Grad) != 1 || result.Grad[0] != phi.slope(result.Step) {
					t.Errorf("%s, s0 = %g: result %+v; want F = φ(s) ≤ φ(0) = %v and Grad = φ'(s)", phi.name, s0, result, phi.value(0))
				}
				// |s − s*| ≤ |φ'(s)|/min φ'' ≈ 1e-10·|φ'(0)|/φ''(s*), with
				// φ'' ≥ 2 near every s* here.
				if i < len(lineTestMinimizers) && tolerance == 1e-10 {
					if miss := math.Abs(result.Step - lineTestMinimizers[i]); miss > 1e-9 {
						t.Errorf("%s, s0 = %g: s = %.15g, |s − s*| = %.3g", phi.name, s0, result.Step, miss)
					}
				}
			}
		}
	}
}

func TestDerivativeSearchSolvesAParabolaInTwoTrials(t *testing.T) {
	// φ' is linear: the secant through any two trials is exact, so the
	// search needs the first trial and the secant root, provided the
	// extrapolation bound 4·s0 beyond s0 reaches the minimiser.
	for _, phi := range []scalarFunction{lineTestFunctions()[0], lineTestFunctions()[3]} {
		for _, s0 := range []float64{1, 10, 1e3} {
			result, err := searchScalar(&DerivativeSearch{SlopeTolerance: 1e-12}, phi, s0)
			if err != nil || result.Iters != 2 {
				t.Errorf("%s, s0 = %g: %d trials, err %v; want 2", phi.name, s0, result.Iters, err)
			}
		}
	}
}

func TestDerivativeSearchWorksWhereValuesDoNotResolve(t *testing.T) {
	// φ(s) = 1000 + 5e-15·(s − 2)² is 1000 in float64 for every s near 2
	// (an ulp of 1000 is 1.1e-13), while φ'(s) = 1e-14·(s − 2) is exact:
	// only the derivative shows where the minimiser is.
	flat := scalarFunction{
		name:  "1000 + 5e-15(s−2)²",
		value: func(s float64) float64 { return 1000 + 5e-15*(s-2)*(s-2) },
		slope: func(s float64) float64 { return 1e-14 * (s - 2) },
	}
	if flat.value(0) != flat.value(2) {
		t.Fatalf("φ(0) = %v ≠ φ(2) = %v; the test needs values that do not resolve", flat.value(0), flat.value(2))
	}
	for _, s0 := range lineTestSteps {
		result, err := searchScalar(&DerivativeSearch{SlopeTolerance: 1e-10}, flat, s0)
		if err != nil || math.Abs(result.Step-2) > 1e-9 {
			t.Errorf("s0 = %g: step %.15g, err %v; want 2", s0, result.Step, err)
		}
	}
}

func TestDerivativeSearchStaysInTheFirstBasin(t *testing.T) {
	// φ'(s) = −(s − 0.2)(s − 3): a minimiser at 0.2, a maximum at 3, and
	// φ falls again beyond. At s0 = 4, φ' < 0 but φ(4) ≈ 1.87 > φ(0) = 0, so
	// the trial closes the bracket and the search returns to s = 0.2.
	bump := scalarFunction{
		name:  "−s³/3 + 1.6s² − 0.6s",
		value: func(s float64) float64 { return -s*s*s/3 + 1.6*s*s - 0.6*s },
		slope: func(s float64) float64 { return -(s - 0.2) * (s - 3) },
	}
	result, err := searchScalar(&DerivativeSearch{SlopeTolerance: 1e-10}, bump, 4)
	if err != nil || math.Abs(result.Step-0.2) > 1e-9 || !(result.F < 0) {
		t.Errorf("step %.15g, φ = %v, err %v; want the minimiser 0.2 with φ < 0", result.Step, result.F, err)
	}
}

func TestDerivativeSearchAcceptsTheLastFloatBeforeAnUnrepresentableMinimiser(t *testing.T) {
	// φ(s) = ½(s − m)² with m = 1 + 2⁻⁵³, which lies halfway between the
	// float64 numbers 1 and 1 + 2⁻⁵²: φ'(1) < 0 < φ'(1 + 2⁻⁵²), no tolerance
	// of 1e-20·|φ'(0)| is reachable, and the search must stop at s = 1.
	const m = 0x1p-53
	unreachable := scalarFunction{
		name:  "½(s − 1 − 2⁻⁵³)²",
		value: func(s float64) float64 { return 0.5 * (s - 1 - m) * (s - 1 - m) },
		slope: func(s float64) float64 { return s - 1 - m },
	}
	result, err := searchScalar(&DerivativeSearch{SlopeTolerance: 1e-20}, unreachable, 0.5)
	if err != nil || result.Step != 1 || len(result.Grad) != 1 || result.Grad[0] != unreachable.slope(1) {
		t.Errorf("result %+v, err %v; want step 1 with its gradient", result, err)
	}
}

func TestDerivativeSearchReportsFailures(t *testing.T) {
	decreasing := scalarFunction{name: "−s", value: func(s float64) float64 { return -s }, slope: func(float64) float64 { return -1 }}
	notANumber := scalarFunction{name: "NaN", value: func(s float64) float64 { return math.NaN() }, slope: func(float64) float64 { return math.NaN() }}
	quadratic := lineTestFunctions()[0]
	cases := []struct {
		name   string
		search *DerivativeSearch
		obj    Objective
		start  float64
		f0, g0 float64
		reason LineSearchFailure
	}{
		{"ascent direction", &DerivativeSearch{}, quadratic, 0, 4, 4, LineSearchNotDescent},
		{"NaN start", &DerivativeSearch{}, quadratic, 0, math.NaN(), -4, LineSearchNonFinite},
		{"tolerance 1", &DerivativeSearch{SlopeTolerance: 1}, quadratic, 0, 4, -4, LineSearchBadArgument},
		{"negative budget", &DerivativeSearch{MaxIterations: -1}, quadratic, 0, 4, -4, LineSearchBadArgument},
		{"NaN everywhere", &DerivativeSearch{}, notANumber, 0, 0, -1, LineSearchNonFinite},
		{"unbounded", &DerivativeSearch{}, decreasing, 0, 0, -1, LineSearchMaxIterations},
		{"budget", &DerivativeSearch{MaxIterations: 1}, quadratic, 0, 4, -4, LineSearchMaxIterations},
		{"wrong gradient", &DerivativeSearch{MaxIterations: 1000}, misleadingSlope{}, 1, 1, -1, LineSearchNoProgress},
		{"objective error", &DerivativeSearch{}, objectiveFailure{}, 0, 0, -1, LineSearchEvaluation},
	}
	for _, c := range cases {
		result, err := c.search.Search(c.obj, []float64{c.start}, c.f0, []float64{c.g0}, []float64{1}, 1)
		var failure *LineSearchError
		if !errors.As(err, &failure) || failure.Reason != c.reason {
			t.Errorf("%s: error %v, want a *LineSearchError for %v", c.name, err, c.reason)
			continue
		}
		if result.Step != failure.Best.Step || math.Float64bits(result.F) != math.Float64bits(failure.Best.F) {
			t.Errorf("%s: returned %+v but the error's best point is %+v", c.name, result, failure.Best)
		}
	}
}

func TestDerivativeSearchReusesScratchStorage(t *testing.T) {
	phi := lineTestFunctions()[1]
	var obj Objective = phi // boxed once, outside the measured calls
	theta, g0, d := []float64{0}, []float64{phi.slope(0)}, []float64{1}
	search := &DerivativeSearch{}
	// The only allocation is the returned gradient, which belongs to the caller.
	if allocs := testing.AllocsPerRun(20, func() { _, _ = search.Search(obj, theta, phi.value(0), g0, d, 10) }); allocs != 1 {
		t.Errorf("DerivativeSearch allocates %v times per search, want 1 (the returned gradient)", allocs)
	}
}
