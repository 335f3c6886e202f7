package layers

import (
	"fmt"
	"hash"
	"hash/fnv"
	"math"

	"deepopt/internal/densedata"
	"deepopt/internal/sigmoid"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// activationOp applies one activation elementwise, y = f(x), as a single
// Gorgonia operation with a kernel per dtype. Gorgonia's own sigmoid computes
// float32 through float64 math.Exp behind a function call per element and
// differentiates by a chain of elementwise operations that recompute σ; here
// the float32 kernel stays in float32 and the gradient is one operation on
// the output: f'(x) = y(1 − y) for the sigmoid, 1 − y² for tanh and [y > 0]
// for ReLU.
type activationOp struct {
	kind   ActivationKind
	shape  tensor.Shape
	result densedata.Output // kept between runs: Do writes every value
}

// activationGradOp computes ∂J/∂x = f'(x)·dy from (y, dy).
type activationGradOp struct {
	forward *activationOp
	result  densedata.Output // kept between runs: Do writes every value
}

var (
	_ G.Op   = (*activationOp)(nil)
	_ G.SDOp = (*activationOp)(nil)
	_ G.Op   = (*activationGradOp)(nil)
)

// applyActivation returns the node f(x) for an activation kind.
func applyActivation(kind ActivationKind, x *G.Node) (*G.Node, error) {
	return G.ApplyOp(&activationOp{kind: kind, shape: x.Shape().Clone()}, x)
}

func (op *activationOp) Arity() int { return 1 }

// Type is a → a for tensors of x's rank.
func (op *activationOp) Type() hm.Type {
	t := G.TensorType{Dims: len(op.shape), Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}

func (op *activationOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return op.shape.Clone(), nil }

// Do computes y = f(x) into the operation's kept result.
func (op *activationOp) Do(inputs ...G.Value) (G.Value, error) {
	x, err := denseInputs(op, inputs, 1)
	if err != nil {
		return nil, err
	}
	y := op.result.Get(x[0].Dtype(), op.shape...)
	switch x[0].Dtype() {
	case tensor.Float32:
		xs := densedata.Slice[float32](x[0])
		activate32(op.kind, densedata.Slice[float32](y), xs)
	case tensor.Float64:
		xs := densedata.Slice[float64](x[0])
		activate64(op.kind, densedata.Slice[float64](y), xs)
	default:
		return nil, fmt.Errorf("layers: %s of a %v tensor; use float32 or float64", op.kind, x[0].Dtype())
	}
	return y, nil
}

func (op *activationOp) ReturnsPtr() bool      { return false }
func (op *activationOp) CallsExtern() bool     { return false }
func (op *activationOp) OverwritesInput() int  { return -1 }
func (op *activationOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "layers.%s%v", op.kind, op.shape) }
func (op *activationOp) Hashcode() uint32      { return hashOf(op) }
func (op *activationOp) String() string        { return string(op.kind) }

// DiffWRT reports that y is differentiable in x.
func (op *activationOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff returns ∂J/∂x as an activationGradOp on (y, dy).
func (op *activationOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(&activationGradOp{forward: op}, output, grad)
	if err != nil {
		return nil, fmt.Errorf("layers: ∂%s: %w", op.kind, err)
	}
	return G.Nodes{dx}, nil
}

func (op *activationGradOp) Arity() int { return 2 }

// Type is (a, a) → a.
func (op *activationGradOp) Type() hm.Type {
	t := G.TensorType{Dims: len(op.forward.shape), Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t, t)
}

func (op *activationGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return op.forward.shape.Clone(), nil
}

// Do computes f'(x)·dy from y and dy.
func (op *activationGradOp) Do(inputs ...G.Value) (G.Value, error) {
	t, err := denseInputs(op, inputs, 2)
	if err != nil {
		return nil, err
	}
	dx := op.result.Get(t[0].Dtype(), op.forward.shape...)
	switch t[0].Dtype() {
	case tensor.Float32:
		y, dxs, dys := densedata.Slice[float32](t[0]), densedata.Slice[float32](dx), densedata.Slice[float32](t[1])
		switch op.forward.kind {
		case ReLU:
			reluGradient32(dxs, y, dys)
		case Sigmoid:
			sigmoid.Gradient(dxs, y, dys) // the loop's bits, eight values at a time
		default:
			activationGradient(op.forward.kind, dxs, y, dys)
		}
	case tensor.Float64:
		y := densedata.Slice[float64](t[0])
		activationGradient(op.forward.kind, densedata.Slice[float64](dx), y, densedata.Slice[float64](t[1]))
	default:
		return nil, fmt.Errorf("layers: ∂%s of a %v tensor; use float32 or float64", op.forward.kind, t[0].Dtype())
	}
	return dx, nil
}

func (op *activationGradOp) ReturnsPtr() bool     { return false }
func (op *activationGradOp) CallsExtern() bool    { return false }
func (op *activationGradOp) OverwritesInput() int { return -1 }
func (op *activationGradOp) WriteHash(h hash.Hash) {
	op.forward.WriteHash(h)
	fmt.Fprint(h, ".gradient")
}
func (op *activationGradOp) Hashcode() uint32 { return hashOf(op) }
func (op *activationGradOp) String() string   { return "∂" + string(op.forward.kind) }

// denseInputs checks that inputs are n dense tensors of one dtype with the
// op's shape and returns them contiguous.
func denseInputs(op G.Op, inputs []G.Value, n int) ([]*tensor.Dense, error) {
	if len(inputs) != n {
		return nil, fmt.Errorf("layers: %v takes %d inputs, got %d", op, n, len(inputs))
	}
	out := make([]*tensor.Dense, n)
	for i, v := range inputs {
		d, ok := v.(*tensor.Dense)
		if !ok {
			return nil, fmt.Errorf("layers: %v: input %d is a %T, want a dense tensor", op, i, v)
		}
		if d.Dtype() != inputs[0].Dtype() {
			return nil, fmt.Errorf("layers: %v: input %d has dtype %v, input 0 %v", op, i, d.Dtype(), inputs[0].Dtype())
		}
		if d.RequiresIterator() {
			d = d.Materialize().(*tensor.Dense)
		}
		out[i] = d
	}
	return out, nil
}

// hashOf is the FNV-1a hash of op.WriteHash.
func hashOf(op G.Op) uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

// activate64 writes f(x) into y in float64.
func activate64(kind ActivationKind, y, x []float64) {
	switch kind {
	case Sigmoid:
		for i, v := range x {
			y[i] = 1 / (1 + math.Exp(-v))
		}
	case Tanh:
		for i, v := range x {
			y[i] = math.Tanh(v)
		}
	case ReLU:
		for i, v := range x {
			y[i] = max(v, 0)
		}
	}
}

// activate32 writes f(x) into y in float32; the sigmoid stays in float32
// (internal/sigmoid, vectorised).
func activate32(kind ActivationKind, y, x []float32) {
	switch kind {
	case Sigmoid:
		sigmoid.Slice(y, x)
	case Tanh:
		for i, v := range x {
			y[i] = float32(math.Tanh(float64(v)))
		}
	case ReLU:
		relu32(y, x)
	}
}

// relu32 writes max(x, 0) into y, eight values at a time on the kernel
// where the processor runs it (the same bits: the kernel keeps or clears
// each value, as max does).
func relu32(y, x []float32) {
	y = y[:len(x)]
	n := 0
	if useKernels && len(x) >= 8 {
		n = len(x) &^ 7
		relu(&y[0], &x[0], n)
	}
	for i, v := range x[n:] {
		y[n+i] = max(v, 0)
	}
}

// reluGradient32 is activationGradient's ReLU case for float32, eight
// values at a time on the kernel where the processor runs it.
func reluGradient32(dx, y, dy []float32) {
	dx, dy = dx[:len(y)], dy[:len(y)]
	n := 0
	if useKernels && len(y) >= 8 {
		n = len(y) &^ 7
		reluGradient(&dx[0], &y[0], &dy[0], n)
	}
	activationGradient(ReLU, dx[n:], y[n:], dy[n:])
}

// activationGradient writes f'(x)·dy into dx, f' expressed by y = f(x).
func activationGradient[T float32 | float64](kind ActivationKind, dx, y, dy []T) {
	switch kind {
	case Sigmoid:
		for i, v := range y {
			dx[i] = dy[i] * v * (1 - v)
		}
	case Tanh:
		for i, v := range y {
			dx[i] = dy[i] * (1 - v*v)
		}
	case ReLU:
		for i, v := range y {
			dx[i] = 0
			if v > 0 {
				dx[i] = dy[i]
			}
		}
	}
}
