package optim

import (
	"fmt"
	"math"
	"slices"
)

var _ Optimizer = (*SGD)(nil)

// SGD is stochastic gradient descent with optional momentum, heavy-ball
// (Polyak 1964, "Some methods of speeding up the convergence of iteration
// methods") or Nesterov's (1983, "A method for solving the convex
// programming problem with convergence rate O(1/k²)"), and coupled L2 weight
// decay, in the form of PyTorch's torch.optim.SGD without dampening. With
// μ = Momentum, λ = WeightDecay and g = ∇J(θ) + λ·θ, one Step is
//
//	v ← μ·v + g
//	θ ← θ − lr·v            classical (heavy-ball) momentum
//	θ ← θ − lr·(g + μ·v)    Nesterov momentum
//
// The velocity starts at v = 0, so that v = g after the first step, which is
// how PyTorch initialises its momentum buffer. With μ = 0 this is plain SGD,
// θ ← θ − lr·g, and no velocity is kept.
//
// Sutskever et al. (2013, "On the importance of initialization and momentum
// in deep learning", eqs. 1–4) put the learning rate inside the velocity:
// u ← μ·u − lr·∇J(p), x ← x + u, with p = x for classical momentum and the
// look-ahead point p = x + μ·u for Nesterov's accelerated gradient. For a
// constant lr both forms give the same iterates with u = −lr·v: classical
// momentum directly (θ = x), Nesterov's after the change of variables
// θ = x + μ·u (Bengio et al. 2013, "Advances in optimizing recurrent
// networks", eq. 7), which takes the gradient at the point being updated and
// so needs no extra evaluation. For a constant lr classical momentum is
// Polyak's heavy ball θ_{t+1} = θ_t − lr·∇J(θ_t) + μ·(θ_t − θ_{t−1}). When lr
// changes between steps the forms differ: here the new lr scales the whole
// velocity, in Sutskever's form only the new gradient.
//
// Step makes no evaluations of its own (Info counts none, StepLength = lr),
// so obj may be nil. The zero value is plain SGD. Step checks the settings
// with Validate.
type SGD struct {
	// Momentum is μ in [0, 1); 0 is plain SGD.
	Momentum float64
	// Nesterov selects Nesterov momentum over classical; it needs μ > 0.
	Nesterov bool
	// WeightDecay is the L2 coefficient λ ≥ 0 added to the gradient as λ·θ,
	// the gradient of (λ/2)‖θ‖² (PyTorch's weight_decay).
	WeightDecay float64

	// velocity is v; nil before the first step with momentum.
	velocity []float64
}

// Validate reports a setting out of range: a momentum outside [0, 1), under
// which the velocity does not decay, Nesterov without momentum, or a
// negative or non-finite weight decay.
func (s *SGD) Validate() error {
	if !(s.Momentum >= 0 && s.Momentum < 1) {
		return fmt.Errorf("optim: SGD.Momentum = %v; want μ in [0, 1): 0 for plain SGD, typically 0.9", s.Momentum)
	}
	if s.Nesterov && s.Momentum == 0 {
		return fmt.Errorf("optim: SGD.Nesterov is set but SGD.Momentum = 0; Nesterov's method is a form of momentum, so set μ in (0, 1) or unset Nesterov")
	}
	return checkWeightDecay("SGD", s.WeightDecay)
}

// Step performs one SGD step from θ; see SGD. On an error θ and the velocity
// are unchanged.
func (s *SGD) Step(obj Objective, theta []float64, loss float64, grad []float64, lr float64) (Info, error) {
	if err := s.Validate(); err != nil {
		return Info{}, err
	}
	if err := checkFirstOrderStep("SGD", obj, theta, grad, lr, len(s.velocity)); err != nil {
		return Info{}, err
	}
	decay, momentum := s.WeightDecay, s.Momentum
	if momentum == 0 {
		for i, g := range grad {
			theta[i] -= lr * (g + decay*theta[i])
		}
		return Info{StepLength: lr}, nil
	}
	if s.velocity == nil {
		s.velocity = make([]float64, len(theta))
	}
	for i, g := range grad {
		g += decay * theta[i]
		s.velocity[i] = momentum*s.velocity[i] + g
		step := s.velocity[i]
		if s.Nesterov {
			step = g + momentum*step
		}
		theta[i] -= lr * step
	}
	return Info{StepLength: lr}, nil
}

// Reset sets the velocity to zero, so the next Step starts afresh.
func (s *SGD) Reset() { s.velocity = nil }

// sgdStateKeys name SGD's State: the velocity v, empty before the first step
// with momentum and always empty for plain SGD.
var sgdStateKeys = []string{"velocity"}

// State returns a copy of the velocity, named by sgdStateKeys.
func (s *SGD) State() State {
	return State{"velocity": append([]float64{}, s.velocity...)}
}

// SetState restores a State returned by State of an SGD with the same
// settings; see restoredVector for the lengths it accepts.
func (s *SGD) SetState(state State) error {
	const method = "SGD"
	if err := checkStateKeys(method, state, sgdStateKeys); err != nil {
		return err
	}
	velocity, err := restoredVector(method, state, "velocity", len(s.velocity))
	if err != nil {
		return err
	}
	if s.Momentum == 0 && velocity != nil {
		return fmt.Errorf("optim: SGD: State[%q] has length %d, but SGD.Momentum = 0 keeps no velocity; set Momentum as in the run that saved the State", "velocity", len(velocity))
	}
	s.velocity = velocity
	return nil
}

// checkWeightDecay reports a negative or non-finite weight decay λ.
func checkWeightDecay(method string, decay float64) error {
	if !(decay >= 0) || math.IsInf(decay, 1) {
		return fmt.Errorf("optim: %s.WeightDecay = %v; want a finite coefficient λ ≥ 0 (0 for none)", method, decay)
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
	if stateDim != 0 && stateDim != dim {
		return fmt.Errorf("optim: %s: θ has length %d, but the optimizer's state holds vectors of length %d from another problem or a restored State; call Reset to start afresh", method, dim, stateDim)
	}
	if !(lr >= 0) || math.IsInf(lr, 1) {
		return fmt.Errorf("optim: %s: lr = %v; want a finite learning rate ≥ 0 (check the schedule)", method, lr)
	}
	if i := firstNonFinite(grad); i >= 0 {
		return fmt.Errorf("optim: %s: grad[%d] = %v; the loss has diverged, so lower the learning rate or add warm-up (θ and the optimizer's state are unchanged)", method, i, grad[i])
	}
	return nil
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
	if i := firstNonFinite(value); i >= 0 {
		return nil, fmt.Errorf("optim: %s: State[%q][%d] = %v; want finite numbers (the State was saved after the run diverged)", method, key, i, value[i])
	}
	return slices.Clone(value), nil
}
