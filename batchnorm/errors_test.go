package batchnorm

import (
	"math"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// wantError fails unless err mentions every fragment.
func wantError(t *testing.T, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Fatalf("no error; want one mentioning %q", fragments)
	}
	for _, f := range fragments {
		if !strings.Contains(err.Error(), f) {
			t.Fatalf("error %q does not mention %q", err, f)
		}
	}
}

// TestNewRejectsBadArguments checks each argument New validates.
func TestNewRejectsBadArguments(t *testing.T) {
	g := G.NewGraph()
	_, err := New(nil, "bn1", 3, tensor.Float64, Options{})
	wantError(t, err, "bn1", "graph is nil")
	_, err = New(g, "", 3, tensor.Float64, Options{})
	wantError(t, err, "name is empty")
	_, err = New(g, "bn1", 0, tensor.Float64, Options{})
	wantError(t, err, "bn1", "channels is 0")
	_, err = New(g, "bn1", 3, tensor.Int, Options{})
	wantError(t, err, "bn1", "int", "Float32")
	_, err = New(g, "bn1", 3, tensor.Float64, Options{Eps: -1})
	wantError(t, err, "bn1", "Options.Eps = -1; want a number > 0")
	_, err = New(g, "bn1", 3, tensor.Float64, Options{Momentum: 1.5})
	wantError(t, err, "bn1", "Options.Momentum = 1.5; want a number in (0, 1]")
	_, err = New(g, "bn1", 3, tensor.Float64, Options{Momentum: math.NaN()})
	wantError(t, err, "bn1", "Options.Momentum = NaN")
	b, err := New(g, "bn1", 3, tensor.Float64, Options{})
	if err != nil {
		t.Fatal(err)
	}
	if o := b.Options(); o.Eps != DefaultEps || o.Momentum != DefaultMomentum {
		t.Fatalf("zero Options resolved to %+v, want Eps %g and Momentum %g", o, DefaultEps, DefaultMomentum)
	}
}

// TestForwardRejectsBadInput checks that shape and dtype errors name the
// layer and the expected channel count instead of panicking in Gorgonia.
func TestForwardRejectsBadInput(t *testing.T) {
	g := G.NewGraph()
	b, err := New(g, "bn2", 4, tensor.Float64, Options{})
	if err != nil {
		t.Fatal(err)
	}
	leaf := func(dt tensor.Dtype, shape ...int) *G.Node {
		return G.NodeFromAny(g, tensor.New(tensor.WithShape(shape...), tensor.Of(dt)))
	}
	for _, training := range []bool{true, false} {
		_, err = b.Forward(leaf(tensor.Float64, 5, 3), training)
		wantError(t, err, "bn2", "(5, 3)", "(N, 4) or (N, 4, H, W)")
		_, err = b.Forward(leaf(tensor.Float64, 2, 3, 6, 6), training)
		wantError(t, err, "bn2", "(N, 4) or (N, 4, H, W)")
		_, err = b.Forward(leaf(tensor.Float64, 2, 4, 6), training)
		wantError(t, err, "bn2", "(2, 4, 6)")
		_, err = b.Forward(leaf(tensor.Float32, 5, 4), training)
		wantError(t, err, "bn2", "float32", "float64")
		_, err = b.Forward(nil, training)
		wantError(t, err, "bn2", "nil")
	}
}

// TestSetRunningAndSetStateRejectBadValues checks validation and that a
// rejected call leaves the layer unchanged.
func TestSetRunningAndSetStateRejectBadValues(t *testing.T) {
	b, err := New(G.NewGraph(), "bn3", 2, tensor.Float64, Options{})
	if err != nil {
		t.Fatal(err)
	}
	wantError(t, b.SetRunning([]float64{1}, []float64{1, 1}), "bn3", "mean has 1 values", "2 channels")
	wantError(t, b.SetRunning([]float64{1, math.NaN()}, []float64{1, 1}), "bn3", "mean[1] is NaN")
	wantError(t, b.SetRunning([]float64{1, 2}, []float64{1, -1}), "bn3", "variance[1] is -1", "≥ 0")
	wantError(t, b.SetRunning([]float64{1, 2}, []float64{math.Inf(1), 1}), "bn3", "variance[0] is +Inf")
	valid := func() map[string][]float64 {
		return map[string][]float64{StateMean: {3, 4}, StateVariance: {5, 6}, StateCount: {7}}
	}
	for _, c := range []struct {
		edit      func(map[string][]float64)
		fragments []string
	}{
		{func(s map[string][]float64) { s["momentum"] = []float64{1} }, []string{"bn3", "unknown state keys momentum"}},
		{func(s map[string][]float64) { delete(s, StateCount) }, []string{"bn3", `lacks "count"`}},
		{func(s map[string][]float64) { s[StateCount] = []float64{-1} }, []string{"bn3", "count", "non-negative integer"}},
		{func(s map[string][]float64) { s[StateCount] = []float64{1.5} }, []string{"bn3", "non-negative integer"}},
		{func(s map[string][]float64) { s[StateCount] = []float64{1, 2} }, []string{"bn3", "one non-negative integer"}},
		{func(s map[string][]float64) { s[StateVariance] = []float64{1, -2} }, []string{"bn3", "variance[1] is -2"}},
	} {
		s := valid()
		c.edit(s)
		wantError(t, b.SetState(s), c.fragments...)
		mean, variance := b.Running()
		if mean[0] != 0 || variance[0] != 1 || b.Count() != 0 {
			t.Fatalf("a rejected SetState changed the layer: mean %v, variance %v, count %d", mean, variance, b.Count())
		}
	}
	if err := b.SetState(valid()); err != nil {
		t.Fatal(err)
	}
	if mean, variance := b.Running(); mean[1] != 4 || variance[1] != 6 || b.Count() != 7 {
		t.Fatalf("SetState gave mean %v, variance %v, count %d", mean, variance, b.Count())
	}
}
