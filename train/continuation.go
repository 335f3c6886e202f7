package train

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

	"deepopt/internal/bounds"
	"deepopt/schedule"
	"deepopt/smooth"
)

// Continuation anneals the width σ of a Gaussian smoothing of the training
// objective over the run: Gaussian weight-noise continuation, the network
// form of the lecture's Algorithm 4 (Mobahi & Fisher 2015), in which step t
// descends g(θ; σ_t) = E_ε J(θ + σ_t ε) and σ_t falls to 0, so that the run
// ends on J itself. Smoothing must be one of the Trainer's Wrappers; before
// every step Continuation sets its σ to Sigma.At(step) and its draw to the
// step, so the K noise vectors are common to all evaluations of one step (a
// line search sees one function), new at every step, and a pure function of
// the seed and the step that a resumed run repeats without saving them. The
// metrics gain a sigma column: the σ of the last step of the row.
type Continuation struct {
	Smoothing *smooth.Gaussian
	Sigma     schedule.Scalar
}

// Attach implements Hook. It refuses a held minibatch (CheckHold).
func (c *Continuation) Attach(t *Trainer) error {
	switch {
	case c.Smoothing == nil:
		return errors.New("train: Continuation.Smoothing is nil; set the smoothing it anneals")
	case !slices.ContainsFunc(t.Wrappers, func(w ObjectiveWrapper) bool { return w == c.Smoothing }):
		return errors.New("train: Continuation.Smoothing is not among the Trainer's Wrappers; add it there, so that the optimizer sees the smoothed objective")
	}
	if err := CheckHold(t.HoldBatch); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if err := schedule.Validate(c.Sigma); err != nil {
		return fmt.Errorf("train: continuation σ: %w", err)
	}
	set := func(t *Trainer) error {
		c.Smoothing.Sigma = c.Sigma.At(t.Step())
		c.Smoothing.SetDraw(uint64(t.Step()))
		return c.Smoothing.Validate()
	}
	t.OnStart(PriorityFirst, set)
	// After every other handler, the checkpoint's included: the step just
	// taken is what they observe and save.
	t.OnStep(PriorityCheckpoint+1, set)
	t.AddColumns(Column{"sigma", func(t *Trainer) string {
		return strconv.FormatFloat(c.Sigma.At(t.Step()-1), 'g', 10, 64)
	}})
	return nil
}

// CheckHold reports, as a *bounds.Error naming Trainer.HoldBatch, a
// minibatch held for hold > 1 steps under a continuation: the loop
// remembers the objective at a held batch's starting point across steps,
// which a new σ or draw would make stale. Attach checks it; package config
// calls it on train.hold_batch when continuation is on.
func CheckHold(hold int) error {
	if hold <= 1 {
		return nil
	}
	return &bounds.Error{Field: "Trainer.HoldBatch", Value: hold,
		Problem: fmt.Sprintf("%d with continuation: σ and the noise change at every step, which a held minibatch cannot follow; use Trainer.HoldBatch 1 or Continuation.Sigma 0", hold)}
}
