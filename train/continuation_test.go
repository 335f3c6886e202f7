package train

import (
	"context"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"deepopt/schedule"
	"deepopt/smooth"
)

// withContinuation smooths tr's objective with K antithetic pairs and
// anneals σ by sigma.
func withContinuation(t *testing.T, tr *Trainer, sigma schedule.Scalar, endAtTheta bool) *smooth.Gaussian {
	t.Helper()
	g := &smooth.Gaussian{Samples: 2, Antithetic: true, Seed: 11, EndAtTheta: endAtTheta}
	tr.Wrappers = append(tr.Wrappers, g)
	if err := (&Continuation{Smoothing: g, Sigma: sigma}).Attach(tr); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestContinuationResume: a run with σ annealed linearly to 0, interrupted
// and resumed, ends bit-identical to the uninterrupted run: parameters,
// metrics (sigma included) and BN running statistics.
func TestContinuationResume(t *testing.T) {
	testResume(t, func(tr *Trainer) {
		withContinuation(t, tr, schedule.Linear{From: 0.05, Steps: 80}, true)
	})
}

// TestContinuationZeroSigmaIsPlainRun: with σ = 0 at every step the
// smoothing passes J through, and the run is bit-identical to one without
// it; its sigma column shows 0.
func TestContinuationZeroSigmaIsPlainRun(t *testing.T) {
	plain := newTrainer(t, t.TempDir(), 60, 0.1)
	zero := newTrainer(t, t.TempDir(), 60, 0.1)
	withContinuation(t, zero, schedule.Linear{Steps: 1}, true)
	for _, tr := range []*Trainer{plain, zero} {
		if _, err := tr.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(plain.Theta(), zero.Theta()) {
		t.Fatal("σ = 0 ended with other parameters than the run without smoothing")
	}
	rp, rz := metricsRows(t, plain.Dir), metricsRows(t, zero.Dir)
	for i := range rz {
		cut := strings.LastIndex(rz[i], ",")
		if want := map[bool]string{true: ",sigma", false: ",0"}[i == 0]; rz[i][cut:] != want {
			t.Errorf("row %d ends %q, want %q", i, rz[i][cut:], want)
		}
		if rz[i][:cut] != rp[i] {
			t.Errorf("row %d: %q with σ = 0, %q without smoothing", i, rz[i][:cut], rp[i])
		}
	}
	compareBN(t, plain, zero, true)
}

// compareBN reports whether a's and b's BN running statistics are equal
// bit for bit, and fails when that is not what want says.
func compareBN(t *testing.T, a, b *Trainer, want bool) {
	t.Helper()
	sa, sb := a.Model.BNState(), b.Model.BNState()
	equal := len(sa) == len(sb)
	for k, v := range sa {
		equal = equal && slices.Equal(v, sb[k])
	}
	if equal != want {
		t.Fatalf("BN running statistics equal: %v, want %v", equal, want)
	}
}

// TestContinuationFoldsStatisticsAtTheta: the running statistics fold the
// batch statistics of θ itself, not those of a perturbed point. After one
// step from the same θ₀ on the same minibatch, a run smoothed at σ = 0.5
// has the running statistics of the unsmoothed run; without EndAtTheta it
// would fold those of θ₀ − σε_K, which differ.
func TestContinuationFoldsStatisticsAtTheta(t *testing.T) {
	run := func(sigma float64, endAtTheta bool) *Trainer {
		tr := newTrainer(t, "", 1, 0.1)
		if sigma > 0 {
			withContinuation(t, tr, schedule.Linear{From: sigma, To: sigma, Steps: 1}, endAtTheta)
		}
		if _, err := tr.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		return tr
	}
	plain := run(0, false)
	compareBN(t, plain, run(0.5, true), true)
	compareBN(t, plain, run(0.5, false), false)
}

// TestSmoothedGradientIsMeanOfPerturbed: the wrapper's gradient on the
// network is the mean of the 2K gradients at θ ± σε_k, with the ε_k drawn
// independently here by the documented rule (NormFloat64 of
// rand.NewPCG(Seed, draw), K vectors in turn).
func TestSmoothedGradientIsMeanOfPerturbed(t *testing.T) {
	tr := newTrainer(t, "", 1, 0.1)
	if err := tr.init(); err != nil {
		t.Fatal(err)
	}
	if err := tr.setBatch(tr.batch.Next(0), 0); err != nil {
		t.Fatal(err)
	}
	const sigma, samples, draw = 0.05, 3, 4
	g := &smooth.Gaussian{Sigma: sigma, Samples: samples, Antithetic: true, Seed: 9}
	g.Wrap(tr.training)
	g.SetDraw(draw)
	theta := tr.Model.Params(nil)
	n := len(theta)
	got := make([]float64, n)
	if _, err := g.Eval(theta, got); err != nil {
		t.Fatal(err)
	}
	want, gk, point, eps := make([]float64, n), make([]float64, n), make([]float64, n), make([]float64, n)
	rng := rand.New(rand.NewPCG(9, draw))
	for range samples {
		for i := range eps {
			eps[i] = rng.NormFloat64()
		}
		for _, sign := range []float64{1, -1} {
			for i := range point {
				point[i] = theta[i] + sign*sigma*eps[i]
			}
			if _, err := tr.Model.Eval(point, gk); err != nil {
				t.Fatal(err)
			}
			for i, d := range gk {
				want[i] += d / (2 * samples)
			}
		}
	}
	// Welford's running mean and the plain sum round differently; both are
	// within a few ulps of the mean of gradients of size ≈ 1.
	scale := 0.0
	for _, d := range want {
		scale = math.Max(scale, math.Abs(d))
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-12*scale {
			t.Fatalf("∂g/∂θ[%d] = %v, mean of the perturbed gradients %v", i, got[i], want[i])
		}
	}
	if slices.Equal(got, make([]float64, n)) {
		t.Fatal("zero gradient; the comparison would prove nothing")
	}
}

// TestContinuationRefuses: a smoothing outside the Wrappers, a held
// minibatch and a negative σ are refused with the fix.
func TestContinuationRefuses(t *testing.T) {
	tr := newTrainer(t, "", 1, 0.1)
	g := &smooth.Gaussian{Samples: 1}
	c := &Continuation{Smoothing: g, Sigma: schedule.Linear{From: 0.1, Steps: 5}}
	if err := c.Attach(tr); err == nil || !strings.Contains(err.Error(), "Wrappers") {
		t.Errorf("smoothing not wrapped: got %v", err)
	}
	tr.Wrappers, tr.HoldBatch = []ObjectiveWrapper{g}, 3
	if err := c.Attach(tr); err == nil || !strings.Contains(err.Error(), "HoldBatch 1") {
		t.Errorf("held minibatch: got %v", err)
	}
	tr.HoldBatch = 1
	c.Sigma = schedule.Linear{From: -0.1, Steps: 5}
	tr.Hooks = []Hook{c}
	if _, err := tr.Run(context.Background()); err == nil || !strings.Contains(err.Error(), "Sigma = -0.1") {
		t.Errorf("negative σ: got %v", err)
	}
}
