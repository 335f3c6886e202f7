package optim

import (
	"fmt"
	"math"

	"deepopt/internal/bounds"

	"gonum.org/v1/gonum/floats"
)

var _ Optimizer = (*NewtonCG)(nil)

// DefaultNewtonCGMaxInner caps the inner conjugate-gradient iterations per
// step when the dimension is larger, as Martens (2010, "Deep learning via
// Hessian-free optimization") caps them at 250 for networks.
const DefaultNewtonCGMaxInner = 250

// NewtonCG is line-search Newton-CG, also called truncated Newton: Algorithm
// 7.1 of Nocedal & Wright (Numerical Optimization, 2nd ed.). Each step solves
// the Newton system H·p = −g approximately by conjugate gradients, using only
// Hessian-vector products (FiniteDifferenceHessian: two gradient evaluations
// each, counted in Info), so it needs O(n) memory and scales to networks:
//
//	z₀ = 0, r₀ = g, d₀ = −g
//	for j = 0, 1, …:
//	    if dⱼᵀHdⱼ ≤ 0: p = −g if j = 0, else p = zⱼ; stop (negative curvature)
//	    αⱼ = rⱼᵀrⱼ / dⱼᵀHdⱼ; zⱼ₊₁ = zⱼ + αⱼdⱼ; rⱼ₊₁ = rⱼ + αⱼHdⱼ
//	    if ‖rⱼ₊₁‖ < η‖g‖: p = zⱼ₊₁; stop
//	    βⱼ₊₁ = rⱼ₊₁ᵀrⱼ₊₁ / rⱼᵀrⱼ; dⱼ₊₁ = −rⱼ₊₁ + βⱼ₊₁dⱼ
//
// with the forcing term η = min(0.5, √‖g‖), which makes the outer iteration
// superlinearly convergent (their Theorem 7.2). The inner loop also stops
// after MaxInner iterations with p = z. A line search along p then starts from
// the full step s = 1 (the learning rate lr is ignored).
//
// The zero value is ready to use. NewtonCG keeps no state between steps.
type NewtonCG struct {
	// LineSearch chooses the step length along p; nil means Armijo
	// backtracking (Backtracking with its defaults).
	LineSearch LineSearcher
	// MaxInner bounds the inner CG iterations per step; zero means
	// min(n, DefaultNewtonCGMaxInner). Exact CG solves an n-dimensional
	// positive definite system in at most n iterations.
	MaxInner int
	// ForcingTerm, when positive, replaces the forcing sequence
	// min(0.5, √‖g‖) by this constant relative residual η, for instance 1e-10
	// to solve the Newton system to high accuracy.
	ForcingTerm float64
	// Hessian differences gradients; its zero value is the default.
	Hessian FiniteDifferenceHessian

	solution, residual, conjugate, curvature []float64
	last                                     NewtonCGStats
	backtracking                             Backtracking
}

// NewtonCGStats describes the inner solve of one NewtonCG step.
type NewtonCGStats struct {
	// InnerIterations is the number of Hessian-vector products.
	InnerIterations int
	// NegativeCurvature reports that the inner loop met dᵀHd ≤ 0 and
	// stopped there; with InnerIterations == 1 the step was steepest descent.
	NegativeCurvature bool
	// RelativeResidual is ‖H·p + g‖ / ‖g‖ as tracked by the CG recurrence
	// (1 for the steepest-descent fallback, whose residual CG did not reach).
	RelativeResidual float64
}

// LastStats returns the statistics of the last Step's inner solve.
func (n *NewtonCG) LastStats() NewtonCGStats { return n.last }

// Validate reports a negative MaxInner (a *bounds.Error) and a ForcingTerm
// outside [0, 1). Step calls it.
func (n *NewtonCG) Validate() error {
	if n.MaxInner < 0 {
		return fmt.Errorf("optim: %w", &bounds.Error{Field: "NewtonCG.MaxInner", Value: n.MaxInner,
			Want: fmt.Sprintf("an integer ≥ 0 (0 means min(n, %d) inner iterations)", DefaultNewtonCGMaxInner)})
	}
	if math.IsNaN(n.ForcingTerm) || n.ForcingTerm < 0 || n.ForcingTerm >= 1 {
		return fmt.Errorf("optim: NewtonCG.ForcingTerm = %v; want a relative residual in (0, 1), or 0 for min(0.5, √‖g‖)", n.ForcingTerm)
	}
	return nil
}

