package optim

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"

	"deepopt/internal/bounds"
)

var _ InPlaceStepper = (*Adam)(nil)

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
		bounds.Check("Adam.Beta1", a.Beta1, bounds.Unit, adamDefaultHints[0]),
		bounds.Check("Adam.Beta2", a.Beta2, bounds.Unit, adamDefaultHints[1]),
		bounds.Check("Adam.Eps", cmp.Or(a.Eps, DefaultAdamEps), bounds.Positive, adamDefaultHints[2]),
		checkWeightDecay("Adam.WeightDecay", a.WeightDecay),
	)
}

// adamDefaultHints are Validate's hints for β1, β2 and ε, formatted once
// rather than at every step.
var adamDefaultHints = [3]string{
	fmt.Sprintf("0 selects the default %v", DefaultAdamBeta1),
	fmt.Sprintf("0 selects the default %v", DefaultAdamBeta2),
	fmt.Sprintf("0 selects the default %v", DefaultAdamEps),
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
	adamUpdate(a.begin(len(theta), lr), theta, grad, 0, nil)
	return Info{StepLength: lr}, nil
}

// StepInPlace implements InPlaceStepper: Step on an InPlace objective's
// segments, in one pass.
func (a *Adam) StepInPlace(obj InPlace, theta []float64, loss, lr float64) (Info, error) {
	if err := a.Validate(); err != nil {
		return Info{}, err
	}
	var u adamStep
	return stepSegments("Adam", obj, theta, lr, len(a.first), func() { u = a.begin(len(theta), lr) },
		func(seg Segment, theta []float64) float64 {
			return adamSegment(u.slice(seg.Start, seg.Start+len(theta)), theta, seg)
		})
}

// The constants of adamKernel, in the order kernels_amd64.s reads them,
// and its modes, bits: the segment's penalty added, decoupled weight
// decay, AMSGrad.
const (
	adamLR = iota
	adamBeta1
	adamOneMinusBeta1
	adamBeta2
	adamOneMinusBeta2
	adamEps
	adamCorrection1
	adamCorrection2
	adamDecay
	adamShrink
	adamPenaltyValue
	adamCount

	adamPenalty   = 1
	adamDecoupled = 2
	adamAMSGrad   = 4
)

// adamSegment is adamUpdate of u on a segment, whose coordinates it takes
// four at a time on adamKernel where the processor runs it, the rest in
// Go.
func adamSegment(u adamStep, theta []float64, seg Segment) float64 {
	var check float64
	n := 0
	if useKernels {
		n = len(theta) &^ 3
	}
	if n > 0 {
		var c [adamCount][4]float64
		for i, v := range [adamCount]float64{
			adamLR: u.lr, adamBeta1: u.beta1, adamOneMinusBeta1: 1 - u.beta1, adamBeta2: u.beta2, adamOneMinusBeta2: 1 - u.beta2,
			adamEps: u.eps, adamCorrection1: u.correction1, adamCorrection2: u.correction2,
			adamDecay: u.decay, adamShrink: u.shrink, adamPenaltyValue: seg.Penalty,
		} {
			c[i] = [4]float64{v, v, v, v}
		}
		mode, maxSecond := 0, (*float64)(nil)
		if seg.Penalty != 0 {
			mode |= adamPenalty
		}
		if u.decoupled {
			mode |= adamDecoupled
		}
		if u.maxSecond != nil {
			mode, maxSecond = mode|adamAMSGrad, &u.maxSecond[0]
		}
		check = adamKernel(&theta[0], &u.first[0], &u.second[0], maxSecond, &seg.Grad[0], &seg.Param[0], n, &c, mode)
		u = u.slice(n, len(theta))
	}
	return check + adamUpdate(u, theta[n:], seg.Grad[n:], seg.Penalty, seg.Param[n:])
}

// adamStep is what one Adam step applies to every coordinate: the
// settings, the bias corrections of step t and the state vectors (of the
// coordinates being updated; maxSecond nil without AMSGrad).
type adamStep struct {
	beta1, beta2, eps, lr    float64
	decay, shrink            float64
	decoupled                bool
	correction1, correction2 float64
	first, second, maxSecond []float64
}

// begin counts the step and returns its adamStep over θ of n coordinates,
// allocating the moments at the first step.
func (a *Adam) begin(n int, lr float64) adamStep {
	if a.first == nil {
		a.first, a.second = make([]float64, n), make([]float64, n)
	}
	if a.AMSGrad && a.maxSecond == nil {
		a.maxSecond = make([]float64, n)
	}
	beta1, beta2, eps := a.settings()
	a.steps++
	u := adamStep{
		beta1: beta1, beta2: beta2, eps: eps, lr: lr,
		decay: a.WeightDecay, shrink: 1 - lr*a.WeightDecay, decoupled: a.Decoupled,
		correction1: 1 - math.Pow(beta1, float64(a.steps)),
		correction2: 1 - math.Pow(beta2, float64(a.steps)),
		first:       a.first, second: a.second,
	}
	if a.AMSGrad {
		u.maxSecond = a.maxSecond
	}
	return u
}

// slice returns u on the coordinates [start, end).
func (u adamStep) slice(start, end int) adamStep {
	u.first, u.second = u.first[start:end], u.second[start:end]
	if u.maxSecond != nil {
		u.maxSecond = u.maxSecond[start:end]
	}
	return u
}

// adamUpdate takes the step u on the coordinates θ, with gradient grad plus
// penalty·θ (penalty 0: none; see Segment), and writes the new θ rounded to
// float32 into params when it is not nil. It returns the sum of v − v over
// the new values v of θ, zero exactly when they are all finite.
func adamUpdate[G float32 | float64](u adamStep, theta []float64, grad []G, penalty float64, params []float32) (check float64) {
	beta1, beta2, eps, lr := u.beta1, u.beta2, u.eps, u.lr
	decay, shrink, decoupled := u.decay, u.shrink, u.decoupled
	correction1, correction2 := u.correction1, u.correction2
	theta = theta[:len(grad)]
	first, second, maxSecond := u.first[:len(grad)], u.second[:len(grad)], u.maxSecond
	if maxSecond != nil {
		maxSecond = maxSecond[:len(grad)]
	}
	if params != nil {
		params = params[:len(grad)]
	}
	for i, g32 := range grad {
		g := float64(g32)
		if penalty != 0 {
			g += penalty * theta[i]
		}
		if decoupled {
			theta[i] *= shrink
		} else {
			g += decay * theta[i]
		}
		first[i] = beta1*first[i] + (1-beta1)*g
		second[i] = beta2*second[i] + (1-beta2)*g*g
		s := second[i]
		if maxSecond != nil {
			maxSecond[i] = max(maxSecond[i], s)
			s = maxSecond[i]
		}
		t := theta[i] - lr*(first[i]/correction1)/(math.Sqrt(s/correction2)+eps)
		theta[i] = t
		if params != nil {
			params[i] = float32(t)
		}
		check += t - t
	}
	return check
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
