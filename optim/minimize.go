package optim

import (
	"errors"
	"fmt"
	"math"
	"slices"

	"gonum.org/v1/gonum/floats"
)

var _ Objective = (*Memo)(nil)

// Memo wraps an Objective, remembers the last point it evaluated with J and
// ∇J there, and counts the evaluations it passes on. A line search evaluates
// J and ∇J at the point it accepts, and the caller of Optimizer.Step then
// asks for them again at the same θ: through a Memo that second request is
// free and is not counted, so FuncEvals and GradEvals count real work.
//
// A remembered point is matched bit for bit. Call Reset whenever the
// underlying function changes (a new minibatch), or a stale value would be
// served. The zero value is not usable; build one with NewMemo.
type Memo struct {
	// Objective is the wrapped objective.
	Objective Objective
	// FuncEvals and GradEvals count the evaluations passed on to Objective
	// (one with a gradient counts as both); Hits counts those served from
	// memory.
	FuncEvals, GradEvals, Hits int

	theta, grad    []float64
	value          float64
	valid, hasGrad bool
}

// NewMemo returns a Memo around obj with zero counters.
func NewMemo(obj Objective) *Memo { return &Memo{Objective: obj} }

// Dim implements Objective.
func (m *Memo) Dim() int { return m.Objective.Dim() }

// Eval implements Objective: it returns the remembered values when theta is
// the last point evaluated (and its gradient is known when grad is
// requested), else evaluates Objective and remembers the result.
func (m *Memo) Eval(theta, grad []float64) (float64, error) {
	if m.Remembers(theta, grad != nil) {
		m.Hits++
		if grad != nil {
			copy(grad, m.grad)
		}
		return m.value, nil
	}
	m.valid = false
	m.FuncEvals++
	if grad == nil {
		value, err := m.Objective.Eval(theta, nil)
		if err != nil {
			return value, err
		}
		m.remember(theta, value, false)
		return value, nil
	}
	m.GradEvals++
	m.grad = resizeFloats(m.grad, len(grad))
	value, err := m.Objective.Eval(theta, m.grad)
	if err != nil {
		return value, err
	}
	copy(grad, m.grad)
	m.remember(theta, value, true)
	return value, nil
}

// EvalOnce evaluates Objective at theta and counts the evaluation as Eval
// does, but remembers nothing (it forgets the remembered point): for a point
// that will not be evaluated again before Reset, such as a training loop's
// starting point on a minibatch drawn for one step of SGD, it saves Eval's
// copies of θ and the gradient (two vector copies per step).
func (m *Memo) EvalOnce(theta, grad []float64) (float64, error) {
	m.count(grad != nil)
	return m.Objective.Eval(theta, grad)
}

// EvalInPlace is EvalOnce for an Objective that is InPlace: it leaves ∇J
// in the objective's segments for an InPlaceStepper. It refuses any other
// Objective.
func (m *Memo) EvalInPlace(theta []float64) (float64, error) {
	obj, ok := m.Objective.(InPlace)
	if !ok {
		return 0, fmt.Errorf("optim: Memo.EvalInPlace: %T keeps no gradient in place (InPlace); use EvalOnce", m.Objective)
	}
	m.count(true)
	return obj.EvalInPlace(theta)
}

// count forgets the remembered point and counts an evaluation that will not
// be remembered (withGrad: with the gradient).
func (m *Memo) count(withGrad bool) {
	m.valid = false
	m.FuncEvals++
	if withGrad {
		m.GradEvals++
	}
}

// Reset forgets the remembered point (the counters are kept).
func (m *Memo) Reset() { m.valid = false }

// Remembers reports whether Eval at theta would be served from memory (with
// the gradient when withGrad). A training loop saves it in a checkpoint, so
// that a resumed run re-creates the memory without counting the evaluation
// again.
func (m *Memo) Remembers(theta []float64, withGrad bool) bool {
	return m.valid && (!withGrad || m.hasGrad) && sameBits(theta, m.theta)
}

// remember stores the point just evaluated.
func (m *Memo) remember(theta []float64, value float64, hasGrad bool) {
	m.theta = append(m.theta[:0], theta...)
	m.value, m.hasGrad, m.valid = value, hasGrad, true
}

