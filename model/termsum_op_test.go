package model

import (
	"fmt"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestTermSumMatchesScalarOps checks termSumOp against the chain of
// Gorgonia's scalar operations it replaces, v_0 + w_1·v_1 + v_2 + w_3·v_3
// (and with v_0 weighted too): the objective and its gradient in every v_k,
// bit for bit, in float32 and float64, with the cost the sum itself
// (G.Grad's constant 1 reaches it) and twice the sum (a gradient of 2).
func TestTermSumMatchesScalarOps(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 1))
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for _, weighted := range [][]bool{{false, true, false, true}, {true, true, true, false}} {
			for _, twice := range []bool{false, true} {
				vals := make([]float64, len(weighted))
				ws := make([]float64, len(weighted))
				for k := range vals {
					vals[k], ws[k] = 10*rng.Float64(), rng.Float64()
				}
				build := func(fused bool) (loss float64, grads []float64) {
					g := G.NewGraph()
					values := make(G.Nodes, len(vals))
					var weights G.Nodes
					var chain *G.Node
					for k, v := range vals {
						values[k] = G.NewScalar(g, dt, G.WithValue(value(dt, v)), G.WithName(fmt.Sprint("v", k)))
						term := values[k]
						if weighted[k] {
							w := G.NewScalar(g, dt, G.WithValue(value(dt, ws[k])), G.WithName(fmt.Sprint("w", k)))
							weights = append(weights, w)
							term = G.Must(G.Mul(w, term))
						}
						if k == 0 {
							chain = term
						} else {
							chain = G.Must(G.Add(chain, term))
						}
					}
					cost := chain
					if fused {
						var err error
						if cost, err = termSum(values, weighted, weights); err != nil {
							t.Fatal(err)
						}
					}
					if twice {
						cost = G.Must(G.Mul(cost, G.NewConstant(value(dt, 2))))
					}
					gr, err := G.Grad(cost, values...)
					if err != nil {
						t.Fatal(err)
					}
					vm := G.NewTapeMachine(g)
					defer vm.Close()
					if err := vm.RunAll(); err != nil {
						t.Fatal(err)
					}
					for _, n := range gr {
						grads = append(grads, scalar(n.Value()))
					}
					return scalar(cost.Value()), grads
				}
				wantLoss, wantGrads := build(false)
				loss, grads := build(true)
				if loss != wantLoss {
					t.Errorf("%v %v twice=%v: objective %v, scalar operations %v", dt, weighted, twice, loss, wantLoss)
				}
				for k := range grads {
					if grads[k] != wantGrads[k] {
						t.Errorf("%v %v twice=%v: ∂J/∂v_%d = %v, scalar operations %v", dt, weighted, twice, k, grads[k], wantGrads[k])
					}
				}
			}
		}
	}
}

// value is v as a scalar of dtype dt.
func value(dt tensor.Dtype, v float64) any {
	if dt == tensor.Float32 {
		return float32(v)
	}
	return v
}
