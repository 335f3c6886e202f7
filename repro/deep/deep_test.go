package deep

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"deepopt/repro"
)

// TestRunWritesReport runs the whole study on the fixture with six narrow
// layers and budgets of a few steps, two seeds: every file is written, the
// tuned rate is one of the sweep's, every arm has an accuracy at every
// budget, the gradient norms cover every network layer at every recorded
// step, and a second run reuses what the first trained.
func TestRunWritesReport(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, Config: "../../configs/mnist-deep-sigmoid-dsn.yaml", CNN: "../../configs/mnist-cnn-dsn.yaml", Source: "../../configs/mnist-bn.yaml",
		Sets: []string{"data.dir=../../testdata/mnist", "train.batch_size=50", "train.eval_batch=250", "model.hidden=[8, 8, 8, 8, 8, 8]",
			"model.aux_heads=[{at: act2}, {at: act4}]"},
		Seeds: []int{1, 2}, CNNSeeds: []int{1, 2}, Budgets: []int{6, 12}, LRs: []float64{0.5, 2}, TuneSteps: 6, TuneValidation: 200,
		GradSteps: 5, CNNSteps: 2, SourceSteps: 6, TargetSteps: 4, PerClass: 10, Parallel: 2}
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{repro.ReportFile, AccuracyPNG, AccuracyCSV, GradPlainPNG, GradDSNPNG, GradCSV, OutcomesCSV} {
		if info, err := os.Stat(filepath.Join(dir, file)); err != nil || info.Size() == 0 {
			t.Errorf("%s: %v", file, err)
		}
	}
	if rep.LR != 0.5 && rep.LR != 2 {
		t.Errorf("tuned rate %v is none of the sweep's", rep.LR)
	}
	for _, arm := range Arms {
		b := rep.Accuracy[arm]
		if len(b.Runs) != 2 || len(b.X) != 2 || b.X[1] != 12*50 {
			t.Fatalf("%s: %d runs at %v examples, want 2 at 300 and 600", arm, len(b.Runs), b.X)
		}
		if math.IsNaN(b.Mean[1]) {
			t.Errorf("%s has no accuracy at the last budget", arm)
		}
	}
	for _, arm := range []string{Plain, DSN} {
		g := rep.Grad[arm]
		if len(g.Layers) != 7 || len(g.Norms[0]) != 5 || g.Layers[0] != "fc1" || g.Layers[6] != "out" {
			t.Errorf("%s: gradient norms of %v over %d steps, want fc1 … fc6, out over 5", arm, g.Layers, len(g.Norms[0]))
		}
	}
	for name, s := range map[string]repro.Spread{"cnn": rep.CNN[DSN], "frozen": rep.Transfer[Frozen], "scratch": rep.Transfer[Scratch]} {
		if s.N != 2 || !(s.Mean >= 0 && s.Mean <= 1) {
			t.Errorf("%s: %+v, want two accuracies", name, s)
		}
	}
	if _, err := Run(context.Background(), o); err != nil {
		t.Fatalf("a second run over the finished study: %v", err)
	}
}