// sameBits reports whether a and b hold the same float64 bit patterns.
func sameBits(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

// Status is the reason Minimize stopped.
type Status int

// Reasons Minimize stops.
const (
	// NotTerminated is the zero Status: Minimize has not stopped.
	NotTerminated Status = iota
	// GradientConverged: ‖∇J‖∞ ≤ Settings.GradientTolerance.
	GradientConverged
	// FunctionConverged: J improved by less than Settings.FunctionTolerance
	// (relative) over Settings.FunctionIterations iterations.
	FunctionConverged
	// IterationLimit: Settings.MaxIterations steps were taken.
	IterationLimit
	// EvaluationLimit: Settings.MaxFuncEvals evaluations were made.
	EvaluationLimit
	// LineSearchFailed: the optimizer's line search failed (after the
	// optimizer's own restarts); θ is the best point it found.
	LineSearchFailed
	// NonFinite: J or ∇J is NaN or infinite at θ.
	NonFinite
	// Failure: the objective or the optimizer returned another error.
	Failure
)

// String names the status.
func (s Status) String() string {
	switch s {
	case NotTerminated:
		return "not terminated"
	case GradientConverged:
		return "gradient converged"
	case FunctionConverged:
		return "function converged"
	case IterationLimit:
		return "iteration limit"
	case EvaluationLimit:
		return "evaluation limit"
	case LineSearchFailed:
		return "line search failed"
	case NonFinite:
		return "non-finite value"
	case Failure:
		return "failure"
	}
	return fmt.Sprintf("Status(%d)", int(s))
}

// Converged reports whether the status is a convergence test that passed.
func (s Status) Converged() bool { return s == GradientConverged || s == FunctionConverged }

// Defaults of Settings.
const (
	// DefaultGradientTolerance is the default bound on ‖∇J‖∞.
	DefaultGradientTolerance = 1e-6
	// DefaultMaxIterations is the default iteration limit.
	DefaultMaxIterations = 10000
	// DefaultFunctionIterations is the default window of the function
	// convergence test.
	DefaultFunctionIterations = 5
)

// Settings configure Minimize. The zero value stops when ‖∇J‖∞ ≤ 1e-6 or
// after 10000 iterations.
type Settings struct {
	// GradientTolerance stops when ‖∇J‖∞ ≤ GradientTolerance; zero means
	// DefaultGradientTolerance and a negative value disables the test.
	GradientTolerance float64
	// FunctionTolerance, when positive, stops when the best J has not
	// improved by more than FunctionTolerance·(1 + |J|) for
	// FunctionIterations consecutive iterations.
	FunctionTolerance float64
	// FunctionIterations is the window of that test; zero means
	// DefaultFunctionIterations.
	FunctionIterations int
	// MaxIterations bounds the calls of Optimizer.Step; zero means
	// DefaultMaxIterations.
	MaxIterations int
	// MaxFuncEvals, when positive, stops once that many evaluations of J
	// were made; it is checked between iterations, so the last iteration may
	// exceed it.
	MaxFuncEvals int
	// LearningRate is the lr passed to every Step (methods with a line search
	// use it as their first trial step; 0 lets them choose).
	LearningRate float64
}

// Result is the outcome of Minimize.
type Result struct {
	// Theta is the final point, F = J(Theta), Grad = ∇J(Theta) and GradNorm
	// its infinity norm.
	Theta, Grad []float64
	F, GradNorm float64
	// Iterations counts the calls of Optimizer.Step.
	Iterations int
	// FuncEvals and GradEvals count real evaluations of the objective (a
	// repeated request at the same point is served from memory; see Memo).
	FuncEvals, GradEvals int
	// Status is the reason Minimize stopped.
	Status Status
}

// Minimize minimises obj from theta (left unchanged) by calling opt.Step
// until a test of s stops it, as gonum's optimize.Minimize does for its
// methods. It evaluates J and ∇J at each iterate through a Memo, so the
// evaluation a line search made at the point it accepted is reused. The
// error is nil when the status is a convergence or a limit, and says what
// went wrong for LineSearchFailed, NonFinite and Failure; the Result is filled
// in either case with the last point reached.
func Minimize(obj Objective, theta []float64, opt Optimizer, s Settings) (Result, error) {
	if err := s.check(); err != nil {
		return Result{Status: Failure}, err
	}
	if n := obj.Dim(); len(theta) != n {
		return Result{Status: Failure}, fmt.Errorf("optim: Minimize: len(theta) = %d, want the objective's dimension %d", len(theta), n)
	}
	memo := NewMemo(obj)
	result := Result{Theta: slices.Clone(theta), Grad: make([]float64, len(theta))}
	evaluate := func() error {
		var err error
		result.F, err = memo.Eval(result.Theta, result.Grad)
		result.GradNorm = floats.Norm(result.Grad, math.Inf(1))
		result.FuncEvals, result.GradEvals = memo.FuncEvals, memo.GradEvals
		if err != nil {
			result.Status = Failure
			return fmt.Errorf("optim: Minimize: evaluating the objective after %d iterations: %w", result.Iterations, err)
		}
		if !isFinite(result.F) || !isFinite(result.GradNorm) {
			result.Status = NonFinite
			return fmt.Errorf("optim: Minimize: J = %v, ‖∇J‖∞ = %v after %d iterations; lower the learning rate or check the objective", result.F, result.GradNorm, result.Iterations)
		}
		return nil
	}
	if err := evaluate(); err != nil {
		return result, err
	}
	best, idle := result.F, 0
	for {
		if result.Status = s.stopped(result, idle, memo.FuncEvals); result.Status != NotTerminated {
			return result, nil
		}
		_, stepErr := opt.Step(memo, result.Theta, result.F, result.Grad, s.LearningRate)
		result.Iterations++
		if err := evaluate(); err != nil {
			return result, errors.Join(stepErr, err)
		}
		if stepErr != nil {
			result.Status = Failure
			if IsLineSearchFailure(stepErr) {
				result.Status = LineSearchFailed
			}
			return result, stepErr
		}
		if result.F < best-s.FunctionTolerance*(1+math.Abs(best)) {
			best, idle = result.F, 0
		} else {
			best, idle = math.Min(best, result.F), idle+1
		}
	}
}

// stopped returns the status that ends the run at result, or NotTerminated.
func (s Settings) stopped(result Result, idle, funcEvals int) Status {
	tolerance := s.GradientTolerance
	if tolerance == 0 {
		tolerance = DefaultGradientTolerance
	}
	maxIterations := s.MaxIterations
	if maxIterations == 0 {
		maxIterations = DefaultMaxIterations
	}
	window := s.FunctionIterations
	if window == 0 {
		window = DefaultFunctionIterations
	}
	switch {
	case result.GradNorm <= tolerance:
		return GradientConverged
	case s.FunctionTolerance > 0 && idle >= window:
		return FunctionConverged
	case result.Iterations >= maxIterations:
		return IterationLimit
	case s.MaxFuncEvals > 0 && funcEvals >= s.MaxFuncEvals:
		return EvaluationLimit
	}
	return NotTerminated
}

// check reports settings out of range.
func (s Settings) check() error {
	switch {
	case math.IsNaN(s.GradientTolerance):
		return errors.New("optim: Settings.GradientTolerance = NaN; want a bound ≥ 0 (0 for 1e-6) or < 0 to disable")
	case !(s.FunctionTolerance >= 0) || math.IsInf(s.FunctionTolerance, 1):
		return fmt.Errorf("optim: Settings.FunctionTolerance = %v; want a finite value ≥ 0 (0 disables the test)", s.FunctionTolerance)
	case s.FunctionIterations < 0:
		return fmt.Errorf("optim: Settings.FunctionIterations = %d; want ≥ 1, or 0 for %d", s.FunctionIterations, DefaultFunctionIterations)
	case s.MaxIterations < 0:
		return fmt.Errorf("optim: Settings.MaxIterations = %d; want ≥ 1, or 0 for %d", s.MaxIterations, DefaultMaxIterations)
	case s.MaxFuncEvals < 0:
		return fmt.Errorf("optim: Settings.MaxFuncEvals = %d; want ≥ 1, or 0 for no limit", s.MaxFuncEvals)
	case !(s.LearningRate >= 0) || math.IsInf(s.LearningRate, 1):
		return fmt.Errorf("optim: Settings.LearningRate = %v; want a finite lr ≥ 0", s.LearningRate)
	}
	return nil
}
