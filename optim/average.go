package optim

import (
	"fmt"
	"math"
	"strings"

	"deepopt/internal/bounds"
)

var (
	_ Averager       = (*PolyakAverage)(nil)
	_ Averager       = (*ExponentialAverage)(nil)
	_ InPlaceStepper = (*PolyakAverage)(nil)
	_ InPlaceStepper = (*ExponentialAverage)(nil)
)

// Averager is an Optimizer that also keeps an average of its iterates, the
// weights to swap in for evaluation. A training loop swaps them in (and
// re-estimates batch-normalization statistics for them, as PyTorch's
// swa_utils.update_bn does) and swaps the live weights back to continue.
type Averager interface {
	Optimizer
	// Averaged returns a copy of the averaged weights, or nil before the
	// first Step.
	Averaged() []float64
}

// DefaultEMADecay is the default decay α of ExponentialAverage: an average
// over roughly the last 1/(1 − α) = 1000 iterates.
const DefaultEMADecay = 0.999

// innerStatePrefix marks the wrapped optimizer's entries in an averaging
// wrapper's State.
const innerStatePrefix = "inner/"

// PolyakAverage wraps an Optimizer and keeps the uniform average of its
// iterates, θ̂_t = (1/(t − s + 1)) Σ_{i=s..t} θ_i, where θ_i is θ after Step i
// (counted from 1) and s = max(Start, 1). Polyak & Juditsky (1992,
// "Acceleration of stochastic approximation by averaging") show that the
// average of SGD iterates attains the optimal asymptotic covariance; with a
// constant step on least squares it converges at rate O(1/√t) while the last
// iterate keeps a variance of order lr (Bach & Moulines 2013).
//
// Before step Start, Averaged returns the current iterate. The average is
// updated in place as θ̂ += (θ_t − θ̂)/count, so it costs one vector.
type PolyakAverage struct {
	// Inner is the optimizer whose iterates are averaged; Step delegates to
	// it.
	Inner Optimizer
	// Start is the first step whose iterate enters the average, to skip the
	// transient of the early iterates; 0 and 1 both mean every iterate.
	Start int

	steps, count int
	average      []float64
}

// Validate reports a negative Start (a *bounds.Error). Step calls it.
func (p *PolyakAverage) Validate() error {
	if p.Start < 0 {
		return fmt.Errorf("optim: %w", &bounds.Error{Field: "PolyakAverage.Start", Value: p.Start, Want: "an integer ≥ 0 (0 averages every iterate)"})
	}
	return nil
}

// Step delegates to Inner, then adds the new θ to the average. On an error
// from Inner the average is not updated, unless the error is a recoverable
// line-search failure (IsRecoverableSearchFailure), whose θ is an iterate
// like any other; Step then returns the error after updating.
func (p *PolyakAverage) Step(obj Objective, theta []float64, loss float64, grad []float64, lr float64) (Info, error) {
	return p.step(theta, func() (Info, error) { return p.Inner.Step(obj, theta, loss, grad, lr) })
}

// StepInPlace implements InPlaceStepper when Inner does (StepsInPlace):
// Step with Inner's StepInPlace.
func (p *PolyakAverage) StepInPlace(obj InPlace, theta []float64, loss, lr float64) (Info, error) {
	return p.step(theta, func() (Info, error) { return stepInPlace(p.Inner, obj, theta, loss, lr) })
}

// step is Step with innerStep for Inner's step on theta.
func (p *PolyakAverage) step(theta []float64, innerStep func() (Info, error)) (Info, error) {
	if err := checkAveragingStep("PolyakAverage", p.Inner, p.average, theta); err != nil {
		return Info{}, err
	}
	if err := p.Validate(); err != nil {
		return Info{}, err
	}
	info, err := innerStep()
	if err != nil && !IsRecoverableSearchFailure(err) {
		return info, err
	}
	p.steps++
	if p.average == nil {
		p.average = make([]float64, len(theta))
	}
	if p.steps < p.Start {
		copy(p.average, theta)
		return info, err
	}
	p.count++
	for i, value := range theta {
		p.average[i] += (value - p.average[i]) / float64(p.count)
	}
	return info, err
}

