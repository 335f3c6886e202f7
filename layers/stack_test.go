package layers

import (
	"math/rand/v2"
	"testing"

	"deepopt/internal/gradcheck"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// smallConvNet builds conv (stride 2, padding 1) → ReLU → max-pool → flatten
// → linear → sigmoid → linear on x, shape (N, 2, 8, 8), with parameters from
// rng, and returns the logits and the parameters.
func smallConvNet(g *G.ExprGraph, x *G.Node, dt tensor.Dtype, rng *rand.Rand) (*G.Node, G.Nodes, error) {
	conv, err := NewConv2D(g, "conv1", 2, 4, 3, 2, 1, dt, HeNormal(), rng)
	if err != nil {
		return nil, nil, err
	}
	relu, err := NewActivation("act1", ReLU)
	if err != nil {
		return nil, nil, err
	}
	fc1, err := NewLinear(g, "fc1", 4*2*2, 5, dt, GlorotUniform(), rng)
	if err != nil {
		return nil, nil, err
	}
	sigmoid, err := NewActivation("act2", Sigmoid)
	if err != nil {
		return nil, nil, err
	}
	out, err := NewLinear(g, "out", 5, 3, dt, GlorotNormal(), rng)
	if err != nil {
		return nil, nil, err
	}
	var params G.Nodes
	y := x
	for _, l := range []Layer{conv, relu, NewMaxPool2D("pool1", 2, 2, 0), NewFlatten("flatten"), fc1, sigmoid, out} {
		if y, err = l.Forward(y, true); err != nil {
			return nil, nil, err
		}
		params = append(params, l.Params()...)
	}
	return y, params, nil
}

// TestStackGradient checks the gradient of the cross-entropy of a whole small
// convnet with respect to every parameter against central differences
// (h = 1e-6, as the ReLU and max-pool kinks require).
func TestStackGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(11, 12))
	err := gradcheck.Check(func(g *G.ExprGraph) (*G.Node, G.Nodes, error) {
		x := gradcheck.Leaf(g, "x", rng, 1, 3, 2, 8, 8)
		logits, params, err := smallConvNet(g, x, tensor.Float64, rng)
		if err != nil {
			return nil, nil, err
		}
		targets := input(g, "y", tensor.Float64, []float64{1, 0, 0, 0, 0, 1, 0.2, 0.3, 0.5}, 3, 3)
		loss, err := SoftmaxCrossEntropy(logits, targets)
		return loss, params, err
	}, 1e-6, 1e-6)
	if err != nil {
		t.Fatal(err)
	}
}

// TestFloat32MatchesFloat64 builds smallConvNet in float32 and float64 from
// one seed and checks that the float32 logits agree with the float64 ones to
// float32 precision (1e-5 relative).
func TestFloat32MatchesFloat64(t *testing.T) {
	xs := normals(rand.New(rand.NewPCG(7, 7)), 3*2*8*8)
	run := func(dt tensor.Dtype) []float64 {
		g := G.NewGraph()
		logits, _, err := smallConvNet(g, input(g, "x", dt, xs, 3, 2, 8, 8), dt, rand.New(rand.NewPCG(1, 2)))
		if err != nil {
			t.Fatal(err)
		}
		return forward(t, g, logits)[0]
	}
	assertClose(t, "float32 vs float64", run(tensor.Float32), run(tensor.Float64), 1e-5)
}
