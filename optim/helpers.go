package optim

import (
	"fmt"
	"math"
	"slices"

	"deepopt/internal/bounds"
	"deepopt/internal/finite"
)

// This file holds what the methods share besides the line-search step
// (linesearch_method.go): the checks of their arguments and settings, the
// reading of a saved State, and small vector helpers.

// checkStepArguments reports a θ or gradient whose length differs from the
// objective's dimension, naming the method.
func checkStepArguments(method string, dim int, theta, grad []float64) error {
	if len(theta) != dim || len(grad) != dim {
		return fmt.Errorf("optim: %s: len(theta) = %d and len(grad) = %d, want both equal to the objective's dimension %d", method, len(theta), len(grad), dim)
	}
	return nil
}

// checkFirstOrderStep checks the arguments of a first-order method's Step:
// θ and the gradient have the objective's dimension (len(theta) when obj is
// nil) and that of the method's state vectors (stateDim, 0 when the method
// has none yet), lr is finite and ≥ 0 (a schedule may decay it to 0), and
// the gradient is finite, so that a diverged loss does not poison the state.
func checkFirstOrderStep(method string, obj Objective, theta, grad []float64, lr float64, stateDim int) error {
	dim := len(theta)
	if obj != nil {
		dim = obj.Dim()
	}
	if err := checkStepArguments(method, dim, theta, grad); err != nil {
		return err
	}
	if err := checkStateAndRate(method, dim, lr, stateDim); err != nil {
		return err
	}
	if i := finite.First(grad); i >= 0 {
		return nonFiniteGradient(method, i, grad[i])
	}
	return nil
}

// checkStateAndRate reports state vectors (of length stateDim, 0 when the
// method has none yet) whose length is not θ's (dim), and an lr that is
// not finite and ≥ 0.
func checkStateAndRate(method string, dim int, lr float64, stateDim int) error {
	if stateDim != 0 && stateDim != dim {
		return fmt.Errorf("optim: %s: θ has length %d, but the optimizer's state holds vectors of length %d from another problem or a restored State; call Reset to start afresh", method, dim, stateDim)
	}
	if !(lr >= 0) || math.IsInf(lr, 1) {
		return fmt.Errorf("optim: %s: lr = %v; want a finite learning rate ≥ 0 (check the schedule)", method, lr)
	}
	return nil
}

// nonFiniteGradient is the error of a first-order method whose gradient
// has the NaN or infinite value g at index i.
func nonFiniteGradient(method string, i int, g float64) error {
	return fmt.Errorf("optim: %s: grad[%d] = %v; the loss has diverged, so lower the learning rate or add warm-up (θ and the optimizer's state are unchanged)", method, i, g)
}

// checkLearningRate rejects a negative, NaN or infinite lr; zero selects
// initialStep's default.
func checkLearningRate(method string, lr float64) error {
	if !(lr >= 0) || math.IsInf(lr, 1) {
		return fmt.Errorf("optim: %s: lr = %v; want a finite first trial step > 0, or 0 for 1/‖∇J‖∞", method, lr)
	}
	return nil
}

// checkWeightDecay reports a negative or non-finite weight decay λ, the
// setting named field (a constant, so that a step's check allocates
// nothing).
func checkWeightDecay(field string, decay float64) error {
	return bounds.Check(field, decay, bounds.NonNegative, "0 for none")
}

// checkMaxDim reports a method's negative MaxDim, the largest dimension it
// accepts (0 selects def).
func checkMaxDim(method string, maxDim, def int) error {
	if maxDim < 0 {
		return &bounds.Error{Field: method + ".MaxDim", Value: maxDim, Want: "an integer ≥ 0",
			Hint: fmt.Sprintf("the largest dimension accepted; 0 selects the default %d", def)}
	}
	return nil
}

