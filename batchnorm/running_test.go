package batchnorm

import (
	"math"
	"math/rand/v2"
	"testing"

	"deepopt/internal/gradcheck"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// batches returns k random inputs of the shape, each with its own offset and
// scale so that the statistics differ between batches.
func batches(rng *rand.Rand, k int, shape []int) [][]float64 {
	out := make([][]float64, k)
	for i := range out {
		out[i] = randomValues(rng, tensor.Shape(shape).TotalSize(), rng.NormFloat64(), 0.5+rng.Float64())
	}
	return out
}

// unbiasedStatistics returns μ_B and σ²_B·m/(m−1) of x.
func unbiasedStatistics(x []float64, shape []int) (mean, variance []float64) {
	mean, variance = referenceStatistics(x, shape)
	m := float64(shape[0] * spatial(shape))
	for c := range variance {
		variance[c] *= m / (m - 1)
	}
	return mean, variance
}

// TestUpdateMatchesClosedForm runs K training batches with Update after each
// and compares the running statistics with the closed form of the moving
// average, r_K = (1−m)^K r_0 + Σ_k m (1−m)^(K−k) b_k, where b_k are the
// statistics of batch k computed by plain loops.
func TestUpdateMatchesClosedForm(t *testing.T) {
	for i, shape := range [][]int{{8, 3}, {2, 3, 4, 4}} {
		rng := rand.New(rand.NewPCG(30, uint64(i)))
		const momentum, k = 0.3, 6
		n := newNet(t, shape, tensor.Float64, Options{Momentum: momentum}, rng)
		data := batches(rng, k, shape)
		wantMean, wantVariance := make([]float64, shape[1]), make([]float64, shape[1])
		for c := range wantVariance {
			wantVariance[c] = math.Pow(1-momentum, k) // r_0 = 1
		}
		for j, x := range data {
			setInput(n.x, x)
			run(t, n.trainVM)
			if !n.bn.Update() {
				t.Fatalf("%v: Update after training run %d folded nothing", shape, j)
			}
			mean, variance := unbiasedStatistics(x, shape)
			w := momentum * math.Pow(1-momentum, float64(k-1-j))
			for c := range mean {
				wantMean[c] += w * mean[c]
				wantVariance[c] += w * variance[c]
			}
		}
		mean, variance := n.bn.Running()
		closeTo(t, "running mean", mean, wantMean, 1e-12)
		closeTo(t, "running variance", variance, wantVariance, 1e-12)
		if n.bn.Count() != k {
			t.Fatalf("Count = %d after %d updates", n.bn.Count(), k)
		}
	}
}

// TestUpdateFoldsEachRunOnce checks that a second Update (or UpdateAverage)
// without a new training run changes nothing.
func TestUpdateFoldsEachRunOnce(t *testing.T) {
	rng := rand.New(rand.NewPCG(31, 1))
	n := newNet(t, []int{5, 2}, tensor.Float64, Options{}, rng)
	if n.bn.Update() {
		t.Fatal("Update folded a batch before any training run")
	}
	if _, _, ok := n.bn.BatchStatistics(); ok {
		t.Fatal("BatchStatistics reports a batch before any training run")
	}
	setInput(n.x, randomValues(rng, 10, 1, 1))
	run(t, n.trainVM)
	if !n.bn.Update() {
		t.Fatal("Update folded nothing after a training run")
	}
	mean, variance := n.bn.Running()
	if n.bn.Update() || n.bn.UpdateAverage() {
		t.Fatal("the same run was folded twice")
	}
	gotMean, gotVariance := n.bn.Running()
	closeTo(t, "running mean", gotMean, mean, 0)
	closeTo(t, "running variance", gotVariance, variance, 0)
}

// TestUpdateAverageIsPlainMean resets the statistics, folds K batches with
// UpdateAverage and compares with the plain means of the batch means and
// unbiased variances; it also interrupts the average with a State/SetState
// round trip into a second layer, which must continue it exactly.
func TestUpdateAverageIsPlainMean(t *testing.T) {
	shape := []int{3, 2, 3, 3}
	rng := rand.New(rand.NewPCG(32, 1))
	const k, checkpointAt = 5, 2
	a := newNet(t, shape, tensor.Float64, Options{}, rng)
	b := newNet(t, shape, tensor.Float64, Options{}, rng)
	data := batches(rng, k, shape)
	// Some moving-average history first, which ResetRunning must discard.
	setInput(a.x, data[0])
	run(t, a.trainVM)
	a.bn.Update()
	a.bn.ResetRunning()

	wantMean, wantVariance := make([]float64, shape[1]), make([]float64, shape[1])
	for j, x := range data {
		if j == checkpointAt {
			if err := b.bn.SetState(a.bn.State()); err != nil {
				t.Fatal(err)
			}
		}
		for _, n := range []*net{a, b} {
			if n == b && j < checkpointAt {
				continue
			}
			setInput(n.x, x)
			run(t, n.trainVM)
			if !n.bn.UpdateAverage() {
				t.Fatalf("UpdateAverage after training run %d folded nothing", j)
			}
		}
		mean, variance := unbiasedStatistics(x, shape)
		for c := range mean {
			wantMean[c] += mean[c] / k
			wantVariance[c] += variance[c] / k
		}
	}
	for _, n := range []*net{a, b} {
		mean, variance := n.bn.Running()
		closeTo(t, "running mean", mean, wantMean, 1e-12)
		closeTo(t, "running variance", variance, wantVariance, 1e-12)
		if n.bn.Count() != k {
			t.Fatalf("Count = %d after %d averaged batches", n.bn.Count(), k)
		}
	}
}

// TestRunsLeaveRunningStatistics runs a gradient machine, a loss-only
// machine and an evaluation machine in every order without Update: the
// running statistics stay exactly as set, and the evaluation output keeps
// using them (no mode switch resets anything).
func TestRunsLeaveRunningStatistics(t *testing.T) {
	for i, shape := range [][]int{{6, 4}, {2, 4, 3, 3}} {
		rng := rand.New(rand.NewPCG(33, uint64(i)))
		n := newNet(t, shape, tensor.Float64, Options{}, rng)
		loss, err := gradcheck.Project(n.train, rng)
		if err != nil {
			t.Fatal(err)
		}
		grads, err := G.Grad(loss, append(G.Nodes{n.x}, n.bn.Params()...)...)
		if err != nil {
			t.Fatal(err)
		}
		gradVM := machine(t, n.g, append(G.Nodes{loss}, grads...)...)
		lossVM := machine(t, n.g, loss)

		setMean := randomValues(rng, shape[1], 1, 1)
		setVariance := randomValues(rng, shape[1], 2, 0.5)
		if err := n.bn.SetRunning(setMean, setVariance); err != nil {
			t.Fatal(err)
		}
		xEval := randomValues(rng, tensor.Shape(shape).TotalSize(), 0, 3)
		setInput(n.xEval, xEval)
		wantEval := referenceTransform(xEval, shape, setMean, setVariance, n.gamma, n.beta, DefaultEps)
		for _, vm := range []G.VM{n.evVM, gradVM, n.evVM, lossVM, n.trainVM, n.evVM, gradVM} {
			setInput(n.x, randomValues(rng, tensor.Shape(shape).TotalSize(), 5, 2))
			run(t, vm)
			mean, variance := n.bn.Running()
			closeTo(t, "running mean", mean, setMean, 0)
			closeTo(t, "running variance", variance, setVariance, 0)
			if vm == n.evVM {
				closeTo(t, "evaluation y", values64(t, n.eval), wantEval, 1e-12)
			}
		}
	}
}

// TestStateRoundTrip restores State into a fresh layer and compares the
// statistics, the count and the evaluation output.
func TestStateRoundTrip(t *testing.T) {
	shape := []int{4, 3}
	rng := rand.New(rand.NewPCG(34, 1))
	a := newNet(t, shape, tensor.Float64, Options{}, rng)
	b := newNet(t, shape, tensor.Float64, Options{}, rng)
	setParams(b.bn, a.gamma, a.beta)
	for _, x := range batches(rng, 3, shape) {
		setInput(a.x, x)
		run(t, a.trainVM)
		a.bn.Update()
	}
	if err := b.bn.SetState(a.bn.State()); err != nil {
		t.Fatal(err)
	}
	meanA, varianceA := a.bn.Running()
	meanB, varianceB := b.bn.Running()
	closeTo(t, "running mean", meanB, meanA, 0)
	closeTo(t, "running variance", varianceB, varianceA, 0)
	if a.bn.Count() != 3 || b.bn.Count() != 3 {
		t.Fatalf("counts %d and %d, want 3", a.bn.Count(), b.bn.Count())
	}
	x := randomValues(rng, 12, 0, 1)
	setInput(a.xEval, x)
	setInput(b.xEval, x)
	run(t, a.evVM)
	run(t, b.evVM)
	closeTo(t, "evaluation y", values64(t, b.eval), values64(t, a.eval), 0)
}
