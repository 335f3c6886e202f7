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
		transpose(*buf, b, n, k, ldb)
		bm = Matrix{Data: *buf, Rows: k, Cols: n, RowStride: n, ColStride: 1}
	}
	cm := Matrix{Data: c, Rows: m, Cols: n, RowStride: ldc, ColStride: 1}
	if beta == 0 {
		Mul(cm, am, bm)
		return
	}
	MulAdd(cm, am, bm)
}

// transpose writes into bt the k×n transpose of B, n×k with rows ldb apart:
// on the kernel, 8 rows of B by 8 columns at a time (transpose8), the last
// k mod 8 columns of those rows 8 values per write; otherwise, and for the
// last rows, four rows of B at a time, so that each write is four adjacent
// values (one at a time, every write would touch another cache line).
func transpose(bt, b []float32, n, k, ldb int) {
	j := 0
	if k8 := k &^ 7; useKernel && k8 > 0 {
		for ; j+8 <= n; j += 8 {
			_, _ = b[(j+7)*ldb+k8-1], bt[(k8-1)*n+j+7] // what transpose8 reads and writes
			transpose8(k8/8, &b[j*ldb], ldb, &bt[j], n)
			for l := k8; l < k; l++ {
				o := bt[l*n+j : l*n+j+8 : l*n+j+8]
				for r := range o {
					o[r] = b[(j+r)*ldb+l]
				}
			}
		}
	}
	for ; j+4 <= n; j += 4 {
		r0, r1, r2, r3 := b[j*ldb:j*ldb+k], b[(j+1)*ldb:(j+1)*ldb+k], b[(j+2)*ldb:(j+2)*ldb+k], b[(j+3)*ldb:(j+3)*ldb+k]
		for l := range r0 {
			o := bt[l*n+j : l*n+j+4 : l*n+j+4]
			o[0], o[1], o[2], o[3] = r0[l], r1[l], r2[l], r3[l]
		}
	}
	for ; j < n; j++ {
		for l, v := range b[j*ldb : j*ldb+k] {
			bt[l*n+j] = v
		}
	}
}
