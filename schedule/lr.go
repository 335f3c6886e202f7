package schedule

import (
	"errors"
	"fmt"
	"math"

	"deepopt/internal/bounds"
)

// LR is a learning-rate schedule: a Scalar whose value at step t is the
// learning rate of step t. The schedules below are Scalars whose values must
// be positive (Cosine's Min may be 0); they serve for any other positive
// quantity too.
type LR = Scalar

var (
	_ LR = Constant{}
	_ LR = StepDecay{}
	_ LR = Exponential{}
	_ LR = Cosine{}
	_ LR = Warmup{}
)

// Constant is the learning rate Rate at every step.
type Constant struct {
	// Rate is the learning rate, > 0.
	Rate float64
}

// At returns Rate.
func (c Constant) At(int) float64 { return c.Rate }

// Validate reports a rate that is not finite and positive.
func (c Constant) Validate() error { return checkRate("Constant.Rate", c.Rate) }

// StepDecay multiplies the learning rate by Gamma every Every steps, or at
// each of the Milestones (PyTorch's StepLR and MultiStepLR): η(t) = Rate·γ^d
// with d = ⌊t/Every⌋, or d the number of milestones ≤ t, so the decay takes
// effect at the milestone step itself. Set exactly one of Every and
// Milestones.
type StepDecay struct {
	// Rate is the learning rate before the first decay, > 0.
	Rate float64
	// Gamma is the factor per decay, in (0, 1].
	Gamma float64
	// Every is the number of steps between decays.
	Every int
	// Milestones are the steps at which the rate decays, increasing and > 0.
	Milestones []int
}

// At returns Rate·Gamma^d; see StepDecay.
func (s StepDecay) At(step int) float64 {
	step = max(step, 0)
	decays := 0
	if s.Every > 0 {
		decays = step / s.Every
	} else {
		for _, milestone := range s.Milestones {
			if milestone <= step {
				decays++
			}
		}
	}
	return s.Rate * math.Pow(s.Gamma, float64(decays))
}

// Validate reports a rate that is not finite and positive, a factor outside
// (0, 1], and a decay period that is not exactly one of Every > 0 or
// increasing positive Milestones.
func (s StepDecay) Validate() error {
	if err := checkRate("StepDecay.Rate", s.Rate); err != nil {
		return err
	}
	if err := checkGamma("StepDecay.Gamma", s.Gamma); err != nil {
		return err
	}
	switch {
	case s.Every < 0:
		return fmt.Errorf("schedule: StepDecay.Every = %d; want the number of steps between decays, ≥ 1", s.Every)
	case s.Every > 0 && len(s.Milestones) > 0:
		return fmt.Errorf("schedule: StepDecay has Every = %d and Milestones %v; set only one", s.Every, s.Milestones)
	case s.Every == 0 && len(s.Milestones) == 0:
		return fmt.Errorf("schedule: StepDecay has neither Every nor Milestones; set Every to decay every k steps, or Milestones to decay at given steps")
	}
	for i, milestone := range s.Milestones {
		if milestone <= 0 || i > 0 && milestone <= s.Milestones[i-1] {
			return fmt.Errorf("schedule: StepDecay.Milestones = %v; want strictly increasing steps ≥ 1 (entry %d is %d)", s.Milestones, i, milestone)
		}
	}
	return nil
}

// Exponential decays the learning rate smoothly by the factor Gamma every
// Every steps: η(t) = Rate·γ^(t/Every), the continuous counterpart of
// StepDecay. With Every = 1 it is PyTorch's ExponentialLR stepped every
// iteration, η(t) = Rate·γ^t; with Every the number of steps per epoch, γ is
// the decay per epoch.
type Exponential struct {
	// Rate is the learning rate at step 0, > 0.
	Rate float64
	// Gamma is the factor per Every steps, in (0, 1].
	Gamma float64
	// Every is the number of steps over which the rate falls by Gamma; 0
	// means 1.
	Every int
}

// At returns Rate·Gamma^(step/Every).
func (e Exponential) At(step int) float64 {
	return e.Rate * math.Pow(e.Gamma, float64(max(step, 0))/float64(max(e.Every, 1)))
}

// Validate reports every setting out of range: a rate that is not finite
// and positive, a factor outside (0, 1], or a negative period.
func (e Exponential) Validate() error {
	var every error
	if e.Every < 0 {
		every = fmt.Errorf("schedule: %w", &bounds.Error{Field: "Exponential.Every", Value: e.Every, Want: "the number of steps per factor Gamma, ≥ 1", Hint: "0 means 1"})
	}
	return errors.Join(checkRate("Exponential.Rate", e.Rate), every, checkGamma("Exponential.Gamma", e.Gamma))
}

