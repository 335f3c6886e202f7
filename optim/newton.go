package optim

import (
	"cmp"
	"errors"
	"fmt"
	"math"

	"deepopt/internal/bounds"
	"deepopt/internal/finite"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

var _ Optimizer = (*Newton)(nil)

// Defaults of Newton.
const (
	// DefaultNewtonBeta is β of Algorithm 3.3 of Nocedal & Wright: the first
	// shift tried when the Hessian's diagonal is not positive.
	DefaultNewtonBeta = 1e-3
	// DefaultNewtonMaxDim bounds the dimension Newton accepts: a dense Hessian
	// of n = 1000 takes 8 MB, 2000 gradient evaluations and n³/3 ≈ 3·10⁸
	// flops to factorise per step.
	DefaultNewtonMaxDim = 1000
	// newtonMaxShifts bounds the trial factorisations of Algorithm 3.3; the
	// shift doubles each time, so 100 trials reach β·2⁹⁹ ≈ 6·10²⁶.
	newtonMaxShifts = 100
)

// Newton is Newton's method with a dense finite-difference Hessian: the
// lecture's Algorithm 1 (g = ∇J, H = ∇²J, Δθ = −H⁻¹g), made globally
// convergent in two ways (Nocedal & Wright, Numerical Optimization, 2nd ed.,
// §3.4):
//
//   - H is replaced by H + τI with the smallest τ of the sequence of their
//     Algorithm 3.3, "Cholesky with added multiple of the identity": τ = 0 if
//     min Hᵢᵢ > 0, else τ = β − min Hᵢᵢ; while the Cholesky factorisation
//     fails, τ ← max(2τ, β). The direction d = −(H + τI)⁻¹g is then a descent
//     direction even where H is indefinite, so the method is not attracted to
//     saddle points the way plain Newton is.
//   - a line search along d starts with the full Newton step s = 1 (the learning
//     rate lr is ignored), which is accepted near a minimiser, where the
//     method converges quadratically.
//
// With Undamped set, the method is the plain iteration θ ← θ − H⁻¹g (τ = 0, a
// full step, no line search): it seeks any stationary point, saddles included.
//
// Each Step evaluates 2n gradients for the Hessian (FiniteDifferenceHessian)
// and stores n² numbers; above MaxDim it refuses, and NewtonCG, which needs
// only Hessian-vector products, is the method for large n.
//
// The zero value is ready to use. Newton keeps no state between steps.
type Newton struct {
	// LineSearch chooses the step length along the Newton direction; nil
	// means Armijo backtracking (Backtracking with its defaults).
	LineSearch LineSearcher
	// Beta is β of Algorithm 3.3; zero means DefaultNewtonBeta.
	Beta float64
	// MaxDim is the largest dimension accepted; zero means
	// DefaultNewtonMaxDim.
	MaxDim int
	// Undamped selects plain Newton: τ = 0 and a full step, solved by LU
	// decomposition. It fails at a singular Hessian and may step uphill or
	// to a saddle point; it exists to show why damping is needed.
	Undamped bool
	// Hessian differences gradients; its zero value is the default.
	Hessian FiniteDifferenceHessian

	hessian      mat.SymDense
	shifted      mat.SymDense
	cholesky     mat.Cholesky
	direction    []float64
	damping      float64
	backtracking Backtracking
}

// LastDamping returns τ of the last Step: the multiple of the identity added
// to the Hessian (0 when the Hessian was positive definite, and always 0 for
// undamped Newton).
func (n *Newton) LastDamping() float64 { return n.damping }

// Validate reports every setting out of range, as *bounds.Error: a Beta
// that is negative or not finite (0 selects DefaultNewtonBeta) and a
// negative MaxDim (0 selects DefaultNewtonMaxDim).
func (n *Newton) Validate() error {
	return errors.Join(
		bounds.Check("Newton.Beta", n.Beta, bounds.NonNegative, fmt.Sprintf("0 selects the default %v", DefaultNewtonBeta)),
		checkMaxDim("Newton", n.MaxDim, DefaultNewtonMaxDim),
	)
}

// Step performs one Newton iteration from θ; see Newton. A zero gradient
// leaves θ unchanged (a stationary point: there is no descent direction).
// Step checks the settings with Validate.
func (n *Newton) Step(obj Objective, theta []float64, loss float64, grad []float64, lr float64) (Info, error) {
	if err := n.Validate(); err != nil {
		return Info{}, err
	}
	dim := obj.Dim()
	if err := checkStepArguments("Newton", dim, theta, grad); err != nil {
		return Info{}, err
	}
	maxDim := cmp.Or(n.MaxDim, DefaultNewtonMaxDim)
	if dim > maxDim {
		return Info{}, fmt.Errorf("optim: Newton: dimension %d exceeds MaxDim %d (a dense Hessian needs n² memory and n³ time); use newton-cg (NewtonCG), which needs only Hessian-vector products, or raise MaxDim", dim, maxDim)
	}
	n.damping = 0
	if floats.Norm(grad, math.Inf(1)) == 0 {
		return Info{}, nil
	}
	evals, err := n.Hessian.Dense(obj, theta, &n.hessian)
	info := Info{FuncEvals: evals, GradEvals: evals}
	if err != nil {
		return info, fmt.Errorf("optim: Newton: %w", err)
	}
	n.direction = resizeFloats(n.direction, dim)
	if n.Undamped {
		if err := n.undampedDirection(grad); err != nil {
			return info, err
		}
		movePoint(theta, theta, 1, n.direction)
		info.StepLength = 1
		return info, nil
	}
	if err := n.dampedDirection(grad); err != nil {
		return info, err
	}
	if _, err := searchAlong(lineSearchOrDefault(n.LineSearch, &n.backtracking), obj, theta, loss, grad, n.direction, 1, &info); err != nil {
		return info, fmt.Errorf("optim: Newton: line search along the Newton direction: %w", err)
	}
	return info, nil
}

// undampedDirection solves H·d = −g by LU decomposition into n.direction.
func (n *Newton) undampedDirection(grad []float64) error {
	dim := len(grad)
	if err := mat.NewVecDense(dim, n.direction).SolveVec(&n.hessian, negated(grad)); err != nil {
		return fmt.Errorf("optim: undamped Newton: solving H·d = −g: %w; the Hessian is singular here, use damped Newton (Undamped = false)", err)
	}
	if bad := finite.First(n.direction); bad >= 0 {
		return fmt.Errorf("optim: undamped Newton: direction element %d is %v; the Hessian is singular here, use damped Newton (Undamped = false)", bad, n.direction[bad])
	}
	return nil
}

// dampedDirection solves (H + τI)·d = −g into n.direction, τ from
// Algorithm 3.3, and checks that d is a descent direction.
func (n *Newton) dampedDirection(grad []float64) error {
	dim := len(grad)
	if err := n.factorizeShifted(dim); err != nil {
		return err
	}
	if err := n.cholesky.SolveVecTo(mat.NewVecDense(dim, n.direction), negated(grad)); err != nil {
		// A Condition error means H + τI is positive definite but badly
		// conditioned; its solution is still a descent direction, which the
		// line search scales, so only other errors stop the step.
		var condition mat.Condition
		if !errors.As(err, &condition) {
			return fmt.Errorf("optim: Newton: solving (H + τI)·d = −g with τ = %g: %w", n.damping, err)
		}
	}
	slope := floats.Dot(grad, n.direction)
	if bad := finite.First(n.direction); bad >= 0 || !(slope < 0) {
		return fmt.Errorf("optim: Newton: no descent direction (g·d = %v, τ = %g); the Hessian is too ill-conditioned here, use newton-cg (NewtonCG) or a first-order method", slope, n.damping)
	}
	return nil
}

// negated returns −g as a new vector.
func negated(grad []float64) *mat.VecDense {
	negative := mat.NewVecDense(len(grad), nil)
	negative.ScaleVec(-1, mat.NewVecDense(len(grad), grad))
	return negative
}

// factorizeShifted runs Algorithm 3.3 of Nocedal & Wright on n.hessian,
// leaving the Cholesky factor of H + τI in n.cholesky and τ in n.damping.
func (n *Newton) factorizeShifted(dim int) error {
	beta := cmp.Or(n.Beta, DefaultNewtonBeta)
	minDiagonal := math.Inf(1)
	for i := range dim {
		minDiagonal = math.Min(minDiagonal, n.hessian.At(i, i))
	}
	tau := 0.0
	if !(minDiagonal > 0) {
		tau = beta - minDiagonal
	}
	if n.shifted.IsEmpty() || n.shifted.SymmetricDim() != dim {
		n.shifted = *mat.NewSymDense(dim, nil)
	}
	for range newtonMaxShifts {
		n.shifted.CopySym(&n.hessian)
		for i := range dim {
			n.shifted.SetSym(i, i, n.hessian.At(i, i)+tau)
		}
		if n.cholesky.Factorize(&n.shifted) {
			n.damping = tau
			return nil
		}
		tau = math.Max(2*tau, beta)
	}
	return fmt.Errorf("optim: Newton: H + τI is not positive definite even for τ = %g after %d trials; the Hessian is not finite or is badly scaled here", tau, newtonMaxShifts)
}

// State returns an empty State: Newton keeps nothing between steps.
func (n *Newton) State() State { return State{} }

// SetState accepts only an empty State, the one State returns.
func (n *Newton) SetState(state State) error { return expectEmptyState("Newton", state) }
