package layers

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Linear is the fully connected layer y = x·W + b on a batch of row vectors:
// x is (N, In), W is (In, Out), b is (Out) and is added to every row.
type Linear struct {
	name    string
	in, out int
	dtype   tensor.Dtype
	w, b    *G.Node
}

var _ Layer = (*Linear)(nil)

// NewLinear creates a Linear layer on g with parameters "<name>.W" (in×out,
// drawn by init with fan-in in and fan-out out from rng) and "<name>.b" (out,
// zeros). dt is tensor.Float32 or tensor.Float64.
func NewLinear(g *G.ExprGraph, name string, in, out int, dt tensor.Dtype, init Init, rng *rand.Rand) (*Linear, error) {
	if err := checkGraph(g, name); err != nil {
		return nil, err
	}
	if in < 1 || out < 1 {
		return nil, fmt.Errorf("%s: linear layer needs at least one input and one output feature, got in=%d out=%d", name, in, out)
	}
	w, err := newParam(g, name+".W", dt, []int{in, out}, init, in, out, rng)
	if err != nil {
		return nil, err
	}
	b, err := newParam(g, name+".b", dt, []int{out}, Zeros(), in, out, rng)
	if err != nil {
		return nil, err
	}
	return &Linear{name: name, in: in, out: out, dtype: dt, w: w, b: b}, nil
}

// Name returns the layer's name.
func (l *Linear) Name() string { return l.name }

// In returns the number of input features.
func (l *Linear) In() int { return l.in }

// Out returns the number of output features.
func (l *Linear) Out() int { return l.out }

// Params returns W and b, in that order.
func (l *Linear) Params() []*G.Node { return []*G.Node{l.w, l.b} }

// Forward returns x·W + b for x of shape (N, In); training is ignored.
func (l *Linear) Forward(x *G.Node, training bool) (*G.Node, error) {
	if err := checkInput(x, l.name, 2, "(N, features)"); err != nil {
		return nil, err
	}
	if err := checkDtype(x, l.name, l.dtype); err != nil {
		return nil, err
	}
	if features := x.Shape()[1]; features != l.in {
		return nil, fmt.Errorf("%s: input has %d features, layer expects %d", l.name, features, l.in)
	}
	y, err := affine(x, l.w, l.b)
	if err != nil {
		return nil, fmt.Errorf("%s: x·W + b: %w", l.name, err)
	}
	return y, nil
}
