// Package optim holds the optimization methods of deepopt behind one interface.
//
// Every method, plain SGD included, sees the training problem only through an
// Objective: the loss J(θ) of the current minibatch as a function of the flat
// parameter vector θ, with its gradient. Line searches evaluate trial points
// through it, quasi-Newton and Newton methods difference its gradients, and
// averaging wrappers sit around any method. One interface makes every method
// comparable by the same counters (function and gradient evaluations).
//
// One capability is optional: an Objective that evaluates in float32
// storage of its own, a float32 graph, may also be InPlace, and SGD and
// Adam (InPlaceStepper) then read its gradient and write the new θ where
// they lie, in the pass that updates θ in float64, with the same bits as
// through Eval and Step.
//
// Each optimizer keeps its state (velocities, moment estimates, previous
// directions, counters) in its own unexported fields, as gonum's methods and
// PyTorch's optimizers do, and hands out a deep copy of it as named vectors
// (State) that SetState restores, so that a checkpointed run resumes
// exactly.
package optim

// Objective is the loss J(θ) of the current minibatch as a function of the flat
// parameter vector θ.
type Objective interface {
	// Dim is the length of θ.
	Dim() int
	// Eval returns J(θ) and, when grad is non-nil, writes ∇J(θ) into grad
	// (len(grad) == Dim()). A nil grad asks for the value alone, which an
	// implementation may compute more cheaply. Eval keeps neither slice.
	Eval(theta, grad []float64) (float64, error)
}

// Optimizer advances θ one iteration at a time.
type Optimizer interface {
	// Step performs one iteration from θ, updating theta in place. loss and
	// grad are J(θ) and ∇J(θ) on the current minibatch, already evaluated by
	// the caller; obj evaluates further points on the same minibatch. lr is the
	// learning rate the schedule gives for this step; methods with a line search
	// use it as their first trial step length or ignore it, as documented.
	// Step must not modify grad.
	Step(obj Objective, theta []float64, loss float64, grad []float64, lr float64) (Info, error)
	// State returns a deep copy of everything Step depends on besides its
	// arguments (velocities, moment estimates, previous directions, counters).
	State() State
	// SetState restores a State returned by State of an optimizer with the same
	// settings and dimension; it reports a mismatch as an error.
	SetState(State) error
}

// ResetMemory makes opt forget what it learnt on earlier steps (CG's previous
// direction, the (s, y) pairs of LBFGS, BFGS's inverse Hessian; SGD's and
// Adam's moments too) through its Reset method, looking through the
// averaging wrappers, whose averages are kept. It reports whether opt had a
// memory to forget. Call it when the objective changes, as at a new
// minibatch, to study a method's memory: what it holds describes the old
// minibatch's loss.
func ResetMemory(opt Optimizer) bool {
	switch o := opt.(type) {
	case *PolyakAverage:
		return ResetMemory(o.Inner)
	case *ExponentialAverage:
		return ResetMemory(o.Inner)
	case interface{ Reset() }:
		o.Reset()
		return true
	}
	return false
}

// MakesEvaluations reports whether opt's Step may evaluate its objective
// (line searches, Hessian products, block minimisation): false for SGD and
// Adam, which step on the gradient they are given, looking through the
// averaging wrappers; true for every other method. A training loop that
// draws a new minibatch every step evaluates θ only once on it when it is
// false, and then needs no Memo.
func MakesEvaluations(opt Optimizer) bool {
	switch o := opt.(type) {
	case *PolyakAverage:
		return MakesEvaluations(o.Inner)
	case *ExponentialAverage:
		return MakesEvaluations(o.Inner)
	case *SGD, *Adam:
		return false
	}
	return true
}

// State is an optimizer's serialisable state: named vectors. Scalars (step
// counts, previous step lengths) are stored as vectors of length one; counts
// are exact in float64 up to 2^53.
type State map[string][]float64

// Info describes one Step for logging and for fair comparison of methods.
type Info struct {
	// FuncEvals and GradEvals count the calls of Objective.Eval that Step made
	// itself (an Eval with a non-nil grad counts as both), beyond the caller's
	// evaluation at θ.
	FuncEvals, GradEvals int
	// LineSearchIters is the number of trial step lengths of the line search.
	LineSearchIters int
	// StepLength is the multiple of the search direction that was taken.
	StepLength float64
	// Restarted reports that a method with memory (CG, L-BFGS) discarded it
	// this step and fell back to steepest descent.
	Restarted bool
}

// Block is a named contiguous range θ[Start:End] of the parameter vector, such
// as one layer's weights; block coordinate descent and per-group settings act
// on blocks.
type Block struct {
	Name       string
	Start, End int
}

// LineSearcher chooses a step length s > 0 along a descent direction d from θ,
// on φ(s) = J(θ + s·d).
type LineSearcher interface {
	// Search starts from the trial step s0 > 0, given f0 = J(θ) and g0 = ∇J(θ)
	// with g0·d < 0. It leaves theta unchanged, evaluating trial points in its
	// own storage, and returns the accepted point.
	Search(obj Objective, theta []float64, f0 float64, g0, d []float64, s0 float64) (LineResult, error)
}

// LineResult is the outcome of a line search.
type LineResult struct {
	// Step is the accepted step length s; F = J(θ + s·d).
	Step, F float64
	// Grad is ∇J(θ + s·d), or nil when the search did not evaluate it there;
	// the slice belongs to the caller. Every search of this package evaluates
	// it, so that the method's next iterate is not evaluated a second time.
	Grad []float64
	// FuncEvals, GradEvals and Iters count the search's work.
	FuncEvals, GradEvals, Iters int
}
