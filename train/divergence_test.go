package train

import (
	"context"
	"fmt"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"deepopt/checkpoint"
	"deepopt/optim"
	"deepopt/rundir"
)

// rateJump is a learning rate that jumps from before to after at step at.
type rateJump struct {
	before, after float64
	at            int
}

func (r rateJump) At(step int) float64 {
	if step < r.at {
		return r.before
	}
	return r.after
}

// A learning rate far too large (1e6 to 1e300, reached at step 45 after a
// checkpoint at step 30) stops the run within a few steps, naming the step
// and the rate; the checkpoint of step 30 is not overwritten by the
// diverged weights, and the message says it is intact.
func TestDivergenceStopsTheRunAndKeepsTheCheckpoint(t *testing.T) {
	for _, lr := range []float64{1e6, 1e300} {
		dir := t.TempDir()
		tr := newTrainer(t, dir, 200, 0.1)
		tr.Optimizer = &optim.SGD{}
		tr.CheckpointEvery, tr.EvalEvery = 30, 200
		tr.LR = rateJump{before: 0.1, after: lr, at: 45}
		_, err := tr.Run(context.Background())
		if err == nil {
			t.Fatalf("lr %g: the run did not stop", lr)
		}
		for _, want := range []string{"the run diverged", "the checkpoint of step 30, " + filepath.Join(dir, rundir.CheckpointFile) + ", is intact",
			fmt.Sprintf("lower the learning rate (schedule.lr; %g at this step)", lr)} {
			if !strings.Contains(err.Error(), want) {
				t.Errorf("lr %g: error %v\nwant one containing %q", lr, err, want)
			}
		}
		if tr.Step() < 45 || tr.Step() > 50 {
			t.Errorf("lr %g: stopped after step %d, want within a few steps of 45", lr, tr.Step())
		}
		a, err := checkpoint.Load(filepath.Join(dir, rundir.CheckpointFile))
		if err != nil {
			t.Fatal(err)
		}
		if _, step, _ := a.Int64("loop/step"); step[0] != 30 {
			t.Errorf("lr %g: the checkpoint is of step %d, want 30", lr, step[0])
		}
	}
}

// With no checkpoint written yet, the message says so (no "intact"
// checkpoint that does not exist); float32's range overflows at lr 1e38.
func TestDivergenceBeforeTheFirstCheckpoint(t *testing.T) {
	dir := t.TempDir()
	tr := newTrainer(t, dir, 200, 1e38)
	tr.Optimizer = &optim.SGD{}
	_, err := tr.Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), "no checkpoint was written yet (the diverged weights were not saved)") || strings.Contains(err.Error(), "intact") {
		t.Fatalf("error %v, want one saying no checkpoint was written", err)
	}
	if tr.Step() >= 30 {
		t.Errorf("stopped after step %d, before the first checkpoint (30) was due", tr.Step())
	}
}

// The guard is configurable: a factor sets the limit, and a negative one
// turns the growth check off, so that a run whose loss grows that much goes
// on.
func TestDivergenceFactor(t *testing.T) {
	build := func(factor float64) *Trainer {
		tr := newTrainer(t, "", 60, 0.1)
		tr.Optimizer = &optim.SGD{}
		tr.LR = rateJump{before: 0.1, after: 50, at: 20}
		tr.DivergenceFactor = factor
		return tr
	}
	if _, err := build(2).Run(context.Background()); err == nil || !strings.Contains(err.Error(), "times its value at the run's first step") ||
		!strings.Contains(err.Error(), "beyond the divergence factor 2") {
		t.Fatalf("factor 2: %v", err)
	}
	if res, err := build(-1).Run(context.Background()); err != nil || res.Steps != 60 {
		t.Fatalf("guard off: %d steps, %v", res.Steps, err)
	}
	if limit := (&Trainer{DivergenceFactor: 3, firstLoss: -2}).divergenceLimit(); limit != 6 {
		t.Errorf("limit %v, want 3 × |−2| = 6", limit)
	}
	if limit := (&Trainer{firstLoss: math.NaN()}).divergenceLimit(); !math.IsInf(limit, 1) {
		t.Errorf("limit before the first step %v, want +Inf", limit)
	}
}
