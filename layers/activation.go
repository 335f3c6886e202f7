package layers

import (
	"fmt"
	"slices"
	"strings"

	"deepopt/internal/names"

	G "gorgonia.org/gorgonia"
)

// ActivationKind names an elementwise nonlinearity.
type ActivationKind string

// The activation kinds that NewActivation accepts.
const (
	// Sigmoid is the logistic function 1/(1+e^(−x)).
	Sigmoid ActivationKind = "sigmoid"
	// Tanh is the hyperbolic tangent.
	Tanh ActivationKind = "tanh"
	// ReLU is the rectifier max(0, x) (Nair & Hinton 2010), with derivative
	// 1 for x > 0 and 0 for x < 0.
	ReLU ActivationKind = "relu"
)

// ActivationKinds lists the valid kinds of NewActivation.
func ActivationKinds() []ActivationKind { return []ActivationKind{Sigmoid, Tanh, ReLU} }

// Activation applies an elementwise nonlinearity to any input shape. It has
// no parameters.
type Activation struct {
	name string
	kind ActivationKind
}

var _ Layer = (*Activation)(nil)

// NewActivation returns the activation layer of the given kind: Sigmoid
// ("sigmoid"), Tanh ("tanh") or ReLU ("relu").
func NewActivation(name string, kind ActivationKind) (*Activation, error) {
	if !slices.Contains(ActivationKinds(), kind) {
		return nil, fmt.Errorf("%s: unknown activation %q; valid: %s", name, kind, strings.Join(names.Strings(ActivationKinds()), ", "))
	}
	return &Activation{name: name, kind: kind}, nil
}

// Name returns the layer's name.
func (a *Activation) Name() string { return a.name }

// Kind returns the activation kind, e.g. ReLU.
func (a *Activation) Kind() ActivationKind { return a.kind }

// Params returns nil: activations have no parameters.
func (a *Activation) Params() []*G.Node { return nil }

// Forward applies the nonlinearity elementwise; training is ignored.
func (a *Activation) Forward(x *G.Node, training bool) (*G.Node, error) {
	if x == nil {
		return nil, fmt.Errorf("%s: input node is nil", a.name)
	}
	if !slices.Contains(ActivationKinds(), a.kind) {
		return nil, fmt.Errorf("%s: activation has no kind; create it with NewActivation", a.name)
	}
	y, err := applyActivation(a.kind, x)
	if err != nil {
		return nil, fmt.Errorf("%s: %s: %w", a.name, a.kind, err)
	}
	return y, nil
}
