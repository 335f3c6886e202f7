package sgemm

import (
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/gonum"
)

// Implementation is gonum's pure-Go BLAS with Sgemm on MulAdd, for
// blas32.Use and Gorgonia's Use: every float32 matrix product of a graph
// (the dense layers' and the convolutions') then runs on the kernel.
type Implementation struct{ gonum.Implementation }

// Sgemm computes C = alpha·op(A)·op(B) + beta·C (row-major, as gonum's
// blas.Float32). With alpha = 1, the products graphs make, it scales C by
// beta, copies op(B) = Bᵀ transposed (a small matrix next to the product's
// work) into a pooled buffer and calls MulAdd, or Mul when beta is 0; other
// alphas go to gonum's Sgemm.
func (impl Implementation) Sgemm(tA, tB blas.Transpose, m, n, k int, alpha float32, a []float32, lda int, b []float32, ldb int, beta float32, c []float32, ldc int) {
	if alpha != 1 || m == 0 || n == 0 {
		impl.Implementation.Sgemm(tA, tB, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
		return
	}
	if beta != 0 && beta != 1 {
		for i := range m {
			row := c[i*ldc : i*ldc+n]
			for j := range row {
				row[j] *= beta
			}
		}
	}
	am := Matrix{Data: a, Rows: m, Cols: k, RowStride: lda, ColStride: 1}
	if tA != blas.NoTrans {
		am.RowStride, am.ColStride = 1, lda
	}
	bm := Matrix{Data: b, Rows: k, Cols: n, RowStride: ldb, ColStride: 1}
	if tB != blas.NoTrans {
		buf := getBuffer(k * n)
		defer putBuffer(buf)
		bt := *buf
		for j := range n {
			for l, v := range b[j*ldb : j*ldb+k] {
				bt[l*n+j] = v
			}
		}
		bm = Matrix{Data: bt, Rows: k, Cols: n, RowStride: n, ColStride: 1}
	}
	cm := Matrix{Data: c, Rows: m, Cols: n, RowStride: ldc, ColStride: 1}
	if beta == 0 {
		Mul(cm, am, bm)
		return
	}
	MulAdd(cm, am, bm)
}
