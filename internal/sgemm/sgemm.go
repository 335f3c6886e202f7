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
func MulAdd(c, a, b Matrix) { product(c, a, b, false) }

// Mul writes A·B into C, with the bits of clearing C and then MulAdd, but
// without reading C: the kernels start from zero.
func Mul(c, a, b Matrix) { product(c, a, b, true) }

// product is MulAdd, or Mul if zero.
func product(c, a, b Matrix, zero bool) {
	m, n, k := c.Rows, c.Cols, a.Cols
	if a.Rows != m || b.Rows != k || b.Cols != n || c.ColStride != 1 || b.ColStride != 1 {
		panic("sgemm: shapes or strides do not match")
	}
	if m == 0 || n == 0 {
		return
	}
	if k == 0 {
		if zero {
			clearRows(c, 0, m, 0, n)
		}
		return
	}
	var pad []float32
	if useKernel && n%4 != 0 && m >= 4 {
		buf := getBuffer(4 * k)
		defer putBuffer(buf)
		pad = *buf
		tail := n &^ 3
		for l := range k {
			copy(pad[4*l:4*l+4], b.Data[l*b.RowStride+tail:l*b.RowStride+n])
			clear(pad[4*l+n-tail : 4*l+4])
		}
	}
	if m*n*k < parallelWork || m < 8 || runtime.GOMAXPROCS(0) < 2 {
		mulAdd(c, a, b, pad, zero, 0, m)
		return
	}
	half := m / 2 &^ 3
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		mulAdd(c, a, b, pad, zero, half, m)
	}()
	mulAdd(c, a, b, pad, zero, 0, half)
	wg.Wait()
}

// kernel is the signature of the assembly kernels (kernel_amd64.go).
type kernel func(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool)

// rowBlocks are the heights of C's row blocks, tallest first, with their
// kernels for 16, 8 and 4 columns; the 16-column kernel covers sub16 rows
// per call.
var rowBlocks = [...]struct {
	rows, sub16 int
	k16, k8, k4 kernel
}{
	{12, 6, kernel6x16, kernel12x8, kernel12x4},
	{4, 4, kernel4x16, kernel4x8, kernel4x4},
}

// mulAdd adds rows [i0, i1) of A·B to C: on the kernel when it is
// available, in blocks of 12 rows and then 4, each by 16 columns (6×16
// kernels), then 8 and 4; the last n mod 4 columns too, from pad (B's
// columns padded with zeros to 4, see MulAdd) into a zeroed block whose
// columns that exist are then added to C; the last i1 − i0 mod 4 rows in
// Go. A classifier's 10 columns are so 8 + 2 on the kernel instead of 8 on
// the kernel and 2 in a loop over the inner dimension in Go, which made the
// products of a softmax head several times their cost. With zero, those
// rows' C is overwritten (MulAdd on a cleared C, without reading it).
func mulAdd(c, a, b Matrix, pad []float32, zero bool, i0, i1 int) {
	n, k := c.Cols, a.Cols
	i := i0
	if useKernel {
		for _, rb := range rowBlocks {
			for ; i+rb.rows <= i1; i += rb.rows {
				ai := func(r int) *float32 { return &a.Data[(i+r)*a.RowStride] }
				ci := func(r, j int) *float32 { return &c.Data[(i+r)*c.RowStride+j] }
				j := 0
				for ; j+16 <= n; j += 16 {
					for r := 0; r < rb.rows; r += rb.sub16 {
						rb.k16(k, ai(r), a.RowStride, a.ColStride, &b.Data[j], b.RowStride, ci(r, j), c.RowStride, zero)
					}
				}
				if j+8 <= n {
					rb.k8(k, ai(0), a.RowStride, a.ColStride, &b.Data[j], b.RowStride, ci(0, j), c.RowStride, zero)
					j += 8
				}
				if j+4 <= n {
					rb.k4(k, ai(0), a.RowStride, a.ColStride, &b.Data[j], b.RowStride, ci(0, j), c.RowStride, zero)
					j += 4
				}
				if j < n {
					var block [12 * 4]float32
					rb.k4(k, ai(0), a.RowStride, a.ColStride, &pad[0], 4, &block[0], 4, false)
					if zero {
						clearRows(c, i, i+rb.rows, j, n)
					}
					for r := range rb.rows {
						row := c.Data[(i+r)*c.RowStride+j : (i+r)*c.RowStride+n]
						for q := range row {
							row[q] += block[4*r+q]
						}
					}
				}
			}
		}
	}
	if i < i1 {
		if zero {
			clearRows(c, i, i1, 0, n)
		}
		generic(c, a, b, i, i1, 0, n)
	}
}

// clearRows sets C's block rows [i0, i1) × columns [j0, j1) to zero.
func clearRows(c Matrix, i0, i1, j0, j1 int) {
	for i := i0; i < i1; i++ {
		clear(c.Data[i*c.RowStride+j0 : i*c.RowStride+j1])
	}
}

// buffers holds scratch slices (*[]float32) for packed operands between
// products.
var buffers sync.Pool

// getBuffer returns a scratch slice of n elements, of unspecified values;
// putBuffer gives it back.
func getBuffer(n int) *[]float32 {
	if p, ok := buffers.Get().(*[]float32); ok && cap(*p) >= n {
		*p = (*p)[:n]
		return p
	}
	s := make([]float32, n)
	return &s
}

func putBuffer(p *[]float32) { buffers.Put(p) }

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
