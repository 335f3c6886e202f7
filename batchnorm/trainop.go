package batchnorm

import (
	"fmt"
	"hash"
	"hash/fnv"

	"deepopt/internal/densedata"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// trainingOp is Alg. 1 as one Gorgonia operation, y = BN(x; γ, β) with the
// batch statistics, for an input of a fixed layout. Its Do also copies μ_B
// and σ²_B into the layer's record for Update: an operation on the path to
// the loss runs in every forward pass of any machine, whereas the value bound
// to an intermediate node after a run is not reliable: Gorgonia reuses
// registers and overwrites values in place (a variance node feeding "+ ε"
// was measured to hold σ² + ε after the run). Its gradient recomputes the
// statistics from x rather than share state with the forward pass, so that
// any machine on the graph, in any order, gets them right: one sumsOp
// computes them with Σ dy·x̂ and Σ dy, and three gradientOps read that node.
//
// One fused operation replaces the dozen primitive operations (and their
// full-size broadcast copies) the transform would otherwise take, in both
// the forward and the backward pass.
type trainingOp struct {
	layer  *BatchNorm
	shape  tensor.Shape
	l      layout
	result densedata.Output // kept between runs: Do writes every value
}

var (
	_ G.Op   = (*trainingOp)(nil)
	_ G.SDOp = (*trainingOp)(nil)
)

// gradient selects the input a gradientOp differentiates with respect to.
type gradient int

const (
	wrtInput gradient = iota
	wrtGamma
	wrtBeta
)

func (w gradient) String() string {
	return [...]string{"x", "gamma", "beta"}[w]
}

// sumsOp computes, from (x, dy), dy being ∂J/∂y, the (4, C) matrix of the
// per-channel Σ dy·x̂, Σ dy, μ_B and 1/sqrt(σ²_B + ε): everything the
// gradients need, computed once per backward pass instead of once per
// gradient (three passes over x and dy each).
type sumsOp struct {
	forward *trainingOp
	result  densedata.Output // kept between runs: Do writes every value
}

// Rows of a sumsOp's output.
const (
	rowSumDyXhat = iota
	rowSumDy
	rowMean
	rowInvStd
	sumsRows
)

// gradientOp computes one gradient of a trainingOp from a sumsOp's output s:
// ∂J/∂x by inputGradient from (x, γ, dy, s), and ∂J/∂γ = Σ dy·x̂ and ∂J/∂β =
// Σ dy, per channel, as rows of s alone.
type gradientOp struct {
	forward *trainingOp
	wrt     gradient
	result  densedata.Output // kept between runs: Do writes every value
}

var (
	_ G.Op = (*sumsOp)(nil)
	_ G.Op = (*gradientOp)(nil)
)

// newTrainingOp returns the training operation of layer b for x of the given
// shape, already checked to be (N, C) or (N, C, H, W).
func newTrainingOp(b *BatchNorm, shape tensor.Shape) *trainingOp {
	return &trainingOp{layer: b, shape: shape.Clone(), l: layoutOf(shape)}
}

// layoutOf returns the layout of an (N, C) or (N, C, H, W) shape.
func layoutOf(shape tensor.Shape) layout {
	l := layout{n: shape[0], c: shape[1], s: 1}
	if len(shape) == 4 {
		l.s = shape[2] * shape[3]
	}
	return l
}

// Arity is three: x, γ, β.
func (op *trainingOp) Arity() int { return 3 }

// Type is (x, γ, β) → y with x and y of x's rank and γ, β vectors, all of one
// element type.
func (op *trainingOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	x := G.TensorType{Dims: len(op.shape), Of: a}
	v := G.TensorType{Dims: 1, Of: a}
	return hm.NewFnType(x, v, v, x)
}

// InferShape returns x's shape.
func (op *trainingOp) InferShape(inputs ...G.DimSizer) (tensor.Shape, error) {
	return op.shape.Clone(), nil
}

// Do computes y, recording μ_B and σ²_B in the layer.
func (op *trainingOp) Do(inputs ...G.Value) (G.Value, error) {
	t, err := op.layer.tensors(inputs, op.shape, tensor.Shape{op.l.c}, tensor.Shape{op.l.c})
	if err != nil {
		return nil, err
	}
	rec := &op.layer.last
	y := op.result.Get(t[0].Dtype(), op.shape...)
	switch t[0].Dtype() {
	case tensor.Float64:
		x := densedata.Slice[float64](t[0])
		channelStatistics(x, op.l, rec.mean, rec.variance)
		normalize(densedata.Slice[float64](y), x, densedata.Slice[float64](t[1]), densedata.Slice[float64](t[2]), op.l, rec.mean, inverseStd(rec.variance, op.layer.opts.Eps))
	case tensor.Float32:
		x := densedata.Slice[float32](t[0])
		channelStatistics(x, op.l, rec.mean, rec.variance)
		normalize(densedata.Slice[float32](y), x, densedata.Slice[float32](t[1]), densedata.Slice[float32](t[2]), op.l, rec.mean, inverseStd(rec.variance, op.layer.opts.Eps))
	}
	rec.m = op.l.m()
	rec.fresh = true
	return y, nil
}

// tensors checks that inputs are tensors of the layer's dtype with the
// given shapes and returns them contiguous.
func (b *BatchNorm) tensors(inputs []G.Value, shapes ...tensor.Shape) ([]*tensor.Dense, error) {
	if len(inputs) != len(shapes) {
		return nil, fmt.Errorf("batchnorm: %s: operation takes %d inputs, got %d", b.name, len(shapes), len(inputs))
	}
	out := make([]*tensor.Dense, len(inputs))
	for i, v := range inputs {
		d, ok := v.(*tensor.Dense)
		if !ok {
			return nil, fmt.Errorf("batchnorm: %s: input %d is a %T, want a dense tensor", b.name, i, v)
		}
		if !d.Shape().Eq(shapes[i]) {
			return nil, fmt.Errorf("batchnorm: %s: input %d has shape %v, want %v", b.name, i, d.Shape(), shapes[i])
		}
		if d.Dtype() != b.dtype {
			return nil, fmt.Errorf("batchnorm: %s: input %d has dtype %v, want %v", b.name, i, d.Dtype(), b.dtype)
		}
		if d.RequiresIterator() {
			d = d.Materialize().(*tensor.Dense)
		}
		out[i] = d
	}
	return out, nil
}

// ReturnsPtr is false: Do returns its own result, not an input.
func (op *trainingOp) ReturnsPtr() bool { return false }

// CallsExtern is false: Do runs in Go.
func (op *trainingOp) CallsExtern() bool { return false }

// OverwritesInput is -1: Do leaves its inputs alone.
func (op *trainingOp) OverwritesInput() int { return -1 }

// WriteHash identifies the op by its layer and shape, so that Gorgonia never
// merges the operations of two layers.
func (op *trainingOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "batchnorm.training(%s,%p,%v)", op.layer.name, op.layer, op.shape)
}

