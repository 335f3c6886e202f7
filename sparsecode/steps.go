package sparsecode

import (
	"math"

	"gonum.org/v1/gonum/mat"
)

// The inner solvers of the two block steps sweep until no coordinate (code)
// or atom (dictionary) moves by more than innerTolerance relative to the
// block's largest entry, or for maxSweeps sweeps.
const (
	innerTolerance = 1e-10
	maxSweeps      = 1000
)

// CodeStep minimises J over the codes H with the dictionary W fixed, in
// place: for each example x (a column of X) the lasso
// min_h ‖x − Wᵀh‖² + λ‖h‖₁, by cyclic coordinate descent from the current
// codes (Friedman et al. 2007, "Pathwise coordinate optimization"). Each
// coordinate update is the exact minimiser in that coordinate, the soft
// threshold h_i = S(b_i − Σ_{l≠i} G_il h_l, λ/2) / G_ii with G = WWᵀ and
// b = Wx, so J never increases. It returns the largest number of sweeps an
// example took.
func (p Problem) CodeStep(W, H *mat.Dense) int {
	var gram, b mat.Dense
	gram.Mul(W, W.T())
	b.Mul(W, p.X)
	atoms, examples := H.Dims()
	h, bj, q := make([]float64, atoms), make([]float64, atoms), make([]float64, atoms)
	worst := 0
	for j := range examples {
		mat.Col(h, j, H)
		mat.Col(bj, j, &b)
		// q = G h, kept up to date as coordinates change.
		for i := range q {
			q[i] = dot(gram.RawRowView(i), h)
		}
		sweeps := 0
		for sweeps < maxSweeps {
			sweeps++
			moved, largest := 0.0, 0.0
			for i := range h {
				gii := gram.At(i, i)
				next := 0.0
				if gii > 0 {
					next = softThreshold(bj[i]-(q[i]-gii*h[i]), p.Lambda/2) / gii
				}
				if delta := next - h[i]; delta != 0 {
					for l, g := range gram.RawRowView(i) { // G is symmetric
						q[l] += delta * g
					}
					h[i] = next
					moved = math.Max(moved, math.Abs(delta))
				}
				largest = math.Max(largest, math.Abs(h[i]))
			}
			if moved <= innerTolerance*largest {
				break
			}
		}
		worst = max(worst, sweeps)
		H.SetCol(j, h)
	}
	return worst
}

// softThreshold is S(z, τ) = sign(z)·max(|z| − τ, 0), the proximal map of
// τ|·|.
func softThreshold(z, tau float64) float64 {
	switch {
	case z > tau:
		return z - tau
	case z < -tau:
		return z + tau
	}
	return 0
}

// DictionaryStep minimises J over the dictionary W with the codes H fixed,
// in place: the least squares min_W ‖X − WᵀH‖² subject to ‖w_i‖ ≤ 1 for
// every atom, by block coordinate descent over the atoms (Mairal et al.
// 2010, Algorithm 2). With A = HHᵀ and B = HXᵀ, the objective in atom i is
// A_ii‖w_i‖² − 2⟨w_i, B_i − Σ_{l≠i} A_il w_l⟩ + const, an isotropic
// quadratic, so projecting its unconstrained minimiser onto the unit ball
// is the exact minimiser in the ball and J never increases. Sweeps end at
// the constrained least-squares solution, where (A + diag μ)W = B with
// multipliers μ_i ≥ 0 that vanish unless ‖w_i‖ = 1. An atom no example
// uses (A_ii = 0) does not affect J and is left as it is. It returns the
// number of sweeps.
func (p Problem) DictionaryStep(W, H *mat.Dense) int {
	var a, b mat.Dense
	a.Mul(H, H.T())
	b.Mul(H, p.X.T())
	atoms, features := W.Dims()
	u := make([]float64, features)
	sweeps := 0
	for sweeps < maxSweeps {
		sweeps++
		moved, largest := 0.0, 0.0
		for i := range atoms {
			aii := a.At(i, i)
			if aii == 0 {
				continue
			}
			// u = w_i + (B_i − Σ_l A_il w_l) / A_ii
			copy(u, b.RawRowView(i))
			for l, ail := range a.RawRowView(i) {
				if ail != 0 {
					for f, w := range W.RawRowView(l) {
						u[f] -= ail * w
					}
				}
			}
			wi := W.RawRowView(i)
			for f := range u {
				u[f] = wi[f] + u[f]/aii
			}
			scale := 1 / math.Max(1, math.Sqrt(dot(u, u)))
			for f := range u {
				next := u[f] * scale
				moved = math.Max(moved, math.Abs(next-wi[f]))
				largest = math.Max(largest, math.Abs(next))
				wi[f] = next
			}
		}
		if moved <= innerTolerance*largest {
			break
		}
	}
	return sweeps
}
