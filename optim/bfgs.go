package optim

import (
	"cmp"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

var _ Optimizer = (*BFGS)(nil)

// DefaultBFGSMaxDim bounds the dimension BFGS accepts by default: its dense
// inverse Hessian holds n² numbers (32 MB at n = 2000) and each step costs
// O(n²) operations.
const DefaultBFGSMaxDim = 2000

// curvatureSkipTolerance is ε of the test sᵀy > ε‖s‖‖y‖ that a curvature
// pair must pass to update a quasi-Newton approximation (Nocedal & Wright
// §6.1 and §18.3 skip or damp updates that fail it): about √u, so pairs whose
// s and y are orthogonal to rounding error are not used.
const curvatureSkipTolerance = 1e-8

// pendingPair is what a quasi-Newton method (BFGS, LBFGS) keeps of its last
// step to form the curvature pair s_k = θ_{k+1} − θ_k, y_k = g_{k+1} − g_k at
// the next one: g_k and s_k (nil until a step succeeds), and the count of
// steps taken.
type pendingPair struct {
	previousGrad, displacement []float64
	iteration                  int
}

// record keeps the step that took θ from start, with gradient grad, to
// theta.
func (p *pendingPair) record(start, theta, grad []float64) {
	p.displacement = resizeFloats(p.displacement, len(theta))
	floats.SubTo(p.displacement, theta, start)
	p.previousGrad = append(p.previousGrad[:0], grad...)
	p.iteration++
}

// BFGS is the BFGS quasi-Newton method, Algorithm 6.1 of Nocedal & Wright
// (Numerical Optimization, 2nd ed.), on a dense approximation H of the
// inverse Hessian: d = −H·g, a strong Wolfe line search with first trial
// step 1, and with s = θ_{k+1} − θ_k, y = g_{k+1} − g_k, ρ = 1/sᵀy, the update
// (eq. 6.17)
//
//	H ← (I − ρ·s·yᵀ)·H·(I − ρ·y·sᵀ) + ρ·s·sᵀ.
//
// H starts as the identity; before the first update it is rescaled to
// (sᵀy/yᵀy)·I (eq. 6.20). An update is skipped when sᵀy ≤ ε‖s‖‖y‖ with
// ε = 1e-8, which keeps H positive definite. If d is not a descent
// direction, or the line search fails along d, H is reset to the identity
// and the step is retried along −g (from the best point the failed search
// saw) before a failure is reported. The first step, and any step from the
// identity, tries lr (1/‖g‖∞ when lr = 0) first.
//
// BFGS stores n² numbers; above MaxDim it refuses, and LBFGS, which stores
// 2m vectors, is the method for large n.
//
// The zero value is ready to use: StrongWolfe with c2 = 0.9, MaxDim =
// DefaultBFGSMaxDim.
type BFGS struct {
	// LineSearch chooses the step; nil means StrongWolfe with its defaults.
	LineSearch LineSearcher
	// MaxDim is the largest dimension accepted; zero means
	// DefaultBFGSMaxDim.
	MaxDim int

	defaultSearch StrongWolfe
	method        lineSearchMethod

	// inverse is H; scaled reports that it has been rescaled from the
	// identity (eq. 6.20), so H = I exactly when scaled is false.
	inverse mat.SymDense
	scaled  bool
	pendingPair

	direction, difference, product []float64
}

// Step performs one BFGS iteration; see BFGS.
func (b *BFGS) Step(obj Objective, theta []float64, loss float64, grad []float64, lr float64) (Info, error) {
	return b.method.step("BFGS", b, b.search(), obj, theta, loss, grad, lr)
}

// nextDirection implements nextDirectioner: it applies the update with the
// pending pair and returns d = −H·g, or −g from the identity (after a reset
// when −H·g is not a descent direction), with first trial step 1 (lr or
// 1/‖g‖∞ from the identity).
func (b *BFGS) nextDirection(grad []float64, lr float64) (direction []float64, s0 float64, steepest, restarted bool) {
	n := len(grad)
	if b.inverse.SymmetricDim() != n {
		b.resetInverse(n)
	}
	b.direction = resizeFloats(b.direction, n)
	b.difference = resizeFloats(b.difference, n)
	b.product = resizeFloats(b.product, n)
	if b.previousGrad != nil {
		b.update(grad)
	}
	d := mat.NewVecDense(n, b.direction)
	d.MulVec(&b.inverse, mat.NewVecDense(n, grad))
	floats.Scale(-1, b.direction)
	if b.scaled && !(floats.Dot(grad, b.direction) < 0) {
		b.resetInverse(n)
		floats.ScaleTo(b.direction, -1, grad)
		restarted = true
	}
	steepest = !b.scaled
	s0 = 1.0
	if steepest {
		s0 = initialStep(lr, grad)
	}
	return b.direction, s0, steepest, restarted
}

// moved implements nextDirectioner: a restart resets H to the identity, and
// the pending pair spans the whole move, restarts included (the secant
// condition H·y = s holds for any two points).
func (b *BFGS) moved(start, theta, grad []float64, outcome searchOutcome) {
	if outcome.restarted {
		b.resetInverse(len(theta))
	}
	b.record(start, theta, grad)
}

// update applies the BFGS update (eq. 6.17) with the pending pair, or skips
// it when the curvature condition fails.
func (b *BFGS) update(grad []float64) {
	n := len(grad)
	s := b.displacement
	y := b.difference
	floats.SubTo(y, grad, b.previousGrad)
	sy := floats.Dot(s, y)
	if !(sy > curvatureSkipTolerance*floats.Norm(s, 2)*floats.Norm(y, 2)) {
		return
	}
	if !b.scaled {
		scale := sy / floats.Dot(y, y)
		for i := range n {
			b.inverse.SetSym(i, i, scale)
		}
		b.scaled = true
	}
	// H ← H + (sᵀy + yᵀHy)/(sᵀy)²·s·sᵀ − (Hy·sᵀ + s·(Hy)ᵀ)/sᵀy.
	sVector, yVector := mat.NewVecDense(n, s), mat.NewVecDense(n, y)
	hy := mat.NewVecDense(n, b.product)
	hy.MulVec(&b.inverse, yVector)
	yhy := floats.Dot(y, b.product)
	b.inverse.SymRankOne(&b.inverse, (sy+yhy)/(sy*sy), sVector)
	b.inverse.RankTwo(&b.inverse, -1/sy, hy, sVector)
}

// resetInverse sets H to the n×n identity.
func (b *BFGS) resetInverse(n int) {
	if b.inverse.SymmetricDim() != n {
		b.inverse = *mat.NewSymDense(n, nil)
	} else {
		b.inverse.Zero()
	}
	for i := range n {
		b.inverse.SetSym(i, i, 1)
	}
	b.scaled = false
}

// search returns the configured line search or the default strong Wolfe.
func (b *BFGS) search() LineSearcher {
	if b.LineSearch != nil {
		return b.LineSearch
	}
	return &b.defaultSearch
}

// Validate reports a negative MaxDim (0 selects DefaultBFGSMaxDim), as a
// *bounds.Error.
func (b *BFGS) Validate() error { return checkMaxDim("BFGS", b.MaxDim, DefaultBFGSMaxDim) }

// checkSettings implements nextDirectioner: it refuses dimensions above
// MaxDim.
func (b *BFGS) checkSettings(n int) error {
	if err := b.Validate(); err != nil {
		return err
	}
	maxDim := cmp.Or(b.MaxDim, DefaultBFGSMaxDim)
	if n > maxDim {
		return fmt.Errorf("optim: BFGS: %d parameters exceed MaxDim = %d (a dense inverse Hessian needs n² = %.3g numbers); use lbfgs (LBFGS), which stores 2m vectors, or raise MaxDim", n, maxDim, float64(n)*float64(n))
	}
	return checkMemoryDimension("BFGS", n, b.previousGrad)
}

// Reset forgets H and the pending pair, so the next Step starts from the
// identity; call it when the objective changes.
func (b *BFGS) Reset() {
	if n := b.inverse.SymmetricDim(); n > 0 {
		b.resetInverse(n)
	}
	b.previousGrad, b.displacement = nil, nil
}

// bfgsStateKeys name BFGS's State: H row by row (empty before the first
// step), whether it has been rescaled (0 or 1), the pending g_k and s_k
// (empty when none) and the iteration count.
var bfgsStateKeys = []string{"inverseHessian", "scaled", "previousGradient", "displacement", "iteration"}

// State returns the memory named by bfgsStateKeys.
func (b *BFGS) State() State {
	n := b.inverse.SymmetricDim()
	inverse := make([]float64, 0, n*n)
	for i := range n {
		for j := range n {
			inverse = append(inverse, b.inverse.At(i, j))
		}
	}
	scaled := 0.0
	if b.scaled {
		scaled = 1
	}
	return State{
		"inverseHessian":   inverse,
		"scaled":           {scaled},
		"previousGradient": append([]float64{}, b.previousGrad...),
		"displacement":     append([]float64{}, b.displacement...),
		"iteration":        {float64(b.iteration)},
	}
}

// SetState restores a State returned by State.
func (b *BFGS) SetState(state State) error {
	const method = "BFGS"
	if err := checkStateKeys(method, state, bfgsStateKeys); err != nil {
		return err
	}
	n := int(math.Sqrt(float64(len(state["inverseHessian"]))))
	if n*n != len(state["inverseHessian"]) {
		return fmt.Errorf("optim: BFGS: State[\"inverseHessian\"] has length %d, not the square of a dimension", len(state["inverseHessian"]))
	}
	if err := b.checkSettings(n); err != nil {
		return err
	}
	previousGrad, err := stateVector(method, state, "previousGradient", n, true)
	if err != nil {
		return err
	}
	displacement, err := stateVector(method, state, "displacement", len(previousGrad), true)
	if err != nil {
		return err
	}
	scaled, err := stateCounter(method, state, "scaled")
	if err != nil || scaled > 1 {
		return fmt.Errorf("optim: BFGS: State[\"scaled\"] = %v; want 0 or 1", state["scaled"])
	}
	iteration, err := stateCounter(method, state, "iteration")
	if err != nil {
		return err
	}
	inverse := state["inverseHessian"]
	for i := range n {
		for j := i + 1; j < n; j++ {
			if inverse[i*n+j] != inverse[j*n+i] {
				return fmt.Errorf("optim: BFGS: State[\"inverseHessian\"] is not symmetric at (%d, %d): %v ≠ %v", i, j, inverse[i*n+j], inverse[j*n+i])
			}
		}
	}
	if n == 0 {
		b.inverse = mat.SymDense{}
	} else {
		b.inverse = *mat.NewSymDense(n, append([]float64(nil), inverse...))
	}
	b.scaled = scaled == 1
	b.previousGrad, b.displacement = previousGrad, displacement
	b.iteration = iteration
	return nil
}
