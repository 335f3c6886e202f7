package optim

import (
	"fmt"

	"deepopt/internal/bounds"

	"gonum.org/v1/gonum/floats"
)

var _ Optimizer = (*LBFGS)(nil)

// DefaultLBFGSMemory is the default number m of curvature pairs L-BFGS keeps;
// Nocedal & Wright (§7.2) report 3 to 20 as the useful range.
const DefaultLBFGSMemory = 10

// LBFGS is limited-memory BFGS (Nocedal & Wright, Numerical Optimization,
// 2nd ed., Algorithm 7.5): it keeps the m most recent pairs
// s_i = θ_{i+1} − θ_i, y_i = g_{i+1} − g_i and forms d = −H·g by the two-loop
// recursion (Algorithm 7.4) with the initial matrix H0 = γ·I,
// γ = sᵀy/yᵀy of the newest pair (eq. 7.20), followed by a strong Wolfe line
// search with first trial step 1. A pair with sᵀy ≤ ε‖s‖‖y‖ (ε = 1e-8) is
// not stored, so every H stays positive definite. Without pairs (the first
// step, or after a restart) d = −g and the first trial step is lr (1/‖g‖∞
// when lr = 0). If d is not a descent direction, or the line search fails
// along d, the pairs are dropped and the step is retried along −g (from the
// best point the failed search saw) before a failure is reported.
//
// Memory is 2m vectors of length n and each step costs O(m·n), so L-BFGS
// scales to the parameter counts of neural networks.
//
// The zero value is ready to use: m = 10, StrongWolfe with c2 = 0.9.
type LBFGS struct {
	// Memory is m; zero means DefaultLBFGSMemory.
	Memory int
	// LineSearch chooses the step; nil means StrongWolfe with its defaults.
	LineSearch LineSearcher

	defaultSearch StrongWolfe
	method        lineSearchMethod

	// steps and changes hold s_i and y_i, oldest first; spare holds
	// storage of dropped pairs for reuse.
	steps, changes [][]float64
	spare          [][]float64
	pendingPair

	direction, alphas []float64
}

// Step performs one L-BFGS iteration; see LBFGS.
func (l *LBFGS) Step(obj Objective, theta []float64, loss float64, grad []float64, lr float64) (Info, error) {
	return l.method.step("LBFGS", l, l.search(), obj, theta, loss, grad, lr)
}

// nextDirection implements nextDirectioner: it stores the pending pair and
// returns d = −H·g by the two-loop recursion, or −g without pairs (after
// dropping them when −H·g is not a descent direction), with first trial step
// 1 (lr or 1/‖g‖∞ without pairs).
func (l *LBFGS) nextDirection(grad []float64, lr float64) (direction []float64, s0 float64, steepest, restarted bool) {
	l.direction = resizeFloats(l.direction, len(grad))
	if l.previousGrad != nil {
		l.storePair(grad)
	}
	l.twoLoop(grad)
	if len(l.steps) > 0 && !(floats.Dot(grad, l.direction) < 0) {
		l.dropPairs()
		floats.ScaleTo(l.direction, -1, grad)
		restarted = true
	}
	steepest = len(l.steps) == 0
	s0 = 1.0
	if steepest {
		s0 = initialStep(lr, grad)
	}
	return l.direction, s0, steepest, restarted
}

// moved implements nextDirectioner: a restart drops the pairs, and the
// pending pair spans the whole move, restarts included.
func (l *LBFGS) moved(start, theta, grad []float64, outcome searchOutcome) {
	if outcome.restarted {
		l.dropPairs()
	}
	l.record(start, theta, grad)
}

// storePair appends (s_k, y_k) when it passes the curvature test, dropping
// the oldest pair when m are stored.
func (l *LBFGS) storePair(grad []float64) {
	n := len(grad)
	var s, y []float64
	if len(l.spare) >= 2 && len(l.spare[0]) == n {
		s, y = l.spare[len(l.spare)-1], l.spare[len(l.spare)-2]
		l.spare = l.spare[:len(l.spare)-2]
	} else {
		l.spare = l.spare[:0]
		s, y = make([]float64, n), make([]float64, n)
	}
	copy(s, l.displacement)
	floats.SubTo(y, grad, l.previousGrad)
	if !(floats.Dot(s, y) > curvatureSkipTolerance*floats.Norm(s, 2)*floats.Norm(y, 2)) {
		l.spare = append(l.spare, s, y)
		return
	}
	if len(l.steps) == l.memory() {
		l.spare = append(l.spare, l.steps[0], l.changes[0])
		copy(l.steps, l.steps[1:])
		copy(l.changes, l.changes[1:])
		l.steps, l.changes = l.steps[:len(l.steps)-1], l.changes[:len(l.changes)-1]
	}
	l.steps = append(l.steps, s)
	l.changes = append(l.changes, y)
}

