package batchnorm

import (
	"errors"
	"fmt"

	"deepopt/internal/bounds"
)

// Default values of Options' zero fields, those of PyTorch's BatchNorm1d/2d.
const (
	DefaultEps      = 1e-5
	DefaultMomentum = 0.1
)

// Options configures a BatchNorm. The zero value gives the defaults.
type Options struct {
	// Eps is the ε added to the variance before the square root (Ioffe &
	// Szegedy, Alg. 1), keeping the transform finite when a channel's batch
	// variance is zero. Zero means DefaultEps; it must be positive and finite.
	Eps float64
	// Momentum is the weight m of the newest batch in Update, in PyTorch's
	// convention: running = (1 − m)·running + m·batch. Zero means
	// DefaultMomentum; it must lie in (0, 1].
	Momentum float64
}

// Validate reports every field outside its range, as *bounds.Error: an Eps
// that is not positive and finite, a Momentum outside (0, 1]. It checks the
// fields as they are, so a zero field, which New replaces by its default, is
// refused; New validates o.WithDefaults().
func (o Options) Validate() error {
	return errors.Join(
		bounds.Check("Options.Eps", o.Eps, bounds.Positive, fmt.Sprintf("such as %g; 0 selects it", DefaultEps)),
		bounds.Check("Options.Momentum", o.Momentum, bounds.Fraction, fmt.Sprintf("such as %g; 0 selects it", DefaultMomentum)),
	)
}

// WithDefaults returns o with its zero fields replaced by the defaults.
func (o Options) WithDefaults() Options {
	if o.Eps == 0 {
		o.Eps = DefaultEps
	}
	if o.Momentum == 0 {
		o.Momentum = DefaultMomentum
	}
	return o
}
