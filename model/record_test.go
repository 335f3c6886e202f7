package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"deepopt/batchnorm"
	"deepopt/data"

	G "gorgonia.org/gorgonia"
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
	ds := &data.Dataset{X: make([]float32, n*dim), Shape: []int{dim}, Y: make([]int, n), Classes: 3}
	for i := range ds.X {
		ds.X[i] = float32(rng.NormFloat64())
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

// referenceForward computes the named nodes of recordSpec's network in plain
// Go from the parameters and BN statistics, for the n examples x (row-major),
// as n rows of each node's values: fcK = h·W + b; without BN actK.in = fcK,
// with it bnK = actK.in = γ(fcK − μ)/√(σ² + ε) + β, where μ and σ² are the
// running statistics, or with batch the mean and (biased) variance of fcK
// over the n examples (Ioffe & Szegedy 2015, Alg. 1); actK = sigmoid(actK.in);
// out = h·W + b of the classifier.
func referenceForward(m *Model, x []float64, batch bool) map[string][]float64 {
	theta := m.Params(nil)
	param := map[string][]float64{}
	for _, b := range m.Blocks() {
		param[b.Name] = theta[b.Start:b.End]
	}
	state := m.BNState()
	s := m.Spec()
	n := len(x) / product(s.Input)
	affine := func(h []float64, layer string, width int) []float64 {
		w, bias := param[layer+".W"], param[layer+".b"]
		in := len(h) / n
		z := make([]float64, n*width)
		for r := range n {
			for j := range width {
				z[r*width+j] = bias[j]
				for i := range in {
					z[r*width+j] += h[r*in+i] * w[i*width+j]
				}
			}
		}
		return z
	}
	out := map[string][]float64{}
	h := x
	for k, width := range s.Hidden {
		name := string(rune('1' + k))
		z := affine(h, "fc"+name, width)
		out["fc"+name] = z
		if s.BatchNorm {
			bn := "bn" + name
			mean, variance := state[bn+"."+batchnorm.StateMean], state[bn+"."+batchnorm.StateVariance]
			if batch {
				mean, variance = make([]float64, width), make([]float64, width)
				for r := range n {
					for j := range width {
						mean[j] += z[r*width+j] / float64(n)
					}
				}
				for r := range n {
					for j := range width {
						d := z[r*width+j] - mean[j]
						variance[j] += d * d / float64(n)
					}
				}
			}
			gamma, beta := param[bn+".gamma"], param[bn+".beta"]
			y := make([]float64, len(z))
			for i, v := range z {
				j := i % width
				y[i] = gamma[j]*(v-mean[j])/math.Sqrt(variance[j]+s.BNEps) + beta[j]
			}
			z = y
			out[bn] = z
		}
		a := make([]float64, len(z))
		for j, v := range z {
			a[j] = 1 / (1 + math.Exp(-v))
		}
		out["act"+name+".in"], out["act"+name] = z, a
		h = a
	}
	out["out"] = affine(h, "out", s.Classes)
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
			want := referenceForward(m, widen(ds.X[j*6:(j+1)*6]), false)
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

// TestNodeValuesMatchReference reads a node on one evaluation batch given
// as values (a teacher's hint for a student's minibatch) through NodeValues
// and compares it with referenceForward in inference mode (≤ 1e-12, as
// TestNodesMatchReference); NodeShape gives one example's shape, and a
// batch of the wrong size is refused.
func TestNodeValuesMatchReference(t *testing.T) {
	m, err := New(recordSpec(true))
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(5, 6))
	perturb(t, m, rng)
	x := widen(randomSet(rng, 3, 6).X)
	got := make([]float64, 3*5)
	if err := m.NodeValues(x, "act1", got); err != nil {
		t.Fatal(err)
	}
	want := referenceForward(m, x, false)["act1"]
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12 {
			t.Fatalf("act1[%d] = %.15g, reference %.15g", i, got[i], want[i])
		}
	}
	if shape, err := m.NodeShape("act1"); err != nil || !slices.Equal(shape, []int{5}) {
		t.Errorf("NodeShape(act1) = %v, %v; want [5]", shape, err)
	}
	if err := m.NodeValues(x[:12], "act1", got); err == nil || !strings.Contains(err.Error(), "act1 takes 3 examples of [6] and gives 15 values") {
		t.Errorf("two examples for a batch of three: error %v", err)
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

// TestTrainingPathKeepsRequestedNodes runs a machine of the training path
// that requests every named node together with the loss and the gradient,
// as a loss term on a hidden layer will, and compares each node's value
// after the run with referenceForward on the minibatch with BN's batch
// statistics: |got − reference| ≤ 1e-12 (float64; summation order only).
// The loss and the gradient equal Eval's bit for bit, so the extra outputs
// change nothing else.
func TestTrainingPathKeepsRequestedNodes(t *testing.T) {
	for _, bn := range []bool{false, true} {
		m, err := New(recordSpec(bn))
		if err != nil {
			t.Fatal(err)
		}
		perturb(t, m, rand.New(rand.NewPCG(8, 9)))
		x, _ := randomBatch(t, m, 10)
		theta := m.Params(nil)
		grad := make([]float64, m.Dim())
		loss, err := m.Eval(theta, grad)
		if err != nil {
			t.Fatal(err)
		}
		vm, err := m.compile(append(append(G.Nodes{m.loss}, m.grads...), m.trainNodes...))
		if err != nil {
			t.Fatal(err)
		}
		if err := vm.RunAll(); err != nil {
			t.Fatal(err)
		}
		if got := scalar(m.loss.Value()); got != loss {
			t.Errorf("bn=%v: loss %v with the hidden nodes requested, %v from Eval", bn, got, loss)
		}
		for i, g := range m.grads {
			b := m.Blocks()[i]
			got := make([]float64, b.End-b.Start)
			copyOut(got, g.Value())
			if !slices.Equal(got, grad[b.Start:b.End]) {
				t.Errorf("bn=%v: gradient of %s differs from Eval's", bn, b.Name)
			}
		}
		want := referenceForward(m, x, true)
		for i, name := range m.NodeNames() {
			got := make([]float64, m.trainNodes[i].Shape().TotalSize())
			copyOut(got, m.trainNodes[i].Value())
			worst := 0.0
			for j, w := range want[name] {
				worst = max(worst, math.Abs(got[j]-w))
			}
			if len(want[name]) != len(got) || worst > 1e-12 {
				t.Errorf("bn=%v: training-path node %s: %d values, worst difference from the reference %.3g", bn, name, len(got), worst)
			}
		}
		vm.Reset()
	}
}

// TestNodePairsMatchSingleReads requests every pair of named nodes together
// and compares each node's values with a request of that node alone, for an
// MLP with and without BN and a CNN with BN: a node read together with a
// node computed after it must not hold the later node's values. Both reads
// run the same operations on the same inputs, so they must agree exactly.
func TestNodePairsMatchSingleReads(t *testing.T) {
	for _, tc := range []struct {
		name string
		spec Spec
	}{
		{"mlp", recordSpec(false)},
		{"mlp-bn", recordSpec(true)},
		{"cnn", smallSpec("cnn", false, tensor.Float64)},
		{"cnn-bn", smallSpec("cnn", true, tensor.Float64)},
		{"cnn-bn-float32", smallSpec("cnn", true, tensor.Float32)},
	} {
		m, err := New(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		rng := rand.New(rand.NewPCG(11, 12))
		perturb(t, m, rng)
		ds := randomSet(rng, 7, product(tc.spec.Input))
		idx := []int{6, 0, 3, 2, 5}
		names := m.NodeNames()
		single := map[string][]float64{}
		for _, n := range names {
			got, err := m.Nodes(ds, idx, []string{n})
			if err != nil {
				t.Fatal(err)
			}
			single[n] = got[0]
		}
		for _, a := range names {
			for _, b := range names {
				if a == b {
					continue
				}
				got, err := m.Nodes(ds, idx, []string{a, b})
				if err != nil {
					t.Fatal(err)
				}
				for i, n := range []string{a, b} {
					for j, v := range got[i] {
						if v != single[n][j] {
							t.Errorf("%s: %s read with [%s, %s] differs from %s alone at %d: %v, want %v", tc.name, n, a, b, n, j, v, single[n][j])
							break
						}
					}
				}
			}
		}
	}
}