// twoLoop writes d = −H·g into l.direction by Algorithm 7.4 of Nocedal &
// Wright with H0 = γI; without pairs d = −g.
func (l *LBFGS) twoLoop(grad []float64) {
	q := l.direction
	copy(q, grad)
	count := len(l.steps)
	l.alphas = resizeFloats(l.alphas, count)
	for i := count - 1; i >= 0; i-- {
		rho := 1 / floats.Dot(l.changes[i], l.steps[i])
		l.alphas[i] = rho * floats.Dot(l.steps[i], q)
		floats.AddScaled(q, -l.alphas[i], l.changes[i])
	}
	if count > 0 {
		newest := count - 1
		gamma := floats.Dot(l.steps[newest], l.changes[newest]) / floats.Dot(l.changes[newest], l.changes[newest])
		floats.Scale(gamma, q)
	}
	for i := range count {
		rho := 1 / floats.Dot(l.changes[i], l.steps[i])
		beta := rho * floats.Dot(l.changes[i], q)
		floats.AddScaled(q, l.alphas[i]-beta, l.steps[i])
	}
	floats.Scale(-1, q)
}

// dropPairs forgets the stored pairs, keeping their storage.
func (l *LBFGS) dropPairs() {
	for i := range l.steps {
		l.spare = append(l.spare, l.steps[i], l.changes[i])
	}
	l.steps, l.changes = l.steps[:0], l.changes[:0]
}

func (l *LBFGS) memory() int {
	if l.Memory == 0 {
		return DefaultLBFGSMemory
	}
	return l.Memory
}

// search returns the configured line search or the default strong Wolfe.
func (l *LBFGS) search() LineSearcher {
	if l.LineSearch != nil {
		return l.LineSearch
	}
	return &l.defaultSearch
}

// Validate reports a negative Memory (0 selects DefaultLBFGSMemory), as a
// *bounds.Error.
func (l *LBFGS) Validate() error {
	if l.Memory < 0 {
		return &bounds.Error{Field: "LBFGS.Memory", Value: l.Memory,
			Want: "an integer ≥ 1", Hint: fmt.Sprintf("the (s, y) pairs kept; 0 selects the default %d", DefaultLBFGSMemory)}
	}
	return nil
}

// checkSettings implements nextDirectioner.
func (l *LBFGS) checkSettings(n int) error {
	if err := l.Validate(); err != nil {
		return err
	}
	return checkMemoryDimension("LBFGS", n, l.previousGrad)
}

// Reset forgets the pairs and the pending step, so the next Step is steepest
// descent; call it when the objective changes (a new minibatch).
func (l *LBFGS) Reset() {
	l.dropPairs()
	l.previousGrad, l.displacement = nil, nil
}

// lbfgsStateKeys name LBFGS's State: the stored s_i and y_i concatenated
// oldest first, the pending g_k and s_k (empty when none) and the iteration
// count.
var lbfgsStateKeys = []string{"steps", "changes", "previousGradient", "displacement", "iteration"}

// State returns the memory named by lbfgsStateKeys.
func (l *LBFGS) State() State {
	return State{
		"steps":            concatenate(l.steps),
		"changes":          concatenate(l.changes),
		"previousGradient": append([]float64{}, l.previousGrad...),
		"displacement":     append([]float64{}, l.displacement...),
		"iteration":        {float64(l.iteration)},
	}
}

// concatenate joins vectors into one new slice.
func concatenate(vectors [][]float64) []float64 {
	joined := []float64{}
	for _, v := range vectors {
		joined = append(joined, v...)
	}
	return joined
}

// SetState restores a State returned by State of an LBFGS with the same
// Memory.
func (l *LBFGS) SetState(state State) error {
	const method = "LBFGS"
	if err := checkStateKeys(method, state, lbfgsStateKeys); err != nil {
		return err
	}
	previousGrad, err := stateVector(method, state, "previousGradient", len(state["previousGradient"]), true)
	if err != nil {
		return err
	}
	n := len(previousGrad)
	displacement, err := stateVector(method, state, "displacement", n, true)
	if err != nil {
		return err
	}
	steps, changes := state["steps"], state["changes"]
	if len(steps) != len(changes) || (n == 0 && len(steps) > 0) || (n > 0 && len(steps)%n != 0) || (n > 0 && len(steps)/n > l.memory()) {
		return fmt.Errorf("optim: LBFGS: State holds %d step and %d change numbers for dimension %d; want equal counts of at most Memory = %d vectors each", len(steps), len(changes), n, l.memory())
	}
	iteration, err := stateCounter(method, state, "iteration")
	if err != nil {
		return err
	}
	l.dropPairs()
	for start := 0; start < len(steps); start += n {
		l.steps = append(l.steps, append([]float64(nil), steps[start:start+n]...))
		l.changes = append(l.changes, append([]float64(nil), changes[start:start+n]...))
	}
	l.previousGrad, l.displacement, l.iteration = previousGrad, displacement, iteration
	return nil
}
