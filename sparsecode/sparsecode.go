// Package sparsecode learns a dictionary and sparse codes for data by
// minimising the sparse coding objective of the lecture,
//
//	J(H, W) = Σ_ij (X − WᵀH)²_ij + λ Σ_ij |H_ij|,
//
// with X the p×m data (one example per column), W the k×p dictionary (one
// atom per row) and H the k×m codes. J is not convex in (H, W) jointly but
// is convex in each block, the lecture's example of block coordinate
// descent: BlockCoordinateDescent alternates an exact code step (the lasso
// in H) and an exact dictionary step (least squares in W). ProximalGradient
// descends on both blocks at once, for comparison.
//
// The atoms' norms are bounded, ‖w_i‖ ≤ 1. Without a bound J has no
// minimiser to speak of: scaling W by c and H by 1/c keeps WᵀH and divides
// the penalty by c, so descent shrinks H and grows W without end (the
// caveat of Goodfellow et al. 2016, §8.7.2). A bound by a ball rather than
// a sphere (Mairal et al. 2010, "Online learning for matrix factorization
// and sparse coding", eq. 5; Lee et al. 2007) keeps the dictionary step
// convex, so it is solved exactly.
package sparsecode

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// Problem is the data and the sparsity weight of J.
type Problem struct {
	// X is the p×m data matrix, one example per column.
	X *mat.Dense
	// Lambda is the weight λ ≥ 0 of the ℓ1 penalty on the codes.
	Lambda float64
}

// Validate reports missing or empty data, a non-finite entry of X (naming
// its position) and a negative or non-finite λ.
func (p Problem) Validate() error {
	if p.X == nil || p.X.IsEmpty() {
		return fmt.Errorf("sparsecode: no data; X must be a p×m matrix with one example per column")
	}
	rows, cols := p.X.Dims()
	for i := range rows {
		for j := range cols {
			if v := p.X.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("sparsecode: X[%d, %d] (feature %d of example %d) is %v; remove or impute non-finite values first", i, j, i, j, v)
			}
		}
	}
	if !(p.Lambda >= 0) || math.IsInf(p.Lambda, 1) {
		return fmt.Errorf("sparsecode: λ = %v; want a finite sparsity weight ≥ 0", p.Lambda)
	}
	return nil
}

// Init returns a starting dictionary of the given number of atoms, each a
// distinct example of X chosen at random (seeded) and scaled to unit norm
// (a zero example gives a random unit atom), and zero codes.
func (p Problem) Init(atoms int, seed uint64) (W, H *mat.Dense, err error) {
	if err := p.Validate(); err != nil {
		return nil, nil, err
	}
	features, examples := p.X.Dims()
	if atoms < 1 {
		return nil, nil, fmt.Errorf("sparsecode: dictionary of %d atoms; want at least 1", atoms)
	}
	if atoms > examples {
		return nil, nil, fmt.Errorf("sparsecode: dictionary of %d atoms from %d examples; want at most one atom per example to start from", atoms, examples)
	}
	rng := rand.New(rand.NewPCG(seed, 0))
	W = mat.NewDense(atoms, features, nil)
	for i, j := range rng.Perm(examples)[:atoms] {
		atom := W.RawRowView(i)
		mat.Col(atom, j, p.X)
		norm := math.Sqrt(dot(atom, atom))
		if norm == 0 {
			for f := range atom {
				atom[f] = rng.NormFloat64()
			}
			norm = math.Sqrt(dot(atom, atom))
		}
		for f := range atom {
			atom[f] /= norm
		}
	}
	return W, mat.NewDense(atoms, examples, nil), nil
}

// J returns the objective at (H, W) and its two parts, the squared
// reconstruction error and the penalty λ‖H‖₁.
func (p Problem) J(W, H *mat.Dense) (j, residual, penalty float64) {
	var r mat.Dense
	r.Mul(W.T(), H)
	r.Sub(p.X, &r)
	residual = frobenius2(&r)
	penalty = p.Lambda * l1(H)
	return residual + penalty, residual, penalty
}

// l1 is Σ |H_ij|.
func l1(H *mat.Dense) float64 {
	sum := 0.0
	rows, _ := H.Dims()
	for i := range rows {
		for _, v := range H.RawRowView(i) {
			sum += math.Abs(v)
		}
	}
	return sum
}

// dot is Σ a_i b_i.
func dot(a, b []float64) float64 {
	sum := 0.0
	for i := range a {
		sum += a[i] * b[i]
	}
	return sum
}
