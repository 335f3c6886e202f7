package layers

import (
	"fmt"

	G "gorgonia.org/gorgonia"
)

// Flatten reshapes an (N, d1, d2, …) input to (N, d1·d2·…), row-major, so
// that a convolutional stack can feed a Linear layer. It has no parameters.
type Flatten struct {
	name string
}

var _ Layer = (*Flatten)(nil)

// NewFlatten returns a Flatten layer.
func NewFlatten(name string) *Flatten { return &Flatten{name: name} }

// Name returns the layer's name.
func (f *Flatten) Name() string { return f.name }

// Params returns nil: Flatten has no parameters.
func (f *Flatten) Params() []*G.Node { return nil }

// Forward returns x reshaped to (N, features); a 2-D input is returned as it
// is. training is ignored.
func (f *Flatten) Forward(x *G.Node, training bool) (*G.Node, error) {
	if x == nil {
		return nil, fmt.Errorf("%s: input node is nil", f.name)
	}
	s := x.Shape()
	if len(s) < 2 {
		return nil, fmt.Errorf("%s: input has shape %v, layer expects a batch axis and at least one feature axis", f.name, s)
	}
	if len(s) == 2 {
		return x, nil
	}
	y, err := G.Reshape(x, []int{s[0], s.TotalSize() / s[0]})
	if err != nil {
		return nil, fmt.Errorf("%s: reshaping %v: %w", f.name, s, err)
	}
	return y, nil
}