// Cosine anneals the learning rate from Rate to Min over Steps steps along a
// half cosine and stays at Min afterwards: η(t) = Min + (Rate − Min)·(1 +
// cos(π·t/T))/2 for t ≤ T = Steps, and Min for t > T. It is SGDR
// (Loshchilov & Hutter 2017, "SGDR: Stochastic gradient descent with warm
// restarts", eq. 5) without restarts, as PyTorch's CosineAnnealingLR.
type Cosine struct {
	// Rate is the learning rate at step 0, > 0.
	Rate float64
	// Min is the learning rate reached at step Steps, in [0, Rate].
	Min float64
	// Steps is the length T of the anneal, ≥ 1.
	Steps int
}

// At returns the annealed rate; see Cosine.
func (c Cosine) At(step int) float64 {
	if step >= c.Steps {
		return c.Min
	}
	progress := float64(max(step, 0)) / float64(c.Steps)
	return c.Min + (c.Rate-c.Min)*(1+math.Cos(math.Pi*progress))/2
}

// Validate reports a rate that is not finite and positive, a Min outside
// [0, Rate], or a non-positive length.
func (c Cosine) Validate() error {
	if err := checkRate("Cosine.Rate", c.Rate); err != nil {
		return err
	}
	if !(c.Min >= 0 && c.Min <= c.Rate) {
		return fmt.Errorf("schedule: %w", &bounds.Error{Field: "Cosine.Min", Value: c.Min,
			Want: fmt.Sprintf("a number in [0, Cosine.Rate] = [0, %v]", c.Rate), Hint: "the final learning rate"})
	}
	if c.Steps <= 0 {
		return fmt.Errorf("schedule: Cosine.Steps = %d; want the length of the anneal in steps, ≥ 1", c.Steps)
	}
	return nil
}

// Warmup ramps the learning rate linearly over the first Steps steps into
// the schedule Then, which starts afterwards (Goyal et al. 2017, "Accurate,
// large minibatch SGD", §2.2; PyTorch's LinearLR followed by Then under
// SequentialLR): η(t) = (s + (1 − s)·t/w)·Then.At(0) for t < w = Steps and
// s = Start, and η(t) = Then.At(t − w) from step w on. The ramp thus reaches
// Then's first rate at step w; Then's own step count starts there, so a
// Cosine after a warm-up of w steps in a run of n steps takes Steps = n − w.
type Warmup struct {
	// Steps is the length w of the ramp; 0 passes Then through unchanged.
	Steps int
	// Start is the factor s in [0, 1] at step 0: 0 starts from a zero
	// learning rate, 1/Steps from Then.At(0)/Steps.
	Start float64
	// Then is the schedule after the warm-up.
	Then LR
}

// At returns the warm-up rate or Then's; see Warmup. Without Then it
// returns NaN, which Validate reports as an error.
func (w Warmup) At(step int) float64 {
	if w.Then == nil {
		return math.NaN()
	}
	step = max(step, 0)
	if step >= w.Steps {
		return w.Then.At(step - w.Steps)
	}
	return (w.Start + (1-w.Start)*float64(step)/float64(w.Steps)) * w.Then.At(0)
}

// Validate reports a negative length, a Start outside [0, 1], a missing
// Then, and Then's own error if it has a Validate method.
func (w Warmup) Validate() error {
	if w.Steps < 0 {
		return fmt.Errorf("schedule: Warmup.Steps = %d; want the length of the ramp, ≥ 0 (0 for none)", w.Steps)
	}
	if !(w.Start >= 0 && w.Start <= 1) {
		return fmt.Errorf("schedule: Warmup.Start = %v; want the starting factor in [0, 1]", w.Start)
	}
	if w.Then == nil {
		return fmt.Errorf("schedule: Warmup.Then is nil; set the schedule that follows the warm-up (Constant for a fixed rate)")
	}
	return within("Warmup.Then", w.Then)
}

// checkRate reports a learning rate that is not finite and positive.
func checkRate(field string, rate float64) error {
	if err := bounds.Check(field, rate, bounds.Positive, "a finite learning rate"); err != nil {
		return fmt.Errorf("schedule: %w", err)
	}
	return nil
}

// checkGamma reports a decay factor outside (0, 1].
func checkGamma(field string, gamma float64) error {
	if err := bounds.Check(field, gamma, bounds.Fraction, "a decay factor; 1 for none"); err != nil {
		return fmt.Errorf("schedule: %w", err)
	}
	return nil
}
