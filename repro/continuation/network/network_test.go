package network

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"deepopt/repro"
	"deepopt/rundir"
)

// TestRunWritesReport runs the study for 20 steps of a small sigmoid
// network on the fixture, two seeds: every file is written with a row per
// arm and seed, the continuation runs' σ falls from its start to 0 by
// continuation.steps, and the plain runs train without continuation (no σ
// column).
func TestRunWritesReport(t *testing.T) {
	dir := t.TempDir()
	rep, err := Run(context.Background(), Options{Dir: dir, Config: "../../../configs/continuation-deep-sigmoid.yaml", Seeds: []int{1, 2}, Parallel: 2,
		Sets: []string{"data.dir=../../../testdata/mnist", "model.hidden=[8, 8]", "train.steps=20", "train.eval_every=5", "train.batch_size=50",
			"train.eval_batch=250", "train.checkpoint_every=0", "continuation.steps=10"}})
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{repro.ReportFile, OutcomesCSV, AccuracyPNG, LossPNG} {
		if info, err := os.Stat(filepath.Join(dir, file)); err != nil || info.Size() == 0 {
			t.Errorf("%s: %v", file, err)
		}
	}
	table, err := rundir.ReadCSV(filepath.Join(dir, OutcomesCSV))
	if err != nil {
		t.Fatal(err)
	}
	if len(table.Rows) != 4 {
		t.Errorf("%s has %d rows, want 4", OutcomesCSV, len(table.Rows))
	}
	for _, arm := range Arms {
		if b := rep.Accuracy[arm]; len(b.Runs) != 2 || len(b.X) != 4 || b.X[3] != 20 {
			t.Errorf("%s: %d runs evaluated at %v, want 2 at 5, 10, 15, 20", arm, len(b.Runs), b.X)
		}
		for _, seed := range []int{1, 2} {
			cols, err := repro.Column(filepath.Join(dir, repro.SeedName(arm, seed)), "step", "sigma")
			if arm == Plain {
				if err == nil {
					t.Errorf("%s seed %d has a sigma column: it trained with continuation", arm, seed)
				}
				continue
			}
			if err != nil {
				t.Fatal(err)
			}
			for i, step := range cols[0] {
				sigma := cols[1][i]
				switch {
				case arm == Continuation && step <= 5 && !(sigma > 0):
					t.Errorf("%s seed %d: σ = %v at step %v, want > 0 before continuation.steps", arm, seed, sigma, step)
				case arm == Continuation && step > 10 && sigma != 0:
					t.Errorf("%s seed %d: σ = %v at step %v, want 0 after continuation.steps", arm, seed, sigma, step)
				}
			}
		}
	}
	report, _ := os.ReadFile(filepath.Join(dir, repro.ReportFile))
	if !strings.Contains(string(report), "continuation (σ 0.1 → 0 by step 10, linear)") {
		t.Errorf("report.md does not describe the continuation arm:\n%s", report)
	}
}

func TestRunRefusesBadOptions(t *testing.T) {
	if _, err := Run(context.Background(), Options{}); err == nil || !strings.Contains(err.Error(), "set --out") {
		t.Errorf("no directory: error %v", err)
	}
	_, err := Run(context.Background(), Options{Dir: t.TempDir(), Config: "../../../configs/continuation-deep-sigmoid.yaml", Sets: []string{"continuation.sigma=0"}})
	if err == nil || !strings.Contains(err.Error(), "sigma > 0") {
		t.Errorf("a config without continuation: error %v", err)
	}
}
