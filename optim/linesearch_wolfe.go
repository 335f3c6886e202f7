package optim

import (
	"fmt"
	"math"
)

var _ LineSearcher = (*StrongWolfe)(nil)

// Defaults of StrongWolfe.
const (
	// DefaultCurvatureFactor is c2 of the strong Wolfe condition
	// |φ'(s)| ≤ c2·|φ'(0)| for quasi-Newton methods (Nocedal & Wright §3.1).
	DefaultCurvatureFactor = 0.9
	// CGCurvatureFactor is the c2 Nocedal & Wright recommend for nonlinear
	// conjugate gradients (§5.2), which need a more exact search to produce
	// descent directions.
	CGCurvatureFactor = 0.1
	// DefaultWolfeIterations bounds the trial steps of StrongWolfe: enough to
	// grow a step by 4^20 ≈ 10^12 while bracketing and still zoom.
	DefaultWolfeIterations = 40
	// wolfeSafeguard keeps an interpolated zoom trial at least this fraction
	// of the bracket away from either end.
	wolfeSafeguard = 0.1
	// flatness is the relative difference below which two values of φ count
	// as equal: near a minimiser φ changes by less than the rounding error of
	// J (which for J = ½θᵀAθ − bᵀθ is far above u·|J|, as its terms cancel),
	// while φ' still points the way. Equal values let the sign of φ' decide
	// which end of a bracket a trial replaces, and let the derivative form
	// of the sufficient-decrease test apply (the approximate Wolfe
	// conditions of Hager & Zhang, 2005). Decreases of J below 1e-12·|J|
	// matter to no application of this package.
	flatness = 1e-12
	// Bracketing growth: a new trial step lies between 0.1 and 4 times the
	// last increment beyond the last step. Moré & Thuente (1994) use 1.1 as
	// the lower factor; 0.1 lets the cubic model stop just past a slope that
	// has nearly vanished, which saves about a tenth of the evaluations of
	// nonlinear CG on the known-problem table.
	wolfeMinGrowth, wolfeMaxGrowth = 0.1, 4.0
)

// StrongWolfe is the line search of Nocedal & Wright (Numerical Optimization,
// 2nd ed.), Algorithms 3.5 (bracketing) and 3.6 (zoom), with safeguarded cubic
// interpolation (eq. 3.59). It returns a step s satisfying the strong Wolfe
// conditions
//
//	φ(s) ≤ φ(0) + c1·s·φ'(0)   and   |φ'(s)| ≤ c2·|φ'(0)|,
//
// where φ(s) = J(θ + s·d). While no bracket is known, each new trial is the
// minimiser of the cubic through the last two points, kept between 0.1 and 4
// times the last increment beyond the last trial (4 when the cubic has no
// minimiser there, as in Moré & Thuente's algorithm); inside a
// bracket each trial is the cubic minimiser kept a tenth of the bracket away
// from its ends, or the midpoint when the cubic has no minimiser.
//
// Near a minimiser, J changes by less than its own rounding error while ∇J is
// still accurate, and comparisons of values decide nothing. So values of φ
// within 1e-12·|φ| of each other count as equal, the sign of φ' then decides
// how a bracket shrinks, and a trial whose value equals φ(0) in this sense
// passes the sufficient-decrease test if and only if φ'(s) ≤ (1 − 2c1)·|φ'(0)|
// (the approximate Wolfe condition of Hager & Zhang, 2005, eq. 4.1, exact for
// a quadratic). This lets methods drive ‖∇J‖ far below √u·|J|. A trial with
// a non-finite value or slope closes the bracket from above, so a first step
// that overflows is recovered from. Every trial evaluates J and ∇J, and the
// accepted point's gradient is returned in LineResult.Grad.
//
// The zero value is ready to use with c1 = 1e-4 and c2 = 0.9; nonlinear CG
// wants c2 = CGCurvatureFactor.
type StrongWolfe struct {
	// DecreaseFactor is c1; zero means DefaultDecreaseFactor.
	DecreaseFactor float64
	// CurvatureFactor is c2 ∈ (c1, 1); zero means DefaultCurvatureFactor.
	CurvatureFactor float64
	// MaxStep bounds the step; zero means no bound.
	MaxStep float64
	// MaxIterations bounds the trial steps; zero means
	// DefaultWolfeIterations.
	MaxIterations int

	line lineFunction
}

