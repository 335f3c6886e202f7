package train

import (
	"errors"
	"fmt"
	"maps"
	"math"
	"path/filepath"
	"slices"
	"strings"

	"deepopt/checkpoint"
	"deepopt/rundir"
)

// Archive keys. Parameters are stored per tensor under "param/<name>" so the
// archive is useful on its own (numpy.load); BN running statistics under
// "bn/<key>", optimizer state under "optim/<key>".
const (
	keyStep     = "loop/step"
	keyExamples = "loop/examples"
	keyEvals    = "loop/evals" // func, grad
	keyWall     = "loop/wall_s"
	keyBatcher  = "loop/batcher"    // the sampler's state (data.Batcher: epoch, position)
	keyHeld     = "loop/held"       // steps taken on the current minibatch, whether θ is remembered
	keyBatch    = "loop/batch"      // the current minibatch's example indices
	keyFirst    = "loop/first_loss" // the loss at the run's first step
	prefixArch  = "arch/"           // Architecture, one string per setting
)

// Snapshot returns the complete state of the loop as an archive.
func (t *Trainer) Snapshot() *checkpoint.Archive {
	a := checkpoint.NewArchive()
	for _, b := range t.Model.Blocks() {
		a.SetFloat64("param/"+b.Name, t.Model.ParamShape(b.Name), t.theta[b.Start:b.End])
	}
	setState(a, "bn/", t.Model.BNState())
	setState(a, "optim/", t.Optimizer.State())
	for prefix, s := range t.stateful() {
		setState(a, prefix, s.State())
	}
	s := t.state
	bs := t.batch.State()
	a.SetInt64(keyStep, []int{1}, []int64{int64(s.Step)})
	a.SetInt64(keyExamples, []int{1}, []int64{int64(s.Examples)})
	a.SetInt64(keyEvals, []int{2}, []int64{int64(s.FuncEvals), int64(s.GradEvals)})
	a.SetFloat64(keyWall, []int{1}, []float64{s.WallSeconds})
	a.SetInt64(keyBatcher, []int{len(bs)}, bs)
	t.window.save(a)
	remembered := int64(0)
	if t.obj.Remembers(t.theta, true) {
		remembered = 1
	}
	a.SetInt64(keyHeld, []int{2}, []int64{int64(t.held), remembered})
	batch := make([]int64, len(t.batchIndices))
	for i, v := range t.batchIndices {
		batch[i] = int64(v)
	}
	a.SetInt64(keyBatch, []int{len(batch)}, batch)
	for k, v := range t.Architecture {
		a.SetString(prefixArch+k, v)
	}
	if !math.IsNaN(t.firstLoss) {
		a.SetFloat64(keyFirst, []int{1}, []float64{t.firstLoss})
	}
	return a
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
// the run directory that holds it.
func (t *Trainer) Restore(a *checkpoint.Archive) error {
	if err := t.init(); err != nil {
		return err
	}
	t.continues = true
	if err := t.checkArchitecture(a); err != nil {
		return err
	}
	if err := a.CheckFinite(); err != nil {
		return err
	}
	for _, b := range t.Model.Blocks() {
		shape, v, err := a.Float64("param/" + b.Name)
		if err != nil {
			return err
		}
		if want := t.Model.ParamShape(b.Name); !slices.Equal(shape, want) {
			return fmt.Errorf("checkpoint: param/%s has shape %v, the model's is %v; the checkpoint belongs to another model", b.Name, shape, want)
		}
		copy(t.theta[b.Start:b.End], v)
	}
	t.Model.SetParams(t.theta)
	if err := t.Model.SetBNState(getState(a, "bn/")); err != nil {
		return err
	}
	if err := t.Optimizer.SetState(getState(a, "optim/")); err != nil {
		return fmt.Errorf("checkpoint: optimizer state: %w", err)
	}
	for prefix, s := range t.stateful() {
		if err := s.SetState(getState(a, prefix)); err != nil {
			return fmt.Errorf("checkpoint: %s: %w", strings.TrimSuffix(prefix, "/"), err)
		}
	}
	step, err1 := values(a.Int64, keyStep, 1)
	examples, err2 := values(a.Int64, keyExamples, 1)
	evals, err3 := values(a.Int64, keyEvals, 2)
	wall, err4 := values(a.Float64, keyWall, 1)
	_, bs, err5 := a.Int64(keyBatcher)
	err6 := t.window.restore(a)
	for _, err := range []error{err1, err2, err3, err4, err5, err6} {
		if err != nil {
			return err
		}
	}
	t.state = loopState{Step: int(step[0]), Examples: int(examples[0]), FuncEvals: int(evals[0]), GradEvals: int(evals[1]), WallSeconds: wall[0]}
	t.checkpointStep = t.state.Step
	if a.Has(keyFirst) {
		// Checkpoints written before the divergence check have none: the
		// first step after the resume becomes the reference.
		first, err := values(a.Float64, keyFirst, 1)
		if err != nil {
			return err
		}
		t.firstLoss = first[0]
	}
	t.obj.FuncEvals, t.obj.GradEvals = t.state.FuncEvals, t.state.GradEvals
	if err := t.batch.Restore(bs); err != nil {
		return fmt.Errorf("checkpoint: %s: %w", keyBatcher, err)
	}
	return t.restoreHeldBatch(a)
}

// checkArchitecture compares the settings a checkpoint stored with
// Architecture and lists every one that differs. Checkpoints written before
// the settings were stored have none; their parameter shapes are still
// compared.
func (t *Trainer) checkArchitecture(a *checkpoint.Archive) error {
	stored := map[string]string{}
	for _, name := range a.Names() {
		if key, ok := strings.CutPrefix(name, prefixArch); ok {
			var err error
			if stored[key], err = a.String(name); err != nil {
				return err
			}
		}
	}
	if len(stored) == 0 {
		return nil
	}
	keys := maps.Clone(stored)
	maps.Copy(keys, t.Architecture)
	var changed []string
	for _, key := range slices.Sorted(maps.Keys(keys)) {
		was, inCheckpoint := stored[key]
		now, inRun := t.Architecture[key]
		switch {
		case !inCheckpoint:
			changed = append(changed, fmt.Sprintf("%s: not in the checkpoint, %s now", key, now))
		case !inRun:
			changed = append(changed, fmt.Sprintf("%s: %s in the checkpoint, not set now", key, was))
		case was != now:
			changed = append(changed, fmt.Sprintf("%s: %s in the checkpoint, %s now", key, was, now))
		}
	}
	if len(changed) > 0 {
		return fmt.Errorf("checkpoint: the model differs from the one that wrote it (%s); restore the settings, or start a new run for the new model", strings.Join(changed, "; "))
	}
	return nil
}

// values reads the array at key with read (Archive.Int64 or
// Archive.Float64) and checks that it holds n values.
func values[T any](read func(string) ([]int, []T, error), key string, n int) ([]T, error) {
	_, v, err := read(key)
	if err == nil && len(v) != n {
		err = fmt.Errorf("checkpoint: %s has %d values, want %d", key, len(v), n)
	}
	return v, err
}

// stateful returns the objective wrappers and hooks that keep state in the
// checkpoint, by their archive prefix ("objective/0/", "hook/2/").
func (t *Trainer) stateful() map[string]Stateful {
	out := map[string]Stateful{}
	for i, w := range t.Wrappers {
		if s, ok := w.(Stateful); ok {
			out[fmt.Sprintf("objective/%d/", i)] = s
		}
	}
	for i, h := range t.Hooks {
		if s, ok := h.(Stateful); ok {
			out[fmt.Sprintf("hook/%d/", i)] = s
		}
	}
	return out
}

// setState stores every array of s under prefix.
func setState(a *checkpoint.Archive, prefix string, s map[string][]float64) {
	for k, v := range s {
		a.SetFloat64(prefix+k, []int{len(v)}, v)
	}
}

// getState reads every float64 array under prefix.
func getState(a *checkpoint.Archive, prefix string) map[string][]float64 {
	s := map[string][]float64{}
	for _, name := range a.Names() {
		if k, ok := strings.CutPrefix(name, prefix); ok {
			_, s[k], _ = a.Float64(name)
		}
	}
	return s
}

// restoreHeldBatch puts back a minibatch held across the checkpoint, and the
// Memo's memory of θ on it: the interrupted run had already paid for that
// evaluation, so it is made again without counting it. Checkpoints written
// before batches could be held have neither key and hold nothing.
func (t *Trainer) restoreHeldBatch(a *checkpoint.Archive) error {
	if !a.Has(keyHeld) {
		return nil
	}
	_, held, err := a.Int64(keyHeld)
	if err != nil {
		return err
	}
	_, batch, err := a.Int64(keyBatch)
	if err != nil {
		return err
	}
	if len(held) != 2 || held[0] < 0 {
		return fmt.Errorf("checkpoint: %s = %v; want [steps on the batch ≥ 0, remembered 0 or 1]", keyHeld, held)
	}
	if held[0] == 0 {
		return nil
	}
	if len(batch) != t.Model.Spec().BatchSize {
		return fmt.Errorf("checkpoint: %s has %d indices; train.batch_size is %d, and a held batch cannot change size", keyBatch, len(batch), t.Model.Spec().BatchSize)
	}
	idx := make([]int, len(batch))
	for i, v := range batch {
		if v < 0 || int(v) >= t.Train.Len() {
			return fmt.Errorf("checkpoint: %s holds example %d of a training set of %d; the checkpoint belongs to other data", keyBatch, v, t.Train.Len())
		}
		idx[i] = int(v)
	}
	if err := t.setBatch(idx, t.state.Step-int(held[0])); err != nil {
		return err
	}
	t.held = int(held[0])
	if held[1] == 1 {
		if _, err := t.obj.Eval(t.theta, t.grad); err != nil {
			return err
		}
		t.obj.FuncEvals, t.obj.GradEvals = t.state.FuncEvals, t.state.GradEvals
	}
	return nil
}
