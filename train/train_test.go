package train

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
	"deepopt/model"
	"deepopt/optim"
	"deepopt/rundir"
	"deepopt/schedule"

	"gorgonia.org/tensor"
)

// fixture is the small real-MNIST subset checked into testdata.
func fixture(t testing.TB) (trainSet, testSet *data.Dataset) {
	t.Helper()
	trainSet, testSet, err := data.LoadMNIST("../testdata/mnist", nil)
	if err != nil {
		t.Fatal(err)
	}
	return trainSet, testSet
}

// newTrainer builds the paper's MLP (smaller hidden layers for speed) with
// BN and momentum SGD on the fixture.
func newTrainer(t testing.TB, dir string, steps int, lr float64) *Trainer {
	t.Helper()
	trainSet, testSet := fixture(t)
	m, err := model.New(model.Spec{Kind: "mlp", Input: []int{784}, Classes: 10, Hidden: []int{64, 32},
		Activation: "sigmoid", BatchNorm: true, Init: "gaussian", InitStd: 0.1, Dtype: tensor.Float32,
		BatchSize: 50, EvalBatch: 250, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	return &Trainer{Model: m, Optimizer: &optim.SGD{Momentum: 0.9}, LR: schedule.Constant{Rate: lr},
		Train: trainSet, Test: testSet, Seed: 3, Steps: steps, EvalEvery: 40, CheckpointEvery: 30, Dir: dir}
}

// metricsRows reads metrics.csv without the wall-clock column, which is the
// only one allowed to differ between identical runs.
func metricsRows(t *testing.T, dir string) []string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(dir, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	var rows []string
	for _, line := range strings.Split(strings.TrimSpace(string(text)), "\n") {
		f := strings.Split(line, ",")
		rows = append(rows, strings.Join(slices.Delete(f, 3, 4), ","))
	}
	return rows
}

func TestTrainingLowersLoss(t *testing.T) {
	tr := newTrainer(t, t.TempDir(), 200, 0.1)
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	// The loss starts at ln 10 ≈ 2.30 (uniform predictions). On 1000
	// examples, 10 epochs of momentum SGD bring the training loss well under
	// a quarter of that and the test accuracy far above chance (10%).
	if res.TrainLoss > 0.5 || res.Test.Accuracy < 0.8 {
		t.Fatalf("after %d steps: train loss %.3f (want < 0.5), test accuracy %.3f (want > 0.8)", res.Steps, res.TrainLoss, res.Test.Accuracy)
	}
	if res.Steps != 200 || res.BudgetSpent {
		t.Errorf("ended at step %d with BudgetSpent %v; want step 200, no budget", res.Steps, res.BudgetSpent)
	}
	rows := metricsRows(t, tr.Dir)
	if want := 1 + 5; len(rows) != want { // header + steps 40..200
		t.Fatalf("metrics.csv has %d lines, want %d:\n%s", len(rows), want, strings.Join(rows, "\n"))
	}
	t.Logf("train loss %.4f, test loss %.4f, test accuracy %.3f", res.TrainLoss, res.Test.Loss, res.Test.Accuracy)
}

func TestSameSeedSameRun(t *testing.T) {
	a, b := newTrainer(t, t.TempDir(), 60, 0.1), newTrainer(t, t.TempDir(), 60, 0.1)
	for _, tr := range []*Trainer{a, b} {
		if _, err := tr.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
	}
	if !slices.Equal(a.Theta(), b.Theta()) {
		t.Fatal("two runs with the same seeds ended with different parameters")
	}
	if ra, rb := metricsRows(t, a.Dir), metricsRows(t, b.Dir); !slices.Equal(ra, rb) {
		t.Fatalf("metrics differ:\n%v\n%v", ra, rb)
	}
}

// cancelAt cancels the run's context after a given step, as Ctrl-C would.
type cancelAt struct {
	step   int
	cancel context.CancelFunc
}

func (c cancelAt) Attach(t *Trainer) error {
	t.OnStep(PriorityDefault, c.afterStep)
	return nil
}

func (c cancelAt) afterStep(t *Trainer) error {
	if t.Step() == c.step {
		c.cancel()
	}
	return nil
}

// TestResumeMatchesUninterrupted interrupts a run between checkpoints and
// between metrics rows, resumes it from its checkpoint and compares with a
// run that was never interrupted: for momentum SGD, for SGD with Polyak
// averaging (metrics of the averaged weights with re-estimated BN
// statistics), and for CG on minibatches held for 3 steps (interrupted in
// the middle of a held batch, with the starting point remembered), with the
// running BN statistics and with re-estimated ones, and for L-BFGS that
// forgets its pairs at each new minibatch, and with input jitter and
// dropout, whose shifts and masks are redrawn from the step.
func TestResumeMatchesUninterrupted(t *testing.T) {
	variants := []struct {
		name  string
		setup func(*Trainer)
	}{
		{"momentum", func(*Trainer) {}},
		{"polyak", func(tr *Trainer) {
			tr.Optimizer = &optim.PolyakAverage{Inner: &optim.SGD{Momentum: 0.9}, Start: 20}
			tr.BNReestimate = 4
		}},
		{"cg held", func(tr *Trainer) { tr.Optimizer, tr.HoldBatch = &optim.CG{}, 3 }},
		{"cg held, BN re-estimated", func(tr *Trainer) {
			tr.Optimizer, tr.HoldBatch, tr.ReestimateBN, tr.BNReestimate = &optim.CG{}, 3, true, 4
		}},
		{"lbfgs held, reset on new batch", func(tr *Trainer) {
			tr.Optimizer, tr.HoldBatch, tr.ResetOnNewBatch = &optim.LBFGS{}, 3, true
		}},
		{"dropout and jitter", func(tr *Trainer) {
			tr.Model, tr.Jitter = withDropout(t, tr.Model), 2
		}},
		{"dropout and jitter, cg held", func(tr *Trainer) {
			tr.Model, tr.Jitter, tr.Optimizer, tr.HoldBatch = withDropout(t, tr.Model), 2, &optim.CG{}, 3
		}},
		{"frozen fc1 and bn1, lbfgs held", func(tr *Trainer) {
			freeze(t, tr)
			tr.Optimizer, tr.HoldBatch = &optim.LBFGS{}, 3
		}},
		{"frozen fc1 and bn1, polyak", func(tr *Trainer) {
			freeze(t, tr)
			tr.Optimizer, tr.BNReestimate = &optim.PolyakAverage{Inner: &optim.SGD{Momentum: 0.9}, Start: 20}, 4
		}},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) { testResume(t, v.setup) })
	}
}

