package model

import (
	"fmt"

	"deepopt/batchnorm"
	"deepopt/data"
	"deepopt/optim"
)

// LastBatchStats returns copies of the batch statistics of the last
// training-path run of every BN layer, in layer order (nil for a model
// without BN). A training loop takes them right after evaluating a step's
// starting point θ_t and folds them with FoldBatchStats once the step is
// real, whatever evaluations (line-search trials, probes) ran in between.
func (m *Model) LastBatchStats() []batchnorm.Batch {
	if len(m.bns) == 0 {
		return nil
	}
	out := make([]batchnorm.Batch, len(m.bns))
	for i, bn := range m.bns {
		out[i], _ = bn.LastBatch()
	}
	return out
}

// FoldBatchStats folds statistics returned by LastBatchStats into every BN
// layer's running statistics by its moving average (batchnorm.Fold).
func (m *Model) FoldBatchStats(stats []batchnorm.Batch) error {
	if len(stats) != len(m.bns) {
		return fmt.Errorf("model: %d sets of batch statistics for %d BN layers; take them from LastBatchStats of this model", len(stats), len(m.bns))
	}
	for i, bn := range m.bns {
		if _, err := bn.Fold(stats[i]); err != nil {
			return fmt.Errorf("model: %w", err)
		}
	}
	return nil
}

// HasBatchNorm reports whether the model has BN layers, whose running
// statistics depend on the weights and must be re-estimated when other
// weights (such as averaged ones) are swapped in.
func (m *Model) HasBatchNorm() bool { return len(m.bns) > 0 }

// ResetBNRunning restores every BN layer's initial running statistics and
// zero batch count, to start a cumulative re-estimation with
// UpdateBNAverage.
func (m *Model) ResetBNRunning() {
	for _, bn := range m.bns {
		bn.ResetRunning()
	}
}

// UpdateBNAverage folds the last training-path run of every BN layer into a
// cumulative average (batchnorm.UpdateAverage): after ResetBNRunning and a
// training-path Eval on each of k batches followed by UpdateBNAverage, the
// running statistics are the plain means over the k batches, as PyTorch's
// swa_utils.update_bn computes them for averaged weights.
func (m *Model) UpdateBNAverage() {
	for _, bn := range m.bns {
		bn.UpdateAverage()
	}
}

// TrainingObjective is the model's objective as a training loop steps on it:
// Eval is the model's, and keeps the BN batch statistics each evaluation
// produced; FoldBatchStats folds those of the last one into the running
// statistics. Inside an optim.Memo the last evaluation is that of the Memo's
// remembered point, so the loop folds the statistics of θ_t, the step's
// starting point, even when the Memo serves θ_t from memory and the model
// has run elsewhere since (line-search trials, probes).
type TrainingObjective struct {
	m     *Model
	batch []batchnorm.Batch
	terms []Term
}

// TrainingObjective returns the model's objective for a training loop.
func (m *Model) TrainingObjective() *TrainingObjective { return &TrainingObjective{m: m} }

// Dim implements optim.Objective.
func (o *TrainingObjective) Dim() int { return o.m.Dim() }

// Eval implements optim.Objective.
func (o *TrainingObjective) Eval(theta, grad []float64) (float64, error) {
	return o.keep(o.m.Eval(theta, grad))
}

// EvalInPlace implements optim.InPlace (Model.EvalInPlace): a float32
// graph's gradient stays in its tensors for an optim.InPlaceStepper.
func (o *TrainingObjective) EvalInPlace(theta []float64) (float64, error) {
	return o.keep(o.m.EvalInPlace(theta))
}

// Segments implements optim.InPlace (Model.Segments).
func (o *TrainingObjective) Segments() []optim.Segment { return o.m.Segments() }

// Written implements optim.InPlace (Model.Written).
func (o *TrainingObjective) Written() { o.m.Written() }

