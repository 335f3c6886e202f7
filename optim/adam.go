package optim

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"deepopt/internal/bounds"
)

var _ Optimizer = (*Adam)(nil)

// Defaults of Adam's settings, those recommended by Kingma & Ba (2015, §2).
const (
	DefaultAdamBeta1 = 0.9
	DefaultAdamBeta2 = 0.999
	DefaultAdamEps   = 1e-8
)

// Adam is Kingma & Ba's method (2015, "Adam: A method for stochastic
// optimization", Algorithm 1) with bias-corrected moment estimates. With
// g = ∇J(θ) and t the number of steps taken including this one, one Step is
//
//	m ← β1·m + (1 − β1)·g
//	v ← β2·v + (1 − β2)·g²            (elementwise)
//	θ ← θ − lr·m̂ / (√v̂ + ε),  m̂ = m/(1 − β1^t),  v̂ = v/(1 − β2^t)
//
// starting from m = v = 0; ε is added to √v̂ as in Algorithm 1 and PyTorch.
// Weight decay λ = WeightDecay comes in two forms, as in PyTorch's Adam and
// AdamW. Coupled (the default) adds λ·θ to g, the gradient of (λ/2)‖θ‖²,
// which the normalisation by √v̂ then weakens for parameters with large
// gradients. Decoupled (AdamW; Loshchilov & Hutter 2019, "Decoupled weight
// decay regularization", Algorithm 2) shrinks the weights separately,
// θ ← (1 − lr·λ)·θ, before the update above with the plain gradient;
// PyTorch's form, which ties the decay to lr, so a schedule scales both.
// AMSGrad (Reddi et al. 2018, "On the convergence of Adam and beyond")
// divides by the running maximum of v instead, bias-corrected as in PyTorch:
// v̂ = max_{s ≤ t} v_s / (1 − β2^t).
//
// Step makes no evaluations of its own (Info counts none, StepLength = lr),
// so obj may be nil. The zero value is Adam with β1 = 0.9, β2 = 0.999 and
// ε = 1e-8 (the Default constants); because zero selects the default, β1 = 0
// cannot be set. Step checks the settings with Validate.
type Adam struct {
	// Beta1 is the decay rate β1 in [0, 1) of the first-moment estimate; 0
	// means DefaultAdamBeta1.
	Beta1 float64
	// Beta2 is the decay rate β2 in [0, 1) of the second-moment estimate; 0
	// means DefaultAdamBeta2.
	Beta2 float64
	// Eps is ε ≥ 0 added to √v̂; 0 means DefaultAdamEps.
	Eps float64
	// WeightDecay is the L2 coefficient λ ≥ 0.
	WeightDecay float64
	// Decoupled applies the weight decay to θ directly (AdamW) instead of
	// through the gradient.
	Decoupled bool
	// AMSGrad divides by the running maximum of the second moment.
	AMSGrad bool

	// first, second and maxSecond are m, v and max v; nil before the first
	// step. steps is t after the last step.
	first, second, maxSecond []float64
	steps                    int
}

// Validate reports every setting out of range, as *bounds.Error: β1 or β2
// outside [0, 1), an ε that is negative or infinite (0 in any of the three
// selects its default), or a negative or non-finite weight decay.
func (a *Adam) Validate() error {
	return errors.Join(
		bounds.Check("Adam.Beta1", a.Beta1, bounds.Unit, fmt.Sprintf("0 selects the default %v", DefaultAdamBeta1)),
		bounds.Check("Adam.Beta2", a.Beta2, bounds.Unit, fmt.Sprintf("0 selects the default %v", DefaultAdamBeta2)),
		bounds.Check("Adam.Eps", cmp.Or(a.Eps, DefaultAdamEps), bounds.Positive, fmt.Sprintf("0 selects the default %v", DefaultAdamEps)),
		checkWeightDecay("Adam", a.WeightDecay),
	)
}

// settings returns β1, β2 and ε with zeros replaced by the defaults.
func (a *Adam) settings() (beta1, beta2, eps float64) {
	beta1, beta2, eps = a.Beta1, a.Beta2, a.Eps
	if beta1 == 0 {
		beta1 = DefaultAdamBeta1
	}
	if beta2 == 0 {
		beta2 = DefaultAdamBeta2
	}
	if eps == 0 {
		eps = DefaultAdamEps
	}
	return beta1, beta2, eps
}

