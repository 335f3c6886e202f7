package layers

import (
	"fmt"
	"math/rand/v2"

	"deepopt/internal/bounds"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Dropout is inverted dropout (Srivastava et al. 2014, with the rescaling
// moved to training time): on the training path it multiplies its input by
// a mask whose entries are 0 with probability Rate and 1/(1 − Rate)
// otherwise, so that every unit's expected output is its input; on the
// evaluation path it is the identity, and inference needs no rescaling. The
// mask is a leaf of the graph that Draw refills, so a training step, its
// line-search trials and a resumed run see exactly the mask they are given.
// It has no parameters.
type Dropout struct {
	name string
	rate float64
	// mask is the training path's mask, created by its Forward.
	mask *tensor.Dense
}

var _ Layer = (*Dropout)(nil)

// NewDropout returns a dropout layer dropping each unit with probability
// rate, in [0, 1); an error names the layer and the rate, as
// CheckDropoutRate does.
func NewDropout(name string, rate float64) (*Dropout, error) {
	if err := CheckDropoutRate(rate); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	return &Dropout{name: name, rate: rate}, nil
}

// CheckDropoutRate reports a dropout rate outside [0, 1), the probability of
// dropping a unit, as a *bounds.Error naming it Dropout.Rate; NewDropout
// refuses such a rate, and callers check it before building a network.
func CheckDropoutRate(rate float64) error {
	return bounds.Check("Dropout.Rate", rate, bounds.Unit, "the probability of dropping a unit")
}

// Name returns the layer's name.
func (d *Dropout) Name() string { return d.name }

// Rate returns the probability of dropping a unit.
func (d *Dropout) Rate() float64 { return d.rate }

// Params returns nil: dropout has no parameters.
func (d *Dropout) Params() []*G.Node { return nil }

// Forward returns x ⊙ mask on the training path, the mask being a leaf of
// x's shape that starts with every unit kept (all 1/(1 − Rate)) until Draw
// fills it, and x itself on the evaluation path. A layer has one training
// path.
func (d *Dropout) Forward(x *G.Node, training bool) (*G.Node, error) {
	if x == nil {
		return nil, fmt.Errorf("%s: input node is nil", d.name)
	}
	if !training {
		return x, nil
	}
	if d.mask != nil {
		return nil, fmt.Errorf("%s: the layer already has a training path", d.name)
	}
	d.mask = tensor.New(tensor.WithShape(x.Shape().Clone()...), tensor.Of(x.Dtype()))
	d.fill(func() bool { return true })
	mask := G.NodeFromAny(x.Graph(), d.mask, G.WithName(d.name+".mask"))
	y, err := G.HadamardProd(x, mask)
	if err != nil {
		return nil, fmt.Errorf("%s: x ⊙ mask: %w", d.name, err)
	}
	return y, nil
}

// Draw refills the training path's mask from rng, example by example along
// the first (batch) axis, each unit kept with probability 1 − Rate. It does
// nothing before the training path exists.
func (d *Dropout) Draw(rng *rand.Rand) {
	d.fill(func() bool { return rng.Float64() >= d.rate })
}

// fill sets every mask entry to 1/(1 − Rate) where keep() and to 0
// elsewhere, in order.
func (d *Dropout) fill(keep func() bool) {
	if d.mask == nil {
		return
	}
	scale := 1 / (1 - d.rate)
	switch m := d.mask.Data().(type) {
	case []float64:
		for i := range m {
			m[i] = 0
			if keep() {
				m[i] = scale
			}
		}
	case []float32:
		for i := range m {
			m[i] = 0
			if keep() {
				m[i] = float32(scale)
			}
		}
	}
}