// keep keeps the batch statistics and terms of the evaluation that returned
// loss and err, unless it failed.
func (o *TrainingObjective) keep(loss float64, err error) (float64, error) {
	if err != nil {
		return loss, err
	}
	o.batch = o.m.LastBatchStats()
	o.terms = o.m.Terms()
	return loss, nil
}

// Terms returns the objective's terms (Model.Terms) at the last Eval, which
// inside an optim.Memo is the remembered point's.
func (o *TrainingObjective) Terms() []Term { return o.terms }

// FoldBatchStats folds the batch statistics of the last Eval into the
// running statistics.
func (o *TrainingObjective) FoldBatchStats() error { return o.m.FoldBatchStats(o.batch) }

// BNReestimation says how to re-estimate BN running statistics for weights
// other than those they were folded for (averaged weights, or weights that
// move faster than the running average follows): on Batches minibatches of
// Train drawn by Sampler.
type BNReestimation struct {
	Train   *data.Dataset
	Sampler data.Sampler
	Batches int
}

// ReestimateBN sets the BN running statistics to the cumulative average of
// the batch statistics of the training path at θ over the minibatches of re,
// as PyTorch's swa_utils.update_bn does. The training minibatch is left as
// it was.
func (m *Model) ReestimateBN(theta []float64, re BNReestimation) error {
	s := m.spec
	defer m.keepBatch()()
	bx, by := make([]float64, s.BatchSize*re.Train.Dim()), make([]int, s.BatchSize)
	m.ResetBNRunning()
	for i := range re.Batches {
		if err := re.Train.Gather(re.Sampler.Next(i), bx, by); err != nil {
			return err
		}
		if err := m.SetBatch(bx, by); err != nil {
			return err
		}
		if _, err := m.Eval(theta, nil); err != nil {
			return fmt.Errorf("model: BN re-estimation: %w", err)
		}
		m.UpdateBNAverage()
	}
	return nil
}

// EvaluateAt returns the loss and accuracy on ds of the weights θ. With re
// and BN layers, the running statistics are re-estimated for θ first
// (ReestimateBN). The model is left as it was: its parameters, running
// statistics and training minibatch.
func (m *Model) EvaluateAt(theta []float64, ds *data.Dataset, re *BNReestimation) (ev Evaluation, err error) {
	err = m.atWeights(theta, re, func() error {
		ev, err = m.evaluateMain(ds)
		return err
	})
	return ev, err
}

// ExampleLossesAt returns ExampleLosses on ds of the weights θ, with the
// running statistics EvaluateAt uses, and leaves the model as EvaluateAt
// does.
func (m *Model) ExampleLossesAt(theta []float64, ds *data.Dataset, re *BNReestimation) (loss, margin []float64, err error) {
	err = m.atWeights(theta, re, func() error {
		loss, margin, err = m.exampleLosses(ds)
		return err
	})
	return loss, margin, err
}

// atWeights runs f with θ in the parameter tensors and, with re and BN
// layers, running statistics re-estimated for θ, which it puts back
// afterwards; the model's parameters (SetParams) are never changed.
func (m *Model) atWeights(theta []float64, re *BNReestimation, f func() error) error {
	m.writeParams(theta)
	if re == nil || !m.HasBatchNorm() {
		return f()
	}
	running := m.BNState()
	defer func() {
		// Restoring statistics read from the same model cannot fail.
		_ = m.SetBNState(running)
	}()
	if err := m.ReestimateBN(theta, *re); err != nil {
		return err
	}
	return f()
}

// BNStateAt returns the running statistics (as BNState keys them) that
// EvaluateAt uses for the weights θ: with re and BN layers those
// re-estimated for θ, else the model's own. The model is left as it was.
func (m *Model) BNStateAt(theta []float64, re *BNReestimation) (state map[string][]float64, err error) {
	err = m.atWeights(theta, re, func() error {
		state = m.BNState()
		return nil
	})
	return state, err
}
