package layers

import (
	"fmt"
	"hash"

	"deepopt/internal/densedata"

	"github.com/chewxy/hm"
	"gonum.org/v1/gonum/blas"
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// affineOp is the dense layer's y = x·W + b as one Gorgonia operation, for
// x of shape (N, In), W (In, Out), b (Out): the rows of y start as b and one
// general matrix product adds x·W. Gorgonia's BroadcastAdd would first copy
// b into an (N, Out) matrix, and its matrix-product gradients go through
// transpose operations; here the gradients are three operations on the
// untransposed matrices, the transposes being flags of the product.
type affineOp struct {
	n, in, out int
	result     densedata.Output // kept between runs: Do writes every value
}

// matMulOp is op(A)·op(B), op being the transpose where its flag is set: the
// gradients ∂J/∂x = dy·Wᵀ and ∂J/∂W = xᵀ·dy of an affineOp.
type matMulOp struct {
	forward        *affineOp
	transA, transB bool
	result         densedata.Output // kept between runs: the product overwrites it (beta = 0)
}

// columnSumOp sums an (N, Out) matrix over its rows: ∂J/∂b = Σ_n dy_n.
type columnSumOp struct {
	forward *affineOp
	result  densedata.Output // kept between runs: Do clears it
}

var (
	_ G.Op   = (*affineOp)(nil)
	_ G.SDOp = (*affineOp)(nil)
	_ G.Op   = (*matMulOp)(nil)
	_ G.Op   = (*columnSumOp)(nil)
)

// affine returns the node x·W + b.
func affine(x, w, b *G.Node) (*G.Node, error) {
	return G.ApplyOp(&affineOp{n: x.Shape()[0], in: w.Shape()[0], out: w.Shape()[1]}, x, w, b)
}

func (op *affineOp) Arity() int { return 3 }

// Type is (matrix, matrix, vector) → matrix.
func (op *affineOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m, v := G.TensorType{Dims: 2, Of: a}, G.TensorType{Dims: 1, Of: a}
	return hm.NewFnType(m, m, v, m)
}

func (op *affineOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.n, op.out}, nil
}

// Do computes x·W + b.
func (op *affineOp) Do(inputs ...G.Value) (G.Value, error) {
	t, err := denseInputs(op, inputs, 3)
	if err != nil {
		return nil, err
	}
	y := op.result.Get(t[0].Dtype(), op.n, op.out)
	switch y.Dtype() {
	case tensor.Float32:
		ys := densedata.Slice[float32](y)
		repeatRows(ys, densedata.Slice[float32](t[2]))
	case tensor.Float64:
		ys := densedata.Slice[float64](y)
		repeatRows(ys, densedata.Slice[float64](t[2]))
	default:
		return nil, fmt.Errorf("layers: %v of a %v tensor; use float32 or float64", op, t[0].Dtype())
	}
	gemm(false, false, op.n, op.out, op.in, t[0], t[1], 1, y)
	return y, nil
}

func (op *affineOp) ReturnsPtr() bool     { return false }
func (op *affineOp) CallsExtern() bool    { return false }
func (op *affineOp) OverwritesInput() int { return -1 }
func (op *affineOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "layers.affine(%d,%d,%d)", op.n, op.in, op.out)
}
func (op *affineOp) Hashcode() uint32 { return hashOf(op) }
func (op *affineOp) String() string   { return "x·W+b" }

// DiffWRT reports that y is differentiable in x, W and b.
func (op *affineOp) DiffWRT(int) []bool { return []bool{true, true, true} }

// SymDiff returns dy·Wᵀ, xᵀ·dy and Σ_n dy_n.
func (op *affineOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 3 {
		return nil, fmt.Errorf("layers: gradient of %v on %d inputs, want 3", op, len(inputs))
	}
	dx, err := G.ApplyOp(&matMulOp{forward: op, transB: true}, grad, inputs[1])
	if err != nil {
		return nil, err
	}
	dw, err := G.ApplyOp(&matMulOp{forward: op, transA: true}, inputs[0], grad)
	if err != nil {
		return nil, err
	}
	db, err := G.ApplyOp(&columnSumOp{forward: op}, grad)
	if err != nil {
		return nil, err
	}
	return G.Nodes{dx, dw, db}, nil
}

func (op *matMulOp) Arity() int { return 2 }

// Type is (matrix, matrix) → matrix.
func (op *matMulOp) Type() hm.Type {
	m := G.TensorType{Dims: 2, Of: hm.TypeVariable('a')}
	return hm.NewFnType(m, m, m)
}

// InferShape is x's shape for dy·Wᵀ and W's for xᵀ·dy.
func (op *matMulOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	if op.transA {
		return tensor.Shape{op.forward.in, op.forward.out}, nil
	}
	return tensor.Shape{op.forward.n, op.forward.in}, nil
}

// Do computes the product.
func (op *matMulOp) Do(inputs ...G.Value) (G.Value, error) {
	t, err := denseInputs(op, inputs, 2)
	if err != nil {
		return nil, err
	}
	s, _ := op.InferShape()
	c := op.result.Get(t[0].Dtype(), s...)
	f := op.forward
	if op.transA {
		gemm(true, false, f.in, f.out, f.n, t[0], t[1], 0, c)
	} else {
		gemm(false, true, f.n, f.in, f.out, t[0], t[1], 0, c)
	}
	return c, nil
}

func (op *matMulOp) ReturnsPtr() bool     { return false }
func (op *matMulOp) CallsExtern() bool    { return false }
func (op *matMulOp) OverwritesInput() int { return -1 }
func (op *matMulOp) WriteHash(h hash.Hash) {
	op.forward.WriteHash(h)
	fmt.Fprintf(h, ".matmul(%t,%t)", op.transA, op.transB)
}
func (op *matMulOp) Hashcode() uint32 { return hashOf(op) }
func (op *matMulOp) String() string {
	if op.transA {
		return "xᵀ·dy"
	}
	return "dy·Wᵀ"
}

