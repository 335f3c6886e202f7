package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"deepopt/batchnorm"
	"deepopt/data"

	"gorgonia.org/tensor"
)

// recordSpec is a float64 sigmoid MLP whose evaluation batch (3) divides
// neither the data set (7) nor the requested examples (5), so that batching
// and padding are exercised.
func recordSpec(bn bool) Spec {
	return Spec{Kind: "mlp", Input: []int{6}, Classes: 3, Hidden: []int{5, 4}, Activation: "sigmoid",
		BatchNorm: bn, BNEps: 1e-3, Init: "glorot", Dtype: tensor.Float64, BatchSize: 4, EvalBatch: 3, Seed: 7}
}

func randomSet(rng *rand.Rand, n, dim int) *data.Dataset {
	ds := &data.Dataset{X: make([]float64, n*dim), Shape: []int{dim}, Y: make([]int, n), Classes: 3}
	for i := range ds.X {
		ds.X[i] = rng.NormFloat64()
	}
	for i := range ds.Y {
		ds.Y[i] = rng.IntN(3)
	}
	return ds
}

// perturb gives every parameter (BN's γ and β included) a seeded random value
// and, with BN, running statistics away from their initial 0 and 1.
func perturb(t *testing.T, m *Model, rng *rand.Rand) {
	t.Helper()
	theta := m.Params(nil)
	for i := range theta {
		theta[i] += 0.5 * rng.NormFloat64()
	}
	m.SetParams(theta)
	state := m.BNState()
	for k, v := range state {
		for i := range v {
			switch {
			case strings.HasSuffix(k, "."+batchnorm.StateMean):
				v[i] = rng.NormFloat64()
			case strings.HasSuffix(k, "."+batchnorm.StateVariance):
				v[i] = 0.2 + rng.Float64()
			}
		}
	}
	if err := m.SetBNState(state); err != nil {
		t.Fatal(err)
	}
}

// referenceForward computes the named nodes of recordSpec's network for one
// example in plain Go from the parameters and BN statistics:
// actK.in = h·W + b without BN, γ(h·W + b − μ)/√(σ² + ε) + β with it, where μ
// and σ² are the running statistics; actK = sigmoid(actK.in).
func referenceForward(m *Model, x []float64) map[string][]float64 {
	theta := m.Params(nil)
	param := map[string][]float64{}
	for _, b := range m.Blocks() {
		param[b.Name] = theta[b.Start:b.End]
	}
	state := m.BNState()
	s := m.Spec()
	out := map[string][]float64{}
	h := x
	for k, width := range s.Hidden {
		name := string(rune('1' + k))
		w, bias := param["fc"+name+".W"], param["fc"+name+".b"]
		z := make([]float64, width)
		for j := range width {
			z[j] = bias[j]
			for i := range h {
				z[j] += h[i] * w[i*width+j]
			}
		}
		if s.BatchNorm {
			bn := "bn" + name
			mean, variance := state[bn+"."+batchnorm.StateMean], state[bn+"."+batchnorm.StateVariance]
			gamma, beta := param[bn+".gamma"], param[bn+".beta"]
			for j := range z {
				z[j] = gamma[j]*(z[j]-mean[j])/math.Sqrt(variance[j]+s.BNEps) + beta[j]
			}
		}
		a := make([]float64, width)
		for j, v := range z {
			a[j] = 1 / (1 + math.Exp(-v))
		}
		out["act"+name+".in"], out["act"+name] = z, a
		h = a
	}
	return out
}

// TestNodesMatchReference reads activation inputs and outputs through Nodes
// and compares them with referenceForward: |Nodes − reference| ≤ 1e-12 (both
// in float64; the only differences are summation order).
func TestNodesMatchReference(t *testing.T) {
	for _, bn := range []bool{false, true} {
		m, err := New(recordSpec(bn))
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(3, 4))
		perturb(t, m, rng)
		ds := randomSet(rng, 7, 6)
		idx := []int{6, 0, 3, 2, 5}
		names := []string{"act2.in", "act1.in", "act1", "act2"}
		got, err := m.Nodes(ds, idx, names)
		if err != nil {
			t.Fatal(err)
		}
		worst := 0.0
		for r, j := range idx {
			want := referenceForward(m, ds.X[j*6:(j+1)*6])
			for i, name := range names {
				w := want[name]
				for u := range w {
					worst = max(worst, math.Abs(got[i][r*len(w)+u]-w[u]))
				}
			}
		}
		if worst > 1e-12 {
			t.Errorf("bn=%v: worst difference from the reference %.3g", bn, worst)
		}
	}
}

// TestNodesChangeNothing: reading nodes (twice, so the cached machine runs
// again) leaves parameters, BN statistics, the objective's loss and gradient
// and the evaluation exactly as they were.
func TestNodesChangeNothing(t *testing.T) {
	m, err := New(recordSpec(true))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	perturb(t, m, rng)
	ds := randomSet(rng, 7, 6)
	randomBatch(t, m, 2)
	theta := m.Params(nil)
	grad0 := make([]float64, m.Dim())
	loss0, err := m.Eval(theta, grad0)
	if err != nil {
		t.Fatal(err)
	}
	ev0, _ := m.Evaluate(ds)
	state0 := m.BNState()
	var first [][]float64
	for range 2 {
		got, err := m.Nodes(ds, []int{1, 2, 3, 4}, []string{"bn1", "act2.in"})
		if err != nil {
			t.Fatal(err)
		}
		if first != nil && !slices.Equal(first[1], got[1]) {
			t.Error("a second read of the same nodes differs from the first")
		}
		first = got
	}
	grad1 := make([]float64, m.Dim())
	loss1, _ := m.Eval(theta, grad1)
	ev1, _ := m.Evaluate(ds)
	if loss1 != loss0 || !slices.Equal(grad0, grad1) || ev0 != ev1 || !slices.Equal(theta, m.Params(nil)) {
		t.Errorf("reading nodes changed the model: loss %v → %v, evaluation %+v → %+v", loss0, loss1, ev0, ev1)
	}
	for k, v := range m.BNState() {
		if !slices.Equal(v, state0[k]) {
			t.Errorf("reading nodes changed BN statistic %s", k)
		}
	}
}

// TestNodeNames lists the names in layer order, sizes a convolutional node
// by C·H·W, and rejects an unknown name by listing the valid ones.
func TestNodeNames(t *testing.T) {
	m, err := New(recordSpec(true))
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"fc1", "bn1", "act1.in", "act1", "fc2", "bn2", "act2.in", "act2", "out"}
	if got := m.NodeNames(); !slices.Equal(got, want) {
		t.Errorf("NodeNames = %v, want %v", got, want)
	}
	_, err = m.Nodes(randomSet(rand.New(rand.NewPCG(1, 1)), 2, 6), []int{0}, []string{"act3.in"})
	if err == nil || !strings.Contains(err.Error(), `"act3.in"`) || !strings.Contains(err.Error(), "act2.in") {
		t.Errorf("unknown node: error %v, want one naming act3.in and listing act2.in", err)
	}
	cnn, err := New(smallSpec("cnn", true, tensor.Float64))
	if err != nil {
		t.Fatal(err)
	}
	if n, err := cnn.NodeSize("actc1.in"); err != nil || n != 3*6*6 {
		t.Errorf("NodeSize(actc1.in) = %d, %v; want 3·6·6 = 108", n, err)
	}
}
