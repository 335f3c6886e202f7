// Package sgemm is the float32 matrix product of deepopt's dense layers,
// C += A·B, with an AVX2/FMA register-blocked kernel on amd64 processors
// that have them and plain Go elsewhere. Gonum's pure-Go sgemm adds one
// row of B at a time into C with 4-wide SSE instructions, so every
// multiply-add loads and stores C; the kernel keeps a 4×16 block of C in
// eight 8-wide registers for the whole inner dimension, so each step is two
// loads of B, four broadcasts of A and eight fused multiply-adds.
package sgemm

import (
	"runtime"
	"sync"
)

// Matrix is a row-major view of float32 values: element (i, j) is
// Data[i*RowStride + j*ColStride]. A transposed matrix is the same data with
// the strides swapped.
type Matrix struct {
	Data                 []float32
	Rows, Cols           int
	RowStride, ColStride int
}

// parallelWork is the number of multiply-adds above which a product is
// split between two goroutines (about 50 µs of work, against a few µs to
// start and join them).
const parallelWork = 1 << 19

// MulAdd adds A·B to C: C is m×n with unit column stride, A is m×k with any
// strides, B is k×n with unit column stride (its rows contiguous). Large
// products run on up to two goroutines, each on its own rows of C.
func MulAdd(c, a, b Matrix) {
	m, n, k := c.Rows, c.Cols, a.Cols
	if a.Rows != m || b.Rows != k || b.Cols != n || c.ColStride != 1 || b.ColStride != 1 {
		panic("sgemm: shapes or strides do not match")
	}
	if m == 0 || n == 0 || k == 0 {
		return
	}
	if m*n*k < parallelWork || m < 8 || runtime.GOMAXPROCS(0) < 2 {
		mulAdd(c, a, b, 0, m)
		return
	}
	half := m / 2 &^ 3
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		mulAdd(c, a, b, half, m)
	}()
	mulAdd(c, a, b, 0, half)
	wg.Wait()
}

// mulAdd adds rows [i0, i1) of A·B to C: blocks of 4 rows by 16, 8 and 4
// columns on the kernel when it is available, the last n mod 4 columns too
// (B's columns padded with zeros to 4, packed once, the kernel's 4×4 block
// then added to C's columns that exist), and the last i1 − i0 mod 4 rows
// in Go. A classifier's 10 columns are so 8 + 2 on the kernel instead of
// 8 on the kernel and 2 in a loop over the inner dimension in Go, which
// made the products of a softmax head several times their cost.
func mulAdd(c, a, b Matrix, i0, i1 int) {
	n, k := c.Cols, a.Cols
	i := i0
	if useKernel {
		tail := n &^ 3
		var pad []float32
		if tail < n {
			pad = make([]float32, 4*k)
			for l := range k {
				copy(pad[4*l:4*l+4], b.Data[l*b.RowStride+tail:l*b.RowStride+n])
			}
		}
		for ; i+4 <= i1; i += 4 {
			j := 0
			for ; j+16 <= n; j += 16 {
				kernel4x16(k, &a.Data[i*a.RowStride], a.RowStride, a.ColStride, &b.Data[j], b.RowStride, &c.Data[i*c.RowStride+j], c.RowStride)
			}
			for ; j+8 <= n; j += 8 {
				kernel4x8(k, &a.Data[i*a.RowStride], a.RowStride, a.ColStride, &b.Data[j], b.RowStride, &c.Data[i*c.RowStride+j], c.RowStride)
			}
			for ; j+4 <= n; j += 4 {
				kernel4x4(k, &a.Data[i*a.RowStride], a.RowStride, a.ColStride, &b.Data[j], b.RowStride, &c.Data[i*c.RowStride+j], c.RowStride)
			}
			if j < n {
				var block [16]float32
				kernel4x4(k, &a.Data[i*a.RowStride], a.RowStride, a.ColStride, &pad[0], 4, &block[0], 4)
				for r := range 4 {
					ci := c.Data[(i+r)*c.RowStride+j : (i+r)*c.RowStride+n]
					for q := range ci {
						ci[q] += block[4*r+q]
					}
				}
			}
		}
	}
	if i < i1 {
		generic(c, a, b, i, i1, 0, n)
	}
}

// generic adds the block rows [i0, i1) × columns [j0, j1) of A·B to C in Go,
// adding rows of B scaled by A's elements so that the inner loop runs over
// contiguous memory.
func generic(c, a, b Matrix, i0, i1, j0, j1 int) {
	for i := i0; i < i1; i++ {
		ci := c.Data[i*c.RowStride+j0 : i*c.RowStride+j1]
		for l := 0; l < a.Cols; l++ {
			s := a.Data[i*a.RowStride+l*a.ColStride]
			bl := b.Data[l*b.RowStride+j0 : l*b.RowStride+j1]
			for j, v := range bl {
				ci[j] += s * v
			}
		}
	}
}
