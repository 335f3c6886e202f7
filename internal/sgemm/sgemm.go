// Package sgemm is the float32 matrix product of deepopt's dense layers
// and convolutions, C += A·B, with AVX2/FMA register-blocked kernels on
// amd64 processors that have them and plain Go elsewhere. Gonum's pure-Go
// sgemm adds one row of B at a time into C with 4-wide SSE instructions, so
// every multiply-add loads and stores C; the main kernel keeps a 6×16 block
// of C in twelve 8-wide registers over a chunk of the inner dimension, so
// each step is two loads of B, six broadcasts of A and twelve fused
// multiply-adds, more independent sums than the multiply-add units' latency
// needs. The last columns of a product run on blocks of 12 rows by 8 or 4
// columns, for the same reason, and a 10-column product (a classifier's
// over ten classes) on blocks of 8 rows by all ten columns, the last two
// columns of four rows in one register (kernel8x10).
//
// How each element of C is computed (on the kernel, one fused multiply-add
// per inner index in ascending order, starting from C, or from zero with
// the sum then added to C in the last n mod 4 columns; separate multiplies
// and adds in the last m mod 4 rows) depends on the product's shape and the
// element's position alone, never on the tiling, the chunks or the number
// of goroutines; order_test.go checks it bit for bit. Runs and checkpoints
// so do not change with these choices.
package sgemm

import (
	"sync"

	"deepopt/internal/parallel"
)

// Matrix is a row-major view of float32 values: element (i, j) is
// Data[i*RowStride + j*ColStride]. A transposed matrix is the same data with
// the strides swapped.
type Matrix struct {
	Data                 []float32
	Rows, Cols           int
	RowStride, ColStride int
}

// parallelWork is the number of multiply-adds above which a product's rows
// are split between the calling goroutine and internal/parallel's worker
// (see splitWork); a variable for the tests.
var parallelWork = splitWork

const splitWork = 1 << 19

// MulAdd adds A·B to C: C is m×n with unit column stride, A is m×k with any
// strides, B is k×n with unit column stride (its rows contiguous). Large
// products run on two goroutines, each on its own rows of C, when
// internal/parallel's worker is free (not already running a product or a
// convolution's other half).
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
	// B's columns from packFrom on are packed: each tile of columns
	// (width) as k rows of its width, contiguous, the last n mod 4 columns
	// padded with zeros to 4; all of B when it is large and serves many rows
	// of A (packRows), else only those last columns, which the kernels
	// cannot read in place. The 10-column kernels read all of B in place.
	var packed []float32
	packFrom := n
	if useKernel && m >= 4 && n != narrowCols {
		packFrom = n &^ 3
		if m >= packRows && 4*k*n > packBytes {
			packFrom = 0
		}
	}
	if packFrom < n {
		buf := getBuffer(k * ((n+3)&^3 - packFrom))
		defer putBuffer(buf)
		packed = *buf
		pack(packed, b, packFrom)
	}
	p := part{c: c, a: a, b: b, packed: packed, packFrom: packFrom, zero: zero, i0: 0, i1: m}
	if m*n*k < parallelWork || m < 8 || !parallel.Idle() {
		p.run()
		return
	}
	h := halves.Get().(*rowHalves)
	h.p, h.half = p, m/2&^1
	parallel.Do(h, 2)
	*h = rowHalves{}
	halves.Put(h)
}

// rowHalves is a product split for parallel.Do: part 0 computes C's rows
// [0, half), part 1 the rest, each as a part of its own.
type rowHalves struct {
	p    part
	half int
}

func (h *rowHalves) Run(i int) {
	p := h.p
	if i == 0 {
		p.i1 = h.half
	} else {
		p.i0 = h.half
	}
	p.run()
}

// halves holds *rowHalves between products, so that a split allocates
// nothing.
var halves = sync.Pool{New: func() any { return new(rowHalves) }}

// rowPlan is how blocks of top rows (12, or 8 for a 10-column product),
// 6 and 4 cover r rows, r even and not 2: ntop blocks of top rows, then the
// heights in rest[:nrest], as many of top rows as leave a remainder that
// blocks of 6 and 4 cover.
type rowPlan struct {
	top, ntop, nrest int
	rest             [3]int
}

func newRowPlan(r, top int) rowPlan {
	p := rowPlan{top: top, ntop: r / top}
	rem := r % top
	if rem == 2 { // 14 = 6 + 4 + 4, 10 = 6 + 4
		p.ntop--
		rem += top
	}
	for rem > 0 {
		h := 4
		if rem%4 == 2 {
			h = 6
		}
		p.rest[p.nrest] = h
		p.nrest++
		rem -= h
	}
	return p
}