// Averaged returns a copy of the uniform average, the current iterate before
// step Start, or nil before the first Step.
func (p *PolyakAverage) Averaged() []float64 {
	if p.average == nil {
		return nil
	}
	return append([]float64(nil), p.average...)
}

// State returns Inner's State under keys prefixed "inner/", plus "steps",
// "count" (iterates averaged) and "average".
func (p *PolyakAverage) State() State {
	state := prefixInnerState(p.Inner)
	state["steps"] = []float64{float64(p.steps)}
	state["count"] = []float64{float64(p.count)}
	state["average"] = append([]float64{}, p.average...)
	return state
}

// SetState restores a State returned by State, Inner's part included.
func (p *PolyakAverage) SetState(state State) error {
	inner, own, err := splitInnerState("PolyakAverage", p.Inner, state, "steps", "count", "average")
	if err != nil {
		return err
	}
	steps, err := stateCounter("PolyakAverage", own, "steps")
	if err != nil {
		return err
	}
	count, err := stateCounter("PolyakAverage", own, "count")
	if err != nil {
		return err
	}
	if err := p.Inner.SetState(inner); err != nil {
		return fmt.Errorf("optim: PolyakAverage: restoring Inner: %w", err)
	}
	p.steps, p.count = steps, count
	p.average = restoredAverage(own["average"])
	return nil
}

// ExponentialAverage wraps an Optimizer and keeps the exponential moving
// average of its iterates, θ̂_t = α θ̂_{t−1} + (1 − α) θ_t.
//
// With Debias, θ̂_0 = 0 and Averaged returns θ̂_t / (1 − α^t), the bias
// correction of Adam (Kingma & Ba 2015, Alg. 1) and of optax.ema(debias=True):
// a weighted mean of θ_1..θ_t with weights proportional to α^(t−i). Without
// it, θ̂_1 = θ_1 (as tf.train.ExponentialMovingAverage starts its shadow
// variables at the weights, not at zero), so early averages overweight θ_1
// by α^(t−1).
type ExponentialAverage struct {
	// Inner is the optimizer whose iterates are averaged; Step delegates to
	// it.
	Inner Optimizer
	// Decay is α in (0, 1); zero means DefaultEMADecay.
	Decay float64
	// Debias selects the bias-corrected average.
	Debias bool

	steps   int
	average []float64
}

// Step delegates to Inner, then updates the moving average with the new θ.
// On an error from Inner the average is not updated, unless the error is a
// recoverable line-search failure (as for PolyakAverage).
func (e *ExponentialAverage) Step(obj Objective, theta []float64, loss float64, grad []float64, lr float64) (Info, error) {
	return e.step(theta, func() (Info, error) { return e.Inner.Step(obj, theta, loss, grad, lr) })
}

// StepInPlace implements InPlaceStepper when Inner does (StepsInPlace):
// Step with Inner's StepInPlace.
func (e *ExponentialAverage) StepInPlace(obj InPlace, theta []float64, loss, lr float64) (Info, error) {
	return e.step(theta, func() (Info, error) { return stepInPlace(e.Inner, obj, theta, loss, lr) })
}

// step is Step with innerStep for Inner's step on theta.
func (e *ExponentialAverage) step(theta []float64, innerStep func() (Info, error)) (Info, error) {
	if err := checkAveragingStep("ExponentialAverage", e.Inner, e.average, theta); err != nil {
		return Info{}, err
	}
	if err := e.Validate(); err != nil {
		return Info{}, err
	}
	decay := e.decay()
	info, err := innerStep()
	if err != nil && !IsRecoverableSearchFailure(err) {
		return info, err
	}
	e.steps++
	if e.average == nil {
		e.average = make([]float64, len(theta))
		if !e.Debias {
			copy(e.average, theta)
			return info, err
		}
	}
	for i, value := range theta {
		e.average[i] = decay*e.average[i] + (1-decay)*value
	}
	return info, err
}

