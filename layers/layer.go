// Package layers holds the graph building blocks of deepopt's models on
// Gorgonia: Linear, Conv2D, MaxPool2D, Flatten, the activations and
// (inverted) Dropout, with
// seeded initialisers. Each layer owns its parameters and names them.
//
// Parameters are created when a layer is constructed, on the given graph and
// dtype (float32 or float64), with values drawn in float64 from a seeded
// *rand.Rand by an Init (Gaussian, Glorot, He, constant) — never by
// Gorgonia's unseeded initialisers — so a seed fixes a model's starting point
// in both precisions. Forward checks ranks, sizes and dtypes itself and
// returns errors that name the layer and the numbers (Gorgonia panics on some
// shape errors). ConvOutputSize computes convolution and pooling output sizes
// without a graph, for model builders.
//
// The package also holds the classification loss: SoftmaxCrossEntropy for
// one-hot or soft targets, and LogSoftmax/Softmax with a temperature for
// knowledge distillation, all by the max-shifted log-sum-exp so that large
// logits cannot overflow.
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
