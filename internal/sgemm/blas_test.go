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

// TestTranspose checks transpose against B(j, l) → bt[l*n + j] written one
// value at a time, on the kernel and in Go, for every n and k up to 27 (8×8
// blocks and their remainders in both directions), rows of B padded.
func TestTranspose(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	saved := useKernel
	defer func() { useKernel = saved }()
	for _, kernel := range []bool{saved, false} {
		useKernel = kernel
		for n := 1; n <= 27; n++ {
			for k := 1; k <= 27; k++ {
				ldb := k + 3
				b := randoms(rng, (n-1)*ldb+k)
				got := randoms(rng, k*n)
				transpose(got, b, n, k, ldb)
				for j := range n {
					for l := range k {
						if got[l*n+j] != b[j*ldb+l] {
							t.Fatalf("kernel %t, n %d, k %d: bt[%d·n + %d] = %g, B(%d, %d) = %g", kernel, n, k, l, j, got[l*n+j], j, l, b[j*ldb+l])
						}
					}
				}
			}
		}
	}
}
