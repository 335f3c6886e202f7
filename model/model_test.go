package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"deepopt/data"
	"deepopt/internal/gradcheck"
	"deepopt/optim"

	"gorgonia.org/tensor"
)

func smallSpec(kind Kind, bn bool, dt tensor.Dtype) Spec {
	s := Spec{Kind: kind, Input: []int{12}, Classes: 3, Hidden: []int{5, 4}, Activation: "tanh",
		BatchNorm: bn, Init: "glorot", Dtype: dt, BatchSize: 8, EvalBatch: 8, Seed: 5}
	if kind == "cnn" {
		s.Input = []int{2, 6, 6}
		s.Hidden = []int{4}
		s.Conv = []ConvStage{{Channels: 3, Kernel: 3, Stride: 1, Padding: 1, Pool: 2}}
	}
	return s
}

// randomBatch sets a seeded random minibatch and returns it.
func randomBatch(t *testing.T, m *Model, seed uint64) ([]float64, []int) {
	t.Helper()
	s := m.Spec()
	rng := rand.New(rand.NewPCG(seed, 1))
	x := make([]float64, s.BatchSize*product(s.Input))
	for i := range x {
		// float32 values, so that a data.Dataset holds the same batch
		x[i] = float64(float32(rng.NormFloat64()))
	}
	y := make([]int, s.BatchSize)
	for i := range y {
		y[i] = rng.IntN(s.Classes)
	}
	if err := m.SetBatch(x, y); err != nil {
		t.Fatal(err)
	}
	return x, y
}

// TestObjectiveGradient compares the objective's gradient (through every
// layer, BN in training mode and the loss) with central differences of its
// value, in float64: |analytic − numeric| ≤ 1e-6·(1 + |analytic|). With
// dropout, the masks drawn for one step stay fixed through the differences.
func TestObjectiveGradient(t *testing.T) {
	for _, tc := range []struct {
		kind    Kind
		bn      bool
		l2      float64
		dropout bool
	}{{"mlp", false, 0, false}, {"mlp", true, 0, false}, {"mlp", true, 0.3, false}, {"cnn", true, 0, false}, {"mlp", true, 0, true}, {"cnn", false, 0, true}} {
		spec := smallSpec(tc.kind, tc.bn, tensor.Float64)
		spec.L2 = tc.l2
		if tc.dropout {
			spec.InputDropout, spec.Dropout = 0.2, 0.5
		}
		m, err := New(spec)
		if err != nil {
			t.Fatal(err)
		}
		randomBatch(t, m, 1)
		m.DrawDropout(3)
		if worst := worstGradientError(t, m); worst > 1e-6 {
			t.Errorf("%s bn=%v dropout=%v: worst gradient error %.3g over %d parameters", tc.kind, tc.bn, tc.dropout, worst, m.Dim())
		}
	}
}

// worstGradientError returns the largest |analytic − numeric|/(1 + |analytic|)
// over the coordinates of θ, the numeric derivative the central difference
// of the objective with step 1e-6, at the model's parameters and current
// minibatch.
func worstGradientError(t *testing.T, m *Model) float64 {
	t.Helper()
	return worstObjectiveGradientError(t, m, m.Params(nil))
}

// worstObjectiveGradientError is worstGradientError for any objective (a
// view of the model's) at θ.
func worstObjectiveGradientError(t *testing.T, m optim.Objective, theta []float64) float64 {
	t.Helper()
	worst, _, err := gradcheck.Worst(m, theta, 1e-6)
	if err != nil {
		t.Fatal(err)
	}
	return worst
}

// TestL2PenaltyIsHalfSquaredWeights compares the penalised loss with the
// plain one: the difference is (λ/2)·Σ w² over the W tensors, summed here
// from the parameters directly.
func TestL2PenaltyIsHalfSquaredWeights(t *testing.T) {
	plain, err := New(smallSpec("cnn", true, tensor.Float64))
	if err != nil {
		t.Fatal(err)
	}
	spec := smallSpec("cnn", true, tensor.Float64)
	spec.L2 = 0.01
	penalised, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	randomBatch(t, plain, 6)
	randomBatch(t, penalised, 6)
	theta := plain.Params(nil)
	a, _ := plain.Eval(theta, nil)
	b, _ := penalised.Eval(theta, nil)
	var want float64
	for _, blk := range plain.Blocks() {
		if blk.Name == "conv1.W" || blk.Name == "fc1.W" || blk.Name == "out.W" {
			for _, w := range theta[blk.Start:blk.End] {
				want += 0.005 * w * w
			}
		}
	}
	if math.Abs((b-a)-want) > 1e-12 {
		t.Fatalf("penalty %.15g, want %.15g", b-a, want)
	}
}

