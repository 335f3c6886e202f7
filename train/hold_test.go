package train

import (
	"context"
	"math"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"deepopt/data"
	"deepopt/model"
	"deepopt/optim"
	"deepopt/rundir"
)

// recordingOptimizer wraps an Optimizer, recording θ_t at the start of each
// Step and every evaluation the wrapped method makes, to check the loop's
// BN statistics and counters against an independent replay.
type recordingOptimizer struct {
	optim.Optimizer
	starts [][]float64
	// calls counts the method's own evaluations; endsAt[t] is the point
	// and kind of its last evaluation in step t.
	calls  int
	endsAt []evalAt
}

type evalAt struct {
	theta    []float64
	withGrad bool
}

func (r *recordingOptimizer) Step(obj optim.Objective, theta []float64, loss float64, grad []float64, lr float64) (optim.Info, error) {
	r.starts = append(r.starts, slices.Clone(theta))
	rec := &recordingObjective{Objective: obj, owner: r}
	r.endsAt = append(r.endsAt, evalAt{})
	return r.Optimizer.Step(rec, theta, loss, grad, lr)
}

type recordingObjective struct {
	optim.Objective
	owner *recordingOptimizer
}

func (o *recordingObjective) Eval(theta, grad []float64) (float64, error) {
	o.owner.calls++
	o.owner.endsAt[len(o.owner.endsAt)-1] = evalAt{slices.Clone(theta), grad != nil}
	return o.Objective.Eval(theta, grad)
}

// probeElsewhere runs the training path at another point after every step,
// as a probe hook might: its batch statistics must never be folded.
type probeElsewhere struct{}

func (h probeElsewhere) Attach(t *Trainer) error {
	t.OnStep(PriorityDefault, h.afterStep)
	return nil
}

func (probeElsewhere) afterStep(t *Trainer) error {
	theta := slices.Clone(t.Theta())
	for i := range theta {
		theta[i] *= 1.5
	}
	_, err := t.Model.Eval(theta, nil)
	return err
}

// TestHeldBatchFoldsStartingPoints trains with CG on minibatches held for 3
// steps, with a hook that runs the training path elsewhere after each step.
// An independent replay on a second model evaluates each θ_t freshly on its
// batch and folds that run: the running statistics must agree. The run's
// evaluation counters must count real evaluations: the loop's one per step
// plus the method's, minus the starting points the last line search had
// already evaluated with their gradient on the same batch.
func TestHeldBatchFoldsStartingPoints(t *testing.T) {
	const steps, hold = 12, 3
	tr := newTrainer(t, "", steps, 0.1)
	rec := &recordingOptimizer{Optimizer: &optim.CG{}}
	tr.Optimizer, tr.HoldBatch, tr.EvalEvery = rec, hold, steps
	tr.Hooks = []Hook{probeElsewhere{}}
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}

	replay, err := model.New(tr.Model.Spec())
	if err != nil {
		t.Fatal(err)
	}
	batcher, err := data.NewBatcher(tr.Train.Len(), replay.Spec().BatchSize, tr.Seed)
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, replay.Spec().BatchSize*tr.Train.Dim())
	y := make([]int, replay.Spec().BatchSize)
	hits := 0
	for step, theta := range rec.starts {
		if step%hold == 0 {
			if err := tr.Train.Gather(batcher.Next(step), x, y); err != nil {
				t.Fatal(err)
			}
			if err := replay.SetBatch(x, y); err != nil {
				t.Fatal(err)
			}
		} else if last := rec.endsAt[step-1]; last.withGrad && slices.Equal(last.theta, theta) {
			hits++
		}
		if _, err := replay.Eval(theta, make([]float64, replay.Dim())); err != nil {
			t.Fatal(err)
		}
		replay.CommitBatchStats()
	}
	want, got := replay.BNState(), tr.Model.BNState()
	for k, w := range want {
		for i := range w {
			if math.Abs(got[k][i]-w[i]) > 1e-12*(1+math.Abs(w[i])) {
				t.Fatalf("%s[%d] = %v, the replay of fresh evaluations at each θ_t gives %v", k, i, got[k][i], w[i])
			}
		}
	}
	if hits == 0 {
		t.Fatal("no starting point was served from memory; the test does not exercise the Memo")
	}
	if wantEvals := steps + rec.calls - hits; res.FuncEvals != wantEvals || res.GradEvals > res.FuncEvals {
		t.Errorf("func_evals %d, grad_evals %d; want func_evals = %d steps + %d by CG − %d remembered = %d",
			res.FuncEvals, res.GradEvals, steps, rec.calls, hits, wantEvals)
	}
	t.Logf("%d steps: %d evaluations by CG, %d starting points remembered, func_evals %d, grad_evals %d",
		steps, rec.calls, hits, res.FuncEvals, res.GradEvals)
}

