package batchnorm

import (
	"fmt"
	"slices"
)

// Batch is the statistics of one run of the training path: μ_B and the
// biased σ²_B of Alg. 1 per channel, and N, the number of values per channel
// they were computed from (N, or N·H·W for feature maps).
//
// A training loop whose objective is evaluated at several points per step
// (line-search trials) keeps the Batch of the evaluation at the step's
// starting point and folds that one with Fold, whatever the machine ran
// last: the running statistics then follow the iterates θ_t only.
type Batch struct {
	Mean, Variance []float64
	N              int
}

// LastBatch returns a copy of the statistics of the last run of the training
// path, and whether the training path has run.
func (b *BatchNorm) LastBatch() (Batch, bool) {
	if b.last.m == 0 {
		return Batch{}, false
	}
	return Batch{Mean: slices.Clone(b.last.mean), Variance: slices.Clone(b.last.variance), N: b.last.m}, true
}

// Fold folds batch into the running statistics by the moving average of
// Update (mean ← (1 − m)·mean + m·μ_B, variance ← (1 − m)·variance +
// m·σ²_B·N/(N − 1), m the momentum). Unlike Update it does not depend on, or
// mark, the last run of the training path, so a Batch can be folded after
// other runs. A batch with N = 1 is not folded (its unbiased variance is
// undefined), as in Update; Fold reports whether it folded. Statistics of
// the wrong length, non-finite or with a negative variance are an error.
func (b *BatchNorm) Fold(batch Batch) (bool, error) {
	if err := b.checkBatch(batch); err != nil {
		return false, err
	}
	if batch.N < 2 {
		return false, nil
	}
	b.foldStatistics(b.opts.Momentum, batch.Mean, batch.Variance, batch.N)
	return true, nil
}

// checkBatch reports a Batch that does not fit the layer.
func (b *BatchNorm) checkBatch(batch Batch) error {
	if batch.N < 1 {
		return fmt.Errorf("batchnorm: %s: batch of N = %d values per channel; want N ≥ 1 (take it from LastBatch)", b.name, batch.N)
	}
	if err := b.checkStatistic("batch mean", batch.Mean, false); err != nil {
		return err
	}
	return b.checkStatistic("batch variance", batch.Variance, true)
}
