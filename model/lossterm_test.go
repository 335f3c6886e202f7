package model

import (
	"math"
	"strings"
	"testing"

	"deepopt/layers"
	"deepopt/schedule"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// halfSquared is ½·Σ(a − b)²/N over a batch of N rows, in float64.
func halfSquared(a, b *G.Node, n int) (*G.Node, error) {
	d, err := G.Sub(a, b)
	if err != nil {
		return nil, err
	}
	sq, err := G.Square(d)
	if err != nil {
		return nil, err
	}
	s, err := G.Sum(sq)
	if err != nil {
		return nil, err
	}
	return G.Mul(s, G.NewConstant(0.5/float64(n)))
}

// shiftedInputs is a Fill: each example's first classes values plus its
// label, a target that depends on the minibatch alone.
func shiftedInputs(calls *int) Fill {
	return func(x []float64, y []int, dst []float64) error {
		*calls++
		classes, dim := len(dst)/len(y), len(x)/len(y)
		for i := range y {
			for c := range classes {
				dst[i*classes+c] = x[i*dim+c] + float64(y[i])
			}
		}
		return nil
	}
}

// hintTerm is a FitNets-style term: a linear regressor of its own from the
// node at to the classes, matched to shiftedInputs by ½‖·‖²; its
// parameters join θ.
func hintTerm(at string, weight float64, calls *int) LossTerm {
	return LossTerm{Name: "hint", Weight: schedule.Constant{Rate: weight}, Build: func(b *TermGraph) (*G.Node, error) {
		s := b.Spec()
		v, err := b.Node(at)
		if err != nil {
			return nil, err
		}
		r, err := layers.NewLinear(b.Graph(), "hint_r", v.Shape()[1], s.Classes, s.Dtype, layers.GlorotUniform(), b.Rand())
		if err != nil {
			return nil, err
		}
		b.AddLayer(r)
		out, err := r.Forward(v, true)
		if err != nil {
			return nil, err
		}
		return halfSquared(out, b.Input([]int{s.BatchSize, s.Classes}, shiftedInputs(calls)), s.BatchSize)
	}}
}

// TestLossTermGradient compares the gradient of the objective with a
// LossTerm that owns a regressor on act1 and reads a per-minibatch input
// with central differences of its value (float64, as
// TestObjectiveGradient), for an mlp and a cnn with BN and an auxiliary
// head; the regressor's parameters are the last coordinates of θ and the
// network's come first, as without the term.
func TestLossTermGradient(t *testing.T) {
	for _, kind := range Kinds() {
		spec := auxSpec(kind, true, tensor.Float64, 0.4, 0.2)
		plain, err := New(spec)
		if err != nil {
			t.Fatal(err)
		}
		var calls int
		spec.Terms = []LossTerm{hintTerm("act1", 0.7, &calls)}
		m, err := New(spec)
		if err != nil {
			t.Fatal(err)
		}
		hidden := spec.Hidden[0]
		if want := plain.Dim() + hidden*spec.Classes + spec.Classes; m.Dim() != want {
			t.Fatalf("%s: %d parameters, want %d (the network's and the regressor's)", kind, m.Dim(), want)
		}
		if theta, p := m.Params(nil), plain.Params(nil); !equalFloats(theta[:plain.Dim()], p) {
			t.Errorf("%s: the term changed the network's initial weights", kind)
		}
		randomBatch(t, m, 4)
		if worst := worstGradientError(t, m); worst > 1e-6 {
			t.Errorf("%s: worst gradient error %.3g over %d parameters", kind, worst, m.Dim())
		}
		if calls != 1 {
			t.Errorf("%s: the input was filled %d times for one minibatch, want once", kind, calls)
		}
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}

// TestLossTermValue checks a term on the logits, ½‖z − target‖²/N with
// the target filled from each minibatch, against the same sum computed from
// the evaluation path's logits (equal to the training path's without BN or
// dropout): its value in Terms, its weight's schedule through SetStep, the
// objective Σ weight·loss, and the refill after SetBatch.
func TestLossTermValue(t *testing.T) {
	spec := smallSpec(MLP, false, tensor.Float64)
	var calls int
	spec.Terms = []LossTerm{{Name: "match", Weight: schedule.Linear{From: 2, Steps: 10}, Build: func(b *TermGraph) (*G.Node, error) {
		s := b.Spec()
		return halfSquared(b.Logits(), b.Input([]int{s.BatchSize, s.Classes}, shiftedInputs(&calls)), s.BatchSize)
	}}}
	m, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	theta := m.Params(nil)
	for k, step := range []int{0, 5} {
		x, y := randomBatch(t, m, uint64(10+k))
		if err := m.SetStep(step); err != nil {
			t.Fatal(err)
		}
		loss, err := m.Eval(theta, nil)
		if err != nil {
			t.Fatal(err)
		}
		z := make([]float64, spec.BatchSize*spec.Classes)
		if err := m.Logits(x, z); err != nil {
			t.Fatal(err)
		}
		var want float64
		for i := range y {
			for c := range spec.Classes {
				d := z[i*spec.Classes+c] - (x[i*12+c] + float64(y[i]))
				want += d * d / 2 / float64(spec.BatchSize)
			}
		}
		terms := m.Terms()
		if len(terms) != 2 || terms[1].Name != "match" {
			t.Fatalf("terms %+v; want main and match", terms)
		}
		if got := terms[1].Loss; math.Abs(got-want) > 1e-12*(1+want) {
			t.Errorf("batch %d: term %v, want %v", k, got, want)
		}
		if w := 2 * (1 - float64(step)/10); terms[1].Weight != w {
			t.Errorf("step %d: weight %v, want %v", step, terms[1].Weight, w)
		}
		if sum := terms[0].Loss + terms[1].Weight*terms[1].Loss; math.Abs(loss-sum) > 1e-12*(1+loss) {
			t.Errorf("batch %d: objective %v, Σ weight·loss %v", k, loss, sum)
		}
	}
	if calls != 2 {
		t.Errorf("%d fills for two minibatches, want 2", calls)
	}
}

// TestLossTermRefused: a bad name, a taken name, a missing weight and an
// unknown node are refused when the model is built, naming the problem.
func TestLossTermRefused(t *testing.T) {
	build := func(b *TermGraph) (*G.Node, error) { return G.Sum(b.Logits()) }
	w := schedule.Constant{Rate: 1}
	var calls int
	for _, tc := range []struct {
		term LossTerm
		want string
	}{
		{LossTerm{Name: "Soft KD", Weight: w, Build: build}, `named "Soft KD"; name it with lower-case letters and digits`},
		{LossTerm{Name: "l2", Weight: w, Build: build}, "a name already taken (main, l2)"},
		{LossTerm{Name: "kd", Build: build}, "needs a Weight and a Build"},
		{LossTerm{Name: "kd", Weight: schedule.Constant{Rate: -1}, Build: build}, "weight -1 at step 0"},
		{hintTerm("act9", 1, &calls), `unknown node "act9"; valid nodes: fc1, act1.in, act1, fc2, act2.in, act2, out`},
		{LossTerm{Name: "kd", Weight: w, Build: func(b *TermGraph) (*G.Node, error) { return b.Logits(), nil }}, "must return a scalar"},
	} {
		spec := smallSpec(MLP, false, tensor.Float64)
		spec.Terms = []LossTerm{tc.term}
		if _, err := New(spec); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("term %s: error %v; want one containing %q", tc.term.Name, err, tc.want)
		}
	}
}
