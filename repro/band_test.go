package repro

import (
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"deepopt/rundir"
	"deepopt/stage"
)

// writeMetrics writes a metrics.csv of rows {step, test_acc} into a new run
// directory and returns the directory.
func writeMetrics(t *testing.T, steps []int, accs []float64) string {
	t.Helper()
	dir := t.TempDir()
	var b strings.Builder
	b.WriteString(strings.Join(rundir.Columns, ",") + "\n")
	for i, s := range steps {
		b.WriteString(strings.Join(rundir.Row{Step: s, TestAcc: accs[i], WallSeconds: float64(s) / 10}.Fields(), ",") + "\n")
	}
	if err := os.WriteFile(filepath.Join(dir, rundir.MetricsFile), []byte(b.String()), 0o644); err != nil {
		t.Fatal(err)
	}
	return dir
}

// TestFoldSeeds folds three runs worked out by hand: at step 100 the
// accuracies are 0.5, 0.6, 0.7 (mean 0.6), at 200 they are 0.9, 0.8, 0.95.
func TestFoldSeeds(t *testing.T) {
	steps := []int{100, 200}
	dirs := []string{
		writeMetrics(t, steps, []float64{0.5, 0.9}),
		writeMetrics(t, steps, []float64{0.6, 0.8}),
		writeMetrics(t, steps, []float64{0.7, 0.95}),
	}
	b, err := Fold(dirs, "step", "test_acc")
	if err != nil {
		t.Fatal(err)
	}
	near := func(a, b []float64) bool {
		return slices.EqualFunc(a, b, func(x, y float64) bool { return x-y < 1e-12 && y-x < 1e-12 })
	}
	if !near(b.X, []float64{100, 200}) || !near(b.Mean, []float64{0.6, 2.65 / 3}) ||
		!near(b.Min, []float64{0.5, 0.8}) || !near(b.Max, []float64{0.7, 0.95}) {
		t.Errorf("band %+v; want x 100, 200, mean 0.6, 0.8833, min 0.5, 0.8, max 0.7, 0.95", b)
	}
	if got := b.Reach(0.85); !slices.Equal(got, []float64{200, -1, 200}) {
		t.Errorf("steps to 85%%: %v, want [200 -1 200]", got)
	}
	if b.At(150) != 0 || b.At(200) != 1 || b.At(99) != -1 {
		t.Errorf("At(150), At(200), At(99) = %d, %d, %d; want 0, 1, -1", b.At(150), b.At(200), b.At(99))
	}
	if s := b.Series("x"); s.Low == nil || s.High == nil {
		t.Error("a band of three runs draws without its min–max shading")
	}
	if s := b.Scaled(100); s.Mean[0] != 60 || s.Runs[2][1] != 95 {
		t.Errorf("scaled by 100: mean %v, runs %v", s.Mean, s.Runs)
	}
	other := writeMetrics(t, []int{100, 300}, []float64{0.5, 0.9})
	if _, err := Fold([]string{dirs[0], other}, "step", "test_acc"); err == nil || !strings.Contains(err.Error(), "share train.steps") {
		t.Errorf("runs at other steps: want a refusal naming train.steps, got %v", err)
	}
	if _, err := Fold(dirs, "step", "tst_acc"); err == nil || !strings.Contains(err.Error(), `no column "tst_acc"`) {
		t.Errorf("a missing column: want an error naming it, got %v", err)
	}
}

func TestCommandLineQuotes(t *testing.T) {
	got := CommandLine("go run ./cmd/train", []string{"repro-bn", "--seeds", "1 2 3", "--set", "probe.etas=[0.1, 1]", "--out", "runs/it's", ""})
	want := `go run ./cmd/train repro-bn --seeds '1 2 3' --set 'probe.etas=[0.1, 1]' --out 'runs/it'\''s' ''`
	if got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// TestWallSeconds takes a run's last wall_s, and for a run of stages, whose
// stages each count their own from 0, the sum of every stage's last:
// 1.5 + 2.25 s.
func TestWallSeconds(t *testing.T) {
	if s, err := wallSeconds(writeMetrics(t, []int{100, 200}, []float64{0.5, 0.9})); err != nil || s != 20 {
		t.Errorf("a run to step 200 at 0.1 s per step: %v s, %v; want 20", s, err)
	}
	dir := t.TempDir()
	files := map[string]string{
		rundir.ConfigFile: "data: {dir: ../testdata/mnist}\nmodel: {hidden: [16, 8]}\npretrain: {steps_per_layer: 4}\n",
		stage.ViewFile:    "stage,stage_name,run_step,step,wall_s\n1,layer1,2,2,0.5\n1,layer1,4,4,1.5\n2,layer2,6,2,1\n2,layer2,8,4,2.25\n",
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if s, err := wallSeconds(dir); err != nil || s != 3.75 {
		t.Errorf("a run of two stages: %v s, %v; want 3.75", s, err)
	}
}
