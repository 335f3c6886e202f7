package train

import (
	"fmt"
	"math"
	"path/filepath"

	"deepopt/rundir"
)

// DefaultDivergenceFactor is the growth of the minibatch loss, relative to
// its value at the run's first step, beyond which the loop takes the run
// for diverged (Trainer.DivergenceFactor 0). Healthy training rarely lifts
// the loss above its starting value at all; a learning rate far too large
// multiplies it within a few steps.
const DefaultDivergenceFactor = 100

// divergenceLimit is the loss beyond which the run has diverged: the
// factor times the first step's loss, or +Inf when the check is off (a
// negative DivergenceFactor) or the first loss is not known yet.
func (t *Trainer) divergenceLimit() float64 {
	factor := t.DivergenceFactor
	if factor == 0 {
		factor = DefaultDivergenceFactor
	}
	if factor < 0 || math.IsNaN(t.firstLoss) {
		return math.Inf(1)
	}
	return factor * math.Abs(t.firstLoss)
}

// checkLoss stops the run at a loss that is NaN, infinite or beyond the
// divergence limit; what says where it was measured, at step.
func (t *Trainer) checkLoss(step int, loss float64, what string) error {
	switch {
	case math.IsNaN(loss) || math.IsInf(loss, 0):
		return t.diverged(step, fmt.Sprintf("%s became %v", what, loss))
	case loss > t.divergenceLimit():
		return t.diverged(step, fmt.Sprintf("%s grew to %.4g, %.3g times its value at the run's first step (%.4g), beyond the divergence factor %g",
			what, loss, loss/math.Abs(t.firstLoss), t.firstLoss, t.divergenceLimit()/math.Abs(t.firstLoss)))
	}
	return nil
}

// diverged is the error that stops a run diverged at step (1-based): what
// happened, whether a checkpoint is there to resume from, and the learning
// rate to lower.
func (t *Trainer) diverged(step int, what string) error {
	msg := fmt.Sprintf("train: step %d: the run diverged: %s", step, what)
	switch {
	case t.Dir == "":
	case t.checkpointStep < 0:
		msg += fmt.Sprintf("; no checkpoint was written yet (the diverged weights were not saved): the run in %s starts again from step 0 when resumed", t.Dir)
	default:
		msg += fmt.Sprintf("; the checkpoint of step %d, %s, is intact (the diverged weights were not saved) and resumes", t.checkpointStep, filepath.Join(t.Dir, rundir.CheckpointFile))
	}
	return fmt.Errorf("%s; lower the learning rate (schedule.lr; %g at this step) or add warm-up (schedule.warmup_steps)", msg, t.LR.At(max(step-1, 0)))
}

// checkBeforeSave measures the loss of the weights a checkpoint is about to
// save, on the current minibatch (a forward pass of the model itself,
// outside the objective's wrappers and counters, so nothing in the loop's
// state changes), so that diverged weights never replace the last good
// checkpoint; the step's own loss was measured before the step.
func (t *Trainer) checkBeforeSave() error {
	if t.batchIndices == nil || math.IsInf(t.divergenceLimit(), 1) {
		return nil
	}
	loss, err := t.Model.Eval(t.theta, nil)
	if err != nil {
		return err
	}
	return t.checkLoss(t.state.Step, loss, "the minibatch loss at the weights to be saved")
}