// Hashcode is the FNV-1a hash of WriteHash.
func (op *trainingOp) Hashcode() uint32 { return hashOf(op) }

// String names the layer.
func (op *trainingOp) String() string { return fmt.Sprintf("BatchNorm(%s)", op.layer.name) }

// DiffWRT reports that y is differentiable in x, γ and β.
func (op *trainingOp) DiffWRT(inputs int) []bool { return []bool{true, true, true} }

// SymDiff returns ∂J/∂x, ∂J/∂γ and ∂J/∂β as gradientOps on a sumsOp of (x, dy).
func (op *trainingOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 3 {
		return nil, fmt.Errorf("batchnorm: %s: gradient of an operation on %d inputs, want 3", op.layer.name, len(inputs))
	}
	s, err := G.ApplyOp(&sumsOp{forward: op}, inputs[0], grad)
	if err != nil {
		return nil, fmt.Errorf("batchnorm: %s: gradient sums: %w", op.layer.name, err)
	}
	out := make(G.Nodes, 3)
	for i, wrt := range []gradient{wrtInput, wrtGamma, wrtBeta} {
		args := G.Nodes{s}
		if wrt == wrtInput {
			args = G.Nodes{inputs[0], inputs[1], grad, s}
		}
		if out[i], err = G.ApplyOp(&gradientOp{forward: op, wrt: wrt}, args...); err != nil {
			return nil, fmt.Errorf("batchnorm: %s: ∂J/∂%v: %w", op.layer.name, wrt, err)
		}
	}
	return out, nil
}

