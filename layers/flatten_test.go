package layers

import (
	"math/rand/v2"
	"testing"

	"deepopt/internal/gradcheck"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestFlattenForward checks the shape (N, C·H·W) and that values keep their
// row-major order.
func TestFlattenForward(t *testing.T) {
	g := G.NewGraph()
	xs := normals(rand.New(rand.NewPCG(1, 2)), 2*3*2*2)
	y, err := NewFlatten("flatten").Forward(input(g, "x", tensor.Float64, xs, 2, 3, 2, 2), true)
	if err != nil {
		t.Fatal(err)
	}
	if !y.Shape().Eq(tensor.Shape{2, 12}) {
		t.Fatalf("shape %v, want (2, 12)", y.Shape())
	}
	assertClose(t, "flatten", forward(t, g, y)[0], xs, 0)
}

// TestFlattenGradient checks ∂/∂x through Flatten placed after a
// convolution (whose output Gorgonia produces by a transpose) against central
// differences.
func TestFlattenGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	err := gradcheck.Check(func(g *G.ExprGraph) (*G.Node, G.Nodes, error) {
		conv, err := NewConv2D(g, "conv", 2, 3, 2, 1, 0, tensor.Float64, Gaussian(1), rng)
		if err != nil {
			return nil, nil, err
		}
		x := gradcheck.Leaf(g, "x", rng, 1, 2, 2, 3, 3)
		y, err := conv.Forward(x, true)
		if err != nil {
			return nil, nil, err
		}
		if y, err = NewFlatten("flatten").Forward(y, true); err != nil {
			return nil, nil, err
		}
		loss, err := gradcheck.Project(y, rng)
		return loss, append(G.Nodes{x}, conv.Params()...), err
	}, 1e-6, 1e-7)
	if err != nil {
		t.Fatal(err)
	}
}