// rows returns the height of the bth block.
func (p *rowPlan) rows(b int) int {
	if b < p.ntop {
		return p.top
	}
	return p.rest[b-p.ntop]
}

// width returns the width of the tile of columns that starts at j of n:
// panels of 16, then at most one of 8 and one of 4, then the last n mod 4.
func width(j, n int) int {
	switch {
	case j+16 <= n:
		return 16
	case j+8 <= n:
		return 8
	}
	return 4
}

// B is packed whole when A has packRows rows or more and B is larger than
// the level-1 cache (packBytes): then its rows, read by every row block,
// are read as whole cache lines. Below either, copying B costs more than
// it saves: measured, packing made products of 60 rows slower and products
// of 256 to 1,000 rows with B of 100 kB or more 4–18% faster.
const (
	packRows  = 128
	packBytes = 32 << 10
)

// kc is the inner dimension's chunk: a 16-column panel of B over kc rows,
// 16 kB, stays in the level-1 cache while the row blocks use it. C is
// stored and reloaded between chunks, in float32 as the kernels hold it,
// so the chunks do not change C's bits.
const kc = 256

// l1Panel is the size in bytes of B's chunk above which each column panel
// goes over all row blocks before the next (so that it stays in the
// level-1 cache); below it each row block goes over all columns (so that its
// rows of A do).
const l1Panel = 24 << 10

// part is one goroutine's share of a product: C's rows [i0, i1).
type part struct {
	c, a, b  Matrix
	packed   []float32 // B's columns from packFrom on, packed (see product)
	packFrom int
	tail     []float32 // the last n mod 4 columns' blocks, 4 values per row from i0
	zero     bool
	i0, i1   int
}

// narrowCols is the width of the products whose rows go in blocks of 8, 6
// and 4 on the R×10 kernels (a classifier's over ten classes): B read in
// place, and each block's ten columns in one call.
const narrowCols = 10

// tile runs the kernel on the block of rows [i, i + rows) by the columns
// from j, over the inner indices [l0, l0 + kk): 16 columns on 6×16 (or 4×16)
// kernels, 8 and 4 on the block's own height.
func (p *part) tile(rows, i, j, l0, kk int) {
	a, rsa, csa := p.a.Data, p.a.RowStride, p.a.ColStride
	c, ldc := p.c.Data[i*p.c.RowStride+j:], p.c.RowStride
	z := p.zero && l0 == 0
	w := width(j, p.c.Cols)
	var b []float32
	ldb := p.b.RowStride
	if j >= p.packFrom {
		b, ldb = p.packed[(j-p.packFrom)*p.a.Cols+l0*w:], w
	} else {
		b = p.b.Data[l0*ldb+j:]
	}
	if j+w > p.c.Cols { // the last n mod 4 columns, into their own block
		c, ldc, z = p.tail[4*(i-p.i0):], 4, l0 == 0
	}
	ai := &a[i*rsa+l0*csa]
	switch {
	case w == 16 && rows == 4:
		kernel4x16(kk, ai, rsa, csa, &b[0], ldb, &c[0], ldc, z)
	case w == 16:
		for r := 0; r < rows; r += 6 {
			kernel6x16(kk, &a[(i+r)*rsa+l0*csa], rsa, csa, &b[0], ldb, &c[r*ldc], ldc, z)
		}
	case w == 8 && rows == 12:
		kernel12x8(kk, ai, rsa, csa, &b[0], ldb, &c[0], ldc, z)
	case w == 8 && rows == 6:
		kernel6x8(kk, ai, rsa, csa, &b[0], ldb, &c[0], ldc, z)
	case w == 8:
		kernel4x8(kk, ai, rsa, csa, &b[0], ldb, &c[0], ldc, z)
	case rows == 12:
		kernel12x4(kk, ai, rsa, csa, &b[0], ldb, &c[0], ldc, z)
	case rows == 6:
		kernel6x4(kk, ai, rsa, csa, &b[0], ldb, &c[0], ldc, z)
	default:
		kernel4x4(kk, ai, rsa, csa, &b[0], ldb, &c[0], ldc, z)
	}
}

// narrow runs the block of rows [i, i + rows) of a narrowCols product
// over the inner indices [l0, l0 + kk) on the R×10 kernel of its height,
// B read in place.
func (p *part) narrow(rows, i, l0, kk int) {
	a, b, c := &p.a.Data[i*p.a.RowStride+l0*p.a.ColStride], &p.b.Data[l0*p.b.RowStride], &p.c.Data[i*p.c.RowStride]
	kernel := kernel4x10
	switch rows {
	case 8:
		kernel = kernel8x10
	case 6:
		kernel = kernel6x10
	}
	kernel(kk, a, p.a.RowStride, p.a.ColStride, b, p.b.RowStride, c, p.c.RowStride, p.zero && l0 == 0, &p.tail[4*(i-p.i0)], l0 == 0)
}