// Arity is two: x, dy.
func (op *sumsOp) Arity() int { return 2 }

// Type is (x, dy) → matrix.
func (op *sumsOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	x := G.TensorType{Dims: len(op.forward.shape), Of: a}
	return hm.NewFnType(x, x, G.TensorType{Dims: 2, Of: a})
}

// InferShape returns (4, C).
func (op *sumsOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{sumsRows, op.forward.l.c}, nil
}

// Do computes the statistics and sums.
func (op *sumsOp) Do(inputs ...G.Value) (G.Value, error) {
	f := op.forward
	t, err := f.layer.tensors(inputs, f.shape, f.shape)
	if err != nil {
		return nil, err
	}
	out := op.result.Get(t[0].Dtype(), sumsRows, f.l.c)
	switch t[0].Dtype() {
	case tensor.Float64:
		x := densedata.Slice[float64](t[0])
		gradientSums(densedata.Slice[float64](out), x, densedata.Slice[float64](t[1]), f.l, f.layer.opts.Eps)
	case tensor.Float32:
		x := densedata.Slice[float32](t[0])
		gradientSums(densedata.Slice[float32](out), x, densedata.Slice[float32](t[1]), f.l, f.layer.opts.Eps)
	}
	return out, nil
}

// gradientSums writes the rows of a sumsOp's output into out.
func gradientSums[T float](out, x, dy []T, l layout, eps float64) {
	mean, variance := make([]float64, l.c), make([]float64, l.c)
	channelStatistics(x, l, mean, variance)
	invStd := inverseStd(variance, eps)
	sumDy, sumDyXhat := sums(dy, x, l, mean, invStd)
	for r, row := range [sumsRows][]float64{rowSumDyXhat: sumDyXhat, rowSumDy: sumDy, rowMean: mean, rowInvStd: invStd} {
		for c, v := range row {
			out[r*l.c+c] = T(v)
		}
	}
}

// ReturnsPtr is false: Do returns its own result, not an input.
func (op *sumsOp) ReturnsPtr() bool { return false }

// CallsExtern is false: Do runs in Go.
func (op *sumsOp) CallsExtern() bool { return false }

// OverwritesInput is -1: Do leaves its inputs alone.
func (op *sumsOp) OverwritesInput() int { return -1 }

// WriteHash identifies the op by its forward operation.
func (op *sumsOp) WriteHash(h hash.Hash) {
	op.forward.WriteHash(h)
	fmt.Fprint(h, ".sums")
}

// Hashcode is the FNV-1a hash of WriteHash.
func (op *sumsOp) Hashcode() uint32 { return hashOf(op) }

// String names the layer.
func (op *sumsOp) String() string { return fmt.Sprintf("ΣBatchNorm(%s)", op.forward.layer.name) }

// Arity is four, (x, γ, dy, s), for ∂J/∂x and one, s, for ∂J/∂γ and ∂J/∂β.
func (op *gradientOp) Arity() int {
	if op.wrt == wrtInput {
		return 4
	}
	return 1
}