// Step performs one Adam step from θ; see Adam. On an error θ and the moment
// estimates are unchanged.
func (a *Adam) Step(obj Objective, theta []float64, loss float64, grad []float64, lr float64) (Info, error) {
	if err := a.Validate(); err != nil {
		return Info{}, err
	}
	if err := checkFirstOrderStep("Adam", obj, theta, grad, lr, len(a.first)); err != nil {
		return Info{}, err
	}
	if a.first == nil {
		a.first, a.second = make([]float64, len(theta)), make([]float64, len(theta))
	}
	if a.AMSGrad && a.maxSecond == nil {
		a.maxSecond = make([]float64, len(theta))
	}
	beta1, beta2, eps := a.settings()
	a.steps++
	correction1 := 1 - math.Pow(beta1, float64(a.steps))
	correction2 := 1 - math.Pow(beta2, float64(a.steps))
	decay, shrink := a.WeightDecay, 1-lr*a.WeightDecay
	for i, g := range grad {
		if a.Decoupled {
			theta[i] *= shrink
		} else {
			g += decay * theta[i]
		}
		a.first[i] = beta1*a.first[i] + (1-beta1)*g
		a.second[i] = beta2*a.second[i] + (1-beta2)*g*g
		second := a.second[i]
		if a.AMSGrad {
			a.maxSecond[i] = max(a.maxSecond[i], second)
			second = a.maxSecond[i]
		}
		theta[i] -= lr * (a.first[i] / correction1) / (math.Sqrt(second/correction2) + eps)
	}
	return Info{StepLength: lr}, nil
}

// Reset zeroes the moment estimates and the step count, so the next Step
// starts afresh.
func (a *Adam) Reset() {
	a.first, a.second, a.maxSecond, a.steps = nil, nil, nil, 0
}

// stateKeys name Adam's State: the moment estimates m and v, the number of
// steps t and, with AMSGrad, the running maximum of v. The vectors are empty
// before the first step.
func (a *Adam) stateKeys() []string {
	keys := []string{"firstMoment", "secondMoment", "steps"}
	if a.AMSGrad {
		keys = append(keys, "maxSecondMoment")
	}
	return keys
}

// State returns copies of the vectors and the step count named by
// stateKeys.
func (a *Adam) State() State {
	state := State{
		"firstMoment":  append([]float64{}, a.first...),
		"secondMoment": append([]float64{}, a.second...),
		"steps":        {float64(a.steps)},
	}
	if a.AMSGrad {
		state["maxSecondMoment"] = append([]float64{}, a.maxSecond...)
	}
	return state
}

// SetState restores a State returned by State of an Adam with the same
// AMSGrad setting. The vectors must have equal lengths, be empty exactly
// when no step was taken, and have the length of this Adam's state if it
// has taken steps (see restoredVector); second moments must be ≥ 0.
func (a *Adam) SetState(state State) error {
	const method = "Adam"
	keys := a.stateKeys()
	if err := checkStateKeys(method, state, keys); err != nil {
		return err
	}
	steps, err := stateCounter(method, state, "steps")
	if err != nil {
		return err
	}
	vectorKeys := slices.DeleteFunc(keys, func(key string) bool { return key == "steps" })
	vectors := make(map[string][]float64, len(vectorKeys))
	for _, key := range vectorKeys {
		if n := len(state["firstMoment"]); len(state[key]) != n {
			return fmt.Errorf("optim: %s: State[%q] has length %d, but State[%q] has length %d; want equal lengths", method, key, len(state[key]), "firstMoment", n)
		}
		if vectors[key], err = restoredVector(method, state, key, len(a.first)); err != nil {
			return err
		}
		if (steps == 0) != (vectors[key] == nil) {
			return fmt.Errorf("optim: %s: State[%q] has length %d after %d steps; want length 0 exactly when no step was taken", method, key, len(vectors[key]), steps)
		}
		if key == "firstMoment" {
			continue
		}
		for i, value := range vectors[key] {
			if value < 0 {
				return fmt.Errorf("optim: %s: State[%q][%d] = %v; want a second-moment estimate ≥ 0", method, key, i, value)
			}
		}
	}
	a.first, a.second, a.maxSecond, a.steps = vectors["firstMoment"], vectors["secondMoment"], vectors["maxSecondMoment"], steps
	return nil
}
