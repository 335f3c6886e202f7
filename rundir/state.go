package rundir

import (
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"

	"deepopt/checkpoint"
)

// The checkpoint's schema. Parameters are stored per tensor under
// "param/<name>" so the archive is useful on its own (numpy.load); BN
// running statistics under "bn/<key>", the optimizer's state under
// "optim/<key>", that of the i-th objective wrapper and hook that keep state
// under ObjectivePrefix(i) and HookPrefix(i), and the loop's own state
// (LoopState) under "loop/" and "arch/".
const (
	PrefixParam = "param/"
	PrefixBN    = "bn/"
	PrefixOptim = "optim/"

	keyStep     = "loop/step"
	keyExamples = "loop/examples"
	keyEvals    = "loop/evals" // func, grad
	keyWall     = "loop/wall_s"
	// KeySampler holds the sampler's state (data.Batcher: epoch, position).
	KeySampler = "loop/batcher"
	keyHeld    = "loop/held" // steps taken on the current minibatch, whether θ is remembered
	// KeyBatch holds the current minibatch's example indices.
	KeyBatch     = "loop/batch"
	keyFirst     = "loop/first_loss"    // the loss at the run's first step
	keyWindow    = "loop/window"        // loss sum, step-length sum
	keyWindowInt = "loop/window_counts" // steps, line-search iterations, restarts, search failures
	keyModelOnly = "loop/model_only"    // 1: a finished model without its training state
	keyFrozen    = "loop/frozen"        // the frozen parameters' names, space-separated
	prefixArch   = "arch/"              // Architecture, one string per setting
)

// ObjectivePrefix is the prefix of the i-th objective wrapper's state.
func ObjectivePrefix(i int) string { return fmt.Sprintf("objective/%d/", i) }

// HookPrefix is the prefix of the i-th hook's state.
func HookPrefix(i int) string { return fmt.Sprintf("hook/%d/", i) }

// LoopState is what a checkpoint stores of the training loop itself, beyond
// the parameters and the state of the model, the optimizer, the wrappers
// and the hooks.
type LoopState struct {
	Step, Examples       int
	FuncEvals, GradEvals int
	WallSeconds          float64
	// Sampler is the sampler's state.
	Sampler []int64
	// Window holds the sums and counts behind the next metrics row.
	Window Window
	// Held is the number of steps taken on the current minibatch Batch, and
	// Remembered whether the objective remembers θ on it.
	Held       int
	Remembered bool
	Batch      []int
	// FirstLoss is the loss at the run's first step, NaN before it (and in
	// checkpoints written before it was stored).
	FirstLoss float64
	// Architecture holds the settings that must not change across a
	// resume; SetLoopState writes them, CheckArchitecture compares them and
	// ReadLoopState leaves the field nil.
	Architecture map[string]string
	// ModelOnly marks a checkpoint that holds a finished model alone: its
	// parameters and BN running statistics, the weights and statistics its
	// run evaluated with, and none of the optimizer's, the wrappers' or the
	// hooks' state (such as one without auxiliary heads). It can be
	// evaluated, used as a teacher or as the start of a new run, but not
	// trained further.
	ModelOnly bool
	// Frozen names the parameter tensors the run keeps frozen
	// (train.Trainer.Trainable), empty when it trains them all; nil when
	// the checkpoint predates the record (SetLoopState then writes none).
	Frozen []string
}

// Window holds the steps since the previous metrics row.
type Window struct {
	LossSum, StepLenSum                      float64
	Steps, LSIters, Restarts, SearchFailures int
}

// SetLoopState stores s in a.
func SetLoopState(a *checkpoint.Archive, s LoopState) {
	a.SetInt64(keyStep, []int{1}, []int64{int64(s.Step)})
	a.SetInt64(keyExamples, []int{1}, []int64{int64(s.Examples)})
	a.SetInt64(keyEvals, []int{2}, []int64{int64(s.FuncEvals), int64(s.GradEvals)})
	a.SetFloat64(keyWall, []int{1}, []float64{s.WallSeconds})
	a.SetInt64(KeySampler, []int{len(s.Sampler)}, s.Sampler)
	w := s.Window
	a.SetFloat64(keyWindow, []int{2}, []float64{w.LossSum, w.StepLenSum})
	a.SetInt64(keyWindowInt, []int{4}, []int64{int64(w.Steps), int64(w.LSIters), int64(w.Restarts), int64(w.SearchFailures)})
	remembered := int64(0)
	if s.Remembered {
		remembered = 1
	}
	a.SetInt64(keyHeld, []int{2}, []int64{int64(s.Held), remembered})
	batch := make([]int64, len(s.Batch))
	for i, v := range s.Batch {
		batch[i] = int64(v)
	}
	a.SetInt64(KeyBatch, []int{len(batch)}, batch)
	for k, v := range s.Architecture {
		a.SetString(prefixArch+k, v)
	}
	if !math.IsNaN(s.FirstLoss) {
		a.SetFloat64(keyFirst, []int{1}, []float64{s.FirstLoss})
	}
	if s.ModelOnly {
		a.SetInt64(keyModelOnly, []int{1}, []int64{1})
	}
	if s.Frozen != nil {
		a.SetString(keyFrozen, strings.Join(s.Frozen, " "))
	}
}

