package model

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// TestDropoutLeavesEvaluationAlone builds the same network with and without
// dropout (input and hidden) and checks that only the training path
// differs: the same parameters, and bit-identical evaluations and named
// nodes; while the training loss differs, depends only on the step whose
// masks are drawn, and is the same for the same step drawn again.
func TestDropoutLeavesEvaluationAlone(t *testing.T) {
	for _, kind := range []Kind{MLP, CNN} {
		spec := smallSpec(kind, true, tensor.Float64)
		plain, err := New(spec)
		if err != nil {
			t.Fatal(err)
		}
		spec.InputDropout, spec.Dropout = 0.2, 0.5
		drop, err := New(spec)
		if err != nil {
			t.Fatal(err)
		}
		theta := plain.Params(nil)
		if !slices.Equal(theta, drop.Params(nil)) {
			t.Fatalf("%s: dropout changed the initial parameters", kind)
		}
		ds := randomSet(rand.New(rand.NewPCG(2, 3)), 11, product(spec.Input))
		e0, err := plain.Evaluate(ds)
		if err != nil {
			t.Fatal(err)
		}
		e1, err := drop.Evaluate(ds)
		if err != nil {
			t.Fatal(err)
		}
		if e0 != e1 {
			t.Errorf("%s: evaluation %+v with dropout, %+v without", kind, e1, e0)
		}
		if !slices.Equal(plain.NodeNames(), drop.NodeNames()) {
			t.Errorf("%s: node names %v with dropout, %v without", kind, drop.NodeNames(), plain.NodeNames())
		}
		idx := []int{3, 1, 4}
		n0, _ := plain.Nodes(ds, idx, plain.NodeNames())
		n1, _ := drop.Nodes(ds, idx, plain.NodeNames())
		for i := range n0 {
			if !slices.Equal(n0[i], n1[i]) {
				t.Errorf("%s: node %s differs with dropout", kind, plain.NodeNames()[i])
			}
		}

		x, y := randomBatch(t, plain, 4)
		if err := drop.SetBatch(x, y); err != nil {
			t.Fatal(err)
		}
		l0, _ := plain.Eval(theta, nil)
		loss := func(step uint64) float64 {
			drop.DrawDropout(step)
			l, err := drop.Eval(theta, nil)
			if err != nil {
				t.Fatal(err)
			}
			return l
		}
		a, b, a2 := loss(5), loss(6), loss(5)
		if a == l0 || a == b || a != a2 {
			t.Errorf("%s: training loss %v without dropout; with dropout %v at step 5, %v at step 6, %v at step 5 again", kind, l0, a, b, a2)
		}
	}
}

// TestDropoutRateErrors: a rate outside [0, 1) is refused with the layer's
// name and the valid range.
func TestDropoutRateErrors(t *testing.T) {
	for _, tc := range []struct {
		input, hidden float64
		want          string
	}{{1, 0, "drop0: Dropout.Rate = 1"}, {0, -0.5, "drop1: Dropout.Rate = -0.5"}, {0, math.NaN(), "drop1: Dropout.Rate = NaN"}} {
		spec := smallSpec(MLP, false, tensor.Float64)
		spec.InputDropout, spec.Dropout = tc.input, tc.hidden
		_, err := New(spec)
		if err == nil || !strings.Contains(err.Error(), tc.want) || !strings.Contains(err.Error(), "[0, 1)") {
			t.Errorf("input %v, hidden %v: error %v, want %q and [0, 1)", tc.input, tc.hidden, err, tc.want)
		}
	}
}
