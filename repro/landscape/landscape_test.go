package landscape

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	probe "deepopt/landscape"
	"deepopt/repro"
)

// TestBNSmoothsTheLandscape trains the paper's two MNIST networks (full
// MNIST, configs/mnist-nobn.yaml and configs/mnist-bn.yaml, same learning rate
// and seed) for 1000 steps each, probes them at steps 250, 500, 750 and 1000
// on the same fixed 600-example probe set, and requires what Santurkar et al.
// report: with BN, the effective β-smoothness and the range of the gradient
// change along −∇L are smaller. Measured on this set-up (10 probes, steps
// 100–1000): BN/no-BN ratios of β 0.35–0.50 and of the gradient-change range
// 0.27–0.58; the bounds 0.7 and 0.75 leave a margin of about 0.2 for
// floating-point differences between machines. The report directory (CSVs,
// figures, report.md) is kept and its path logged.
func TestBNSmoothsTheLandscape(t *testing.T) {
	if testing.Short() {
		t.Skip("trains two MNIST networks for 1000 steps each")
	}
	dir, err := os.MkdirTemp("", "deepopt-landscape-")
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	rep, err := Run(context.Background(), Options{Dir: dir, BN: "../../configs/mnist-bn.yaml", NoBN: "../../configs/mnist-nobn.yaml",
		Steps: 1000, Every: 250, Batches: 10, Sets: []string{"train.eval_every=1000", "train.checkpoint_every=0"}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("landscape CSVs: %s, %s; report %s (%.1f s)", filepath.Join(dir, "nobn", probe.File),
		filepath.Join(dir, "bn", probe.File), filepath.Join(dir, repro.ReportFile), time.Since(start).Seconds())
	for _, f := range []string{"loss_landscape.png", "gradient_predictiveness.png", "beta_smoothness.png", "ics.png", "report.md"} {
		if _, err := os.Stat(filepath.Join(dir, f)); err != nil {
			t.Errorf("the report lacks %s: %v", f, err)
		}
	}
	ps := pairs(rep)
	if len(ps) != 4 {
		t.Fatalf("%d probed steps in common, want 4 (250, 500, 750, 1000)", len(ps))
	}
	for _, p := range ps {
		nobn, bn := p[0], p[1]
		width := func(r probe.Record) float64 { return r.GradChangeMax - r.GradChangeMin }
		t.Logf("step %4d: β %.3f (no BN) vs %.3f (BN); gradient-change range [%.4f, %.4f] vs [%.4f, %.4f]; loss range [%.4f, %.4f] vs [%.4f, %.4f]",
			nobn.Step, nobn.BetaSmoothness, bn.BetaSmoothness, nobn.GradChangeMin, nobn.GradChangeMax, bn.GradChangeMin, bn.GradChangeMax,
			nobn.LossMin, nobn.LossMax, bn.LossMin, bn.LossMax)
		if !(bn.BetaSmoothness < 0.7*nobn.BetaSmoothness) {
			t.Errorf("step %d: BN's effective β-smoothness %.3f is not below 0.7 × %.3f without BN", nobn.Step, bn.BetaSmoothness, nobn.BetaSmoothness)
		}
		if !(width(bn) < 0.75*width(nobn)) {
			t.Errorf("step %d: BN's gradient-change range %.4f is not below 0.75 × %.4f without BN", nobn.Step, width(bn), width(nobn))
		}
	}
}
