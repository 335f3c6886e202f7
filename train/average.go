package train

import (
	"fmt"

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

// weights returns Weights and whether they are averaged.
func (t *Trainer) weights() ([]float64, bool) {
	if avg, ok := t.Optimizer.(optim.Averager); ok {
		if w := avg.Averaged(); w != nil {
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
// of their own). ReestimateBN does the same for the live weights. The live
// weights, their BN running statistics, the current minibatch and the
// training batcher are left as they were, so evaluating does not change the
// run.
func (t *Trainer) Evaluate(ds *data.Dataset) (model.Evaluation, error) {
	if t.batch == nil {
		if err := t.init(); err != nil {
			return model.Evaluation{}, err
		}
	}
	w, averaged := t.weights()
	defer t.Model.SetParams(t.theta)
	t.Model.SetParams(w)
	if !(averaged || t.ReestimateBN) || !t.Model.HasBatchNorm() {
		return t.Model.Evaluate(ds)
	}
	running := t.Model.BNState()
	defer func() {
		// Restoring statistics read from the same model cannot fail.
		_ = t.Model.SetBNState(running)
	}()
	if err := t.reestimateBN(w); err != nil {
		return model.Evaluation{}, err
	}
	return t.Model.Evaluate(ds)
}

// reestimateBN sets the BN running statistics to the cumulative average of
// the batch statistics at weights w over BNReestimate training minibatches,
// then puts the current training minibatch back into the model.
func (t *Trainer) reestimateBN(w []float64) error {
	spec := t.Model.Spec()
	batches := t.BNReestimate
	if batches <= 0 {
		batches = (t.Train.Len() + spec.BatchSize - 1) / spec.BatchSize
	}
	sampler, err := data.NewBatcher(t.Train.Len(), spec.BatchSize, t.Seed+reestimateSeed)
	if err != nil {
		return fmt.Errorf("train: BN re-estimation: %w", err)
	}
	x := make([]float64, len(t.xBuf))
	y := make([]int, len(t.yBuf))
	t.Model.ResetBNRunning()
	for i := range batches {
		if err := t.Train.Gather(sampler.Next(i), x, y); err != nil {
			return err
		}
		if err := t.Model.SetBatch(x, y); err != nil {
			return err
		}
		if _, err := t.Model.Eval(w, nil); err != nil {
			return fmt.Errorf("train: BN re-estimation: %w", err)
		}
		t.Model.UpdateBNAverage()
	}
	if t.batchIndices == nil {
		return nil
	}
	return t.Model.SetBatch(t.xBuf, t.yBuf)
}
