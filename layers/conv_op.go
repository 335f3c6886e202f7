package layers

import (
	"fmt"
	"hash"

	"deepopt/internal/densedata"
	"deepopt/internal/parallel"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// convOp is Conv2D's y = W ⋆ x + b as one Gorgonia operation, by im2col and
// one matrix product per example laid out so that no operand is ever
// copied transposed. With colᵀ_n the (C·k², H'·W') patch matrix of example
// n (row (c, ky, kx), column the output position) and W the (OutChannels,
// C·k²) kernel matrix, y_n = W·colᵀ_n + b is the (OutChannels, H'·W') slab
// of the NCHW output. The gradients are three operations: ∂J/∂W = Σ_n
// dy_n·col_n, computed as its transpose Σ_n colᵀ_n·dyᵀ_n, so that the
// product reads the patch matrix in the layout the forward pass builds (by
// copies of contiguous rows) and only dy_n, a fraction of its size, is
// copied transposed (by internal/sgemm for float32); ∂J/∂x = col2im(Wᵀ·dy_n), the transpose a flag of the
// product; ∂J/∂b = Σ dy. Gorgonia's own convolution instead copies the
// patch matrix transposed for every product and the kernel matrix once per
// example (about 109 MB per step of the benchmark CNN).
//
// Every operation splits the batch into two halves computed concurrently,
// each with its own patch buffer and, for ∂J/∂W, its own partial sum, the
// two added in a fixed order: both cores work, and the result does not
// depend on how many there are.
type convOp struct {
	g      convShape
	result densedata.Output    // kept between runs: Do writes every value
	cols   [2]densedata.Output // each half's patch buffer, kept between runs
	padded [2]densedata.Output // each half's padded example
}

// convShape is the shape of a convolution: n examples of (c, h, w), oc
// output channels of (oh, ow), square kernels of side k.
type convShape struct {
	n, c, h, w, oc, k, stride, pad, oh, ow int
}

// convGradOp computes one gradient of a convOp: ∂J/∂x from (W, dy), ∂J/∂W
// from (x, dy), or ∂J/∂b from dy.
type convGradOp struct {
	forward *convOp
	wrt     convInput
	result  densedata.Output    // kept between runs: Do writes every value
	cols    [2]densedata.Output // each half's patch buffer, kept between runs
	padded  [2]densedata.Output // each half's padded example or ∂J/∂x_n
	dyT     [2]densedata.Output // each half's dyᵀ_n, for a float64 ∂J/∂W
	partial [2]densedata.Output // each half's partial ∂J/∂Wᵀ
}

// convInput names a convOp's inputs.
type convInput int

const (
	convX convInput = iota
	convW
	convB
)

var (
	_ G.Op   = (*convOp)(nil)
	_ G.SDOp = (*convOp)(nil)
	_ G.Op   = (*convGradOp)(nil)
)

// patch is the length of a patch, C·k²; area the number of output
// positions, H'·W'.
func (g convShape) patch() int { return g.c * g.k * g.k }
func (g convShape) area() int  { return g.oh * g.ow }

// conv returns the node W ⋆ x + b of the layer c for x of shape (N, C, H, W).
func (c *Conv2D) conv(x *G.Node) (*G.Node, error) {
	s := x.Shape()
	g := convShape{n: s[0], c: s[1], h: s[2], w: s[3], oc: c.outChannels, k: c.kernel, stride: c.stride, pad: c.padding,
		oh: ConvOutputSize(s[2], c.kernel, c.stride, c.padding), ow: ConvOutputSize(s[3], c.kernel, c.stride, c.padding)}
	return G.ApplyOp(&convOp{g: g}, x, c.w, c.b)
}

func (op *convOp) Arity() int { return 3 }

// Type is (4-tensor, 4-tensor, vector) → 4-tensor.
func (op *convOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t, v := G.TensorType{Dims: 4, Of: a}, G.TensorType{Dims: 1, Of: a}
	return hm.NewFnType(t, t, v, t)
}

func (op *convOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	g := op.g
	return tensor.Shape{g.n, g.oc, g.oh, g.ow}, nil
}

// Do computes W ⋆ x + b.
func (op *convOp) Do(inputs ...G.Value) (G.Value, error) {
	t, err := denseInputs(op, inputs, 3)
	if err != nil {
		return nil, err
	}
	s, _ := op.InferShape()
	y := op.result.Get(t[0].Dtype(), s...)
	switch y.Dtype() {
	case tensor.Float32:
		ys := densedata.Slice[float32](y)
		convForward(op, ys, densedata.Slice[float32](t[0]), densedata.Slice[float32](t[1]), densedata.Slice[float32](t[2]))
	case tensor.Float64:
		ys := densedata.Slice[float64](y)
		convForward(op, ys, densedata.Slice[float64](t[0]), densedata.Slice[float64](t[1]), densedata.Slice[float64](t[2]))
	default:
		return nil, fmt.Errorf("layers: %v of a %v tensor; use float32 or float64", op, t[0].Dtype())
	}
	return y, nil
}

func (op *convOp) ReturnsPtr() bool      { return false }
func (op *convOp) CallsExtern() bool     { return false }
func (op *convOp) OverwritesInput() int  { return -1 }
func (op *convOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "layers.conv%+v", op.g) }
func (op *convOp) Hashcode() uint32      { return hashOf(op) }
func (op *convOp) String() string        { return "W⋆x+b" }