// withDropout rebuilds m with input dropout 0.2 and hidden dropout 0.5.
func withDropout(t *testing.T, m *model.Model) *model.Model {
	spec := m.Spec()
	spec.InputDropout, spec.Dropout = 0.2, 0.5
	d, err := model.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

func testResume(t *testing.T, setup func(*Trainer)) {
	build := func(dir string) *Trainer {
		tr := newTrainer(t, dir, 100, 0.1)
		setup(tr)
		return tr
	}
	whole := build(t.TempDir())
	if _, err := whole.Run(context.Background()); err != nil {
		t.Fatal(err)
	}

	dir := t.TempDir()
	first := build(dir)
	ctx, cancel := context.WithCancel(context.Background())
	first.Hooks = []Hook{cancelAt{step: 53, cancel: cancel}}
	if _, err := first.Run(ctx); !errors.Is(err, ErrInterrupted) {
		t.Fatalf("want ErrInterrupted, got %v", err)
	}
	// A crash after the interrupt's checkpoint may have left a later row:
	// resume must drop rows past the checkpoint's step.
	f, err := os.OpenFile(filepath.Join(dir, "metrics.csv"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.WriteString("80,1,2,3,4,5,6,7,8,9,10,11,12,13\n81,partial")
	f.Close()

	a, err := checkpoint.Load(filepath.Join(dir, rundir.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	second := build(dir)
	if err := second.Restore(a); err != nil {
		t.Fatal(err)
	}
	if second.Step() != 53 {
		t.Fatalf("restored step %d, want 53", second.Step())
	}
	if _, err := second.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(whole.Theta(), second.Theta()) || !slices.Equal(whole.Weights(), second.Weights()) {
		t.Fatal("resumed run ended with other parameters than the uninterrupted one")
	}
	if rw, rs := metricsRows(t, whole.Dir), metricsRows(t, dir); !slices.Equal(rw, rs) {
		t.Fatalf("metrics differ:\nuninterrupted %v\nresumed       %v", rw, rs)
	}
	bw, bs := whole.Model.BNState(), second.Model.BNState()
	for k, v := range bw {
		if !slices.Equal(v, bs[k]) {
			t.Fatalf("resumed run ended with other BN running statistics (%s)", k)
		}
	}
}

func TestNonFiniteLossStopsWithAdvice(t *testing.T) {
	dir := t.TempDir()
	// A rate of 1e40 pushes the float64 parameters past float32's range, so
	// the next forward pass on the float32 graph overflows.
	tr := newTrainer(t, dir, 200, 1e40)
	tr.Optimizer = &optim.SGD{}
	tr.CheckpointEvery = 1
	_, err := tr.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "lower the learning rate") {
		t.Fatalf("want a non-finite error with advice, got %v", err)
	}
	t.Log(err)
	if tr.Step() >= 200 {
		t.Fatal("the run did not stop early")
	}
	// Checkpoints written before the failure are intact and finite; the
	// weights of step 1 at this rate are already diverged, so none may be,
	// and then the message says so.
	if _, serr := os.Stat(filepath.Join(dir, rundir.CheckpointFile)); os.IsNotExist(serr) {
		if !strings.Contains(err.Error(), "no checkpoint was written yet") {
			t.Fatalf("no checkpoint exists, and the message does not say so: %v", err)
		}
	} else {
		a, err := checkpoint.Load(filepath.Join(dir, rundir.CheckpointFile))
		if err != nil {
			t.Fatal(err)
		}
		_, w, err := a.Float64("param/fc1.W")
		if err != nil {
			t.Fatal(err)
		}
		for _, v := range w {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				t.Fatal("the checkpoint holds non-finite parameters")
			}
		}
	}
}

// TestRestoreReadsCheckpointsWithoutSearchFailures restores a checkpoint
// whose window holds the three counters written before ls_failures (as
// 0 failures), and refuses any other count.
func TestRestoreReadsCheckpointsWithoutSearchFailures(t *testing.T) {
	dir := t.TempDir()
	tr := newTrainer(t, dir, 10, 0.1)
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	a, err := checkpoint.Load(filepath.Join(dir, rundir.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	const keyWindowInt = "loop/window_counts"
	_, counts, err := a.Int64(keyWindowInt)
	if err != nil || len(counts) != 4 {
		t.Fatalf("window counts %v, err %v", counts, err)
	}
	a.SetInt64(keyWindowInt, []int{3}, counts[:3])
	old := newTrainer(t, "", 10, 0.1)
	if err := old.Restore(a); err != nil || old.Step() != 10 || old.window.SearchFailures != 0 {
		t.Errorf("three counters: Restore = %v at step %d with %d failures; want step 10, 0 failures", err, old.Step(), old.window.SearchFailures)
	}
	a.SetInt64(keyWindowInt, []int{2}, counts[:2])
	if err := newTrainer(t, "", 10, 0.1).Restore(a); err == nil || !strings.Contains(err.Error(), "want 4") {
		t.Errorf("two counters: Restore = %v, want a refusal", err)
	}
}

// TestRunRefusesNoSteps: a run of 0 steps is refused by CheckSteps' message
// before anything is written.
func TestRunRefusesNoSteps(t *testing.T) {
	dir := t.TempDir()
	tr := newTrainer(t, dir, 0, 0.1)
	_, err := tr.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "train: Trainer.Steps = 0; want an integer ≥ 1 (the number of steps)") {
		t.Fatalf("Run of 0 steps: %v", err)
	}
	if files, _ := os.ReadDir(dir); len(files) != 0 {
		t.Errorf("the refused run wrote %d files", len(files))
	}
}
