package layers

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Conv2D is the two-dimensional convolution layer (cross-correlation, as in
// every deep-learning library) on (N, C, H, W) inputs with square kernels:
// W is (OutChannels, InChannels, Kernel, Kernel), b is (OutChannels) and is
// added at every batch element and position. The input is zero-padded by
// Padding on all four sides and the kernel moves by Stride.
type Conv2D struct {
	name                    string
	inChannels, outChannels int
	kernel, stride, padding int
	dtype                   tensor.Dtype
	w, b                    *G.Node
}

var _ Layer = (*Conv2D)(nil)

// NewConv2D creates a Conv2D layer on g with parameters "<name>.W" (drawn by
// init from rng with fan-in inChannels·kernel² and fan-out
// outChannels·kernel², as in Glorot & Bengio and He et al.) and "<name>.b"
// (zeros). dt is tensor.Float32 or tensor.Float64.
func NewConv2D(g *G.ExprGraph, name string, inChannels, outChannels, kernel, stride, padding int, dt tensor.Dtype, init Init, rng *rand.Rand) (*Conv2D, error) {
	if err := checkGraph(g, name); err != nil {
		return nil, err
	}
	if inChannels < 1 {
		return nil, fmt.Errorf("%s: convolution needs at least one input channel, got %d", name, inChannels)
	}
	if err := CheckConv(outChannels, kernel, stride, padding); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	area := kernel * kernel
	w, err := newParam(g, name+".W", dt, []int{outChannels, inChannels, kernel, kernel}, init, inChannels*area, outChannels*area, rng)
	if err != nil {
		return nil, err
	}
	b, err := newParam(g, name+".b", dt, []int{outChannels}, Zeros(), inChannels*area, outChannels*area, rng)
	if err != nil {
		return nil, err
	}
	return &Conv2D{
		name: name, inChannels: inChannels, outChannels: outChannels,
		kernel: kernel, stride: stride, padding: padding, dtype: dt, w: w, b: b,
	}, nil
}

// Name returns the layer's name.
func (c *Conv2D) Name() string { return c.name }

// OutChannels returns the number of output channels.
func (c *Conv2D) OutChannels() int { return c.outChannels }

// OutputShape returns the (N, OutChannels, H', W') shape of the output for
// an (N, InChannels, H, W) input, with H' and W' from ConvOutputSize (0 when
// the kernel does not fit).
func (c *Conv2D) OutputShape(n, h, w int) [4]int {
	return [4]int{n, c.outChannels, ConvOutputSize(h, c.kernel, c.stride, c.padding), ConvOutputSize(w, c.kernel, c.stride, c.padding)}
}

// Params returns W and b, in that order.
func (c *Conv2D) Params() []*G.Node { return []*G.Node{c.w, c.b} }

// Forward returns the convolution of x, shape (N, InChannels, H, W), plus the
// bias; training is ignored.
func (c *Conv2D) Forward(x *G.Node, training bool) (*G.Node, error) {
	if err := checkInput(x, c.name, 4, "(N, C, H, W)"); err != nil {
		return nil, err
	}
	if err := checkDtype(x, c.name, c.dtype); err != nil {
		return nil, err
	}
	s := x.Shape()
	if s[1] != c.inChannels {
		return nil, fmt.Errorf("%s: input has %d channels, layer expects %d", c.name, s[1], c.inChannels)
	}
	if ConvOutputSize(s[2], c.kernel, c.stride, c.padding) < 1 || ConvOutputSize(s[3], c.kernel, c.stride, c.padding) < 1 {
		return nil, fmt.Errorf("%s: input is %d×%d, too small for a %d×%d kernel with padding %d", c.name, s[2], s[3], c.kernel, c.kernel, c.padding)
	}
	y, err := c.conv(x)
	if err != nil {
		return nil, fmt.Errorf("%s: convolution: %w", c.name, err)
	}
	return y, nil
}