// wolfePoint is a trial step with φ and φ' there.
type wolfePoint struct{ step, value, slope float64 }

// Search implements LineSearcher; see StrongWolfe. A failure returns a
// *LineSearchError and the best point seen.
func (w *StrongWolfe) Search(obj Objective, theta []float64, f0 float64, g0, d []float64, s0 float64) (LineResult, error) {
	line := &w.line
	if err := line.start("strong Wolfe", obj, theta, f0, g0, d, s0); err != nil {
		return err.Best, err
	}
	if err := w.checkSettings(); err != nil {
		failure := line.fail(LineSearchBadArgument, err.Error())
		return failure.Best, failure
	}
	result, failure := w.search(s0)
	if failure != nil {
		return failure.Best, failure
	}
	return result, nil
}

// search runs the bracketing phase, Algorithm 3.5 of Nocedal & Wright.
func (w *StrongWolfe) search(s0 float64) (LineResult, *LineSearchError) {
	line := &w.line
	maxStep, maxIterations := w.maxStep(), w.maxIterations()
	previous := wolfePoint{0, line.f0, line.slope0}
	step := math.Min(s0, maxStep)
	for line.result.Iters < maxIterations {
		f, slope, err := line.valueAndSlope(step)
		if err != nil {
			return LineResult{}, err
		}
		current := wolfePoint{step, f, slope}
		if !isFinite(f) || !w.sufficientDecrease(step, f, slope) || (line.result.Iters > 1 && f > previous.value+flatness*math.Abs(previous.value)) {
			return w.zoom(previous, current)
		}
		if w.curvatureHolds(slope) {
			return line.accept(step, f), nil
		}
		if slope >= 0 {
			return w.zoom(current, previous)
		}
		if step >= maxStep {
			return LineResult{}, line.fail(LineSearchStepLimit, fmt.Sprintf("step reached MaxStep = %g with φ'(s) = %g still below −c2·|φ'(0)|; J may be unbounded below along d", maxStep, slope))
		}
		increment := step - previous.step
		lower, upper := step+wolfeMinGrowth*increment, step+wolfeMaxGrowth*increment
		next, ok := cubicMinimizer(previous.step, previous.value, previous.slope, step, f, slope)
		if !ok || next < lower || next > upper {
			next = upper
		}
		previous = current
		step = math.Min(next, maxStep)
	}
	return LineResult{}, line.budgetExhausted(maxIterations, step)
}

// zoom narrows the bracket between low (the lowest point satisfying the
// sufficient-decrease condition) and high to a strong Wolfe point,
// Algorithm 3.6 of Nocedal & Wright.
func (w *StrongWolfe) zoom(low, high wolfePoint) (LineResult, *LineSearchError) {
	line := &w.line
	maxIterations := w.maxIterations()
	for line.result.Iters < maxIterations {
		width := high.step - low.step
		// The bracket is exhausted when its ends are equal in float64, as
		// steps or as points θ + s·d.
		if math.Abs(width) <= 0x1p-52*math.Max(math.Abs(low.step), math.Abs(high.step)) || line.samePoint(low.step, high.step) {
			return LineResult{}, line.fail(LineSearchNoProgress, fmt.Sprintf("bracket [%g, %g] is narrower than float64 resolves after %d trials; θ is a minimiser along d to machine precision or the gradient is inconsistent with J", math.Min(low.step, high.step), math.Max(low.step, high.step), line.result.Iters))
		}
		trial, ok := 0.0, false
		if isFinite(high.value) {
			trial, ok = cubicMinimizer(low.step, low.value, low.slope, high.step, high.value, high.slope)
		}
		near, far := low.step+wolfeSafeguard*width, high.step-wolfeSafeguard*width
		trial = safeguard(trial, math.Min(near, far), math.Max(near, far), ok)
		f, slope, err := line.valueAndSlope(trial)
		if err != nil {
			return LineResult{}, err
		}
		current := wolfePoint{trial, f, slope}
		if !isFinite(f) || !w.sufficientDecrease(trial, f, slope) || f > low.value+flatness*math.Abs(low.value) {
			high = current
			continue
		}
		if w.curvatureHolds(slope) {
			return line.accept(trial, f), nil
		}
		if slope*width >= 0 {
			high = low
		}
		low = current
	}
	return LineResult{}, line.budgetExhausted(maxIterations, low.step)
}

