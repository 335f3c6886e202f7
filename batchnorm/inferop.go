package batchnorm

import (
	"fmt"
	"hash"

	"deepopt/internal/densedata"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// inferenceOp is Alg. 2's inference transform, y = γ (x − E[x]) /
// sqrt(Var[x] + ε) + β with the running statistics, as one Gorgonia
// operation: per channel y = scale·x + shift, scale = γ/sqrt(Var[x] + ε)
// and shift = β − scale·E[x] computed in float64 (the training operation's
// kernel). Gorgonia's broadcasting subtraction, product and sum would each
// first repeat a per-channel vector to x's full size, about two fifths of
// the benchmark CNN's test-set evaluation. Its inputs are x, γ, β and the
// leaves that mirror E[x] and sqrt(Var[x] + ε) (syncEvalLeaves); it is
// differentiable in x, γ and β (inferenceGradOp), not in the statistics.
type inferenceOp struct {
	layer  *BatchNorm
	shape  tensor.Shape
	l      layout
	result densedata.Output // kept between runs: Do writes every value
}

// inferenceGradOp computes one gradient of an inferenceOp from (x, γ, E[x],
// std, dy): ∂J/∂x = γ/std·dy, ∂J/∂γ = Σ dy·(x − E[x])/std, ∂J/∂β = Σ dy,
// per channel.
type inferenceGradOp struct {
	forward *inferenceOp
	wrt     gradient
	result  densedata.Output // kept between runs: Do writes every value
}

var (
	_ G.Op   = (*inferenceOp)(nil)
	_ G.SDOp = (*inferenceOp)(nil)
	_ G.Op   = (*inferenceGradOp)(nil)
)

// newInferenceOp returns the inference operation of layer b for x of the
// given shape, already checked to be (N, C) or (N, C, H, W).
func newInferenceOp(b *BatchNorm, shape tensor.Shape) *inferenceOp {
	return &inferenceOp{layer: b, shape: shape.Clone(), l: layoutOf(shape)}
}

// Arity is five: x, γ, β, E[x], sqrt(Var[x] + ε).
func (op *inferenceOp) Arity() int { return 5 }

// Type is (x, γ, β, E[x], std) → y with x and y of x's rank and the others
// vectors, all of one element type.
func (op *inferenceOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	x := G.TensorType{Dims: len(op.shape), Of: a}
	v := G.TensorType{Dims: 1, Of: a}
	return hm.NewFnType(x, v, v, v, v, x)
}

// InferShape returns x's shape.
func (op *inferenceOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.shape.Clone(), nil }

// Do computes y.
func (op *inferenceOp) Do(inputs ...G.Value) (G.Value, error) {
	c := tensor.Shape{op.l.c}
	t, err := op.layer.tensors(inputs, op.shape, c, c, c, c)
	if err != nil {
		return nil, err
	}
	y := op.result.Get(t[0].Dtype(), op.shape...)
	switch t[0].Dtype() {
	case tensor.Float64:
		x := densedata.Slice[float64](t[0])
		infer(densedata.Slice[float64](y), x, densedata.Slice[float64](t[1]), densedata.Slice[float64](t[2]), densedata.Slice[float64](t[3]), densedata.Slice[float64](t[4]), op.l)
	case tensor.Float32:
		x := densedata.Slice[float32](t[0])
		infer(densedata.Slice[float32](y), x, densedata.Slice[float32](t[1]), densedata.Slice[float32](t[2]), densedata.Slice[float32](t[3]), densedata.Slice[float32](t[4]), op.l)
	}
	return y, nil
}

// infer writes y = γ (x − mean) / std + β per channel, by normalize.
func infer[T float](y, x, gamma, beta, mean, std []T, l layout) {
	mean64, invStd := make([]float64, l.c), make([]float64, l.c)
	for c := range mean64 {
		mean64[c], invStd[c] = float64(mean[c]), 1/float64(std[c])
	}
	normalize(y, x, gamma, beta, l, mean64, invStd)
}

// ReturnsPtr is false: Do returns its own result, not an input.
func (op *inferenceOp) ReturnsPtr() bool { return false }

// CallsExtern is false: Do runs in Go.
func (op *inferenceOp) CallsExtern() bool { return false }

// OverwritesInput is -1: Do leaves its inputs alone.
func (op *inferenceOp) OverwritesInput() int { return -1 }

// WriteHash identifies the op by its layer and shape.
func (op *inferenceOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "batchnorm.inference(%s,%p,%v)", op.layer.name, op.layer, op.shape)
}

// Hashcode is the FNV-1a hash of WriteHash.
func (op *inferenceOp) Hashcode() uint32 { return hashOf(op) }

// String names the layer.
func (op *inferenceOp) String() string { return fmt.Sprintf("BatchNormInference(%s)", op.layer.name) }