// TestMaxGradEvalsStopsTheRun checks the budget stop and the evaluation
// cadence in gradient evaluations.
func TestMaxGradEvalsStopsTheRun(t *testing.T) {
	dir := t.TempDir()
	tr := newTrainer(t, dir, 1000, 0.1)
	tr.Optimizer, tr.HoldBatch = &optim.LBFGS{}, 2
	tr.MaxGradEvals, tr.EvalEveryGradEvals, tr.EvalEvery = 40, 10, 1000
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if res.GradEvals < 40 || res.Steps >= 40 || res.Steps != tr.Step() || !res.BudgetSpent {
		t.Fatalf("stopped at step %d with %d gradient evaluations, BudgetSpent %v; want the first step reaching 40, reported as the budget", res.Steps, res.GradEvals, res.BudgetSpent)
	}
	rows := metricsRows(t, dir)
	if len(rows) != 1+4 { // header, then crossing 10, 20, 30 and the last
		t.Errorf("metrics.csv has %d lines, want 5 (a row per 10 gradient evaluations):\n%v", len(rows), rows)
	}
}

// memorySpy wraps CG and records before each Step whether CG's memory (its
// previous gradient) is empty, that is whether the step starts afresh.
type memorySpy struct {
	*optim.CG
	afresh []bool
}

func (s *memorySpy) Step(obj optim.Objective, theta []float64, loss float64, grad []float64, lr float64) (optim.Info, error) {
	s.afresh = append(s.afresh, len(s.State()["previousGradient"]) == 0)
	return s.CG.Step(obj, theta, loss, grad, lr)
}

// TestResetOnNewBatch holds minibatches for 3 steps and checks that CG
// starts afresh exactly at each new minibatch with ResetOnNewBatch, and
// only at the first step without it.
func TestResetOnNewBatch(t *testing.T) {
	for _, reset := range []bool{false, true} {
		tr := newTrainer(t, "", 10, 0.1)
		spy := &memorySpy{CG: &optim.CG{}}
		tr.Optimizer, tr.HoldBatch, tr.ResetOnNewBatch = spy, 3, reset
		if _, err := tr.Run(context.Background()); err != nil {
			t.Fatal(err)
		}
		for i, afresh := range spy.afresh {
			if want := i == 0 || (reset && i%3 == 0); afresh != want {
				t.Errorf("ResetOnNewBatch %v: step %d starts afresh: %v, want %v", reset, i, afresh, want)
			}
		}
		if len(spy.afresh) != 10 {
			t.Errorf("ResetOnNewBatch %v: %d steps, want 10", reset, len(spy.afresh))
		}
	}
}

// failingSearch fails every line search for its reason without moving.
type failingSearch struct{ reason optim.LineSearchFailure }

func (f failingSearch) Search(_ optim.Objective, _ []float64, f0 float64, _, _ []float64, _ float64) (optim.LineResult, error) {
	best := optim.LineResult{F: f0}
	return best, &optim.LineSearchError{Search: "test", Reason: f.reason, Detail: "test", Best: best}
}

// TestFailedSearchEndsTheMinibatchNotTheRun runs CG on minibatches held for
// 3 steps with a line search that always fails: each step must leave θ
// where it was, count an ls_failures, and draw a new minibatch (6 for 6
// steps, where a working search holds each for 3 steps); a failure that is
// not the minibatch's (an objective error) must end the run.
func TestFailedSearchEndsTheMinibatchNotTheRun(t *testing.T) {
	run := func(search optim.LineSearcher) (*Trainer, []float64, error) {
		tr := newTrainer(t, t.TempDir(), 6, 0.1)
		tr.Optimizer, tr.HoldBatch, tr.EvalEvery = &optim.CG{LineSearch: search}, 3, 6
		start := tr.Model.Params(nil)
		_, err := tr.Run(context.Background())
		return tr, start, err
	}
	failing, start, err := run(failingSearch{optim.LineSearchNoProgress})
	if err != nil {
		t.Fatalf("a failed search ended the run: %v", err)
	}
	if !slices.Equal(failing.Theta(), start) {
		t.Error("θ moved although every search failed without improving")
	}
	rows, err := rundir.ReadMetrics(filepath.Join(failing.Dir, "metrics.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if last := rows[len(rows)-1]; last.Step != 6 || last.SearchFailures != 6 {
		t.Errorf("last metrics row %+v; want step 6 with 6 ls_failures", last)
	}
	working, _, err := run(nil)
	if err != nil {
		t.Fatal(err)
	}
	// The second number of the state counts the minibatches drawn in the epoch.
	if got, want := failing.batch.State()[1], int64(6); got != want {
		t.Errorf("after 6 failed steps the sampler is at %d, want %d (a new minibatch per step)", got, want)
	}
	if got, want := working.batch.State()[1], int64(2); got != want {
		t.Errorf("after 6 working steps held for 3 the sampler is at %d, want %d", got, want)
	}
	if _, _, err := run(failingSearch{optim.LineSearchEvaluation}); err == nil || !strings.Contains(err.Error(), "step 1") {
		t.Errorf("an objective error in the line search: Run returned %v, want an error at step 1", err)
	}
}
