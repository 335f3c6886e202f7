package train

import (
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"deepopt/checkpoint"
	"deepopt/rundir"
)

// Snapshot returns the complete state of the loop as an archive.
func (t *Trainer) Snapshot() *checkpoint.Archive {
	a := checkpoint.NewArchive()
	for _, b := range t.Model.Blocks() {
		a.SetFloat64(rundir.PrefixParam+b.Name, t.Model.ParamShape(b.Name), t.theta[b.Start:b.End])
	}
	rundir.SetFloats(a, rundir.PrefixBN, t.Model.BNState())
	rundir.SetFloats(a, rundir.PrefixOptim, t.Optimizer.State())
	for prefix, s := range t.stateful() {
		rundir.SetFloats(a, prefix, s.State())
	}
	s := t.state
	rundir.SetLoopState(a, rundir.LoopState{Step: s.Step, Examples: s.Examples, FuncEvals: s.FuncEvals, GradEvals: s.GradEvals,
		WallSeconds: s.WallSeconds, Sampler: t.batch.State(), Window: rundir.Window(t.window),
		Held: t.held, Remembered: t.obj.Remembers(t.theta, true), Batch: t.batchIndices,
		FirstLoss: t.firstLoss, Architecture: t.Architecture, Frozen: t.frozen()})
	return a
}

// frozen names the parameter tensors with coordinates outside Trainable, in
// θ's order, a partly frozen one with the share it freezes ("fc1.W (3 of
// 80 frozen)"); it is empty, not nil, when every coordinate trains.
func (t *Trainer) frozen() []string {
	out := []string{}
	if t.Trainable == nil {
		return out
	}
	for _, b := range t.Model.Blocks() {
		i, _ := slices.BinarySearch(t.Trainable, b.Start)
		j, _ := slices.BinarySearch(t.Trainable, b.End)
		switch n := b.End - b.Start; j - i {
		case 0:
			out = append(out, b.Name)
		case n:
		default:
			out = append(out, fmt.Sprintf("%s (%d of %d frozen)", b.Name, n-(j-i), n))
		}
	}
	return out
}

// checkFrozen refuses a resume that freezes other parameters than the
// checkpoint's run did (nil: a checkpoint written before they were
// recorded). Continuing exactly is impossible then: the optimizer's state,
// its averaged weights and the Memo's remembered point live in the old
// trainable subspace.
func (t *Trainer) checkFrozen(was []string) error {
	now := t.frozen()
	if was == nil || slices.Equal(was, now) {
		return nil
	}
	list := func(names []string) string {
		if len(names) == 0 {
			return "no parameter"
		}
		return strings.Join(names, ", ")
	}
	return fmt.Errorf("checkpoint: the run froze %s and would now freeze %s; a resume cannot change what is frozen, because the optimizer's state belongs to the trainable parameters: restore train.freeze, or start a new run from this one's weights (init.from) with the new train.freeze", list(was), list(now))
}

// attachCheckpoints saves the checkpoint into the run directory every
// CheckpointEvery steps, at the last step and when the run is interrupted.
func attachCheckpoints(t *Trainer) {
	save := func(t *Trainer) error {
		if err := t.checkBeforeSave(); err != nil {
			return err
		}
		if err := checkpoint.Save(filepath.Join(t.Dir, rundir.CheckpointFile), t.Snapshot()); err != nil {
			return err
		}
		t.checkpointStep = t.Step()
		return nil
	}
	t.OnStep(PriorityCheckpoint, func(t *Trainer) error {
		if (t.CheckpointEvery > 0 && t.Step()%t.CheckpointEvery == 0) || t.Done() {
			return save(t)
		}
		return nil
	})
	t.OnEnd(PriorityCheckpoint, func(t *Trainer, err error) error {
		if errors.Is(err, ErrInterrupted) {
			return save(t)
		}
		return nil
	})
}

