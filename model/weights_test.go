package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// randomWeights returns n seeded weights in [0, 2), one of them 0.
func randomWeights(n int, seed uint64) []float64 {
	rng := rand.New(rand.NewPCG(seed, 2))
	w := make([]float64, n)
	for i := range w {
		w[i] = 2 * rng.Float64()
	}
	w[rng.IntN(n)] = 0
	return w
}

// lossAndGradient evaluates the objective and its gradient at the model's
// parameters.
func lossAndGradient(t *testing.T, m *Model) (theta []float64, loss float64, grad []float64) {
	t.Helper()
	theta, grad = m.Params(nil), make([]float64, m.Dim())
	loss, err := m.Eval(theta, grad)
	if err != nil {
		t.Fatal(err)
	}
	return theta, loss, grad
}

// TestUniformWeightsChangeNothing: weights all 1 give the unweighted loss
// and gradient bit for bit (in float32 and float64, with heads and BN), and
// weights all equal to another value give them to rounding, the mean being
// normalised by the weights' sum.
func TestUniformWeightsChangeNothing(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for _, kind := range Kinds() {
			m, err := New(auxSpec(kind, true, dt, 0.7, 0.3))
			if err != nil {
				t.Fatal(err)
			}
			randomBatch(t, m, 5)
			theta := m.Params(nil)
			want, wantGrad := make([]float64, m.Dim()), make([]float64, m.Dim())
			loss, err := m.Eval(theta, wantGrad)
			if err != nil {
				t.Fatal(err)
			}
			for _, c := range []float64{1, 3.7} {
				w := make([]float64, m.Spec().BatchSize)
				for i := range w {
					w[i] = c
				}
				if err := m.SetExampleWeights(w); err != nil {
					t.Fatal(err)
				}
				got, err := m.Eval(theta, want)
				if err != nil {
					t.Fatal(err)
				}
				tol := 0.0
				if c != 1 {
					tol = 1e-5 // float32 rounding of N·c/Σc
				}
				if math.Abs(got-loss) > tol*loss {
					t.Errorf("%s %v weights %v: loss %v, unweighted %v", kind, dt, c, got, loss)
				}
				for i, g := range want {
					if math.Abs(g-wantGrad[i]) > tol*(1+math.Abs(g)) {
						t.Fatalf("%s %v weights %v: gradient[%d] %v, unweighted %v", kind, dt, c, i, g, wantGrad[i])
					}
				}
			}
		}
	}
}

// TestWeightedMeanRepeatsExamples checks the weighted mean Σwℓ/Σw in
// closed form: weights (1, 0, ½, ½, 0, ½, 0, 1.5), summing to 4, on a
// minibatch of 8 give the loss and gradient of the unweighted minibatch in
// which each example appears 2w times (8 again), for an mlp and a cnn with
// heads and L2 (without BN, whose batch statistics would see the other
// batch). The examples of weight 0 count for nothing, and a mean over N
// instead of Σw would be half as large.
func TestWeightedMeanRepeatsExamples(t *testing.T) {
	weights := []float64{1, 0, 0.5, 0.5, 0, 0.5, 0, 1.5}
	for _, kind := range Kinds() {
		spec := auxSpec(kind, false, tensor.Float64, 0.7, 0.3)
		spec.L2 = 0.1
		m, err := New(spec)
		if err != nil {
			t.Fatal(err)
		}
		x, y := randomBatch(t, m, 6)
		if err := m.SetExampleWeights(weights); err != nil {
			t.Fatal(err)
		}
		theta, loss, grad := lossAndGradient(t, m)
		size := len(x) / len(y)
		var rx []float64
		var ry []int
		for i, w := range weights {
			for range int(2 * w) {
				rx, ry = append(rx, x[i*size:(i+1)*size]...), append(ry, y[i])
			}
		}
		ref, err := New(spec)
		if err != nil {
			t.Fatal(err)
		}
		refGrad := make([]float64, ref.Dim())
		want, err := ref.EvalOn(rx, ry, theta, refGrad)
		if err != nil {
			t.Fatal(err)
		}
		if math.Abs(loss-want) > 1e-12*want {
			t.Errorf("%s: weighted loss %v, the repeated examples' %v", kind, loss, want)
		}
		for i, g := range grad {
			if math.Abs(g-refGrad[i]) > 1e-12*(1+math.Abs(g)) {
				t.Fatalf("%s: gradient[%d] %v, the repeated examples' %v", kind, i, g, refGrad[i])
			}
		}
	}
}

