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

// TestEvaluateReestimatesBN checks Evaluate with re-estimated BN statistics
// against an independent computation on a second model: the evaluated
// weights with BN running statistics set to the plain mean of the batch
// statistics over BNReestimate re-estimation minibatches. It does so for the
// averaged weights of an EMA and for the live weights of CG on held batches
// under ReestimateBN. It
// also checks that evaluating leaves the run alone: the live weights and BN
// statistics, and the rest of the run (the same final θ as a run that
// evaluated only at the end).
func TestEvaluateReestimatesBN(t *testing.T) {
	variants := []struct {
		name  string
		setup func(*Trainer)
		// evaluated returns the weights Evaluate must report.
		evaluated func(*Trainer) []float64
	}{
		{"ema", func(tr *Trainer) {
			tr.Optimizer = &optim.ExponentialAverage{Inner: &optim.SGD{Momentum: 0.9}, Decay: 0.9, Debias: true}
		}, func(tr *Trainer) []float64 { return tr.Optimizer.(optim.Averager).Averaged() }},
		// CG on held batches: evaluating between the steps of a held batch
		// must put the batch (and the memo's view of it) back.
		{"live weights", func(tr *Trainer) {
			tr.Optimizer, tr.HoldBatch, tr.ReestimateBN = &optim.CG{}, 3, true
		}, (*Trainer).Theta},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			build := func(evalEvery int) *Trainer {
				tr := newTrainer(t, "", 30, 0.1)
				v.setup(tr)
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
				t.Fatal("evaluating with re-estimated BN statistics every 7 steps changed the training run")
			}
			running, theta := tr.Model.BNState(), slices.Clone(tr.Theta())
			got, err := tr.Evaluate(tr.Test)
			if err != nil {
				t.Fatal(err)
			}
			if !maps.EqualFunc(running, tr.Model.BNState(), slices.Equal) || !slices.Equal(theta, tr.Theta()) {
				t.Fatal("Evaluate changed the live BN statistics or weights")
			}
			want := reestimatedEvaluation(t, tr, v.evaluated(tr), 5)
			if d := got.Loss - want.Loss; d > 1e-9 || d < -1e-9 || got.Accuracy != want.Accuracy {
				t.Fatalf("Evaluate = %+v, the independent re-estimation gives %+v", got, want)
			}
			live, err := tr.Model.Evaluate(tr.Test)
			if err != nil {
				t.Fatal(err)
			}
			if live == got {
				t.Fatal("re-estimated and running statistics evaluate alike; the test would not tell them apart")
			}
			t.Logf("re-estimated BN statistics: %+v; live weights with running statistics: %+v", got, live)
		})
	}
}

// reestimatedEvaluation evaluates w on tr.Test with a second model whose BN
// running statistics are the plain mean of μ_B and the unbiased σ²_B over
// the first batches minibatches of tr's re-estimation batcher.
func reestimatedEvaluation(t *testing.T, tr *Trainer, w []float64, batches int) model.Evaluation {
	t.Helper()
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
	state := ref.BNState()
	for _, v := range state {
		clear(v)
	}
	for i := range batches {
		if err := tr.Train.Gather(batcher.Next(i), x, y); err != nil {
			t.Fatal(err)
		}
		if err := ref.SetBatch(x, y); err != nil {
			t.Fatal(err)
		}
		if _, err := ref.Eval(w, nil); err != nil {
			t.Fatal(err)
		}
		for i, b := range ref.LastBatchStats() {
			mean, variance := state[fmt.Sprintf("bn%d.running_mean", i+1)], state[fmt.Sprintf("bn%d.running_var", i+1)]
			if len(mean) != len(b.Mean) || len(variance) != len(b.Variance) {
				t.Fatalf("BN state keys %v do not match layer %d", slices.Collect(maps.Keys(state)), i+1)
			}
			n := float64(b.N)
			for c := range b.Mean {
				mean[c] += b.Mean[c] / float64(batches)
				variance[c] += b.Variance[c] * n / (n - 1) / float64(batches)
			}
		}
	}
	if err := ref.SetBNState(state); err != nil {
		t.Fatal(err)
	}
	ref.SetParams(w)
	want, err := ref.Evaluate(tr.Test)
	if err != nil {
		t.Fatal(err)
	}
	return want
}
