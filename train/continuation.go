package train

import (
	"errors"
	"fmt"
	"slices"
	"strconv"

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

// Attach implements Hook. It refuses a held minibatch (Trainer.HoldBatch >
// 1): the loop remembers the objective at a held batch's starting point
// across steps, which a new σ or draw would make stale.
func (c *Continuation) Attach(t *Trainer) error {
	switch {
	case c.Smoothing == nil:
		return errors.New("train: Continuation.Smoothing is nil; set the smoothing it anneals")
	case !slices.ContainsFunc(t.Wrappers, func(w ObjectiveWrapper) bool { return w == c.Smoothing }):
		return errors.New("train: Continuation.Smoothing is not among the Trainer's Wrappers; add it there, so that the optimizer sees the smoothed objective")
	case t.HoldBatch > 1:
		return fmt.Errorf("train: a continuation changes σ and the noise every step, which a minibatch held for %d steps cannot follow; use HoldBatch 1 with a continuation", t.HoldBatch)
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
