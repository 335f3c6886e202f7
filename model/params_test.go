package model

import (
	"math/rand/v2"
	"slices"
	"testing"

	"gorgonia.org/tensor"
)

// TestEvaluationsElsewhereKeepTheParameters evaluates a float32 BN model at
// other weights every way there is (Eval, EvalInPlace followed by an
// in-place step's Written, EvaluateAt, EvaluateHeads, NodesAt) between
// evaluations at its own parameters: each of the latter gives the bits it
// gave before any evaluation elsewhere, Params keeps returning the
// parameters SetParams set (rounded to float32), and each evaluation at the
// other weights gives the bits a second model of the same spec gives after
// SetParams of those weights.
func TestEvaluationsElsewhereKeepTheParameters(t *testing.T) {
	spec := auxSpec("mlp", true, tensor.Float32, 0.3, 0)
	m, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	twin, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(4, 2))
	ds := randomSet(rng, 20, product(spec.Input))
	idx, names := []int{3, 1, 4, 1, 5}, []string{"act1.in", "out"}
	x := make([]float64, spec.EvalBatch*product(spec.Input))
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	theta := m.Params(nil)
	for i := range theta {
		theta[i] += 0.01 * rng.NormFloat64() // not float32 values: SetParams rounds them
	}
	m.SetParams(theta)
	own := m.Params(nil)
	for i := range own {
		if own[i] != float64(float32(theta[i])) {
			t.Fatalf("Params[%d] = %v after SetParams(%v); want it rounded to float32", i, own[i], theta[i])
		}
	}
	type reading struct {
		ev     Evaluation
		nodes  [][]float64
		logits []float64
	}
	read := func(m *Model) reading {
		t.Helper()
		ev, err := m.Evaluate(ds)
		if err != nil {
			t.Fatal(err)
		}
		nodes, err := m.Nodes(ds, idx, names)
		if err != nil {
			t.Fatal(err)
		}
		logits := make([]float64, spec.EvalBatch*spec.Classes)
		if err := m.Logits(x, logits); err != nil {
			t.Fatal(err)
		}
		return reading{ev, nodes, logits}
	}
	same := func(a, b reading) bool {
		return a.ev == b.ev && slices.Equal(a.logits, b.logits) && slices.EqualFunc(a.nodes, b.nodes, slices.Equal[[]float64])
	}
	want := read(m)
	other := slices.Clone(theta)
	for i := range other {
		other[i] *= 1.2
	}
	twin.SetParams(other)
	atOther := read(twin)
	heads, err := twin.EvaluateHeads(other, ds)
	if err != nil {
		t.Fatal(err)
	}
	randomBatch(t, m, 7)
	elsewhere := []struct {
		what string
		f    func() error
	}{
		{"Eval", func() error {
			_, err := m.Eval(other, make([]float64, m.Dim()))
			return err
		}},
		{"EvalInPlace and Written", func() error {
			_, err := m.EvalInPlace(other)
			m.Written()
			return err
		}},
		{"EvaluateAt", func() error {
			ev, err := m.EvaluateAt(other, ds, nil)
			if ev != atOther.ev {
				t.Errorf("EvaluateAt = %+v; the twin at the same weights %+v", ev, atOther.ev)
			}
			return err
		}},
		{"EvaluateHeads", func() error {
			evs, err := m.EvaluateHeads(other, ds)
			if !slices.Equal(evs, heads) {
				t.Errorf("EvaluateHeads = %+v; the twin at the same weights %+v", evs, heads)
			}
			return err
		}},
		{"NodesAt", func() error {
			nodes, err := m.NodesAt(other, ds, idx, names)
			if !slices.EqualFunc(nodes, atOther.nodes, slices.Equal[[]float64]) {
				t.Error("NodesAt differs from the twin's Nodes at the same weights")
			}
			return err
		}},
	}
	for _, e := range elsewhere {
		what := e.what
		if err := e.f(); err != nil {
			t.Fatalf("%s: %v", what, err)
		}
		if !slices.Equal(m.Params(nil), own) {
			t.Errorf("%s changed the model's parameters", what)
		}
		if !same(read(m), want) {
			t.Errorf("after %s, Evaluate, Nodes or Logits at the model's parameters differ from before", what)
		}
	}
}
