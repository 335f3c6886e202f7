package optim

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/floats"
)

// LineSearchFailure is the reason a line search gave up.
type LineSearchFailure int

// Reasons a line search fails.
const (
	// LineSearchBadArgument: lengths that differ from the objective's
	// dimension, a first trial step that is not a finite positive number, or
	// settings out of range.
	LineSearchBadArgument LineSearchFailure = iota + 1
	// LineSearchNotDescent: g0·d ≥ 0 (or d = 0), so no step along d decreases J.
	LineSearchNotDescent
	// LineSearchNonFinite: J(θ) or ∇J(θ) is not finite, or no trial point
	// had a finite value.
	LineSearchNonFinite
	// LineSearchMaxIterations: the trial budget ran out before a step met
	// the search's conditions.
	LineSearchMaxIterations
	// LineSearchNoProgress: the steps or the bracketing interval shrank
	// below what float64 can resolve at θ; usually θ is already a minimiser
	// to machine precision, or the gradient is wrong.
	LineSearchNoProgress
	// LineSearchEvaluation: the objective returned an error.
	LineSearchEvaluation
	// LineSearchStepLimit: the step reached the search's MaxStep while J
	// still decreased steeply; J may be unbounded below along d.
	LineSearchStepLimit
)

// String names the reason.
func (f LineSearchFailure) String() string {
	switch f {
	case LineSearchBadArgument:
		return "bad argument"
	case LineSearchNotDescent:
		return "not a descent direction"
	case LineSearchNonFinite:
		return "non-finite values"
	case LineSearchMaxIterations:
		return "iteration limit"
	case LineSearchNoProgress:
		return "no progress"
	case LineSearchEvaluation:
		return "objective error"
	case LineSearchStepLimit:
		return "step limit"
	}
	return fmt.Sprintf("LineSearchFailure(%d)", int(f))
}

// LineSearchError is the error every line search of this package returns
// when it fails. Best is the best point the search saw (the lowest finite
// trial value, or Step 0 and F = J(θ) when no trial improved on θ); the search
// returns it as its LineResult as well, so a method can continue from it.
type LineSearchError struct {
	// Search names the line search ("backtracking", "strong Wolfe").
	Search string
	// Reason classifies the failure.
	Reason LineSearchFailure
	// Detail explains it with the offending values.
	Detail string
	// Best is the best point seen.
	Best LineResult
	// Err is the objective's error when Reason is LineSearchEvaluation.
	Err error
}

// Error implements error.
func (e *LineSearchError) Error() string {
	message := fmt.Sprintf("optim: %s line search failed (%v): %s", e.Search, e.Reason, e.Detail)
	if e.Err != nil {
		message += ": " + e.Err.Error()
	}
	return message
}

// Unwrap returns the objective's error, if any.
func (e *LineSearchError) Unwrap() error { return e.Err }

// IsLineSearchFailure reports whether err is, or wraps, a *LineSearchError.
func IsLineSearchFailure(err error) bool {
	var failure *LineSearchError
	return errors.As(err, &failure)
}

// IsRecoverableSearchFailure reports whether err is, or wraps, a line search
// failure that leaves θ at a valid point: the start or the best point the
// search saw, with the method's memory forgotten. Every reason but a bad
// argument or an objective error qualifies. Minimize stops there
// (LineSearchFailed); a training loop can go on from θ with the next
// minibatch, as PyTorch's LBFGS returns from a failed search; the averagers
// count θ as an iterate.
func IsRecoverableSearchFailure(err error) bool {
	if err == nil {
		return false // before failure, which escapes, is allocated
	}
	var failure *LineSearchError
	return errors.As(err, &failure) && failure.Reason != LineSearchBadArgument && failure.Reason != LineSearchEvaluation
}

// movePoint writes θ + s·d into dst (which may be theta). Every method and
// line search of this package forms trial and accepted points with it, so the
// accepted θ is bit-identical to the point the line search evaluated and a
// Memo serves its value and gradient without a new evaluation.
func movePoint(dst, theta []float64, step float64, direction []float64) {
	floats.AddScaledTo(dst, theta, step, direction)
}

// lineFunction evaluates φ(s) = J(θ + s·d) and φ'(s) = ∇J(θ + s·d)·d in
// scratch storage that persists between searches, counts the evaluations and
// remembers the best point seen. Every trial evaluates J and ∇J together, so
// the accepted point (and the best point of a failed search) comes with its
// gradient, which the calling method needs for its next iterate.
type lineFunction struct {
	search                string
	obj                   Objective
	theta, direction      []float64
	f0, slope0            float64
	point, grad, bestGrad []float64
	result                LineResult // counters and the best point
	haveFinite            bool
}

