package optim

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// nextDirectioner is what distinguishes one line-search method with memory
// from another (CG, BFGS, L-BFGS): how it chooses the search direction and the
// first trial step, and what it learns from the step taken, as gonum's
// optimize.NextDirectioner is for its LinesearchMethod. The step itself —
// checks, the line search, the restart along steepest descent — is
// lineSearchMethod's.
type nextDirectioner interface {
	// checkSettings reports a setting out of range, or a memory of vectors
	// whose length is not the dimension n.
	checkSettings(n int) error
	// nextDirection returns the search direction d at the iterate whose
	// gradient is grad (in the method's own storage, with grad·d < 0), the
	// first trial step along it, whether d is steepest descent −grad, and
	// whether the method discarded its memory to choose it.
	nextDirection(grad []float64, lr float64) (direction []float64, s0 float64, steepest, restarted bool)
	// moved updates the memory after a successful step, which took θ from
	// start (gradient grad) to theta as outcome describes.
	moved(start, theta, grad []float64, outcome searchOutcome)
	// Reset forgets the memory; lineSearchMethod calls it when a step fails.
	Reset()
}

// lineSearchMethod is the step that CG, BFGS and L-BFGS share (gonum's
// optimize.LinesearchMethod): the method's nextDirectioner chooses a
// direction, a LineSearcher a step length along it, and θ moves there. When
// the search fails along a direction other than steepest descent, the step is
// retried, as Nocedal & Wright advise for nonlinear CG (§5.2): θ moves to the
// best point the failed search saw and a new search runs along −∇J from
// there. Only when steepest descent fails too is the failure reported, with
// θ at the best point seen and the method's memory forgotten. The zero value
// is ready to use; it keeps scratch storage between steps.
type lineSearchMethod struct {
	// start is θ at the start of the step; grad and direction are ∇J and
	// −∇J at the point a restart searches from.
	start, grad, direction []float64
}

// searchOutcome is a successful step: the last search started at the point
// with gradient grad and moved θ by result.Step·direction; restarted reports
// that the method's own direction failed and steepest descent replaced it,
// and steepest that the last search was along −grad (either way).
type searchOutcome struct {
	grad, direction     []float64
	result              LineResult
	restarted, steepest bool
}

// step performs one iteration of the method that method names and next
// describes, searching with search; see Optimizer.Step.
func (m *lineSearchMethod) step(method string, next nextDirectioner, search LineSearcher, obj Objective, theta []float64, loss float64, grad []float64, lr float64) (Info, error) {
	n := obj.Dim()
	if err := checkStepArguments(method, n, theta, grad); err != nil {
		return Info{}, err
	}
	if err := next.checkSettings(n); err != nil {
		return Info{}, err
	}
	if err := checkLearningRate(method, lr); err != nil {
		return Info{}, err
	}
	if floats.Norm(grad, math.Inf(1)) == 0 {
		return Info{}, nil
	}
	direction, s0, steepest, restarted := next.nextDirection(grad, lr)
	info := Info{Restarted: restarted}
	m.start = append(m.start[:0], theta...)
	outcome, err := m.search(method, search, obj, theta, loss, grad, direction, s0, steepest, lr, &info)
	if err != nil {
		next.Reset()
		info.Restarted = true
		return info, err
	}
	info.Restarted = info.Restarted || outcome.restarted
	next.moved(m.start, theta, grad, outcome)
	return info, nil
}

// search runs the line search from θ along direction with first trial step
// s0 (steepest says direction is −grad), retrying along steepest descent as
// lineSearchMethod describes, and adds the work to info.
func (m *lineSearchMethod) search(method string, search LineSearcher, obj Objective, theta []float64, loss float64, grad, direction []float64, s0 float64, steepest bool, lr float64, info *Info) (searchOutcome, error) {
	result, err := searchAlong(search, obj, theta, loss, grad, direction, s0, info)
	if err == nil {
		return searchOutcome{grad: grad, direction: direction, result: result, steepest: steepest}, nil
	}
	var failure *LineSearchError
	retry := errors.As(err, &failure) && failure.Reason != LineSearchBadArgument && failure.Reason != LineSearchEvaluation
	if steepest || !retry {
		moveToBest(theta, direction, result, loss, info)
		return searchOutcome{}, fmt.Errorf("optim: %s: %w", method, err)
	}

	n := len(theta)
	m.grad = resizeFloats(m.grad, n)
	m.direction = resizeFloats(m.direction, n)
	if moveToBest(theta, direction, result, loss, info) {
		loss = result.F
		if result.Grad != nil {
			copy(m.grad, result.Grad)
		} else {
			loss, err = obj.Eval(theta, m.grad)
			info.FuncEvals++
			info.GradEvals++
			if err != nil {
				return searchOutcome{}, fmt.Errorf("optim: %s: gradient at the best point of a failed line search: %w", method, err)
			}
		}
	} else {
		copy(m.grad, grad)
	}
	floats.ScaleTo(m.direction, -1, m.grad)
	restart := searchOutcome{grad: m.grad, direction: m.direction, restarted: true, steepest: true}
	if floats.Norm(m.grad, math.Inf(1)) == 0 {
		// The best point is stationary: the failed step still progressed.
		return restart, nil
	}
	restart.result, err = searchAlong(search, obj, theta, loss, m.grad, m.direction, initialStep(lr, m.grad), info)
	if err != nil {
		moveToBest(theta, m.direction, restart.result, loss, info)
		return searchOutcome{}, fmt.Errorf("optim: %s: line search failed along the method's direction and again along steepest descent after a restart: %w", method, err)
	}
	return restart, nil
}

// searchAlong runs search from θ along direction with first trial step s0,
// adds its work to info and, when it succeeds, moves θ to the accepted point
// and records the step length. On failure θ is left unchanged and the result
// is the best point the search saw.
func searchAlong(search LineSearcher, obj Objective, theta []float64, loss float64, grad, direction []float64, s0 float64, info *Info) (LineResult, error) {
	result, err := search.Search(obj, theta, loss, grad, direction, s0)
	info.FuncEvals += result.FuncEvals
	info.GradEvals += result.GradEvals
	info.LineSearchIters += result.Iters
	if err != nil {
		return result, err
	}
	movePoint(theta, theta, result.Step, direction)
	info.StepLength = result.Step
	return result, nil
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

// initialStep is the first trial step of a method without a previous step:
// lr when positive, else the step that moves θ by at most 1 in each element
// along −∇J, 1/‖∇J‖∞.
func initialStep(lr float64, grad []float64) float64 {
	if lr > 0 {
		return lr
	}
	return 1 / floats.Norm(grad, math.Inf(1))
}

// lineSearchOrDefault returns search, or fallback (Armijo backtracking with
// its defaults, kept by the method so that its scratch storage is reused)
// when search is nil.
func lineSearchOrDefault(search LineSearcher, fallback *Backtracking) LineSearcher {
	if search == nil {
		return fallback
	}
	return search
}
