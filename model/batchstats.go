package model

import (
	"fmt"

	"deepopt/batchnorm"
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