func (op *columnSumOp) Arity() int { return 1 }

// Type is matrix → vector.
func (op *columnSumOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(G.TensorType{Dims: 2, Of: a}, G.TensorType{Dims: 1, Of: a})
}

func (op *columnSumOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.forward.out}, nil
}

// Do sums the rows.
func (op *columnSumOp) Do(inputs ...G.Value) (G.Value, error) {
	t, err := denseInputs(op, inputs, 1)
	if err != nil {
		return nil, err
	}
	s := op.result.Get(t[0].Dtype(), op.forward.out)
	switch t[0].Dtype() {
	case tensor.Float32:
		sumRows(densedata.Slice[float32](s), densedata.Slice[float32](t[0]), blas32.Implementation().Saxpy)
	case tensor.Float64:
		sumRows(densedata.Slice[float64](s), densedata.Slice[float64](t[0]), blas64.Implementation().Daxpy)
	}
	return s, nil
}

func (op *columnSumOp) ReturnsPtr() bool     { return false }
func (op *columnSumOp) CallsExtern() bool    { return false }
func (op *columnSumOp) OverwritesInput() int { return -1 }
func (op *columnSumOp) WriteHash(h hash.Hash) {
	op.forward.WriteHash(h)
	fmt.Fprint(h, ".sumrows")
}
func (op *columnSumOp) Hashcode() uint32 { return hashOf(op) }
func (op *columnSumOp) String() string   { return "Σ_n dy" }

// repeatRows fills the rows of y (len(y)/len(b) of them) with b.
func repeatRows[T float32 | float64](y, b []T) {
	for i := 0; i < len(y); i += len(b) {
		copy(y[i:i+len(b)], b)
	}
}

// sumRows writes the sum of the rows of dy (len(dy)/len(s) of them) into
// s, each column summed from zero in the order of the rows: by axpy at
// α = 1 into s, one row after another (the same bits; gonum's SSE loop,
// about a hundred instructions per call and one and a half per value), for
// rows of 32 values or more; by sumColumns for narrower ones, such as a
// classifier's ten.
func sumRows[T float32 | float64](s, dy []T, axpy func(n int, alpha T, x []T, incX int, y []T, incY int)) {
	if len(s) < 32 {
		sumColumns(s, dy)
		return
	}
	clear(s)
	for i := 0; i < len(dy); i += len(s) {
		axpy(len(s), 1, dy[i:i+len(s)], 1, s, 1)
	}
}

// sumColumns is sumRows for narrow rows: four columns at a time down the
// rows, their sums held in registers (about two and a half instructions
// per value, where s[j] += dy[i][j] row by row took about nine: a load
// and a store of s and a bounds check per value), then the last columns
// one at a time.
func sumColumns[T float32 | float64](s, dy []T) {
	k := len(s)
	j := 0
	for ; j+4 <= k; j += 4 {
		var a0, a1, a2, a3 T
		for i := j; i+4 <= len(dy); i += k {
			r := dy[i : i+4 : i+4]
			a0, a1, a2, a3 = a0+r[0], a1+r[1], a2+r[2], a3+r[3]
		}
		s[j], s[j+1], s[j+2], s[j+3] = a0, a1, a2, a3
	}
	for ; j < k; j++ {
		var a T
		for i := j; i < len(dy); i += k {
			a += dy[i]
		}
		s[j] = a
	}
}

// gemm adds op(a)·op(b) to c (beta = 1) or writes it into c, which is
// then zero (beta = 0), for row-major dense matrices with op(a) m×k and
// op(b) k×n; see gemmSlices.
func gemm(transA, transB bool, m, n, k int, a, b *tensor.Dense, beta float64, c *tensor.Dense) {
	switch c.Dtype() {
	case tensor.Float32:
		cs := densedata.Slice[float32](c)
		gemmSlices(transA, transB, m, n, k, densedata.Slice[float32](a), densedata.Slice[float32](b), float32(beta), cs)
	case tensor.Float64:
		cs := densedata.Slice[float64](c)
		gemmSlices(transA, transB, m, n, k, densedata.Slice[float64](a), densedata.Slice[float64](b), beta, cs)
	}
}

// gemmSlices computes c = op(a)·op(b) + beta·c for row-major matrices held
// contiguously in slices, op(a) m×k and op(b) k×n, by the BLAS of gonum's
// blas32 and blas64 packages (their Use selects the implementation; see
// blas.go).
func gemmSlices[T float32 | float64](transA, transB bool, m, n, k int, a, b []T, beta T, c []T) {
	ta, tb := blas.NoTrans, blas.NoTrans
	ra, ca, rb, cb := m, k, k, n
	if transA {
		ta, ra, ca = blas.Trans, k, m
	}
	if transB {
		tb, rb, cb = blas.Trans, n, k
	}
	switch cs := any(c).(type) {
	case []float32:
		blas32.Gemm(ta, tb, 1,
			blas32.General{Rows: ra, Cols: ca, Stride: ca, Data: any(a).([]float32)},
			blas32.General{Rows: rb, Cols: cb, Stride: cb, Data: any(b).([]float32)},
			float32(beta), blas32.General{Rows: m, Cols: n, Stride: n, Data: cs})
	case []float64:
		blas64.Gemm(ta, tb, 1,
			blas64.General{Rows: ra, Cols: ca, Stride: ca, Data: any(a).([]float64)},
			blas64.General{Rows: rb, Cols: cb, Stride: cb, Data: any(b).([]float64)},
			float64(beta), blas64.General{Rows: m, Cols: n, Stride: n, Data: cs})
	}
}
