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

// quartic is J(θ) = Σ θ_i⁴ with the gradient 4θ³, or with the third
// coordinate's derivative off by off.
type quartic struct{ off float64 }

func (q quartic) Eval(theta, grad []float64) (float64, error) {
	var j float64
	for i, v := range theta {
		j += v * v * v * v
		if grad != nil {
			grad[i] = 4 * v * v * v
		}
	}
	if grad != nil {
		grad[2] += q.off
	}
	return j, nil
}

// TestWorst: the true gradient of Σ θ⁴ agrees with central differences to
// the O(h²) truncation 4θh² (≤ 1e-9 at |θ| ≤ 2, h = 1e-5); a third
// coordinate off by 1e-3 is found, with its relative error; theta comes
// back unchanged.
func TestWorst(t *testing.T) {
	theta := []float64{0.5, -1.5, 2, 0}
	if worst, _, err := Worst(quartic{}, theta, 1e-5); err != nil || worst > 1e-9 {
		t.Errorf("true gradient: worst %.3g, %v", worst, err)
	}
	worst, at, err := Worst(quartic{off: 1e-3}, theta, 1e-5)
	if err != nil || at != 2 || worst < 1e-3/(1+32.001)*0.99 {
		t.Errorf("gradient off at θ[2]: worst %.3g at %d, %v", worst, at, err)
	}
	if theta[0] != 0.5 || theta[1] != -1.5 || theta[2] != 2 || theta[3] != 0 {
		t.Errorf("theta changed to %v", theta)
	}
}
