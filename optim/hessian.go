package optim

import (
	"fmt"
	"math"

	"deepopt/internal/finite"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// defaultHessianRelativeStep is the cube root of the float64 machine epsilon,
// about 6.06e-6: for a central difference the truncation error grows as ε² and
// the rounding error as u/ε, and ε = u^(1/3) balances the two (Nocedal & Wright,
// Numerical Optimization, 2nd ed., §8.1, eq. 8.10).
var defaultHessianRelativeStep = math.Cbrt(0x1p-52)

// FiniteDifferenceHessian approximates second derivatives of an Objective by
// central differences of its gradients. Gorgonia computes no second
// derivatives (a second G.Grad silently returns the first-order gradient), so
// Newton and Newton-CG obtain curvature this way.
//
// A Hessian-vector product is
//
//	H(θ)·v ≈ (∇J(θ + εv) − ∇J(θ − εv)) / 2ε,
//	ε = r·(1 + ‖θ‖₂) / ‖v‖₂,
//
// so that the perturbation εv has length r·(1 + ‖θ‖₂): relative to θ when θ
// is large, absolute near θ = 0, and independent of the scale of v. Its error
// is O(r²) from truncation (exact for quadratics) plus O(u/r) from rounding.
//
// The zero value is ready to use; it keeps scratch vectors between calls and
// is not safe for concurrent use.
type FiniteDifferenceHessian struct {
	// RelativeStep is r above. Zero means the cube root of the machine
	// epsilon, about 6.06e-6. Lower it (for instance to 1e-7) for piecewise
	// linear networks (ReLU), whose gradients jump across kinks.
	RelativeStep float64

	point, gradPlus, gradMinus, column []float64
}

// Product writes H(θ)·v into dst by central differences and returns the
// number of gradient evaluations it made: 2, or 0 when v = 0 (then dst = 0).
// theta and v are left unchanged.
func (h *FiniteDifferenceHessian) Product(obj Objective, theta, v, dst []float64) (gradEvals int, err error) {
	n := obj.Dim()
	if len(theta) != n || len(v) != n || len(dst) != n {
		return 0, fmt.Errorf("optim: Hessian-vector product: len(theta) = %d, len(v) = %d, len(dst) = %d, want all equal to the objective's dimension %d", len(theta), len(v), len(dst), n)
	}
	relative := h.RelativeStep
	if relative == 0 {
		relative = defaultHessianRelativeStep
	}
	if !(relative > 0) || math.IsInf(relative, 1) {
		return 0, fmt.Errorf("optim: FiniteDifferenceHessian.RelativeStep = %v; want a finite value > 0, or 0 for the default %.3g", h.RelativeStep, defaultHessianRelativeStep)
	}
	vNorm := floats.Norm(v, 2)
	thetaNorm := floats.Norm(theta, 2)
	if math.IsNaN(vNorm) || math.IsInf(vNorm, 0) || math.IsNaN(thetaNorm) || math.IsInf(thetaNorm, 0) {
		return 0, fmt.Errorf("optim: Hessian-vector product: ‖θ‖ = %v, ‖v‖ = %v; both must be finite", thetaNorm, vNorm)
	}
	if vNorm == 0 {
		clear(dst)
		return 0, nil
	}
	epsilon := relative * (1 + thetaNorm) / vNorm
	h.point = resizeFloats(h.point, n)
	h.gradPlus = resizeFloats(h.gradPlus, n)
	h.gradMinus = resizeFloats(h.gradMinus, n)

	floats.AddScaledTo(h.point, theta, epsilon, v)
	if _, err := obj.Eval(h.point, h.gradPlus); err != nil {
		return 1, fmt.Errorf("optim: Hessian-vector product: gradient at θ + εv: %w", err)
	}
	floats.AddScaledTo(h.point, theta, -epsilon, v)
	if _, err := obj.Eval(h.point, h.gradMinus); err != nil {
		return 2, fmt.Errorf("optim: Hessian-vector product: gradient at θ − εv: %w", err)
	}
	for i := range dst {
		dst[i] = (h.gradPlus[i] - h.gradMinus[i]) / (2 * epsilon)
	}
	if bad := finite.First(dst); bad >= 0 {
		return 2, fmt.Errorf("optim: Hessian-vector product: element %d is %v (ε = %.3g): the gradient is not finite near θ", bad, dst[bad], epsilon)
	}
	return 2, nil
}

// Dense writes the full Hessian at θ into dst, one column H·e_j per Product
// (2n gradient evaluations, returned), symmetrised as (H + Hᵀ)/2 to remove the
// asymmetry that differencing introduces. An empty dst is resized to n×n;
// otherwise it must be n×n. Memory is O(n²): meant for small problems.
func (h *FiniteDifferenceHessian) Dense(obj Objective, theta []float64, dst *mat.SymDense) (gradEvals int, err error) {
	n := obj.Dim()
	if dst == nil {
		return 0, fmt.Errorf("optim: dense Hessian: dst is nil; pass a zero-value *mat.SymDense to have it sized %d×%d", n, n)
	}
	if dst.IsEmpty() {
		dst.ReuseAsSym(n)
	} else if d := dst.SymmetricDim(); d != n {
		return 0, fmt.Errorf("optim: dense Hessian: dst is %d×%d, want %d×%d (or an empty matrix)", d, d, n, n)
	}
	h.column = resizeFloats(h.column, n)
	unit := make([]float64, n)
	for j := range n {
		unit[j] = 1
		evals, err := h.Product(obj, theta, unit, h.column)
		gradEvals += evals
		unit[j] = 0
		if err != nil {
			return gradEvals, fmt.Errorf("optim: dense Hessian, column %d: %w", j, err)
		}
		// SymDense stores the upper triangle. Entry (i, j) with i < j was
		// set from column i; average it with this column's estimate. Entries
		// below the diagonal are parked at (j, i) until column i averages them.
		for i := range j {
			dst.SetSym(i, j, (dst.At(i, j)+h.column[i])/2)
		}
		for i := j; i < n; i++ {
			dst.SetSym(j, i, h.column[i])
		}
	}
	return gradEvals, nil
}
