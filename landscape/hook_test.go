package landscape

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"deepopt/checkpoint"
	"deepopt/data"
	"deepopt/internal/traintest"
	"deepopt/model"
	"deepopt/optim"
	"deepopt/rundir"
	"deepopt/schedule"
	"deepopt/train"

	"gorgonia.org/tensor"
)

// newTrainer builds a small BN network with momentum SGD on the checked-in
// MNIST fixture (1000 training examples).
func newTrainer(t testing.TB, dir string, steps int) *train.Trainer {
	t.Helper()
	trainSet, testSet, err := data.LoadMNIST("../testdata/mnist", nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(model.Spec{Kind: "mlp", Input: []int{784}, Classes: 10, Hidden: []int{32, 16},
		Activation: "sigmoid", BatchNorm: true, Init: "gaussian", InitStd: 0.1, Dtype: tensor.Float32,
		BatchSize: 20, EvalBatch: 250, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	return &train.Trainer{Model: m, Optimizer: &optim.SGD{Momentum: 0.9}, LR: schedule.Constant{Rate: 0.1},
		Train: trainSet, Test: testSet, Seed: 3, Steps: steps, EvalEvery: 10, CheckpointEvery: 25, Dir: dir}
}

// fileWithoutWallTime reads a run's CSV, dropping the wall-clock column of
// metrics.csv (the only one allowed to differ between identical runs).
func fileWithoutWallTime(t *testing.T, path string) string {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	if filepath.Base(path) != "metrics.csv" {
		return string(text)
	}
	var rows []string
	for _, line := range strings.Split(strings.TrimSpace(string(text)), "\n") {
		f := strings.Split(line, ",")
		rows = append(rows, strings.Join(slices.Delete(f, 3, 4), ","))
	}
	return strings.Join(rows, "\n")
}

// TestProbedRunIsBitIdentical trains the same run with and without probes, on
// the fixed probe set and on the step's own minibatch, and requires the same
// metrics (wall time aside), parameters, BN running statistics and optimizer
// state, bit for bit.
func TestProbedRunIsBitIdentical(t *testing.T) {
	plain := newTrainer(t, t.TempDir(), 60)
	if _, err := plain.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	set, err := ProbeSet(plain.Train.Len(), 20, 2, 1)
	if err != nil {
		t.Fatal(err)
	}
	for name, examples := range map[string][]int{"fixed": set, "train": nil} {
		probed := newTrainer(t, t.TempDir(), 60)
		hook := &Hook{Every: 7, Examples: examples}
		probed.Hooks = []train.Hook{hook}
		if _, err := probed.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		if a, b := fileWithoutWallTime(t, filepath.Join(plain.Dir, "metrics.csv")), fileWithoutWallTime(t, filepath.Join(probed.Dir, "metrics.csv")); a != b {
			t.Errorf("%s: metrics differ:\nplain\n%s\nprobed\n%s", name, a, b)
		}
		if !slices.Equal(plain.Theta(), probed.Theta()) {
			t.Errorf("%s: the probed run ended with other parameters", name)
		}
		for k, v := range plain.Model.BNState() {
			if !slices.Equal(v, probed.Model.BNState()[k]) {
				t.Errorf("%s: BN statistic %s differs", name, k)
			}
		}
		for k, v := range plain.Optimizer.State() {
			if !slices.Equal(v, probed.Optimizer.State()[k]) {
				t.Errorf("%s: optimizer state %s differs", name, k)
			}
		}
		// Probes at 7, 14, …, 56 and at the last step, 60.
		if len(hook.Records) != 9 || hook.Records[8].Step != 60 {
			t.Fatalf("%s: %d records, want 9 ending at step 60", name, len(hook.Records))
		}
		read, err := ReadCSV(filepath.Join(probed.Dir, File))
		if err != nil {
			t.Fatal(err)
		}
		for i, r := range read {
			want := hook.Records[i]
			// The file keeps 10 significant digits.
			if r.Step != want.Step || math.Abs(r.LossMax-want.LossMax) > 1e-9*want.LossMax ||
				math.Abs(r.BetaSmoothness-want.BetaSmoothness) > 1e-9*want.BetaSmoothness ||
				len(r.ICS) != 3 || r.ICS[2].Layer != "out" || len(r.Losses) != 8 || r.Etas[7] != 0.4 {
				t.Fatalf("%s: landscape.csv row %d reads back as %+v, want %+v", name, i, r, want)
			}
		}
	}
}

// TestHookResume interrupts a probed run between checkpoints, leaves a stale
// row past the checkpoint in landscape.csv, resumes, and requires the file of
// an uninterrupted run byte for byte.
func TestHookResume(t *testing.T) {
	set, err := ProbeSet(1000, 20, 1, 1)
	if err != nil {
		t.Fatal(err)
	}
	whole := newTrainer(t, t.TempDir(), 60)
	whole.Hooks = []train.Hook{&Hook{Every: 10, Examples: set}}
	if _, err := whole.Run(context.Background()); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	first := newTrainer(t, dir, 60)
	ctx, cancel := context.WithCancel(context.Background())
	first.Hooks = []train.Hook{&Hook{Every: 10, Examples: set}, traintest.CancelAt{Step: 33, Cancel: cancel}}
	if _, err := first.Run(ctx); !errors.Is(err, train.ErrInterrupted) {
		t.Fatalf("want ErrInterrupted, got %v", err)
	}
	f, err := os.OpenFile(filepath.Join(dir, File), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("40,1,2,3,4,5,6,7,8\n50,par")
	f.Close()

	a, err := checkpoint.Load(filepath.Join(dir, rundir.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	second := newTrainer(t, dir, 60)
	second.Hooks = []train.Hook{&Hook{Every: 10, Examples: set}}
	if err := second.Restore(a); err != nil {
		t.Fatal(err)
	}
	if _, err := second.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if w, s := fileWithoutWallTime(t, filepath.Join(whole.Dir, File)), fileWithoutWallTime(t, filepath.Join(dir, File)); w != s {
		t.Fatalf("landscape.csv differs:\nuninterrupted\n%s\nresumed\n%s", w, s)
	}
}

// TestProbeSetObjectiveIsTheMean checks the objective over several probe
// batches against separate evaluations of each batch: the loss and the
// gradient are their means.
func TestProbeSetObjectiveIsTheMean(t *testing.T) {
	tr := newTrainer(t, "", 1)
	m := tr.Model
	h0 := &Hook{}
	if _, err := h0.Measure(tr); err == nil || !strings.Contains(err.Error(), "no parameters yet") {
		t.Fatalf("probing a trainer that never started gave %v", err)
	}
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	set, err := ProbeSet(tr.Train.Len(), 20, 2, 5)
	if err != nil {
		t.Fatal(err)
	}
	h := &Hook{Examples: set}
	if err := h.gather(tr); err != nil {
		t.Fatal(err)
	}
	theta := m.Params(nil)
	obj := &batchesObjective{m: m, xs: h.xs, ys: h.ys}
	g := make([]float64, m.Dim())
	loss, err := obj.Eval(theta, g)
	if err != nil {
		t.Fatal(err)
	}
	var want float64
	wantG := make([]float64, m.Dim())
	gb := make([]float64, m.Dim())
	for i := range h.xs {
		m.SetBatch(h.xs[i], h.ys[i])
		l, _ := m.Eval(theta, gb)
		want += l / 2
		for j := range gb {
			wantG[j] += gb[j] / 2
		}
	}
	if math.Abs(loss-want) > 1e-12 {
		t.Fatalf("loss %v, want the mean %v", loss, want)
	}
	for j := range g {
		if math.Abs(g[j]-wantG[j]) > 1e-12 {
			t.Fatalf("gradient[%d] %v, want the mean %v", j, g[j], wantG[j])
		}
	}
	// Measure puts the model's minibatch and parameters back.
	x, y := make([]float64, len(h.xs[0])), make([]int, 20)
	for i := range y {
		x[i*784+i] = 1
		y[i] = i % 10
	}
	m.SetBatch(x, y)
	if _, err := h.Measure(tr); err != nil {
		t.Fatal(err)
	}
	gx, gy := make([]float64, len(x)), make([]int, len(y))
	m.Batch(gx, gy)
	if !slices.Equal(gx, x) || !slices.Equal(gy, y) || !slices.Equal(m.Params(nil), theta) {
		t.Fatal("Measure left another minibatch or other parameters in the model")
	}
	if _, err := ProbeSet(100, 60, 2, 1); err == nil || !strings.Contains(err.Error(), "needs 120 examples") {
		t.Fatalf("an oversized probe set gave %v", err)
	}
}
