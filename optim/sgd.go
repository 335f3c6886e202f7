package optim

import (
	"errors"
	"fmt"

	"deepopt/internal/bounds"
)

var _ InPlaceStepper = (*SGD)(nil)

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
		checkWeightDecay("SGD.WeightDecay", s.WeightDecay),
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
	sgdUpdate(s, theta, s.state(len(theta)), grad, 0, nil, lr)
	return Info{StepLength: lr}, nil
}

// StepInPlace implements InPlaceStepper: Step on an InPlace objective's
// segments, in one pass.
func (s *SGD) StepInPlace(obj InPlace, theta []float64, loss, lr float64) (Info, error) {
	if err := s.Validate(); err != nil {
		return Info{}, err
	}
	var velocity []float64
	return stepSegments("SGD", obj, theta, lr, len(s.velocity), func() { velocity = s.state(len(theta)) },
		func(seg Segment, theta []float64) float64 {
			v := velocity
			if v != nil {
				v = v[seg.Start : seg.Start+len(theta)]
			}
			return sgdSegment(s, theta, v, seg, lr)
		})
}

// The modes of sgdKernel, bits: velocity kept (momentum), Nesterov's
// step, the segment's penalty added.
const (
	sgdMomentum = 1 << iota
	sgdNesterov
	sgdPenalty
)

// sgdSegment is sgdUpdate on a segment, whose coordinates it takes four at
// a time on sgdKernel where the processor runs it, the rest in Go.
func sgdSegment(s *SGD, theta, velocity []float64, seg Segment, lr float64) float64 {
	var check float64
	n := 0
	if useKernels {
		n = len(theta) &^ 3
	}
	if n > 0 {
		mode, v := 0, (*float64)(nil)
		if s.Momentum != 0 { // as sgdUpdate decides
			mode, v = sgdMomentum, &velocity[0]
			velocity = velocity[n:]
		}
		if s.Nesterov {
			mode |= sgdNesterov
		}
		if seg.Penalty != 0 {
			mode |= sgdPenalty
		}
		check = sgdKernel(&theta[0], v, &seg.Grad[0], &seg.Param[0], n, lr, s.WeightDecay, s.Momentum, seg.Penalty, mode)
	}
	return check + sgdUpdate(s, theta[n:], velocity, seg.Grad[n:], seg.Penalty, seg.Param[n:], lr)
}

// state returns the velocity for θ of n coordinates, allocated at the
// first step with momentum; nil for plain SGD.
func (s *SGD) state(n int) []float64 {
	if s.Momentum != 0 && s.velocity == nil {
		s.velocity = make([]float64, n)
	}
	return s.velocity
}

// sgdUpdate takes s's step on the coordinates θ, with their velocity
// (nil for plain SGD) and gradient grad plus penalty·θ (penalty 0: none; see
// Segment), and writes the new θ rounded to float32 into params when it is
// not nil. It returns the sum of v − v over the new values v of θ, zero
// exactly when they are all finite.
func sgdUpdate[G float32 | float64](s *SGD, theta, velocity []float64, grad []G, penalty float64, params []float32, lr float64) (check float64) {
	decay, momentum, nesterov := s.WeightDecay, s.Momentum, s.Nesterov
	theta = theta[:len(grad)]
	if params != nil {
		params = params[:len(grad)]
	}
	if momentum == 0 {
		for i, g32 := range grad {
			g := float64(g32)
			if penalty != 0 {
				g += penalty * theta[i]
			}
			t := theta[i] - lr*(g+decay*theta[i])
			theta[i] = t
			if params != nil {
				params[i] = float32(t)
			}
			check += t - t
		}
		return check
	}
	velocity = velocity[:len(grad)]
	for i, g32 := range grad {
		g := float64(g32)
		if penalty != 0 {
			g += penalty * theta[i]
		}
		g += decay * theta[i]
		velocity[i] = momentum*velocity[i] + g
		step := velocity[i]
		if nesterov {
			step = g + momentum*step
		}
		t := theta[i] - lr*step
		theta[i] = t
		if params != nil {
			params[i] = float32(t)
		}
		check += t - t
	}
	return check
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