// TestEvaluationPathMatchesTrainingPath: without BN both paths compute the
// same function, so Evaluate on the minibatch as a data set must reproduce
// the training loss Eval computes on another part of the graph.
func TestEvaluationPathMatchesTrainingPath(t *testing.T) {
	m, err := New(smallSpec("mlp", false, tensor.Float64))
	if err != nil {
		t.Fatal(err)
	}
	x, y := randomBatch(t, m, 2)
	loss, err := m.Eval(m.Params(nil), nil)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := m.Evaluate(&data.Dataset{X: narrow(x), Shape: []int{12}, Y: y, Classes: 3})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(ev.Loss-loss) > 1e-12 {
		t.Fatalf("evaluation loss %.15g, training loss %.15g", ev.Loss, loss)
	}
}

// TestOnlyCommitMovesRunningStatistics: evaluations of the objective (as a
// line search makes them) and of the test set leave BN's running statistics
// alone; CommitBatchStats folds in exactly the last evaluation's batch.
func TestOnlyCommitMovesRunningStatistics(t *testing.T) {
	m, err := New(smallSpec("mlp", true, tensor.Float64))
	if err != nil {
		t.Fatal(err)
	}
	x, y := randomBatch(t, m, 3)
	before := m.BNState()
	theta := m.Params(nil)
	grad := make([]float64, m.Dim())
	for range 3 {
		if _, err := m.Eval(theta, grad); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Evaluate(&data.Dataset{X: narrow(x), Shape: []int{12}, Y: y, Classes: 3}); err != nil {
			t.Fatal(err)
		}
	}
	for k, v := range m.BNState() {
		if !slices.Equal(v, before[k]) {
			t.Fatalf("%s changed without a commit", k)
		}
	}
	m.CommitBatchStats()
	// The first BN layer normalises fc1's output, x·W + b: its batch mean
	// per unit, computed here directly, enters with momentum 0.1.
	blocks := m.Blocks()
	W, b := theta[blocks[0].Start:blocks[0].End], theta[blocks[1].Start:blocks[1].End]
	mean := m.BNState()["bn1.running_mean"]
	for j := range 5 {
		var sum float64
		for n := range 8 {
			a := b[j]
			for i := range 12 {
				a += x[n*12+i] * W[i*5+j]
			}
			sum += a
		}
		if want := 0.1 * sum / 8; math.Abs(mean[j]-want) > 1e-12 {
			t.Fatalf("running mean[%d] = %.15g, want %.15g", j, mean[j], want)
		}
	}
}

// TestFloat32MatchesFloat64: the same seed gives the same initial weights in
// both dtypes, and the float32 loss and gradient agree with float64 to
// float32 precision.
func TestFloat32MatchesFloat64(t *testing.T) {
	m64, err := New(smallSpec("cnn", true, tensor.Float64))
	if err != nil {
		t.Fatal(err)
	}
	m32, err := New(smallSpec("cnn", true, tensor.Float32))
	if err != nil {
		t.Fatal(err)
	}
	randomBatch(t, m64, 4)
	randomBatch(t, m32, 4)
	theta := m64.Params(nil)
	t32 := m32.Params(nil)
	for i := range theta {
		if math.Abs(theta[i]-t32[i]) > 1e-7*(1+math.Abs(theta[i])) {
			t.Fatalf("initial weight %d: float64 %g, float32 %g", i, theta[i], t32[i])
		}
	}
	g64, g32 := make([]float64, len(theta)), make([]float64, len(theta))
	l64, _ := m64.Eval(theta, g64)
	l32, _ := m32.Eval(theta, g32)
	if math.Abs(l64-l32) > 1e-5 {
		t.Fatalf("loss float64 %g, float32 %g", l64, l32)
	}
	for i := range g64 {
		if math.Abs(g64[i]-g32[i]) > 1e-4*(1+math.Abs(g64[i])) {
			t.Fatalf("gradient %d: float64 %g, float32 %g", i, g64[i], g32[i])
		}
	}
}

