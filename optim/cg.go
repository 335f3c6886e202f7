package optim

import (
	"fmt"
	"math"

	"deepopt/internal/bounds"

	"gonum.org/v1/gonum/floats"
)

var _ Optimizer = (*CG)(nil)

// CGVariant selects the formula for β_k in the nonlinear conjugate gradient
// direction d_k = −g_k + β_k·d_{k−1} (Nocedal & Wright, Numerical
// Optimization, 2nd ed., §5.2), with y_k = g_k − g_{k−1}.
type CGVariant int

// The β formulas of CG.
const (
	// PolakRibierePlus is β = max(β_PR, 0) (eq. 5.45): Polak–Ribière,
	// restarted whenever it would go negative. The default.
	PolakRibierePlus CGVariant = iota
	// FletcherReeves is β = g_k·g_k / g_{k−1}·g_{k−1} (eq. 5.41a).
	FletcherReeves
	// PolakRibiere is β = g_k·y_k / g_{k−1}·g_{k−1} (eq. 5.44).
	PolakRibiere
	// HestenesStiefel is β = g_k·y_k / d_{k−1}·y_k (eq. 5.46).
	HestenesStiefel
)

// String names the variant.
func (v CGVariant) String() string {
	switch v {
	case PolakRibierePlus:
		return "PR+"
	case FletcherReeves:
		return "FR"
	case PolakRibiere:
		return "PR"
	case HestenesStiefel:
		return "HS"
	}
	return fmt.Sprintf("CGVariant(%d)", int(v))
}

// DefaultPowellThreshold is ν of Powell's restart test |g_k·g_{k−1}| ≥
// ν·‖g_k‖² (Nocedal & Wright eq. 5.52): successive gradients far from
// orthogonal mean the conjugacy has been lost.
const DefaultPowellThreshold = 0.2

// CG is nonlinear conjugate gradients, Algorithm 5.4 of Nocedal & Wright
// with the β of Variant and a strong Wolfe line search. It restarts with
// steepest descent d = −g on the first step, every RestartEvery iterations,
// when Powell's test |g_k·g_{k−1}| ≥ ν‖g_k‖² fires, and whenever d_k is not a
// descent direction (g_k·d_k ≥ 0). A line search that fails along d_k is
// retried along −g_k from the best point it saw before the failure is
// reported, and the memory is cleared.
//
// The first trial step is lr on the first iteration (1/‖g‖∞ when lr = 0) and
// afterwards s_{k−1}·(g_{k−1}·d_{k−1})/(g_k·d_k), the step that predicts the
// same first-order change as the last one (Nocedal & Wright §3.5, eq. 3.60).
// On a quadratic with an exact line search, CG is linear CG and minimises in
// at most n iterations.
//
// The zero value is ready to use: PR+, restart every n iterations, ν = 0.2,
// StrongWolfe with c2 = CGCurvatureFactor.
type CG struct {
	// Variant selects β.
	Variant CGVariant
	// RestartEvery is the restart period k; zero means the dimension n.
	RestartEvery int
	// PowellThreshold is ν; zero means DefaultPowellThreshold and a
	// negative value disables the test.
	PowellThreshold float64
	// LineSearch chooses the step; nil means StrongWolfe with
	// CurvatureFactor = CGCurvatureFactor.
	LineSearch LineSearcher

	defaultSearch StrongWolfe
	method        lineSearchMethod

	// previousGrad and direction are g_{k−1} and d_{k−1}, nil before the
	// first step and after a restart is forced; step and slope are s_{k−1}
	// and g_{k−1}·d_{k−1}.
	previousGrad, direction []float64
	step, slope             float64
	// iteration counts steps; sinceRestart counts steps since the last
	// steepest-descent step.
	iteration, sinceRestart int
}

// Step performs one CG iteration; see CG.
func (c *CG) Step(obj Objective, theta []float64, loss float64, grad []float64, lr float64) (Info, error) {
	return c.method.step("CG", c, c.search(), obj, theta, loss, grad, lr)
}

// nextDirection implements nextDirectioner: d_k, with the first trial step
// of eq. 3.60 once there is a previous step. Choosing steepest descent after
// the first iteration is a restart.
func (c *CG) nextDirection(grad []float64, lr float64) (direction []float64, s0 float64, steepest, restarted bool) {
	direction, steepest = c.searchDirection(grad)
	slope := floats.Dot(grad, direction)
	s0 = initialStep(lr, grad)
	if c.previousGrad != nil && c.step > 0 {
		// Eq. 3.60; on a restart it equates the predicted decrease as well.
		if next := c.step * c.slope / slope; next > 0 && !math.IsInf(next, 1) {
			s0 = next
		}
	}
	return direction, s0, steepest, steepest && c.iteration > 0
}

// moved implements nextDirectioner: it remembers g_{k−1}, d_{k−1}, s_{k−1}
// and g_{k−1}·d_{k−1} of the last search, restarts included.
func (c *CG) moved(_, _, _ []float64, outcome searchOutcome) {
	c.previousGrad = append(c.previousGrad[:0], outcome.grad...)
	c.direction = append(c.direction[:0], outcome.direction...)
	c.step = outcome.result.Step
	c.slope = floats.Dot(outcome.grad, outcome.direction)
	c.iteration++
	c.sinceRestart++
	if outcome.steepest {
		c.sinceRestart = 1
	}
}

