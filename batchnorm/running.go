package batchnorm

import (
	"fmt"
	"math"
	"slices"

	"gorgonia.org/tensor"
)

// Update folds the batch statistics of the last run of the training path into
// the running statistics by the exponential moving average of PyTorch's
// convention, with m the momentum:
//
//	mean     ← (1 − m)·mean     + m·μ_B
//	variance ← (1 − m)·variance + m·σ²_B·n/(n − 1)
//
// where n is the number of values per channel (N, or N·H·W) and σ²_B·n/(n−1)
// is the unbiased variance that Alg. 2 (step 10) uses for inference. Call it
// once per real training step, after the run whose batch should count; runs
// for line-search trials or probes leave the running statistics alone.
//
// Update reports whether it folded a batch. Each run is folded at most once,
// so Update does nothing (and returns false) when the training path has not
// run since the last Update or UpdateAverage. It also returns false for a
// batch with n = 1 value per channel, whose unbiased variance 0/0 is
// undefined and whose mean is a single example (PyTorch refuses such a batch
// in training); the forward pass on such a batch is still finite: x̂ = 0, y = β.
func (b *BatchNorm) Update() bool {
	return b.fold(b.opts.Momentum)
}

// UpdateAverage folds the batch statistics of the last run of the training
// path into a cumulative average: after ResetRunning and k calls, the running
// statistics are the plain means of the k batches' μ_B and unbiased σ²_B.
// This re-estimates the statistics for a new set of weights, such as the
// averaged weights of Polyak averaging or an EMA, as PyTorch's
// torch.optim.swa_utils.update_bn does with momentum None: call ResetRunning,
// run the training path on each batch of a pass over the data and call
// UpdateAverage after each. It folds each run at most once and reports
// whether it did, as Update.
func (b *BatchNorm) UpdateAverage() bool {
	return b.fold(1 / float64(b.count+1))
}

// fold moves the running statistics a fraction w of the way towards the last
// recorded batch.
func (b *BatchNorm) fold(w float64) bool {
	rec := &b.last
	if !rec.fresh || rec.m < 2 {
		return false
	}
	rec.fresh = false
	b.foldStatistics(w, rec.mean, rec.variance, rec.m)
	return true
}

// foldStatistics moves the running statistics a fraction w of the way
// towards a batch's mean and biased variance over m ≥ 2 values per channel.
func (b *BatchNorm) foldStatistics(w float64, mean, variance []float64, m int) {
	unbiased := float64(m) / float64(m-1)
	for c := range b.runningMean {
		b.runningMean[c] += w * (mean[c] - b.runningMean[c])
		b.runningVariance[c] += w * (variance[c]*unbiased - b.runningVariance[c])
	}
	b.count++
	b.syncEvalLeaves()
}

// BatchStatistics returns copies of μ_B and the biased σ²_B of Alg. 1 from
// the last run of the training path, and whether the training path has run.
func (b *BatchNorm) BatchStatistics() (mean, variance []float64, ok bool) {
	if b.last.m == 0 {
		return nil, nil, false
	}
	return slices.Clone(b.last.mean), slices.Clone(b.last.variance), true
}

// Running returns copies of the running mean and variance.
func (b *BatchNorm) Running() (mean, variance []float64) {
	return slices.Clone(b.runningMean), slices.Clone(b.runningVariance)
}

// Count returns the number of batches folded into the running statistics
// since construction or the last ResetRunning.
func (b *BatchNorm) Count() int { return b.count }

// SetRunning replaces the running statistics by copies of mean and variance
// (C values each, finite, variance ≥ 0). The batch count is unchanged.
func (b *BatchNorm) SetRunning(mean, variance []float64) error {
	if err := b.checkStatistic("mean", mean, false); err != nil {
		return err
	}
	if err := b.checkStatistic("variance", variance, true); err != nil {
		return err
	}
	copy(b.runningMean, mean)
	copy(b.runningVariance, variance)
	b.syncEvalLeaves()
	return nil
}

// ResetRunning restores the initial running statistics (mean 0, variance 1)
// and sets the batch count to zero, as PyTorch's reset_running_stats; the next
// UpdateAverage then starts a fresh cumulative average.
func (b *BatchNorm) ResetRunning() {
	b.resetRunningValues()
	b.syncEvalLeaves()
}

func (b *BatchNorm) resetRunningValues() {
	for c := range b.runningMean {
		b.runningMean[c] = 0
		b.runningVariance[c] = 1
	}
	b.count = 0
}

// checkStatistic reports a statistic with the wrong length, a non-finite
// value or, when nonNegative, a negative value.
func (b *BatchNorm) checkStatistic(what string, values []float64, nonNegative bool) error {
	if len(values) != b.channels {
		return fmt.Errorf("batchnorm: %s: running %s has %d values; the layer has %d channels", b.name, what, len(values), b.channels)
	}
	for c, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("batchnorm: %s: running %s[%d] is %g; want a finite value", b.name, what, c, v)
		}
		if nonNegative && v < 0 {
			return fmt.Errorf("batchnorm: %s: running %s[%d] is %g; want a value ≥ 0", b.name, what, c, v)
		}
	}
	return nil
}

// syncEvalLeaves writes E[x] and sqrt(Var[x] + ε) into the evaluation
// path's leaves in place, if that path has been built.
func (b *BatchNorm) syncEvalLeaves() {
	if b.evalMean == nil {
		return
	}
	std := make([]float64, b.channels)
	for c, v := range b.runningVariance {
		std[c] = math.Sqrt(v + b.opts.Eps)
	}
	fill(b.evalMean.Value().(tensor.Tensor), b.runningMean)
	fill(b.evalStd.Value().(tensor.Tensor), std)
}
