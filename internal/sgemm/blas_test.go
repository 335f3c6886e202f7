package sgemm

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// TestSgemm compares Implementation.Sgemm with gonum's on every
// combination of transposes, alpha 1 and 0.5, beta 0, 1 and 0.25, and
// leading dimensions wider than the matrices: within 1e-5 relative to
// 1 + Σ|a·b|.
func TestSgemm(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	m, n, k, pad := 9, 21, 13, 3
	for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
		for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			for _, alpha := range []float32{1, 0.5} {
				for _, beta := range []float32{0, 1, 0.25} {
					ra, ca, rb, cb := m, k, k, n
					if tA == blas.Trans {
						ra, ca = k, m
					}
					if tB == blas.Trans {
						rb, cb = n, k
					}
					lda, ldb, ldc := ca+pad, cb+pad, n+pad
					a, b, c := randoms(rng, ra*lda), randoms(rng, rb*ldb), randoms(rng, m*ldc)
					want := append([]float32(nil), c...)
					Implementation{}.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
					gonum.Implementation{}.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, want, ldc)
					for i := range m {
						for j := range ldc {
							got, ref := float64(c[i*ldc+j]), float64(want[i*ldc+j])
							if j >= n && got != ref {
								t.Fatalf("tA %v tB %v: C[%d,%d] outside the matrix changed", tA, tB, i, j)
							}
							if math.Abs(got-ref) > 1e-5*(1+float64(k)*4) {
								t.Fatalf("tA %v tB %v alpha %g beta %g: C[%d,%d] = %g, gonum %g", tA, tB, alpha, beta, i, j, got, ref)
							}
						}
					}
				}
			}
		}
	}
}