// Restore loads a Snapshot into a trainer whose exported fields describe the
// same run (same model, optimizer kind and data); Run then continues it, in
// the run directory that holds it. A model-only checkpoint
// (rundir.LoopState.ModelOnly) restores the parameters, the BN running
// statistics and the step: the trainer evaluates it and reports its weights
// (Evaluate, Weights) as they are, and Run refuses to train it.
func (t *Trainer) Restore(a *checkpoint.Archive) error {
	if err := t.init(); err != nil {
		return err
	}
	t.continues = true
	if err := rundir.CheckArchitecture(a, t.Architecture); err != nil {
		return err
	}
	if err := a.CheckFinite(); err != nil {
		return err
	}
	for _, b := range t.Model.Blocks() {
		shape, v, err := a.Float64(rundir.PrefixParam + b.Name)
		if err != nil {
			return err
		}
		if want := t.Model.ParamShape(b.Name); !slices.Equal(shape, want) {
			return fmt.Errorf("checkpoint: param/%s has shape %v, the model's is %v; the checkpoint belongs to another model", b.Name, shape, want)
		}
		copy(t.theta[b.Start:b.End], v)
	}
	t.Model.SetParams(t.theta)
	if err := t.Model.SetBNState(rundir.Floats(a, rundir.PrefixBN)); err != nil {
		return err
	}
	ls, err := rundir.ReadLoopState(a)
	if err != nil {
		return err
	}
	t.state = loopState{Step: ls.Step, Examples: ls.Examples, FuncEvals: ls.FuncEvals, GradEvals: ls.GradEvals, WallSeconds: ls.WallSeconds}
	if t.modelOnly = ls.ModelOnly; t.modelOnly {
		// A finished model: nothing of the training state is stored.
		return nil
	}
	if err := t.checkFrozen(ls.Frozen); err != nil {
		return err
	}
	if err := t.Optimizer.SetState(rundir.Floats(a, rundir.PrefixOptim)); err != nil {
		return fmt.Errorf("checkpoint: optimizer state: %w", err)
	}
	for prefix, s := range t.stateful() {
		if err := s.SetState(rundir.Floats(a, prefix)); err != nil {
			return fmt.Errorf("checkpoint: %s: %w", strings.TrimSuffix(prefix, "/"), err)
		}
	}
	t.window = window(ls.Window)
	t.checkpointStep = t.state.Step
	if !math.IsNaN(ls.FirstLoss) {
		// Checkpoints written before the divergence check have none: the
		// first step after the resume becomes the reference.
		t.firstLoss = ls.FirstLoss
	}
	t.obj.FuncEvals, t.obj.GradEvals = t.state.FuncEvals, t.state.GradEvals
	if err := t.batch.Restore(ls.Sampler); err != nil {
		return fmt.Errorf("checkpoint: %s: %w", rundir.KeySampler, err)
	}
	return t.restoreHeldBatch(ls)
}

// stateful returns the objective wrappers and hooks that keep state in the
// checkpoint, by their archive prefix ("objective/0/", "hook/2/").
func (t *Trainer) stateful() map[string]Stateful {
	out := map[string]Stateful{}
	for i, w := range t.Wrappers {
		if s, ok := w.(Stateful); ok {
			out[rundir.ObjectivePrefix(i)] = s
		}
	}
	for i, h := range t.Hooks {
		if s, ok := h.(Stateful); ok {
			out[rundir.HookPrefix(i)] = s
		}
	}
	return out
}

// restoreHeldBatch puts back a minibatch held across the checkpoint, and the
// Memo's memory of θ on it: the interrupted run had already paid for that
// evaluation, so it is made again without counting it. Checkpoints written
// before batches could be held hold nothing.
func (t *Trainer) restoreHeldBatch(s rundir.LoopState) error {
	if s.Held == 0 {
		return nil
	}
	if len(s.Batch) != t.Model.Spec().BatchSize {
		return fmt.Errorf("checkpoint: %s has %d indices; train.batch_size is %d, and a held batch cannot change size", rundir.KeyBatch, len(s.Batch), t.Model.Spec().BatchSize)
	}
	for _, v := range s.Batch {
		if v < 0 || v >= t.Train.Len() {
			return fmt.Errorf("checkpoint: %s holds example %d of a training set of %d; the checkpoint belongs to other data", rundir.KeyBatch, v, t.Train.Len())
		}
	}
	if err := t.setBatch(s.Batch, t.state.Step-s.Held); err != nil {
		return err
	}
	t.held = s.Held
	if s.Remembered {
		if _, err := t.obj.Eval(t.theta, t.grad); err != nil {
			return err
		}
		t.obj.FuncEvals, t.obj.GradEvals = t.state.FuncEvals, t.state.GradEvals
	}
	return nil
}