// Validate reports a Decay outside (0, 1), as *bounds.Error; 0 selects
// DefaultEMADecay.
func (e *ExponentialAverage) Validate() error {
	return bounds.Check("ExponentialAverage.Decay", e.decay(), bounds.Open, fmt.Sprintf("0 selects the default %v", DefaultEMADecay))
}

func (e *ExponentialAverage) decay() float64 {
	if e.Decay == 0 {
		return DefaultEMADecay
	}
	return e.Decay
}

// Averaged returns a copy of the moving average (bias-corrected with
// Debias), or nil before the first Step.
func (e *ExponentialAverage) Averaged() []float64 {
	if e.average == nil {
		return nil
	}
	averaged := append([]float64(nil), e.average...)
	if e.Debias && e.steps > 0 {
		correction := 1 - math.Pow(e.decay(), float64(e.steps))
		for i := range averaged {
			averaged[i] /= correction
		}
	}
	return averaged
}

// State returns Inner's State under keys prefixed "inner/", plus "steps"
// and "average" (the raw moving average, before bias correction).
func (e *ExponentialAverage) State() State {
	state := prefixInnerState(e.Inner)
	state["steps"] = []float64{float64(e.steps)}
	state["average"] = append([]float64{}, e.average...)
	return state
}

// SetState restores a State returned by State, Inner's part included.
func (e *ExponentialAverage) SetState(state State) error {
	inner, own, err := splitInnerState("ExponentialAverage", e.Inner, state, "steps", "average")
	if err != nil {
		return err
	}
	steps, err := stateCounter("ExponentialAverage", own, "steps")
	if err != nil {
		return err
	}
	if err := e.Inner.SetState(inner); err != nil {
		return fmt.Errorf("optim: ExponentialAverage: restoring Inner: %w", err)
	}
	e.steps = steps
	e.average = restoredAverage(own["average"])
	return nil
}

// checkAveragingStep reports a missing inner optimizer or a θ whose length
// differs from the average's.
func checkAveragingStep(wrapper string, inner Optimizer, average, theta []float64) error {
	if inner == nil {
		return fmt.Errorf("optim: %s.Inner is nil; set the optimizer whose iterates to average", wrapper)
	}
	if average != nil && len(average) != len(theta) {
		return fmt.Errorf("optim: %s: len(theta) = %d, but the average has length %d", wrapper, len(theta), len(average))
	}
	return nil
}

// prefixInnerState returns inner's State with every key prefixed "inner/",
// or an empty State when inner is nil.
func prefixInnerState(inner Optimizer) State {
	state := State{}
	if inner == nil {
		return state
	}
	for key, value := range inner.State() {
		state[innerStatePrefix+key] = value
	}
	return state
}

// splitInnerState separates the "inner/" entries of state from the wrapper's
// own keys, all of which must be present and no others.
func splitInnerState(wrapper string, inner Optimizer, state State, ownKeys ...string) (innerState, own State, err error) {
	if inner == nil {
		return nil, nil, fmt.Errorf("optim: %s.Inner is nil; set it before restoring a State", wrapper)
	}
	innerState, own = State{}, State{}
	for key, value := range state {
		if innerKey, isInner := strings.CutPrefix(key, innerStatePrefix); isInner {
			innerState[innerKey] = value
		} else {
			own[key] = value
		}
	}
	for _, key := range ownKeys {
		if _, present := own[key]; !present {
			return nil, nil, fmt.Errorf("optim: %s: State lacks key %q", wrapper, key)
		}
	}
	if len(own) != len(ownKeys) {
		return nil, nil, fmt.Errorf("optim: %s: State has %d keys besides %q ones; want exactly %q", wrapper, len(own), innerStatePrefix, ownKeys)
	}
	return innerState, own, nil
}