// panels runs the block of rows [i, i + rows) over C's panels of 16
// columns, over the inner indices [l0, l0 + kk), in one call of the 6×16p
// kernel per 6 rows (of 4×16p for a block of 4), and returns the columns
// it did: none if C has fewer than two panels, which tile does as before.
func (p *part) panels(rows, i, l0, kk int) int {
	np := p.c.Cols / 16
	if np < 2 {
		return 0
	}
	a, rsa, csa := p.a.Data, p.a.RowStride, p.a.ColStride
	c, ldc := p.c.Data[i*p.c.RowStride:], p.c.RowStride
	b, ldb, bstep := p.b.Data[l0*p.b.RowStride:], p.b.RowStride, 16
	if p.packFrom == 0 { // packFrom is 0, n − n mod 4 or n: the panels are all packed or all in place
		b, ldb, bstep = p.packed[l0*16:], 16, 16*p.a.Cols
	}
	z := p.zero && l0 == 0
	if rows == 4 {
		kernel4x16p(kk, &a[i*rsa+l0*csa], rsa, csa, &b[0], ldb, &c[0], ldc, z, np, bstep)
		return 16 * np
	}
	for r := 0; r < rows; r += 6 {
		kernel6x16p(kk, &a[(i+r)*rsa+l0*csa], rsa, csa, &b[0], ldb, &c[r*ldc], ldc, z, np, bstep)
	}
	return 16 * np
}

// pack writes B's columns from j0 on into packed, tile by tile (width):
// a tile of width w from column j as k rows of w values at packed[(j −
// j0)·k:], the last n mod 4 columns padded with zeros to 4.
func pack(packed []float32, b Matrix, j0 int) {
	n, k := b.Cols, b.Rows
	for j := j0; j < n; j += width(j, n) {
		w := width(j, n)
		dst := packed[(j-j0)*k : (j-j0+w)*k]
		for l := range k {
			row := dst[l*w : (l+1)*w]
			clear(row[copy(row, b.Data[l*b.RowStride+j:l*b.RowStride+min(j+w, n)]):])
		}
	}
}

// run adds the part's rows of A·B to C, or writes them with zero. On the
// kernel when it is available, the rows before C's last m mod 4 go in
// blocks of 12 (8 if C has 10 columns), 6 and 4 (rowPlan), by 16 columns,
// then 8 and 4, then the
// last n mod 4: these from pad (B's columns padded with zeros to 4) into
// blocks of their own that start from zero and are added to C at the end.
// C's last m mod 4 rows run in Go. A classifier's 10 columns are so 8 + 2
// on the kernel instead of 8 on the kernel and 2 in a loop over the inner
// dimension in Go, which made the products of a softmax head several times
// their cost; on blocks of 8 rows, 8 + 2 in one kernel (kernel8x10), which
// takes the 2 columns of four rows in one 8-wide register instead of one
// 4-wide register per row.
func (p *part) run() {
	c, n, k := p.c, p.c.Cols, p.a.Cols
	i := p.i0
	if useKernel {
		r := min(p.i1, c.Rows&^3) - p.i0
		top := 12
		if n == narrowCols {
			top = 8
		}
		plan := newRowPlan(r, top)
		blocks := plan.ntop + plan.nrest
		if n%4 != 0 {
			buf := getBuffer(4 * r)
			defer putBuffer(buf)
			p.tail = *buf
		}
		for l0 := 0; l0 < k; l0 += kc {
			kk := min(kc, k-l0)
			switch i := p.i0; {
			case n == narrowCols:
				for b := range blocks {
					p.narrow(plan.rows(b), i, l0, kk)
					i += plan.rows(b)
				}
			case kk*n*4 > l1Panel:
				for j := 0; j < n; j += width(j, n) {
					i := p.i0
					for b := range blocks {
						p.tile(plan.rows(b), i, j, l0, kk)
						i += plan.rows(b)
					}
				}
			default:
				for b := range blocks {
					for j := p.panels(plan.rows(b), i, l0, kk); j < n; j += width(j, n) {
						p.tile(plan.rows(b), i, j, l0, kk)
					}
					i += plan.rows(b)
				}
			}
		}
		if j := n &^ 3; j < n {
			if p.zero {
				clearRows(c, p.i0, p.i0+r, j, n)
			}
			for i := range r {
				row := c.Data[(p.i0+i)*c.RowStride+j : (p.i0+i)*c.RowStride+n]
				for q := range row {
					row[q] += p.tail[4*i+q]
				}
			}
		}
		i += r
	}
	if i < p.i1 {
		if p.zero {
			clearRows(c, i, p.i1, 0, n)
		}
		generic(c, p.a, p.b, i, p.i1, 0, n)
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