// ReadLoopState reads the loop's state from a. Checkpoints written before
// batches could be held hold none, those written before the divergence check
// have no first loss (NaN), and those written before the ls_failures column
// hold three window counts, their failures counting as 0, so that `train
// eval` still reads them (resuming them needs a metrics.csv with the new
// header).
func ReadLoopState(a *checkpoint.Archive) (LoopState, error) {
	s := LoopState{FirstLoss: math.NaN()}
	step, err1 := values(a.Int64, keyStep, 1)
	examples, err2 := values(a.Int64, keyExamples, 1)
	evals, err3 := values(a.Int64, keyEvals, 2)
	wall, err4 := values(a.Float64, keyWall, 1)
	_, sampler, err5 := a.Int64(KeySampler)
	window, err6 := readWindow(a)
	for _, err := range []error{err1, err2, err3, err4, err5, err6} {
		if err != nil {
			return s, err
		}
	}
	s.Step, s.Examples, s.FuncEvals, s.GradEvals, s.WallSeconds = int(step[0]), int(examples[0]), int(evals[0]), int(evals[1]), wall[0]
	s.Sampler, s.Window = sampler, window
	if a.Has(keyFirst) {
		first, err := values(a.Float64, keyFirst, 1)
		if err != nil {
			return s, err
		}
		s.FirstLoss = first[0]
	}
	if a.Has(keyModelOnly) {
		only, err := values(a.Int64, keyModelOnly, 1)
		if err != nil {
			return s, err
		}
		s.ModelOnly = only[0] == 1
	}
	if a.Has(keyFrozen) {
		frozen, err := a.String(keyFrozen)
		if err != nil {
			return s, err
		}
		s.Frozen = append([]string{}, strings.Fields(frozen)...)
	}
	if !a.Has(keyHeld) {
		return s, nil
	}
	_, held, err := a.Int64(keyHeld)
	if err != nil {
		return s, err
	}
	_, batch, err := a.Int64(KeyBatch)
	if err != nil {
		return s, err
	}
	if len(held) != 2 || held[0] < 0 {
		return s, fmt.Errorf("checkpoint: %s = %v; want [steps on the batch ≥ 0, remembered 0 or 1]", keyHeld, held)
	}
	s.Held, s.Remembered = int(held[0]), held[1] == 1
	s.Batch = make([]int, len(batch))
	for i, v := range batch {
		s.Batch[i] = int(v)
	}
	return s, nil
}

func readWindow(a *checkpoint.Archive) (Window, error) {
	sums, err := values(a.Float64, keyWindow, 2)
	if err != nil {
		return Window{}, err
	}
	_, n, err := a.Int64(keyWindowInt)
	switch {
	case err != nil:
		return Window{}, err
	case len(n) == 3:
		n = append(n, 0)
	case len(n) != 4:
		return Window{}, fmt.Errorf("checkpoint: %s has %d values, want 4", keyWindowInt, len(n))
	}
	return Window{LossSum: sums[0], StepLenSum: sums[1], Steps: int(n[0]), LSIters: int(n[1]), Restarts: int(n[2]), SearchFailures: int(n[3])}, nil
}

// CheckArchitecture compares the settings a checkpoint stored with those of
// the run now and lists every one that differs. Checkpoints written before
// the settings were stored have none; their parameter shapes are still
// compared by the loop.
func CheckArchitecture(a *checkpoint.Archive, now map[string]string) error {
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
	maps.Copy(keys, now)
	var changed []string
	for _, key := range slices.Sorted(maps.Keys(keys)) {
		was, inCheckpoint := stored[key]
		is, inRun := now[key]
		switch {
		case !inCheckpoint:
			changed = append(changed, fmt.Sprintf("%s: not in the checkpoint, %s now", key, is))
		case !inRun:
			changed = append(changed, fmt.Sprintf("%s: %s in the checkpoint, not set now", key, was))
		case was != is:
			changed = append(changed, fmt.Sprintf("%s: %s in the checkpoint, %s now", key, was, is))
		}
	}
	if len(changed) > 0 {
		return fmt.Errorf("checkpoint: the model differs from the one that wrote it (%s); restore the settings, or start a new run for the new model", strings.Join(changed, "; "))
	}
	return nil
}

// SetFloats stores every array of s under prefix.
func SetFloats(a *checkpoint.Archive, prefix string, s map[string][]float64) {
	for k, v := range s {
		a.SetFloat64(prefix+k, []int{len(v)}, v)
	}
}

// Floats reads every float64 array under prefix.
func Floats(a *checkpoint.Archive, prefix string) map[string][]float64 {
	s := map[string][]float64{}
	for _, name := range a.Names() {
		if k, ok := strings.CutPrefix(name, prefix); ok {
			_, s[k], _ = a.Float64(name)
		}
	}
	return s
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