// Step performs one Newton-CG iteration from θ; see NewtonCG. A zero gradient
// leaves θ unchanged.
func (n *NewtonCG) Step(obj Objective, theta []float64, loss float64, grad []float64, lr float64) (Info, error) {
	dim := obj.Dim()
	if err := checkStepArguments("NewtonCG", dim, theta, grad); err != nil {
		return Info{}, err
	}
	if err := n.Validate(); err != nil {
		return Info{}, err
	}
	n.last = NewtonCGStats{}
	gradNorm := floats.Norm(grad, 2)
	if gradNorm == 0 {
		return Info{}, nil
	}
	if math.IsNaN(gradNorm) || math.IsInf(gradNorm, 0) {
		return Info{}, fmt.Errorf("optim: NewtonCG: ‖∇J‖ = %v; the gradient must be finite", gradNorm)
	}
	direction, info, err := n.solveNewtonSystem(obj, theta, grad, gradNorm)
	if err != nil {
		return info, err
	}
	if _, err := searchAlong(lineSearchOrDefault(n.LineSearch, &n.backtracking), obj, theta, loss, grad, direction, 1, &info); err != nil {
		return info, fmt.Errorf("optim: NewtonCG: line search along the Newton-CG direction: %w", err)
	}
	return info, nil
}

// solveNewtonSystem runs the inner CG loop of Algorithm 7.1 and returns the
// search direction p (owned by n) with the evaluations it made.
func (n *NewtonCG) solveNewtonSystem(obj Objective, theta, grad []float64, gradNorm float64) ([]float64, Info, error) {
	dim := len(theta)
	maxInner := n.MaxInner
	if maxInner == 0 {
		maxInner = min(dim, DefaultNewtonCGMaxInner)
	}
	forcing := n.ForcingTerm
	if forcing == 0 {
		forcing = math.Min(0.5, math.Sqrt(gradNorm))
	}
	tolerance := forcing * gradNorm

	n.solution = resizeFloats(n.solution, dim)
	n.residual = resizeFloats(n.residual, dim)
	n.conjugate = resizeFloats(n.conjugate, dim)
	n.curvature = resizeFloats(n.curvature, dim)
	z, r, d, hd := n.solution, n.residual, n.conjugate, n.curvature
	clear(z)
	copy(r, grad)
	floats.ScaleTo(d, -1, grad)
	residualSquared := gradNorm * gradNorm

	var info Info
	for j := range maxInner {
		evals, err := n.Hessian.Product(obj, theta, d, hd)
		info.FuncEvals += evals
		info.GradEvals += evals
		n.last.InnerIterations = j + 1
		if err != nil {
			return nil, info, fmt.Errorf("optim: NewtonCG: inner iteration %d: %w", j, err)
		}
		dHd := floats.Dot(d, hd)
		if !(dHd > 0) {
			if math.IsNaN(dHd) {
				return nil, info, fmt.Errorf("optim: NewtonCG: inner iteration %d: curvature dᵀHd is NaN", j)
			}
			n.last.NegativeCurvature = true
			if j == 0 {
				floats.ScaleTo(z, -1, grad)
				n.last.RelativeResidual = 1
			}
			return z, info, nil
		}
		alpha := residualSquared / dHd
		floats.AddScaled(z, alpha, d)
		floats.AddScaled(r, alpha, hd)
		nextSquared := floats.Dot(r, r)
		n.last.RelativeResidual = math.Sqrt(nextSquared) / gradNorm
		if math.Sqrt(nextSquared) < tolerance {
			break
		}
		beta := nextSquared / residualSquared
		residualSquared = nextSquared
		for i := range d {
			d[i] = -r[i] + beta*d[i]
		}
	}
	return z, info, nil
}

// State returns an empty State: NewtonCG keeps nothing between steps.
func (n *NewtonCG) State() State { return State{} }

// SetState accepts only an empty State, the one State returns.
func (n *NewtonCG) SetState(state State) error { return expectEmptyState("NewtonCG", state) }
