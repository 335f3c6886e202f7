// Package layers holds the graph building blocks of deepopt's models on
// Gorgonia: Linear, Conv2D, MaxPool2D, Flatten and the activations, with
// seeded initialisers. Each layer owns its parameters and names them.
package layers

import G "gorgonia.org/gorgonia"

// Layer is one stage of a network. A model applies every layer twice to the
// same parameters: once on its training path (training == true: batch
// statistics for batch normalization) and once on its evaluation path
// (training == false: running statistics). Parameters are created when the
// layer is constructed, so both paths share them.
type Layer interface {
	// Name is the layer's unique name in its model, e.g. "fc1"; the model
	// names the layer's output node on the evaluation path after it, so that
	// hooks can record any layer's output by name.
	Name() string
	// Forward appends the layer's operation on x to x's graph and returns the
	// output node.
	Forward(x *G.Node, training bool) (*G.Node, error)
	// Params returns the trainable parameters in a fixed order; each node is
	// named "<layer>.<param>", e.g. "fc1.W".
	Params() []*G.Node
}
