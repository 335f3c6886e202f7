package batchnorm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	"deepopt/internal/gradcheck"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestGradients checks ∂J/∂x, ∂J/∂γ and ∂J/∂β of J = Σ y ⊙ R (R fixed and
// random) against central differences, on both paths, for (N, C) and
// (N, C, H, W) inputs. On the evaluation path the running statistics are
// random, so the check covers a transform that is not centred.
func TestGradients(t *testing.T) {
	for i, shape := range [][]int{{6, 3}, {3, 2, 3, 4}} {
		for _, training := range []bool{true, false} {
			t.Run(fmt.Sprintf("%v/training=%v", shape, training), func(t *testing.T) {
				rng := rand.New(rand.NewPCG(20, uint64(i)))
				build := func(g *G.ExprGraph) (*G.Node, G.Nodes, error) {
					bn, err := New(g, "bn", shape[1], tensor.Float64, Options{Eps: 1e-3})
					if err != nil {
						return nil, nil, err
					}
					setParams(bn, randomValues(rng, shape[1], 1, 0.5), randomValues(rng, shape[1], 0, 0.5))
					variance := randomValues(rng, shape[1], 1, 0.3)
					for c := range variance {
						variance[c] *= variance[c]
					}
					if err := bn.SetRunning(randomValues(rng, shape[1], 0, 1), variance); err != nil {
						return nil, nil, err
					}
					x := gradcheck.Leaf(g, "x", rng, 1.5, shape...)
					y, err := bn.Forward(x, training)
					if err != nil {
						return nil, nil, err
					}
					loss, err := gradcheck.Project(y, rng)
					return loss, append(G.Nodes{x}, bn.Params()...), err
				}
				if err := gradcheck.Check(build, 1e-6, 1e-6); err != nil {
					t.Fatal(err)
				}
			})
		}
	}
}