// checkMemoryDimension reports a method's memory (one of its vectors, nil
// when empty) whose length is not the objective's dimension n.
func checkMemoryDimension(method string, n int, memory []float64) error {
	if memory != nil && len(memory) != n {
		return fmt.Errorf("optim: %s: the objective's dimension is %d, but the memory holds vectors of length %d; call Reset between problems", method, n, len(memory))
	}
	return nil
}

// checkStateKeys reports a State whose keys are not exactly keys.
func checkStateKeys(method string, state State, keys []string) error {
	for _, key := range keys {
		if _, present := state[key]; !present {
			return fmt.Errorf("optim: %s: State lacks key %q; want exactly %q (was it saved by another optimizer?)", method, key, keys)
		}
	}
	for key := range state {
		if !slices.Contains(keys, key) {
			return fmt.Errorf("optim: %s: State has unknown key %q; want exactly %q (was it saved by another optimizer?)", method, key, keys)
		}
	}
	return nil
}

// expectEmptyState reports any key of a State given to a stateless method.
func expectEmptyState(method string, state State) error {
	for key := range state {
		return fmt.Errorf("optim: %s keeps no state, but the State has key %q; was it saved by another optimizer?", method, key)
	}
	return nil
}

// stateScalar reads a finite number stored under key.
func stateScalar(method string, state State, key string) (float64, error) {
	value := state[key]
	if len(value) != 1 || !isFinite(value[0]) {
		return 0, fmt.Errorf("optim: %s: State[%q] = %v; want one finite number", method, key, value)
	}
	return value[0], nil
}

// stateCounter reads a non-negative integer stored under key.
func stateCounter(method string, state State, key string) (int, error) {
	value := state[key]
	if len(value) != 1 || !(value[0] >= 0) || value[0] != math.Trunc(value[0]) || value[0] > 1<<53 {
		return 0, fmt.Errorf("optim: %s: State[%q] = %v; want one non-negative integer", method, key, value)
	}
	return int(value[0]), nil
}

// stateVector copies the vector stored under key, which must have length n
// (or 0 when empty is allowed, meaning not yet set: then it returns nil).
func stateVector(method string, state State, key string, n int, empty bool) ([]float64, error) {
	value := state[key]
	if len(value) == 0 && empty {
		return nil, nil
	}
	if len(value) != n {
		return nil, fmt.Errorf("optim: %s: State[%q] has length %d; want %d", method, key, len(value), n)
	}
	return slices.Clone(value), nil
}

// restoredVector copies the vector State[key] for an optimizer whose state
// vectors have length dim, or 0 before its first Step, when any length is
// accepted and a mismatch with θ is reported by the next Step. An empty
// vector (saved before the first Step) restores as nil. Non-finite values
// are rejected.
func restoredVector(method string, state State, key string, dim int) ([]float64, error) {
	value := state[key]
	if len(value) == 0 {
		return nil, nil
	}
	if dim != 0 && len(value) != dim {
		return nil, fmt.Errorf("optim: %s: State[%q] has length %d; want %d, the length of this optimizer's state, or 0 for a State saved before the first step (call Reset first to restore a State of another dimension)", method, key, len(value), dim)
	}
	if i := finite.First(value); i >= 0 {
		return nil, fmt.Errorf("optim: %s: State[%q][%d] = %v; want finite numbers (the State was saved after the run diverged)", method, key, i, value[i])
	}
	return slices.Clone(value), nil
}

// restoredAverage copies a saved average; an empty one (saved before the
// first Step) restores as nil.
func restoredAverage(saved []float64) []float64 {
	if len(saved) == 0 {
		return nil
	}
	return append([]float64(nil), saved...)
}

// resizeFloats returns s with length n, reusing its storage when large enough.
func resizeFloats(s []float64, n int) []float64 {
	if cap(s) >= n {
		return s[:n]
	}
	return make([]float64, n)
}

// isFinite reports whether x is neither NaN nor infinite.
func isFinite(x float64) bool { return !math.IsNaN(x) && !math.IsInf(x, 0) }