// start checks the arguments of LineSearcher.Search and prepares the scratch
// storage.
func (l *lineFunction) start(search string, obj Objective, theta []float64, f0 float64, g0, direction []float64, s0 float64) *LineSearchError {
	l.search = search
	n := obj.Dim()
	l.result = LineResult{F: f0}
	l.haveFinite = false
	if len(theta) != n || len(g0) != n || len(direction) != n {
		return l.fail(LineSearchBadArgument, fmt.Sprintf("len(theta) = %d, len(g0) = %d, len(d) = %d, want all equal to the objective's dimension %d", len(theta), len(g0), len(direction), n))
	}
	if !(s0 > 0) || math.IsInf(s0, 1) {
		return l.fail(LineSearchBadArgument, fmt.Sprintf("first trial step %v; want a finite step > 0", s0))
	}
	l.obj, l.theta, l.direction, l.f0 = obj, theta, direction, f0
	l.slope0 = floats.Dot(g0, direction)
	if math.IsNaN(f0) || math.IsInf(f0, 0) || math.IsNaN(l.slope0) || math.IsInf(l.slope0, 0) {
		return l.fail(LineSearchNonFinite, fmt.Sprintf("J(θ) = %v and g0·d = %v at the start; both must be finite", f0, l.slope0))
	}
	if !(l.slope0 < 0) {
		return l.fail(LineSearchNotDescent, fmt.Sprintf("g0·d = %v; the direction must satisfy g0·d < 0", l.slope0))
	}
	l.point = resizeFloats(l.point, n)
	l.grad = resizeFloats(l.grad, n)
	l.bestGrad = resizeFloats(l.bestGrad, n)
	return nil
}

// valueAndSlope returns φ(s) and φ'(s), evaluating J and ∇J.
func (l *lineFunction) valueAndSlope(step float64) (float64, float64, *LineSearchError) {
	if err := l.moveTo(step); err != nil {
		return math.NaN(), math.NaN(), err
	}
	f, err := l.obj.Eval(l.point, l.grad)
	l.result.FuncEvals++
	l.result.GradEvals++
	l.result.Iters++
	if err != nil {
		return f, math.NaN(), l.evaluationError(step, err)
	}
	slope := floats.Dot(l.grad, l.direction)
	if math.IsNaN(slope) || math.IsInf(slope, 0) {
		return math.NaN(), math.NaN(), nil
	}
	l.record(step, f)
	return f, slope, nil
}

// moveTo forms the trial point θ + s·d, and fails when it equals θ in every
// element: then no smaller step can change J either.
func (l *lineFunction) moveTo(step float64) *LineSearchError {
	movePoint(l.point, l.theta, step, l.direction)
	if floats.Equal(l.point, l.theta) {
		return l.fail(LineSearchNoProgress, fmt.Sprintf("θ + s·d equals θ in float64 at step %g after %d trials; θ is a minimiser along d to machine precision, or the gradient is inconsistent with J", step, l.result.Iters))
	}
	return nil
}

// samePoint reports whether θ + a·d and θ + b·d are equal in every element.
func (l *lineFunction) samePoint(a, b float64) bool {
	for i, theta := range l.theta {
		if theta+a*l.direction[i] != theta+b*l.direction[i] {
			return false
		}
	}
	return true
}

// record keeps (s, φ(s)) and the gradient there when it is the best finite
// point so far.
func (l *lineFunction) record(step, f float64) {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return
	}
	l.haveFinite = true
	if f < l.result.F {
		l.result.Step, l.result.F = step, f
		copy(l.bestGrad, l.grad)
	}
}

// accept returns the point at step, the last one evaluated, as the search's
// result, with its gradient in a new slice owned by the caller.
func (l *lineFunction) accept(step, f float64) LineResult {
	result := l.result
	result.Step, result.F = step, f
	result.Grad = append([]float64(nil), l.grad...)
	return result
}

// best returns the best point seen as a LineResult (Step 0 when no trial
// improved on θ).
func (l *lineFunction) best() LineResult {
	result := l.result
	result.Grad = nil
	if result.Step > 0 {
		result.Grad = append([]float64(nil), l.bestGrad...)
	}
	return result
}

// fail builds the search's error around the best point seen.
func (l *lineFunction) fail(reason LineSearchFailure, detail string) *LineSearchError {
	return &LineSearchError{Search: l.search, Reason: reason, Detail: detail, Best: l.best()}
}

// evaluationError reports an error of the objective at a trial step.
func (l *lineFunction) evaluationError(step float64, err error) *LineSearchError {
	failure := l.fail(LineSearchEvaluation, fmt.Sprintf("evaluating J at step %g", step))
	failure.Err = err
	return failure
}

// budgetExhausted reports the end of the trial budget: as non-finite values
// when no trial had a finite value, else as the iteration limit.
func (l *lineFunction) budgetExhausted(maxIterations int, lastStep float64) *LineSearchError {
	if !l.haveFinite {
		return l.fail(LineSearchNonFinite, fmt.Sprintf("no finite value of J in %d trials down to step %g; the objective overflows or is undefined along d", maxIterations, lastStep))
	}
	return l.fail(LineSearchMaxIterations, fmt.Sprintf("no acceptable step in %d trials (last trial step %g, best step %g with J = %g against J(θ) = %g); raise MaxIterations or check the gradient", maxIterations, lastStep, l.result.Step, l.result.F, l.f0))
}
