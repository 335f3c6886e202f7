package train

import (
	"context"
	"slices"
	"testing"
)

// recordingWeigher weights example i drawn at step by (i + step) mod 3 (so
// some weigh 0 and some 2) and records the calls; zeroAt weighs every
// example of the batch drawn at that step 0.
type recordingWeigher struct {
	steps  []int
	idx    [][]int
	zeroAt int
}

func (r *recordingWeigher) Weights(idx []int, step int, w []float64) error {
	r.steps, r.idx = append(r.steps, step), append(r.idx, slices.Clone(idx))
	for k, i := range idx {
		w[k] = float64((i + step) % 3)
		if step == r.zeroAt {
			w[k] = 0
		}
	}
	return nil
}

// TestExampleWeightsWeighTheLoss: the loss of a run's first step is that of
// the model on the step's minibatch with the weigher's weights, set by hand
// (and not the unweighted loss); a batch held for 3 steps is weighted once,
// when it is drawn.
func TestExampleWeightsWeighTheLoss(t *testing.T) {
	tr := newTrainer(t, "", 4, 0.1)
	tr.HoldBatch, tr.EvalEvery, tr.Test = 3, 1, nil
	weigher := &recordingWeigher{zeroAt: -1}
	tr.ExampleWeights = weigher
	losses := []float64{}
	tr.OnEval(PriorityDefault, func(_ *Trainer, r Report) error {
		losses = append(losses, r.TrainLoss)
		return nil
	})
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(weigher.steps, []int{0, 3}) {
		t.Fatalf("weights asked for the batches drawn at steps %v, want [0 3]", weigher.steps)
	}

	ref := newTrainer(t, "", 4, 0.1).Model
	idx := weigher.idx[0]
	x, y := make([]float64, len(idx)*tr.Train.Dim()), make([]int, len(idx))
	if err := tr.Train.Gather(idx, x, y); err != nil {
		t.Fatal(err)
	}
	if err := ref.SetBatch(x, y); err != nil {
		t.Fatal(err)
	}
	theta := ref.Params(nil)
	plain, err := ref.Eval(theta, nil)
	if err != nil {
		t.Fatal(err)
	}
	w := make([]float64, len(idx))
	for k, i := range idx {
		w[k] = float64(i % 3)
	}
	if err := ref.SetExampleWeights(w); err != nil {
		t.Fatal(err)
	}
	want, err := ref.Eval(theta, nil)
	if err != nil {
		t.Fatal(err)
	}
	if losses[0] != want || want == plain {
		t.Errorf("first step's loss %v; the weighted loss of its batch is %v, the unweighted %v", losses[0], want, plain)
	}
}

// TestWeightlessFirstBatchIsNoDivergenceReference: when the run's first
// minibatch weighs 0 (its loss is 0), the divergence check takes its
// reference from the next batch instead of stopping the run at the first
// positive loss.
func TestWeightlessFirstBatchIsNoDivergenceReference(t *testing.T) {
	tr := newTrainer(t, "", 5, 0.1)
	tr.Test = nil
	tr.ExampleWeights = &recordingWeigher{zeroAt: 0}
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatalf("a run whose first batch weighs 0: %v", err)
	}
}
