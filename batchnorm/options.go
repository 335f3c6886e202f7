package batchnorm

import (
	"fmt"
	"math"
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

// resolved returns the options with defaults filled in, or an error naming an
// out-of-range field.
func (o Options) resolved() (Options, error) {
	if o.Eps == 0 {
		o.Eps = DefaultEps
	}
	if o.Momentum == 0 {
		o.Momentum = DefaultMomentum
	}
	if !(o.Eps > 0) || math.IsInf(o.Eps, 0) {
		return o, fmt.Errorf("Eps is %g; want a positive finite value such as %g (0 selects it)", o.Eps, DefaultEps)
	}
	if !(o.Momentum > 0 && o.Momentum <= 1) {
		return o, fmt.Errorf("Momentum is %g; want a value in (0, 1] such as %g (0 selects it)", o.Momentum, DefaultMomentum)
	}
	return o, nil
}