// searchDirection returns d_k in c.direction's storage (reusing the previous
// direction in place) and whether it is steepest descent.
func (c *CG) searchDirection(grad []float64) ([]float64, bool) {
	n := len(grad)
	restartEvery := c.RestartEvery
	if restartEvery == 0 {
		restartEvery = n
	}
	steepest := c.previousGrad == nil || c.sinceRestart >= restartEvery
	beta := 0.0
	if !steepest {
		gradNorm2 := floats.Dot(grad, grad)
		overlap := floats.Dot(grad, c.previousGrad)
		threshold := c.PowellThreshold
		if threshold == 0 {
			threshold = DefaultPowellThreshold
		}
		if threshold > 0 && math.Abs(overlap) >= threshold*gradNorm2 {
			steepest = true
		} else {
			beta = c.beta(grad, gradNorm2, overlap)
		}
	}
	c.direction = resizeFloats(c.direction, n)
	if steepest || !isFinite(beta) {
		floats.ScaleTo(c.direction, -1, grad)
		return c.direction, true
	}
	// d = −g + β·d_{k−1}, in place.
	floats.Scale(beta, c.direction)
	floats.Sub(c.direction, grad)
	if !(floats.Dot(grad, c.direction) < 0) {
		floats.ScaleTo(c.direction, -1, grad)
		return c.direction, true
	}
	return c.direction, false
}

// beta returns β_k of the variant, given ‖g_k‖² and g_k·g_{k−1}.
func (c *CG) beta(grad []float64, gradNorm2, overlap float64) float64 {
	previousNorm2 := floats.Dot(c.previousGrad, c.previousGrad)
	gradDotY := gradNorm2 - overlap // g_k·y_k
	switch c.Variant {
	case FletcherReeves:
		return gradNorm2 / previousNorm2
	case PolakRibiere:
		return gradDotY / previousNorm2
	case HestenesStiefel:
		// d_{k−1}·y_k = d_{k−1}·g_k − d_{k−1}·g_{k−1}.
		return gradDotY / (floats.Dot(c.direction, grad) - c.slope)
	default:
		return math.Max(gradDotY/previousNorm2, 0)
	}
}

// search returns the configured line search or the default strong Wolfe
// search with c2 = CGCurvatureFactor.
func (c *CG) search() LineSearcher {
	if c.LineSearch != nil {
		return c.LineSearch
	}
	c.defaultSearch.CurvatureFactor = CGCurvatureFactor
	return &c.defaultSearch
}

// Validate reports an unknown Variant, a negative RestartEvery (a
// *bounds.Error) and a NaN PowellThreshold. Step calls it.
func (c *CG) Validate() error {
	switch {
	case c.Variant < PolakRibierePlus || c.Variant > HestenesStiefel:
		return fmt.Errorf("optim: CG.Variant = %d; want PolakRibierePlus, FletcherReeves, PolakRibiere or HestenesStiefel", int(c.Variant))
	case c.RestartEvery < 0:
		return fmt.Errorf("optim: %w", &bounds.Error{Field: "CG.RestartEvery", Value: c.RestartEvery,
			Want: "an integer ≥ 0 (0 restarts every n steps, n the number of parameters)"})
	case math.IsNaN(c.PowellThreshold):
		return fmt.Errorf("optim: CG.PowellThreshold = NaN; want ν > 0, 0 for %g or < 0 to disable", DefaultPowellThreshold)
	}
	return nil
}

// checkSettings implements nextDirectioner.
func (c *CG) checkSettings(n int) error {
	if err := c.Validate(); err != nil {
		return err
	}
	return checkMemoryDimension("CG", n, c.previousGrad)
}

// Reset clears the memory, so the next Step is a steepest-descent restart;
// call it when the objective changes (a new minibatch for stochastic CG).
func (c *CG) Reset() {
	c.previousGrad = nil
	c.step, c.slope, c.sinceRestart = 0, 0, 0
}

// cgStateKeys name CG's State: g_{k−1}, d_{k−1} (empty before the first step
// or after a reset), s_{k−1}, g_{k−1}·d_{k−1} and the two counters.
var cgStateKeys = []string{"previousGradient", "direction", "step", "slope", "iteration", "sinceRestart"}

// State returns the memory and counters named by cgStateKeys.
func (c *CG) State() State {
	return State{
		"previousGradient": append([]float64{}, c.previousGrad...),
		"direction":        append([]float64{}, c.direction[:len(c.previousGrad)]...),
		"step":             {c.step},
		"slope":            {c.slope},
		"iteration":        {float64(c.iteration)},
		"sinceRestart":     {float64(c.sinceRestart)},
	}
}

// SetState restores a State returned by State.
func (c *CG) SetState(state State) error {
	const method = "CG"
	if err := checkStateKeys(method, state, cgStateKeys); err != nil {
		return err
	}
	n := len(state["previousGradient"])
	previousGrad, err := stateVector(method, state, "previousGradient", n, true)
	if err != nil {
		return err
	}
	direction, err := stateVector(method, state, "direction", n, true)
	if err != nil {
		return err
	}
	step, err := stateScalar(method, state, "step")
	if err != nil {
		return err
	}
	slope, err := stateScalar(method, state, "slope")
	if err != nil {
		return err
	}
	iteration, err := stateCounter(method, state, "iteration")
	if err != nil {
		return err
	}
	sinceRestart, err := stateCounter(method, state, "sinceRestart")
	if err != nil {
		return err
	}
	c.previousGrad, c.direction = previousGrad, direction
	c.step, c.slope, c.iteration, c.sinceRestart = step, slope, iteration, sinceRestart
	return nil
}
