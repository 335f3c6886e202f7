package gradcheck

import (
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
)

// TestCheckAcceptsTrueGradient checks a smooth composite whose gradient
// Gorgonia computes correctly.
func TestCheckAcceptsTrueGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	err := Check(func(g *G.ExprGraph) (*G.Node, G.Nodes, error) {
		x := Leaf(g, "x", rng, 1, 3, 4)
		w := Leaf(g, "w", rng, 1, 4, 2)
		y, err := G.Mul(x, w)
		if err != nil {
			return nil, nil, err
		}
		if y, err = G.Tanh(y); err != nil {
			return nil, nil, err
		}
		loss, err := Project(y, rng)
		return loss, G.Nodes{x, w}, err
	}, 1e-6, 1e-6)
	if err != nil {
		t.Fatal(err)
	}
}

// TestCheckRejectsWrongGradient makes the checker fail on purpose: the loss
// uses a value that changes between the analytic and the numeric pass only
// through a constant the symbolic gradient cannot see, so the comparison must
// report a mismatch.
func TestCheckRejectsWrongGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	err := Check(func(g *G.ExprGraph) (*G.Node, G.Nodes, error) {
		x := Leaf(g, "x", rng, 1, 5)
		// y = x², but with the gradient blocked by treating the square's
		// second factor as a separate leaf that the check does not perturb
		// jointly: d/dx of x·c is c, not 2x.
		c := G.NewVector(g, G.Float64, G.WithShape(5), G.WithName("c"), G.WithValue(x.Value()))
		y, err := G.HadamardProd(x, c)
		if err != nil {
			return nil, nil, err
		}
		loss, err := G.Sum(y)
		return loss, G.Nodes{x}, err
	}, 1e-6, 1e-6)
	if err == nil || !strings.Contains(err.Error(), "mismatch") {
		t.Fatalf("want a mismatch error for x·c with c aliased to x, got %v", err)
	}
}