// TestZeroWeightsLeaveThePenalty: a minibatch whose weights are all 0 has
// label terms 0 and gradient 0, so the objective is the L2 penalty
// (λ/2)·Σw² with gradient λ·w on the weights and 0 elsewhere: finite, not
// NaN.
func TestZeroWeightsLeaveThePenalty(t *testing.T) {
	spec := auxSpec(MLP, true, tensor.Float64, 0.7, 0.3)
	spec.L2 = 0.1
	m, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	randomBatch(t, m, 7)
	if err := m.SetExampleWeights(make([]float64, spec.BatchSize)); err != nil {
		t.Fatal(err)
	}
	theta, loss, grad := lossAndGradient(t, m)
	want, wantGrad := 0.0, make([]float64, m.Dim())
	for _, l := range m.Layers() {
		for _, p := range l.Params {
			if p.Role == Weight {
				for i := p.Start; i < p.End; i++ {
					want += spec.L2 / 2 * theta[i] * theta[i]
					wantGrad[i] = spec.L2 * theta[i]
				}
			}
		}
	}
	if math.Abs(loss-want) > 1e-12*want {
		t.Errorf("loss %v with every weight 0, the penalty is %v", loss, want)
	}
	for i, g := range grad {
		if math.Abs(g-wantGrad[i]) > 1e-15 {
			t.Fatalf("gradient[%d] = %v with every weight 0, the penalty's is %v", i, g, wantGrad[i])
		}
	}
	for _, tm := range m.Terms()[:3] {
		if tm.Loss != 0 {
			t.Errorf("term %s = %v with every weight 0, want 0", tm.Name, tm.Loss)
		}
	}
}

// TestExampleWeightsLastUntilSetBatch: SetBatch puts every weight back to
// 1, and EvalOn, which evaluates other examples unweighted, leaves the
// training minibatch its weights.
func TestExampleWeightsLastUntilSetBatch(t *testing.T) {
	m, err := New(smallSpec(MLP, false, tensor.Float64))
	if err != nil {
		t.Fatal(err)
	}
	x, y := randomBatch(t, m, 8)
	theta := m.Params(nil)
	plain, err := m.Eval(theta, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := randomWeights(len(y), 9)
	if err := m.SetExampleWeights(w); err != nil {
		t.Fatal(err)
	}
	weighted, err := m.Eval(theta, nil)
	if err != nil {
		t.Fatal(err)
	}
	if weighted == plain {
		t.Fatalf("weights %v left the loss at %v", w, plain)
	}
	o, err := New(m.Spec())
	if err != nil {
		t.Fatal(err)
	}
	ox, oy := randomBatch(t, o, 10)
	other, err := m.EvalOn(ox, oy, theta, nil)
	if err != nil {
		t.Fatal(err)
	}
	if got, err := m.Eval(theta, nil); err != nil || got != weighted {
		t.Errorf("after EvalOn the loss is %v (%v), want the weighted %v", got, err, weighted)
	}
	if got := m.ExampleWeights(); !slices.Equal(got, w) {
		t.Errorf("after EvalOn the weights are %v, want %v", got, w)
	}
	if err := m.SetBatch(ox, oy); err != nil {
		t.Fatal(err)
	}
	if got, err := m.Eval(theta, nil); err != nil || got != other {
		t.Errorf("EvalOn gave %v, SetBatch and Eval %v (%v): EvalOn must weigh its examples 1", other, got, err)
	}
	if err := m.SetBatch(x, y); err != nil {
		t.Fatal(err)
	}
	if got, err := m.Eval(theta, nil); err != nil || got != plain {
		t.Errorf("after SetBatch the loss is %v (%v), want the unweighted %v", got, err, plain)
	}
}

// TestExampleWeightErrors: a wrong count, a negative, NaN or infinite
// weight is refused naming the problem, and the weights stay as they were.
func TestExampleWeightErrors(t *testing.T) {
	m, err := New(smallSpec(MLP, false, tensor.Float64))
	if err != nil {
		t.Fatal(err)
	}
	randomBatch(t, m, 11)
	n := m.Spec().BatchSize
	bad := func(i int, v float64) []float64 {
		w := make([]float64, n)
		for j := range w {
			w[j] = 1
		}
		w[i] = v
		return w
	}
	for _, tc := range []struct {
		w    []float64
		want string
	}{
		{make([]float64, n-1), "7 example weights for a minibatch of 8"},
		{bad(2, -0.5), "weight of example 2 is -0.5"},
		{bad(3, math.NaN()), "weight of example 3 is NaN"},
		{bad(4, math.Inf(1)), "weight of example 4 is +Inf"},
	} {
		err := m.SetExampleWeights(tc.w)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "finite and ≥ 0") && !strings.Contains(err.Error(), "one weight per example") {
			t.Errorf("%v: error %v, want one saying %q", tc.w, err, tc.want)
		}
		if got := m.ExampleWeights(); !slices.Equal(got, bad(0, 1)) {
			t.Errorf("%v: refused, but the weights became %v", tc.w, got)
		}
	}
}
