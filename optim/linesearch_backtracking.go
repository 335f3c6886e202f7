package optim

import (
	"fmt"
	"math"
)

var _ LineSearcher = (*Backtracking)(nil)

// Defaults of Backtracking.
const (
	// DefaultDecreaseFactor is c1 of the Armijo condition
	// φ(s) ≤ φ(0) + c1·s·φ'(0), the value Nocedal & Wright recommend (§3.1).
	DefaultDecreaseFactor = 1e-4
	// DefaultContraction is ρ of Backtracking: each rejected step is
	// multiplied by ρ (or, with interpolation, by a factor in [0.1, ρ]).
	DefaultContraction = 0.5
	// DefaultBacktrackingIterations bounds the trials of Backtracking: with
	// ρ = 0.5, 50 halvings shrink the step by 10^15.
	DefaultBacktrackingIterations = 50
	// minimumContraction is the smallest factor an interpolated backtracking
	// step may shrink by (the safeguard of Dennis & Schnabel, §6.3.2).
	minimumContraction = 0.1
)

// Backtracking is the backtracking Armijo line search, Algorithm 3.1 of
// Nocedal & Wright (Numerical Optimization, 2nd ed.): from the first trial
// step s0 it shrinks s until the sufficient-decrease (Armijo) condition
//
//	J(θ + s·d) ≤ J(θ) + c1·s·∇J(θ)·d
//
// holds. Without interpolation each rejected step is multiplied by ρ, exactly
// as gonum's optimize.Backtracking; with Interpolate the next step is the
// minimiser of a quadratic (first rejection) or cubic (later ones) model of φ
// (§3.5, eqs. 3.57–3.58), safeguarded to [0.1·s, ρ·s]. A trial with a
// non-finite value or gradient is always contracted by ρ, so a search that
// overshoots into overflow recovers.
//
// Each trial evaluates J and ∇J together, and LineResult.Grad is the gradient
// at the accepted point. The method that called the search needs that
// gradient for its next iterate; evaluating J alone would leave it to ask for
// J and ∇J again at the same point, so every accepted point would be evaluated
// twice (through a Memo, the second request is then served from memory). The
// price is a gradient at each rejected trial, which a value-only search would
// not pay.
//
// The zero value is ready to use: c1 = 1e-4, ρ = 0.5, no interpolation.
type Backtracking struct {
	// DecreaseFactor is c1 ∈ (0, 1); zero means DefaultDecreaseFactor.
	DecreaseFactor float64
	// Contraction is ρ ∈ (0, 1); zero means DefaultContraction.
	Contraction float64
	// Interpolate selects the safeguarded quadratic/cubic step choice.
	Interpolate bool
	// MaxIterations bounds the trial steps; zero means
	// DefaultBacktrackingIterations.
	MaxIterations int

	line lineFunction
}

// Search implements LineSearcher; see Backtracking. A failure returns a
// *LineSearchError and the best point seen.
func (b *Backtracking) Search(obj Objective, theta []float64, f0 float64, g0, d []float64, s0 float64) (LineResult, error) {
	const name = "backtracking"
	line := &b.line
	if err := line.start(name, obj, theta, f0, g0, d, s0); err != nil {
		return err.Best, err
	}
	decrease, contraction, maxIterations, err := b.settings()
	if err != nil {
		failure := line.fail(LineSearchBadArgument, err.Error())
		return failure.Best, failure
	}
	step := s0
	previousStep, previousValue := 0.0, 0.0
	for iteration := range maxIterations {
		f, _, err := line.valueAndSlope(step)
		if err != nil {
			return err.Best, err
		}
		if f <= f0+decrease*step*line.slope0 {
			return line.accept(step, f), nil
		}
		next := contraction * step
		if b.Interpolate && isFinite(f) {
			var candidate float64
			var ok bool
			if iteration == 0 || !isFinite(previousValue) {
				candidate, ok = quadraticMinimizer(f0, line.slope0, step, f)
			} else {
				candidate, ok = backtrackCubicMinimizer(f0, line.slope0, previousStep, previousValue, step, f)
			}
			next = safeguard(candidate, math.Min(minimumContraction, contraction)*step, contraction*step, ok)
		}
		previousStep, previousValue = step, f
		step = next
	}
	failure := line.budgetExhausted(maxIterations, previousStep)
	return failure.Best, failure
}

// settings returns the effective c1, ρ and trial budget.
func (b *Backtracking) settings() (decrease, contraction float64, maxIterations int, err error) {
	decrease, contraction, maxIterations = b.DecreaseFactor, b.Contraction, b.MaxIterations
	if decrease == 0 {
		decrease = DefaultDecreaseFactor
	}
	if contraction == 0 {
		contraction = DefaultContraction
	}
	if maxIterations == 0 {
		maxIterations = DefaultBacktrackingIterations
	}
	switch {
	case !(decrease > 0 && decrease < 1):
		return 0, 0, 0, fmt.Errorf("Backtracking.DecreaseFactor = %v; want c1 in (0, 1), or 0 for %g", b.DecreaseFactor, DefaultDecreaseFactor)
	case !(contraction > 0 && contraction < 1):
		return 0, 0, 0, fmt.Errorf("Backtracking.Contraction = %v; want ρ in (0, 1), or 0 for %g", b.Contraction, DefaultContraction)
	case maxIterations < 0:
		return 0, 0, 0, fmt.Errorf("Backtracking.MaxIterations = %d; want a positive count, or 0 for %d", b.MaxIterations, DefaultBacktrackingIterations)
	}
	return decrease, contraction, maxIterations, nil
}
