package optim

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"
)

// restartingSearch runs the line search of a method with memory (CG, BFGS,
// L-BFGS) along the method's direction. When that search fails along a
// direction other than steepest descent, it restarts, as Nocedal & Wright
// advise for nonlinear CG (§5.2): it moves θ to the best point the failed
// search saw and searches along −∇J from there. Only when steepest descent
// fails too does it report the failure. It keeps scratch storage between
// calls.
type restartingSearch struct {
	grad, direction []float64
}

// searchOutcome is a successful step: the last search started at the point
// with gradient grad and moved θ by result.Step·direction; restarted reports
// that the method's own direction failed and steepest descent replaced it.
type searchOutcome struct {
	grad, direction []float64
	result          LineResult
	restarted       bool
}

// initialStep is the first trial step of a method without a previous step:
// lr when positive, else the step that moves θ by at most 1 in each element
// along −∇J, 1/‖∇J‖∞.
func initialStep(lr float64, grad []float64) float64 {
	if lr > 0 {
		return lr
	}
	return 1 / floats.Norm(grad, math.Inf(1))
}

// checkLearningRate rejects a negative, NaN or infinite lr; zero selects
// initialStep's default.
func checkLearningRate(method string, lr float64) error {
	if !(lr >= 0) || math.IsInf(lr, 1) {
		return fmt.Errorf("optim: %s: lr = %v; want a finite first trial step > 0, or 0 for 1/‖∇J‖∞", method, lr)
	}
	return nil
}

// run searches from θ along direction with first trial step s0 (steepest
// says direction is −grad), moving θ to the accepted point, and adds the
// work to info. On failure θ is left at the best point seen.
func (r *restartingSearch) run(method string, search LineSearcher, obj Objective, theta []float64, loss float64, grad, direction []float64, s0 float64, steepest bool, lr float64, info *Info) (searchOutcome, error) {
	result, err := search.Search(obj, theta, loss, grad, direction, s0)
	addSearchWork(info, result)
	if err == nil {
		movePoint(theta, theta, result.Step, direction)
		info.StepLength = result.Step
		return searchOutcome{grad: grad, direction: direction, result: result}, nil
	}
	var failure *LineSearchError
	retry := errors.As(err, &failure) && failure.Reason != LineSearchBadArgument && failure.Reason != LineSearchEvaluation
	if steepest || !retry {
		moveToBest(theta, direction, result, loss, info)
		return searchOutcome{}, fmt.Errorf("optim: %s: %w", method, err)
	}

	n := len(theta)
	r.grad = resizeFloats(r.grad, n)
	r.direction = resizeFloats(r.direction, n)
	if moveToBest(theta, direction, result, loss, info) {
		loss = result.F
		if result.Grad != nil {
			copy(r.grad, result.Grad)
		} else {
			loss, err = obj.Eval(theta, r.grad)
			info.FuncEvals++
			info.GradEvals++
			if err != nil {
				return searchOutcome{}, fmt.Errorf("optim: %s: gradient at the best point of a failed line search: %w", method, err)
			}
		}
	} else {
		copy(r.grad, grad)
	}
	floats.ScaleTo(r.direction, -1, r.grad)
	if floats.Norm(r.grad, math.Inf(1)) == 0 {
		// The best point is stationary: the failed step still progressed.
		return searchOutcome{grad: r.grad, direction: r.direction, restarted: true}, nil
	}
	retried, err := search.Search(obj, theta, loss, r.grad, r.direction, initialStep(lr, r.grad))
	addSearchWork(info, retried)
	if err != nil {
		moveToBest(theta, r.direction, retried, loss, info)
		return searchOutcome{}, fmt.Errorf("optim: %s: line search failed along the method's direction and again along steepest descent after a restart: %w", method, err)
	}
	movePoint(theta, theta, retried.Step, r.direction)
	info.StepLength = retried.Step
	return searchOutcome{grad: r.grad, direction: r.direction, result: retried, restarted: true}, nil
}

// moveToBest moves θ to the best point of a failed search when it lies below
// loss, and reports whether it did.
func moveToBest(theta, direction []float64, best LineResult, loss float64, info *Info) bool {
	if !(best.Step > 0 && best.F < loss) {
		return false
	}
	movePoint(theta, theta, best.Step, direction)
	info.StepLength = best.Step
	return true
}

// addSearchWork adds a line search's counts to info.
func addSearchWork(info *Info, result LineResult) {
	info.FuncEvals += result.FuncEvals
	info.GradEvals += result.GradEvals
	info.LineSearchIters += result.Iters
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

// stateScalar reads a finite number stored under key.
func stateScalar(method string, state State, key string) (float64, error) {
	value := state[key]
	if len(value) != 1 || !isFinite(value[0]) {
		return 0, fmt.Errorf("optim: %s: State[%q] = %v; want one finite number", method, key, value)
	}
	return value[0], nil
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