// DiffWRT reports that y is differentiable in x, γ and β.
func (op *inferenceOp) DiffWRT(int) []bool { return []bool{true, true, true, false, false} }

// SymDiff returns ∂J/∂x, ∂J/∂γ and ∂J/∂β as inferenceGradOps on (x, γ,
// E[x], std, dy), and nothing for the statistics.
func (op *inferenceOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 5 {
		return nil, fmt.Errorf("batchnorm: %s: gradient of an operation on %d inputs, want 5", op.layer.name, len(inputs))
	}
	out := make(G.Nodes, 5)
	for i, wrt := range []gradient{wrtInput, wrtGamma, wrtBeta} {
		var err error
		if out[i], err = G.ApplyOp(&inferenceGradOp{forward: op, wrt: wrt}, inputs[0], inputs[1], inputs[3], inputs[4], grad); err != nil {
			return nil, fmt.Errorf("batchnorm: %s: ∂J/∂%v: %w", op.layer.name, wrt, err)
		}
	}
	return out, nil
}

// Arity is five: x, γ, E[x], std, dy.
func (op *inferenceGradOp) Arity() int { return 5 }

// Type is (x, γ, E[x], std, dy) → ∂J/∂x of x's type, or a vector for γ and β.
func (op *inferenceGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	x := G.TensorType{Dims: len(op.forward.shape), Of: a}
	v := G.TensorType{Dims: 1, Of: a}
	if op.wrt == wrtInput {
		return hm.NewFnType(x, v, v, v, x, x)
	}
	return hm.NewFnType(x, v, v, v, x, v)
}

// InferShape returns x's shape for ∂J/∂x and (C) otherwise.
func (op *inferenceGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	if op.wrt == wrtInput {
		return op.forward.shape.Clone(), nil
	}
	return tensor.Shape{op.forward.l.c}, nil
}

// Do computes the gradient.
func (op *inferenceGradOp) Do(inputs ...G.Value) (G.Value, error) {
	f := op.forward
	c := tensor.Shape{f.l.c}
	t, err := f.layer.tensors(inputs, f.shape, c, c, c, f.shape)
	if err != nil {
		return nil, err
	}
	shape, _ := op.InferShape()
	out := op.result.Get(t[0].Dtype(), shape...)
	switch t[0].Dtype() {
	case tensor.Float64:
		x := densedata.Slice[float64](t[0])
		inferenceBackward(op.wrt, f.l, densedata.Slice[float64](out), x, densedata.Slice[float64](t[1]), densedata.Slice[float64](t[2]), densedata.Slice[float64](t[3]), densedata.Slice[float64](t[4]))
	case tensor.Float32:
		x := densedata.Slice[float32](t[0])
		inferenceBackward(op.wrt, f.l, densedata.Slice[float32](out), x, densedata.Slice[float32](t[1]), densedata.Slice[float32](t[2]), densedata.Slice[float32](t[3]), densedata.Slice[float32](t[4]))
	}
	return out, nil
}

// inferenceBackward writes the gradient wrt into out.
func inferenceBackward[T float](wrt gradient, l layout, out, x, gamma, mean, std, dy []T) {
	mean64, invStd := make([]float64, l.c), make([]float64, l.c)
	for c := range mean64 {
		mean64[c], invStd[c] = float64(mean[c]), 1/float64(std[c])
	}
	if wrt == wrtInput {
		scale := make([]float64, l.c)
		for c := range scale {
			scale[c] = float64(gamma[c]) * invStd[c]
		}
		channelAffine(out, dy, nil, l, scale, nil, make([]float64, l.c))
		return
	}
	sumDy, sumDyXhat := sums(dy, x, l, mean64, invStd)
	if wrt == wrtBeta {
		sumDyXhat = sumDy
	}
	for c, v := range sumDyXhat {
		out[c] = T(v)
	}
}

// ReturnsPtr is false: Do returns its own result, not an input.
func (op *inferenceGradOp) ReturnsPtr() bool { return false }

// CallsExtern is false: Do runs in Go.
func (op *inferenceGradOp) CallsExtern() bool { return false }

// OverwritesInput is -1: Do leaves its inputs alone.
func (op *inferenceGradOp) OverwritesInput() int { return -1 }

// WriteHash identifies the op by its forward operation and the gradient.
func (op *inferenceGradOp) WriteHash(h hash.Hash) {
	op.forward.WriteHash(h)
	fmt.Fprintf(h, ".gradient(%v)", op.wrt)
}

// Hashcode is the FNV-1a hash of WriteHash.
func (op *inferenceGradOp) Hashcode() uint32 { return hashOf(op) }

// String names the layer and the gradient.
func (op *inferenceGradOp) String() string {
	return fmt.Sprintf("∂BatchNormInference(%s)/∂%v", op.forward.layer.name, op.wrt)
}
