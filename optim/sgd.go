package optim

import (
	"errors"
	"fmt"

	"deepopt/internal/bounds"
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

// Validate reports every setting out of range, as *bounds.Error: a momentum
// outside [0, 1), under which the velocity does not decay, Nesterov without
// momentum, or a negative or non-finite weight decay.
func (s *SGD) Validate() error {
	var nesterov error
	if s.Nesterov && !(s.Momentum > 0) {
		nesterov = &bounds.Error{Field: "SGD.Nesterov", Hint: "or unset Nesterov",
			Problem: fmt.Sprintf("true needs SGD.Momentum > 0 (Nesterov's method is a form of momentum), got momentum %v", s.Momentum)}
	}
	return errors.Join(
		bounds.Check("SGD.Momentum", s.Momentum, bounds.Unit, "0 for plain SGD, typically 0.9"),
		nesterov,
		checkWeightDecay("SGD", s.WeightDecay),
	)
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
