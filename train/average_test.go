package train

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"testing"

	"deepopt/data"
	"deepopt/model"
	"deepopt/optim"
)

// TestEvaluateAveragedWeights trains with an EMA of the iterates and checks
// Evaluate against an independent computation on a second model: the
// averaged weights with BN running statistics set to the plain mean of the
// batch statistics over BNReestimate re-estimation minibatches. It also
// checks that evaluating leaves the run alone: the live weights and BN
// statistics, and the rest of the run (the same final θ as a run that
// evaluated only at the end).
func TestEvaluateAveragedWeights(t *testing.T) {
	build := func(evalEvery int) *Trainer {
		tr := newTrainer(t, "", 30, 0.1)
		tr.Optimizer = &optim.ExponentialAverage{Inner: &optim.SGD{Momentum: 0.9}, Decay: 0.9, Debias: true}
		tr.BNReestimate, tr.EvalEvery = 5, evalEvery
		return tr
	}
	tr, quiet := build(7), build(30)
	for _, r := range []*Trainer{tr, quiet} {
		if _, err := r.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(tr.Theta(), quiet.Theta()) {
		t.Fatal("evaluating averaged weights every 7 steps changed the training run")
	}
	running, theta := tr.Model.BNState(), slices.Clone(tr.Theta())
	got, err := tr.Evaluate(tr.Test)
	if err != nil {
		t.Fatal(err)
	}
	if !maps.EqualFunc(running, tr.Model.BNState(), slices.Equal) || !slices.Equal(theta, tr.Theta()) {
		t.Fatal("Evaluate changed the live BN statistics or weights")
	}

	avg := tr.Optimizer.(optim.Averager).Averaged()
	if slices.Equal(avg, theta) {
		t.Fatal("the average equals the last iterate; the test would not tell them apart")
	}
	ref, err := model.New(tr.Model.Spec())
	if err != nil {
		t.Fatal(err)
	}
	spec := ref.Spec()
	batcher, err := data.NewBatcher(tr.Train.Len(), spec.BatchSize, tr.Seed+reestimateSeed)
	if err != nil {
		t.Fatal(err)
	}
	x, y := make([]float64, spec.BatchSize*tr.Train.Dim()), make([]int, spec.BatchSize)
	// The plain mean over the 5 batches of μ_B and the unbiased σ²_B.
	const batches = 5
	state := ref.BNState()
	for _, v := range state {
		clear(v)
	}
	for range batches {
		if err := tr.Train.Gather(batcher.Next(), x, y); err != nil {
			t.Fatal(err)
		}
		if err := ref.SetBatch(x, y); err != nil {
			t.Fatal(err)
		}
		if _, err := ref.Eval(avg, nil); err != nil {
			t.Fatal(err)
		}
		for i, b := range ref.LastBatchStats() {
			mean, variance := state[fmt.Sprintf("bn%d.running_mean", i+1)], state[fmt.Sprintf("bn%d.running_var", i+1)]
			if len(mean) != len(b.Mean) || len(variance) != len(b.Variance) {
				t.Fatalf("BN state keys %v do not match layer %d", slices.Collect(maps.Keys(state)), i+1)
			}
			n := float64(b.N)
			for c := range b.Mean {
				mean[c] += b.Mean[c] / batches
				variance[c] += b.Variance[c] * n / (n - 1) / batches
			}
		}
	}
	if err := ref.SetBNState(state); err != nil {
		t.Fatal(err)
	}
	ref.SetParams(avg)
	want, err := ref.Evaluate(tr.Test)
	if err != nil {
		t.Fatal(err)
	}
	if d := got.Loss - want.Loss; d > 1e-9 || d < -1e-9 || got.Accuracy != want.Accuracy {
		t.Fatalf("Evaluate = %+v, the independent re-estimation gives %+v", got, want)
	}
	live, err := tr.Model.Evaluate(tr.Test)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("averaged weights: %+v; last iterate: %+v", got, live)
}