// DiffWRT reports that y is differentiable in x, W and b.
func (op *convOp) DiffWRT(int) []bool { return []bool{true, true, true} }

// SymDiff returns ∂J/∂x, ∂J/∂W and ∂J/∂b.
func (op *convOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 3 {
		return nil, fmt.Errorf("layers: gradient of %v on %d inputs, want 3", op, len(inputs))
	}
	dx, err := G.ApplyOp(&convGradOp{forward: op, wrt: convX}, inputs[1], grad)
	if err != nil {
		return nil, err
	}
	dw, err := G.ApplyOp(&convGradOp{forward: op, wrt: convW}, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	db, err := G.ApplyOp(&convGradOp{forward: op, wrt: convB}, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dw, db}, nil
}

// Arity is 2, (W, dy) or (x, dy), for ∂J/∂x and ∂J/∂W, and 1, dy, for ∂J/∂b.
func (op *convGradOp) Arity() int {
	if op.wrt == convB {
		return 1
	}
	return 2
}

// Type is (4-tensor, 4-tensor) → 4-tensor for ∂J/∂x and ∂J/∂W, and
// 4-tensor → vector for ∂J/∂b.
func (op *convGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	t := G.TensorType{Dims: 4, Of: a}
	if op.wrt == convB {
		return hm.NewFnType(t, G.TensorType{Dims: 1, Of: a})
	}
	return hm.NewFnType(t, t, t)
}

// InferShape is the shape of the input differentiated against.
func (op *convGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	g := op.forward.g
	switch op.wrt {
	case convX:
		return tensor.Shape{g.n, g.c, g.h, g.w}, nil
	case convW:
		return tensor.Shape{g.oc, g.c, g.k, g.k}, nil
	}
	return tensor.Shape{g.oc}, nil
}

// Do computes the gradient.
func (op *convGradOp) Do(inputs ...G.Value) (G.Value, error) {
	t, err := denseInputs(op, inputs, op.Arity())
	if err != nil {
		return nil, err
	}
	s, _ := op.InferShape()
	out := op.result.Get(t[0].Dtype(), s...)
	switch out.Dtype() {
	case tensor.Float32:
		o := densedata.Slice[float32](out)
		convBackward(op, o, t)
	case tensor.Float64:
		o := densedata.Slice[float64](out)
		convBackward(op, o, t)
	default:
		return nil, fmt.Errorf("layers: %v of a %v tensor; use float32 or float64", op, t[0].Dtype())
	}
	return out, nil
}

func (op *convGradOp) ReturnsPtr() bool     { return false }
func (op *convGradOp) CallsExtern() bool    { return false }
func (op *convGradOp) OverwritesInput() int { return -1 }
func (op *convGradOp) WriteHash(h hash.Hash) {
	op.forward.WriteHash(h)
	fmt.Fprintf(h, ".grad(%d)", op.wrt)
}
func (op *convGradOp) Hashcode() uint32 { return hashOf(op) }
func (op *convGradOp) String() string {
	return [...]string{"∂(W⋆x+b)/∂x", "∂(W⋆x+b)/∂W", "∂(W⋆x+b)/∂b"}[op.wrt]
}

// convForward writes y = W ⋆ x + b: per example, the rows of y_n start as
// b and the product W·colᵀ_n is added.
func convForward[T float32 | float64](op *convOp, y, x, w, b []T) {
	g := op.g
	patch, area, in := g.patch(), g.area(), g.c*g.h*g.w
	inHalves(g.n, func(part, lo, hi int) {
		col := densedata.Buffer[T](&op.cols[part], patch*area)
		for i := lo; i < hi; i++ {
			im2colT(g, col, padded(g, &op.padded[part], x[i*in:(i+1)*in]))
			yi := y[i*g.oc*area : (i+1)*g.oc*area]
			for o, v := range b {
				fill(yi[o*area:(o+1)*area], v)
			}
			gemmSlices(false, false, g.oc, area, patch, w, col, 1, yi)
		}
	})
}

// convBackward writes op's gradient into out from the inputs t.
func convBackward[T float32 | float64](op *convGradOp, out []T, t []*tensor.Dense) {
	g := op.forward.g
	patch, area, in := g.patch(), g.area(), g.c*g.h*g.w
	switch op.wrt {
	case convX: // per example, dx_n = col2im(Wᵀ·dy_n)
		w, dy := densedata.Slice[T](t[0]), densedata.Slice[T](t[1])
		inHalves(g.n, func(part, lo, hi int) {
			dcol := densedata.Buffer[T](&op.cols[part], patch*area)
			for i := lo; i < hi; i++ {
				gemmSlices(true, false, patch, area, g.oc, w, dy[i*g.oc*area:(i+1)*g.oc*area], 0, dcol)
				col2imT(g, out[i*in:(i+1)*in], dcol, &op.padded[part])
			}
		})
	case convW: // (Σ_n colᵀ_n·dyᵀ_n)ᵀ, a partial sum per half
		// The patch matrix gets zero rows up to a multiple of 4, so that
		// every row of the product runs on sgemm's kernels (it leaves the
		// last m mod 4 rows to a loop in Go).
		x, dy := densedata.Slice[T](t[0]), densedata.Slice[T](t[1])
		rows := (patch + 3) &^ 3
		partial := [2][]T{densedata.Buffer[T](&op.partial[0], rows*g.oc), densedata.Buffer[T](&op.partial[1], rows*g.oc)}
		clear(partial[0])
		clear(partial[1])
		inHalves(g.n, func(part, lo, hi int) {
			col := densedata.Buffer[T](&op.cols[part], rows*area)
			clear(col[patch*area:])
			for i := lo; i < hi; i++ {
				im2colT(g, col, padded(g, &op.padded[part], x[i*in:(i+1)*in]))
				dyi := dy[i*g.oc*area : (i+1)*g.oc*area]
				if _, ok := any(dyi).([]float32); ok {
					// internal/sgemm copies dyᵀ_n itself, 8×8 values at
					// a time in registers, and runs the product on the
					// copy: the same operands, the same bits.
					gemmSlices(false, true, rows, g.oc, area, col, dyi, 1, partial[part])
					continue
				}
				// gonum's float64 product would sum in another order with
				// dy_n transposed by a flag.
				dyT := densedata.Buffer[T](&op.dyT[part], area*g.oc)
				transpose(dyT, dyi, g.oc, area)
				gemmSlices(false, false, rows, g.oc, area, col, dyT, 1, partial[part])
			}
		})
		for q := range patch {
			for o := range g.oc {
				out[o*patch+q] = partial[0][q*g.oc+o] + partial[1][q*g.oc+o]
			}
		}
	case convB:
		dy := densedata.Slice[T](t[0])
		clear(out)
		for i := range g.n {
			addRowSums(out, dy[i*g.oc*area:(i+1)*g.oc*area], area)
		}
	}
}

// addRowSums adds to s[r] the sum of row r of the (len(s), cols) matrix m,
// each row summed from zero in order. Four rows run at a time, their sums
// four independent chains of additions: one chain waits for each addition's
// result, four keep the adder busy.
func addRowSums[T float32 | float64](s, m []T, cols int) {
	r := 0
	for ; r+4 <= len(s); r += 4 {
		m0 := m[r*cols:][:cols]
		m1, m2, m3 := m[(r+1)*cols:][:len(m0)], m[(r+2)*cols:][:len(m0)], m[(r+3)*cols:][:len(m0)]
		var s0, s1, s2, s3 T
		for c, v := range m0 {
			s0 += v
			s1 += m1[c]
			s2 += m2[c]
			s3 += m3[c]
		}
		s[r] += s0
		s[r+1] += s1
		s[r+2] += s2
		s[r+3] += s3
	}
	for ; r < len(s); r++ {
		var sum T
		for _, v := range m[r*cols : (r+1)*cols] {
			sum += v
		}
		s[r] += sum
	}
}

// inHalves runs f on the examples [0, n/2) as part 0 and [n/2, n) as part
// 1, concurrently when internal/parallel's worker is free; a single
// example is part 0 alone.
func inHalves(n int, f func(part, lo, hi int)) {
	if n < 2 {
		f(0, 0, n)
		return
	}
	parallel.Halves(n/2, n, f)
}

// paddedShape is the (C, H+2·pad, W+2·pad) shape of the zero-padded input.
func (g convShape) paddedShape() (hp, wp int) { return g.h + 2*g.pad, g.w + 2*g.pad }

// padded returns one example x (C, H, W) zero-padded by pad on every side,
// written into buf; x itself when pad is 0. With it, every kernel tap reads
// a contiguous run of each input row, with no test for the padding.
func padded[T float32 | float64](g convShape, buf *densedata.Output, x []T) []T {
	if g.pad == 0 {
		return x
	}
	hp, wp := g.paddedShape()
	xp := densedata.Buffer[T](buf, g.c*hp*wp)
	clear(xp)
	for c := range g.c {
		copyPlane(xp[(c*hp+g.pad)*wp+g.pad:], x[c*g.h*g.w:], g.h, g.w, wp, g.w)
	}
	return xp
}

// rowKernels returns s as a float32 slice when the row kernels (copyRows,
// addRows) take its rows: s is float32, the processor runs them and the
// stride is 1, so that every row is contiguous; nil otherwise.
func rowKernels[T float32 | float64](g convShape, s []T) []float32 {
	s32, ok := any(s).([]float32)
	if !ok || !useKernels || g.stride != 1 {
		return nil
	}
	return s32
}

// copyPlane copies rows of n values that start srcStride apart in src
// into rows that start dstStride apart in dst, on copyRows when the
// processor runs it.
func copyPlane[T float32 | float64](dst, src []T, rows, n, dstStride, srcStride int) {
	if rows == 0 || n == 0 {
		return
	}
	_, _ = dst[(rows-1)*dstStride+n-1], src[(rows-1)*srcStride+n-1]
	if d32, ok := any(dst).([]float32); ok && useKernels {
		copyRows(&d32[0], &any(src).([]float32)[0], rows, n, dstStride, srcStride)
		return
	}
	for r := range rows {
		copy(dst[r*dstStride:][:n], src[r*srcStride:][:n])
	}
}

// im2colT writes the (C·k², H'·W') patch matrix of one example into col
// from the example padded (padded's xp): row (c, ky, kx) holds, for every
// output position, the input value under that kernel tap.
func im2colT[T float32 | float64](g convShape, col, xp []T) {
	hp, wp := g.paddedShape()
	area := g.area()
	if col32 := rowKernels(g, col); col32 != nil { // the loop below, one call per kernel tap
		xp32 := any(xp).([]float32)
		_, _ = col32[g.patch()*area-1], xp32[g.c*hp*wp-1]
		if g.ow >= 8 && g.oh > 0 { // and for all taps in one call
			im2colTaps(&col32[0], &xp32[0], g.c, g.k, g.oh, g.ow, hp, wp)
			return
		}
		for tap := range g.patch() {
			c, ky, kx := tap/(g.k*g.k), tap/g.k%g.k, tap%g.k
			copyRows(&col32[tap*area], &xp32[(c*hp+ky)*wp+kx], g.oh, g.ow, g.ow, wp)
		}
		return
	}
	for c := range g.c {
		for ky := range g.k {
			for kx := range g.k {
				row := col[((c*g.k+ky)*g.k+kx)*area:][:area]
				for oy := range g.oh {
					out := row[oy*g.ow : (oy+1)*g.ow]
					src := xp[(c*hp+oy*g.stride+ky)*wp+kx:]
					if g.stride == 1 {
						copy(out, src)
						continue
					}
					for ox := range out {
						out[ox] = src[ox*g.stride]
					}
				}
			}
		}
	}
}

// col2imT adds every entry of a (C·k², H'·W') patch-matrix gradient back to
// the input value it was taken from (im2colT's adjoint), into dx (C, H, W),
// which it overwrites; the sums run in a padded buffer buf whose border is
// then dropped.
func col2imT[T float32 | float64](g convShape, dx, col []T, buf *densedata.Output) {
	hp, wp := g.paddedShape()
	dxp := dx
	if g.pad > 0 {
		dxp = densedata.Buffer[T](buf, g.c*hp*wp)
	}
	clear(dxp)
	area := g.area()
	if dxp32 := rowKernels(g, dxp); dxp32 != nil { // the loop below, one call per kernel tap
		col32 := any(col).([]float32)
		_, _ = col32[g.patch()*area-1], dxp32[g.c*hp*wp-1]
		if g.ow >= 8 && g.oh > 0 { // and for all taps in one call
			col2imTaps(&col32[0], &dxp32[0], g.c, g.k, g.oh, g.ow, hp, wp)
		} else {
			for tap := range g.patch() {
				c, ky, kx := tap/(g.k*g.k), tap/g.k%g.k, tap%g.k
				addRows(&dxp32[(c*hp+ky)*wp+kx], &col32[tap*area], g.oh, g.ow, wp)
			}
		}
	} else {
		for c := range g.c {
			for ky := range g.k {
				for kx := range g.k {
					row := col[((c*g.k+ky)*g.k+kx)*area:][:area]
					for oy := range g.oh {
						dst := dxp[(c*hp+oy*g.stride+ky)*wp+kx:]
						src := row[oy*g.ow : (oy+1)*g.ow]
						if g.stride == 1 {
							addTo(dst[:len(src)], src)
							continue
						}
						for ox, v := range src {
							dst[ox*g.stride] += v
						}
					}
				}
			}
		}
	}
	if g.pad > 0 {
		for c := range g.c {
			copyPlane(dx[c*g.h*g.w:], dxp[(c*hp+g.pad)*wp+g.pad:], g.h, g.w, g.w, wp)
		}
	}
}

// addTo adds src to dst elementwise; they have the same length.
func addTo[T float32 | float64](dst, src []T) {
	src = src[:len(dst)]
	for i := range dst {
		dst[i] += src[i]
	}
}

// transpose writes the transpose of the (rows, cols) matrix m into t, four
// rows of m at a time, so that each write is four adjacent values of t.
func transpose[T float32 | float64](t, m []T, rows, cols int) {
	t = t[:rows*cols]
	r := 0
	for ; r+4 <= rows; r += 4 {
		m0, m1, m2, m3 := m[r*cols:][:cols], m[(r+1)*cols:][:cols], m[(r+2)*cols:][:cols], m[(r+3)*cols:][:cols]
		for c := range m0 {
			d := t[c*rows+r:][:4]
			d[0], d[1], d[2], d[3] = m0[c], m1[c], m2[c], m3[c]
		}
	}
	for ; r < rows; r++ {
		for c, v := range m[r*cols : (r+1)*cols] {
			t[c*rows+r] = v
		}
	}
}

// fill sets every element of s to v, by copies of doubling length (a loop
// of stores takes several times as long).
func fill[T float32 | float64](s []T, v T) {
	if len(s) == 0 {
		return
	}
	s[0] = v
	for n := 1; n < len(s); n *= 2 {
		copy(s[n:], s[:n])
	}
}