// Type is (x, γ, dy, s) → ∂J/∂x of x's type, or s → vector for γ and β.
func (op *gradientOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	x := G.TensorType{Dims: len(op.forward.shape), Of: a}
	v := G.TensorType{Dims: 1, Of: a}
	m := G.TensorType{Dims: 2, Of: a}
	if op.wrt == wrtInput {
		return hm.NewFnType(x, v, x, m, x)
	}
	return hm.NewFnType(m, v)
}

// InferShape returns x's shape for ∂J/∂x and (C) otherwise.
func (op *gradientOp) InferShape(inputs ...G.DimSizer) (tensor.Shape, error) {
	if op.wrt == wrtInput {
		return op.forward.shape.Clone(), nil
	}
	return tensor.Shape{op.forward.l.c}, nil
}

// Do computes the gradient.
func (op *gradientOp) Do(inputs ...G.Value) (G.Value, error) {
	f := op.forward
	c, rows := f.l.c, tensor.Shape{sumsRows, f.l.c}
	if op.wrt != wrtInput {
		t, err := f.layer.tensors(inputs, rows)
		if err != nil {
			return nil, err
		}
		row := rowSumDyXhat
		if op.wrt == wrtBeta {
			row = rowSumDy
		}
		out := op.result.Get(t[0].Dtype(), c)
		switch out.Dtype() {
		case tensor.Float64:
			d := densedata.Slice[float64](out)
			copy(d, densedata.Slice[float64](t[0])[row*c:])
		case tensor.Float32:
			d := densedata.Slice[float32](out)
			copy(d, densedata.Slice[float32](t[0])[row*c:])
		}
		return out, nil
	}
	t, err := f.layer.tensors(inputs, f.shape, tensor.Shape{c}, f.shape, rows)
	if err != nil {
		return nil, err
	}
	out := op.result.Get(t[0].Dtype(), f.shape...)
	switch t[0].Dtype() {
	case tensor.Float64:
		x := densedata.Slice[float64](t[0])
		backward(f.l, densedata.Slice[float64](out), x, densedata.Slice[float64](t[1]), densedata.Slice[float64](t[2]), densedata.Slice[float64](t[3]))
	case tensor.Float32:
		x := densedata.Slice[float32](t[0])
		backward(f.l, densedata.Slice[float32](out), x, densedata.Slice[float32](t[1]), densedata.Slice[float32](t[2]), densedata.Slice[float32](t[3]))
	}
	return out, nil
}

// backward writes ∂J/∂x into dx from the sums s of a sumsOp.
func backward[T float](l layout, dx, x, gamma, dy, s []T) {
	row := func(r int) []float64 {
		v := make([]float64, l.c)
		for c := range v {
			v[c] = float64(s[r*l.c+c])
		}
		return v
	}
	inputGradient(dx, dy, x, gamma, l, row(rowMean), row(rowInvStd), row(rowSumDy), row(rowSumDyXhat))
}

// ReturnsPtr is false: Do returns its own result, not an input.
func (op *gradientOp) ReturnsPtr() bool { return false }

// CallsExtern is false: Do runs in Go.
func (op *gradientOp) CallsExtern() bool { return false }

// OverwritesInput is -1: Do leaves its inputs alone.
func (op *gradientOp) OverwritesInput() int { return -1 }

// WriteHash identifies the op by its forward operation and the gradient.
func (op *gradientOp) WriteHash(h hash.Hash) {
	op.forward.WriteHash(h)
	fmt.Fprintf(h, ".gradient(%v)", op.wrt)
}

// Hashcode is the FNV-1a hash of WriteHash.
func (op *gradientOp) Hashcode() uint32 { return hashOf(op) }

// String names the layer and the gradient.
func (op *gradientOp) String() string {
	return fmt.Sprintf("∂BatchNorm(%s)/∂%v", op.forward.layer.name, op.wrt)
}

// hashOf is the FNV-1a hash of op.WriteHash.
func hashOf(op G.Op) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}
