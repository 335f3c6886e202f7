package train

import (
	"fmt"
	"slices"

	"deepopt/data"
	"deepopt/model"
	"deepopt/optim"
)

// reestimateSeed offsets Seed for the batcher of BN re-estimation, so its
// minibatches are fixed for the run and independent of the training order.
const reestimateSeed = 0x5eed_b4

// Weights returns the weights the run reports: the averaged weights when the
// Optimizer is an optim.Averager that has averaged, else θ (read only).
func (t *Trainer) Weights() []float64 {
	w, _ := t.weights()
	return w
}

// weights returns Weights and whether they are averaged. A model-only
// checkpoint holds the weights its run reported.
func (t *Trainer) weights() ([]float64, bool) {
	if avg, ok := t.Optimizer.(optim.Averager); ok && !t.modelOnly {
		if w := avg.Averaged(); w != nil {
			if t.view != nil {
				t.full = append(t.full[:0], t.theta...)
				t.view.Embed(w, t.full)
				w = t.full
			}
			return w, true
		}
	}
	return t.theta, false
}

// Evaluate returns the loss and accuracy on ds of the weights the run reports
// (Weights). For averaged weights of a model with BN, the running statistics
// of the live weights do not fit, so they are re-estimated first, as
// PyTorch's swa_utils.update_bn does: reset, then the cumulative average of
// the batch statistics of the training path on BNReestimate training
// minibatches (the same minibatches at every evaluation, drawn by a batcher
// of their own; model.Model.ReestimateBN). ReestimateBN does the same for
// the live weights. The model evaluates at other weights without changing
// its running statistics or its minibatch, and the training sampler is not
// drawn from, so evaluating does not change the run.
func (t *Trainer) Evaluate(ds *data.Dataset) (model.Evaluation, error) {
	w, re, err := t.reported()
	if err != nil {
		return model.Evaluation{}, err
	}
	return t.Model.EvaluateAt(w, ds, re)
}

// ExampleLosses returns each example's cross-entropy and margin on ds (see
// model.Model.ExampleLosses) for the weights the run reports, with the BN
// statistics Evaluate uses, and changes the run as little as Evaluate does.
func (t *Trainer) ExampleLosses(ds *data.Dataset) (loss, margin []float64, err error) {
	w, re, err := t.reported()
	if err != nil {
		return nil, nil, err
	}
	return t.Model.ExampleLossesAt(w, ds, re)
}

// reported returns the weights the run reports and, when their BN running
// statistics must be re-estimated (averaged weights, or ReestimateBN), the
// re-estimation for them. A model-only checkpoint holds the statistics its
// run evaluated with, re-estimated already when they had to be.
func (t *Trainer) reported() ([]float64, *model.BNReestimation, error) {
	if t.batch == nil {
		if err := t.init(); err != nil {
			return nil, nil, err
		}
	}
	w, averaged := t.weights()
	if !averaged && (!t.ReestimateBN || t.modelOnly) {
		return w, nil, nil
	}
	spec := t.Model.Spec()
	batches := t.BNReestimate
	if batches <= 0 {
		batches = (t.Train.Len() + spec.BatchSize - 1) / spec.BatchSize
	}
	sampler, err := data.NewBatcher(t.Train.Len(), spec.BatchSize, t.Seed+reestimateSeed)
	if err != nil {
		return nil, nil, fmt.Errorf("train: BN re-estimation: %w", err)
	}
	return w, &model.BNReestimation{Train: t.Train, Sampler: sampler, Batches: batches}, nil
}

// Reported returns the weights the run reports (Weights) and the BN running
// statistics Evaluate uses with them (as model.Model.BNState keys them):
// re-estimated for averaged weights or with ReestimateBN, else the model's
// own. A model written from the two evaluates exactly as the run does, with
// no training data (experiment.StripHeads).
func (t *Trainer) Reported() (weights []float64, bn map[string][]float64, err error) {
	w, re, err := t.reported()
	if err != nil {
		return nil, nil, err
	}
	bn, err = t.Model.BNStateAt(w, re)
	return slices.Clone(w), bn, err
}
