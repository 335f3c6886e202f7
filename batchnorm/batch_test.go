package batchnorm

import (
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"
)

// TestFoldKeptBatchAfterOtherRuns keeps the Batch of a run on x₀, runs the
// training path on another batch x₁ (a line-search trial), folds the kept
// Batch and compares with one momentum step towards x₀'s statistics computed
// by plain loops: the later run must not leak in.
func TestFoldKeptBatchAfterOtherRuns(t *testing.T) {
	for i, shape := range [][]int{{8, 3}, {2, 3, 4, 4}} {
		rng := rand.New(rand.NewPCG(31, uint64(i)))
		const momentum = 0.25
		n := newNet(t, shape, tensor.Float64, Options{Momentum: momentum}, rng)
		data := batches(rng, 2, shape)
		if _, ok := n.bn.LastBatch(); ok {
			t.Fatalf("%v: LastBatch before any run reports a batch", shape)
		}
		setInput(n.x, data[0])
		run(t, n.trainVM)
		kept, ok := n.bn.LastBatch()
		if !ok || kept.N != shape[0]*spatial(shape) {
			t.Fatalf("%v: LastBatch = N %d, %v; want N = %d", shape, kept.N, ok, shape[0]*spatial(shape))
		}
		setInput(n.x, data[1])
		run(t, n.trainVM)
		folded, err := n.bn.Fold(kept)
		if err != nil || !folded {
			t.Fatalf("%v: Fold = %v, %v; want true, nil", shape, folded, err)
		}
		mean, variance := unbiasedStatistics(data[0], shape)
		wantMean, wantVariance := make([]float64, shape[1]), make([]float64, shape[1])
		for c := range mean {
			wantMean[c] = momentum * mean[c]                        // from 0
			wantVariance[c] = (1 - momentum) + momentum*variance[c] // from 1
		}
		gotMean, gotVariance := n.bn.Running()
		closeTo(t, "running mean", gotMean, wantMean, 1e-12)
		closeTo(t, "running variance", gotVariance, wantVariance, 1e-12)
		if n.bn.Count() != 1 {
			t.Errorf("%v: Count after one Fold = %d, want 1", shape, n.bn.Count())
		}
		// The run on x₁ is still unfolded: Update folds it, once.
		if !n.bn.Update() || n.bn.Update() {
			t.Errorf("%v: Update after Fold should fold the last run exactly once", shape)
		}
	}
}

func TestFoldRejectsBadBatches(t *testing.T) {
	rng := rand.New(rand.NewPCG(32, 0))
	n := newNet(t, []int{4, 2}, tensor.Float64, Options{}, rng)
	tests := []struct {
		batch Batch
		want  string
	}{
		{Batch{Mean: []float64{0}, Variance: []float64{1, 1}, N: 4}, "batch mean has 1 values; the layer has 2 channels"},
		{Batch{Mean: []float64{0, math.NaN()}, Variance: []float64{1, 1}, N: 4}, "batch mean[1] is NaN"},
		{Batch{Mean: []float64{0, 0}, Variance: []float64{1, -1}, N: 4}, "batch variance[1] is -1; want a value ≥ 0"},
		{Batch{Mean: []float64{0, 0}, Variance: []float64{1, 1}, N: 0}, "N = 0 values per channel"},
	}
	for _, tt := range tests {
		folded, err := n.bn.Fold(tt.batch)
		wantError(t, err, tt.want)
		if folded {
			t.Errorf("Fold(%+v) folded a bad batch", tt.batch)
		}
	}
	if folded, err := n.bn.Fold(Batch{Mean: []float64{5, 5}, Variance: []float64{0, 0}, N: 1}); folded || err != nil {
		t.Errorf("Fold of a one-value batch = %v, %v; want false, nil (like Update)", folded, err)
	}
	if mean, _ := n.bn.Running(); mean[0] != 0 || n.bn.Count() != 0 {
		t.Errorf("rejected batches changed the running statistics: mean %v, count %d", mean, n.bn.Count())
	}
}
