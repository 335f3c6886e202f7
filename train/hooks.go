package train

import (
	"errors"
	"slices"
)

// Priority orders the handlers of one event: lower priorities run first,
// equal ones in the order they were registered.
type Priority int

// The priorities of the loop's own handlers; a hook chooses its place
// between them.
const (
	// PriorityFirst is for bookkeeping that must see a step before anything
	// else does, such as the metrics window's sums.
	PriorityFirst Priority = -100
	// PriorityDefault is for hooks that observe or probe the run.
	PriorityDefault Priority = 0
	// PriorityEvaluate evaluates the test set at the evaluation cadence and
	// runs the OnEval handlers.
	PriorityEvaluate Priority = 100
	// PriorityProgress reports the step to the user.
	PriorityProgress Priority = 200
	// PriorityCheckpoint saves the checkpoint, after every other handler
	// of the step, so that it holds what they did.
	PriorityCheckpoint Priority = 300
)

// Hook is a part of a run that attaches to the loop's events: metrics,
// checkpoints, progress, the activation recorder, the landscape probe. Run
// attaches every hook of Trainer.Hooks once, in order, before its start
// handlers; Attach registers the hook's handlers with OnStart, OnStep,
// OnEval and OnEnd, and its metrics columns with AddColumns.
//
// The events follow GoMLX's training loop (OnStart, OnStep, OnEnd, each with
// a priority): start, every step, every evaluation and the end of Run.
type Hook interface {
	Attach(t *Trainer) error
}

// StepFunc is a Hook of one step handler at PriorityDefault.
type StepFunc func(t *Trainer) error

// Attach implements Hook.
func (f StepFunc) Attach(t *Trainer) error {
	t.OnStep(PriorityDefault, f)
	return nil
}

// Report is what an evaluation reports to the OnEval handlers: the run's
// result so far and the metrics.csv row (Columns, formatted).
type Report struct {
	Result
	Row []string
}

// handler is one registered handler of an event.
type handler[F any] struct {
	priority Priority
	fn       F
}

// event is the ordered handlers of one event.
type event[F any] []handler[F]

func (e *event[F]) add(p Priority, fn F) {
	// Insert after every handler of the same or a lower priority, so that
	// equal priorities keep their registration order.
	i := len(*e)
	for i > 0 && (*e)[i-1].priority > p {
		i--
	}
	*e = slices.Insert(*e, i, handler[F]{p, fn})
}

// events are the handlers of every event of a Trainer.
type events struct {
	start, step event[func(*Trainer) error]
	eval        event[func(*Trainer, Report) error]
	end         event[func(*Trainer, error) error]
}

// OnStart registers fn to run when Run starts, before the first step (after
// Restore for a resumed run; Step is the step the run starts from).
func (t *Trainer) OnStart(p Priority, fn func(t *Trainer) error) { t.events.start.add(p, fn) }

// OnStep registers fn to run after every step; an error stops the run.
func (t *Trainer) OnStep(p Priority, fn func(t *Trainer) error) { t.events.step.add(p, fn) }

// OnEval registers fn to run after every evaluation, within the step's
// handlers at PriorityEvaluate.
func (t *Trainer) OnEval(p Priority, fn func(t *Trainer, r Report) error) { t.events.eval.add(p, fn) }

// OnEnd registers fn to run when Run returns, with the error it returns (nil
// for a finished run, ErrInterrupted when ctx was cancelled); fn runs
// however the run ended, so it is the place to release files.
func (t *Trainer) OnEnd(p Priority, fn func(t *Trainer, err error) error) { t.events.end.add(p, fn) }

// fire runs the handlers of e in order and stops at the first error.
func fire[F any](e event[F], call func(F) error) error {
	for _, h := range e {
		if err := call(h.fn); err != nil {
			return err
		}
	}
	return nil
}

// fireEnd runs every end handler, even after one failed, and joins their
// errors with the run's.
func (t *Trainer) fireEnd(err error) error {
	var errs []error
	for _, h := range t.events.end {
		if herr := h.fn(t, err); herr != nil {
			errs = append(errs, herr)
		}
	}
	if errs == nil {
		return err
	}
	return errors.Join(append([]error{err}, errs...)...)
}
