package layers

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// MaxPool2D takes the maximum over square Kernel×Kernel windows moved by
// Stride over each channel of an (N, C, H, W) input. Padding positions never
// win the maximum (they act as −∞, as in PyTorch). It has no parameters.
type MaxPool2D struct {
	name                    string
	kernel, stride, padding int
}

var _ Layer = (*MaxPool2D)(nil)

// NewMaxPool2D returns a max-pooling layer. Its arguments are checked by
// Forward, which reports kernel or stride below 1 and padding outside
// [0, kernel), where a window could lie wholly in the padding.
func NewMaxPool2D(name string, kernel, stride, padding int) *MaxPool2D {
	return &MaxPool2D{name: name, kernel: kernel, stride: stride, padding: padding}
}

// Name returns the layer's name.
func (p *MaxPool2D) Name() string { return p.name }

// Params returns nil: max-pooling has no parameters.
func (p *MaxPool2D) Params() []*G.Node { return nil }

// OutputShape returns the (N, C, H', W') output shape for an (N, C, H, W)
// input, with H' and W' from ConvOutputSize (0 when the window does not fit).
func (p *MaxPool2D) OutputShape(n, c, h, w int) [4]int {
	return [4]int{n, c, ConvOutputSize(h, p.kernel, p.stride, p.padding), ConvOutputSize(w, p.kernel, p.stride, p.padding)}
}

// Forward returns the pooled x; training is ignored.
func (p *MaxPool2D) Forward(x *G.Node, training bool) (*G.Node, error) {
	switch {
	case p.kernel < 1:
		return nil, fmt.Errorf("%s: pooling kernel %d is below 1", p.name, p.kernel)
	case p.stride < 1:
		return nil, fmt.Errorf("%s: pooling stride %d is below 1", p.name, p.stride)
	case p.padding < 0 || p.padding >= p.kernel:
		return nil, fmt.Errorf("%s: pooling padding %d is outside [0, %d); a window would lie wholly in the padding", p.name, p.padding, p.kernel)
	}
	if err := checkInput(x, p.name, 4, "(N, C, H, W)"); err != nil {
		return nil, err
	}
	s := x.Shape()
	if ConvOutputSize(s[2], p.kernel, p.stride, p.padding) < 1 || ConvOutputSize(s[3], p.kernel, p.stride, p.padding) < 1 {
		return nil, fmt.Errorf("%s: input is %d×%d, too small for a %d×%d pooling window with padding %d", p.name, s[2], s[3], p.kernel, p.kernel, p.padding)
	}
	y, err := p.maxPool(x)
	if err != nil {
		return nil, fmt.Errorf("%s: max-pooling: %w", p.name, err)
	}
	return y, nil
}
