package batchnorm

import (
	"fmt"
	"hash"
	"hash/fnv"

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
// was measured to hold σ² + ε after the run). Its gradient is three
// gradientOps, which recompute the statistics from x rather than share state
// with the forward pass, so that any machine on the graph, in any order,
// gets them right.
//
// One fused operation replaces the dozen primitive operations (and their
// full-size broadcast copies) the transform would otherwise take, in both
// the forward and the backward pass.
type trainingOp struct {
	layer *BatchNorm
	shape tensor.Shape
	l     layout
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

// gradientOp computes one gradient of a trainingOp from (x, γ, dy), dy being
// ∂J/∂y: ∂J/∂x by inputGradient, ∂J/∂γ = Σ dy·x̂, ∂J/∂β = Σ dy, per channel.
type gradientOp struct {
	forward *trainingOp
	wrt     gradient
}

var _ G.Op = (*gradientOp)(nil)

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
	y := tensor.New(tensor.WithShape(op.shape.Clone()...), tensor.Of(t[0].Dtype()))
	switch x := t[0].Data().(type) {
	case []float64:
		channelStatistics(x, op.l, rec.mean, rec.variance)
		normalize(y.Data().([]float64), x, t[1].Data().([]float64), t[2].Data().([]float64), op.l, rec.mean, inverseStd(rec.variance, op.layer.opts.Eps))
	case []float32:
		channelStatistics(x, op.l, rec.mean, rec.variance)
		normalize(y.Data().([]float32), x, t[1].Data().([]float32), t[2].Data().([]float32), op.l, rec.mean, inverseStd(rec.variance, op.layer.opts.Eps))
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

// ReturnsPtr is false: Do returns a fresh value.
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

// SymDiff returns ∂J/∂x, ∂J/∂γ and ∂J/∂β as gradientOps on (x, γ, dy).
func (op *trainingOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 3 {
		return nil, fmt.Errorf("batchnorm: %s: gradient of an operation on %d inputs, want 3", op.layer.name, len(inputs))
	}
	out := make(G.Nodes, 3)
	for i, wrt := range []gradient{wrtInput, wrtGamma, wrtBeta} {
		var err error
		if out[i], err = G.ApplyOp(&gradientOp{forward: op, wrt: wrt}, inputs[0], inputs[1], grad); err != nil {
			return nil, fmt.Errorf("batchnorm: %s: ∂J/∂%v: %w", op.layer.name, wrt, err)
		}
	}
	return out, nil
}

// Arity is three: x, γ, dy.
func (op *gradientOp) Arity() int { return 3 }

// Type is (x, γ, dy) → ∂J/∂x of x's type, or a vector for γ and β.
func (op *gradientOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	x := G.TensorType{Dims: len(op.forward.shape), Of: a}
	v := G.TensorType{Dims: 1, Of: a}
	if op.wrt == wrtInput {
		return hm.NewFnType(x, v, x, x)
	}
	return hm.NewFnType(x, v, x, v)
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
	t, err := f.layer.tensors(inputs, f.shape, tensor.Shape{f.l.c}, f.shape)
	if err != nil {
		return nil, err
	}
	shape := tensor.Shape{f.l.c}
	if op.wrt == wrtInput {
		shape = f.shape
	}
	out := tensor.New(tensor.WithShape(shape.Clone()...), tensor.Of(t[0].Dtype()))
	switch x := t[0].Data().(type) {
	case []float64:
		backward(op, out.Data().([]float64), x, t[1].Data().([]float64), t[2].Data().([]float64))
	case []float32:
		backward(op, out.Data().([]float32), x, t[1].Data().([]float32), t[2].Data().([]float32))
	}
	return out, nil
}

// backward writes op's gradient into out, recomputing the batch statistics
// from x.
func backward[T float](op *gradientOp, out, x, gamma, dy []T) {
	l := op.forward.l
	mean, variance := make([]float64, l.c), make([]float64, l.c)
	channelStatistics(x, l, mean, variance)
	invStd := inverseStd(variance, op.forward.layer.opts.Eps)
	sumDy, sumDyXhat := sums(dy, x, l, mean, invStd)
	switch op.wrt {
	case wrtInput:
		inputGradient(out, dy, x, gamma, l, mean, invStd, sumDy, sumDyXhat)
	case wrtGamma:
		for c, v := range sumDyXhat {
			out[c] = T(v)
		}
	case wrtBeta:
		for c, v := range sumDy {
			out[c] = T(v)
		}
	}
}

// ReturnsPtr is false: Do returns a fresh value.
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