// sufficientDecrease is the Armijo condition φ(s) ≤ φ(0) + c1·s·φ'(0). Where
// φ(s) equals φ(0) to rounding error (|φ(s) − φ(0)| ≤ 1e-12·|φ(0)|), the
// values cannot tell, and its derivative form φ'(s) ≤ (1 − 2c1)·|φ'(0)|
// decides instead: the approximate Wolfe condition of Hager & Zhang (2005,
// eq. 4.1), equivalent to Armijo's for a quadratic φ.
func (w *StrongWolfe) sufficientDecrease(step, f, slope float64) bool {
	f0, slope0, c1 := w.line.f0, w.line.slope0, w.decreaseFactor()
	if math.Abs(f-f0) <= flatness*math.Abs(f0) {
		return slope <= (1-2*c1)*-slope0
	}
	return f <= f0+c1*step*slope0
}

// curvatureHolds is the strong curvature condition |φ'(s)| ≤ c2·|φ'(0)|.
func (w *StrongWolfe) curvatureHolds(slope float64) bool {
	return math.Abs(slope) <= -w.curvatureFactor()*w.line.slope0
}

func (w *StrongWolfe) decreaseFactor() float64 {
	if w.DecreaseFactor == 0 {
		return DefaultDecreaseFactor
	}
	return w.DecreaseFactor
}

func (w *StrongWolfe) curvatureFactor() float64 {
	if w.CurvatureFactor == 0 {
		return DefaultCurvatureFactor
	}
	return w.CurvatureFactor
}

func (w *StrongWolfe) maxStep() float64 {
	if w.MaxStep == 0 {
		return math.Inf(1)
	}
	return w.MaxStep
}

func (w *StrongWolfe) maxIterations() int {
	if w.MaxIterations == 0 {
		return DefaultWolfeIterations
	}
	return w.MaxIterations
}

// checkSettings reports settings out of range.
func (w *StrongWolfe) checkSettings() error {
	c1, c2 := w.decreaseFactor(), w.curvatureFactor()
	switch {
	case !(c1 > 0 && c1 < 1):
		return fmt.Errorf("StrongWolfe.DecreaseFactor = %v; want c1 in (0, 1), or 0 for %g", w.DecreaseFactor, DefaultDecreaseFactor)
	case !(c2 > c1 && c2 < 1):
		return fmt.Errorf("StrongWolfe.CurvatureFactor = %v; want c2 in (c1, 1) = (%g, 1), or 0 for %g", w.CurvatureFactor, c1, DefaultCurvatureFactor)
	case !(w.maxStep() > 0):
		return fmt.Errorf("StrongWolfe.MaxStep = %v; want a step > 0, or 0 for no bound", w.MaxStep)
	case w.MaxIterations < 0:
		return fmt.Errorf("StrongWolfe.MaxIterations = %d; want a positive count, or 0 for %d", w.MaxIterations, DefaultWolfeIterations)
	}
	return nil
}
