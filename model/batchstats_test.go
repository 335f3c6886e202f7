package model

import (
	"maps"
	"slices"
	"testing"

	"deepopt/data"

	"gorgonia.org/tensor"
)

// modelState is what a caller would otherwise save and restore around an
// evaluation elsewhere: parameters, running statistics, training minibatch.
func modelState(t *testing.T, m *Model) ([]float64, map[string][]float64, []float64, []int) {
	t.Helper()
	s := m.Spec()
	x, y := make([]float64, s.BatchSize*product(s.Input)), make([]int, s.BatchSize)
	if err := m.Batch(x, y); err != nil {
		t.Fatal(err)
	}
	return m.Params(nil), m.BNState(), x, y
}

func sameState(t *testing.T, m *Model, what string, theta []float64, bn map[string][]float64, x []float64, y []int) {
	t.Helper()
	theta2, bn2, x2, y2 := modelState(t, m)
	if !slices.Equal(theta, theta2) || !maps.EqualFunc(bn, bn2, slices.Equal) || !slices.Equal(x, x2) || !slices.Equal(y, y2) {
		t.Errorf("%s changed the model's parameters, running statistics or minibatch", what)
	}
}

// TestEvaluateAtLeavesTheModel evaluates other weights with re-estimated BN
// statistics: the result is that of re-estimating by hand (reset, then the
// cumulative average over the same three minibatches) and evaluating, and
// the model keeps its parameters, running statistics and minibatch. EvalOn
// evaluates another minibatch as SetBatch and Eval would, and leaves the
// minibatch and the running statistics in place too.
func TestEvaluateAtLeavesTheModel(t *testing.T) {
	m, err := New(smallSpec("mlp", true, tensor.Float64))
	if err != nil {
		t.Fatal(err)
	}
	theta := m.Params(nil)
	randomBatch(t, m, 3)
	if _, err := m.Eval(theta, nil); err != nil {
		t.Fatal(err)
	}
	m.CommitBatchStats()
	other := slices.Clone(theta)
	for i := range other {
		other[i] *= 1.1
	}
	rows := 32
	xs, ys := make([]float32, rows*12), make([]int, rows)
	for i := range rows {
		ys[i] = i % 3
		for j := range 12 {
			xs[i*12+j] = float32(float64((i*7+j*3)%11)/5 - 1)
		}
	}
	ds := &data.Dataset{X: xs, Shape: []int{12}, Y: ys, Classes: 3}
	batcher := func() data.Sampler {
		b, err := data.NewBatcher(rows, 8, 9)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	p0, bn0, x0, y0 := modelState(t, m)
	got, err := m.EvaluateAt(other, ds, &BNReestimation{Train: ds, Sampler: batcher(), Batches: 3})
	if err != nil {
		t.Fatal(err)
	}
	sameState(t, m, "EvaluateAt", p0, bn0, x0, y0)

	sampler := batcher()
	m.ResetBNRunning()
	x, y := make([]float64, 8*12), make([]int, 8)
	for i := range 3 {
		if err := ds.Gather(sampler.Next(i), x, y); err != nil {
			t.Fatal(err)
		}
		m.SetBatch(x, y)
		if _, err := m.Eval(other, nil); err != nil {
			t.Fatal(err)
		}
		m.UpdateBNAverage()
	}
	m.SetParams(other)
	want, err := m.Evaluate(ds)
	if err != nil || got != want {
		t.Errorf("EvaluateAt = %+v, re-estimating by hand gives %+v (err %v)", got, want, err)
	}

	m.SetBatch(x0, y0)
	m.SetParams(theta) // Eval, and so EvalOn, writes θ into the parameters
	p0, bn0, x0, y0 = modelState(t, m)
	loss, err := m.EvalOn(x, y, theta, nil)
	if err != nil {
		t.Fatal(err)
	}
	sameState(t, m, "EvalOn", p0, bn0, x0, y0)
	m.SetBatch(x, y)
	if want, _ := m.Eval(theta, nil); loss != want {
		t.Errorf("EvalOn = %v, SetBatch and Eval give %v", loss, want)
	}
}