func TestBadInputErrors(t *testing.T) {
	s := smallSpec("mlp", true, tensor.Float64)
	s.BatchSize = 1
	if _, err := New(s); err == nil {
		t.Fatal("a BN model with batch size 1 was accepted")
	}
	m, err := New(smallSpec("mlp", false, tensor.Float64))
	if err != nil {
		t.Fatal(err)
	}
	if err := m.SetBatch(make([]float64, 7), make([]int, 8)); err == nil {
		t.Fatal("a batch of the wrong size was accepted")
	}
	if err := m.SetBatch(make([]float64, 8*12), []int{0, 1, 2, 3, 0, 0, 0, 0}); err == nil {
		t.Fatal("label 3 of a 3-class model was accepted")
	}
	if _, err := m.Evaluate(&data.Dataset{X: make([]float32, 10), Shape: []int{10}, Y: []int{0}, Classes: 3}); err == nil {
		t.Fatal("a data set of 10-value examples was accepted by a 12-input model")
	}
	// The first conv stage leaves a 3×3 map; the second's 3×3 kernel
	// without padding makes it 1×1 and its 2×2 pool leaves nothing. The
	// message names the stage as the config does (model.conv.1) and by its
	// layer's name.
	cnn := smallSpec("cnn", false, tensor.Float64)
	cnn.Conv = append(cnn.Conv, ConvStage{Channels: 3, Kernel: 3, Stride: 1, Pool: 2})
	want := "model: conv stage 1 (conv2) leaves a "
	if _, err := New(cnn); err == nil || !strings.HasPrefix(err.Error(), want) {
		t.Fatalf("a conv stack that shrinks the map to nothing: got %v, want an error starting %q", err, want)
	}
}

// narrow returns x in float32 (exact for randomBatch's values).
func narrow(x []float64) []float32 {
	out := make([]float32, len(x))
	for i, v := range x {
		out[i] = float32(v)
	}
	return out
}

// widen returns x in float64.
func widen(x []float32) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = float64(v)
	}
	return out
}

// TestEvaluateScoresEachExample: Evaluate's loss is the mean, in the
// examples' order, of the cross-entropies ExampleLosses computes from the
// logits copied out in float64 (crossEntropy), and its accuracy the share
// of positive margins, bit for bit in both dtypes: float32 logits take their
// sums of exponentials from internal/softmax's kernels instead. 37
// examples in batches of 8 leave a padded last batch; the weights are
// scaled up so that logits spread over tens.
func TestEvaluateScoresEachExample(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		m, err := New(smallSpec("mlp", true, dt))
		if err != nil {
			t.Fatal(err)
		}
		theta := m.Params(nil)
		for i := range theta {
			theta[i] *= 8
		}
		m.SetParams(theta)
		rng := rand.New(rand.NewPCG(9, 1))
		ds := &data.Dataset{X: make([]float32, 37*12), Shape: []int{12}, Y: make([]int, 37), Classes: 3}
		for i := range ds.X {
			ds.X[i] = float32(rng.NormFloat64())
		}
		for i := range ds.Y {
			ds.Y[i] = rng.IntN(3)
		}
		ev, err := m.Evaluate(ds)
		if err != nil {
			t.Fatal(err)
		}
		loss, margin, err := m.ExampleLosses(ds)
		if err != nil {
			t.Fatal(err)
		}
		var sum, correct float64
		for i, l := range loss {
			sum += l
			if margin[i] > 0 {
				correct++
			}
		}
		if want := (Evaluation{Loss: sum / 37, Accuracy: correct / 37}); ev != want || slices.Max(loss) < 1 {
			t.Errorf("%v: Evaluate gives %+v, the examples' losses %+v (largest loss %g)", dt, ev, want, slices.Max(loss))
		}
	}
}
