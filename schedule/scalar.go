package schedule

import (
	"fmt"
	"math"
	"slices"
)

// Scalar is a quantity that changes over the steps of a run: At gives its
// value at step t, counted from 0; steps before 0 count as step 0. The
// learning rate is one (LR), and so are a loss term's weight, a curriculum's
// pace and a continuation's smoothing σ. A Scalar is a pure function of the
// step, so a run resumed at a saved step continues it exactly, with no state
// to save.
type Scalar interface {
	At(step int) float64
}

var (
	_ Scalar = Linear{}
	_ Scalar = Until{}
	_ Scalar = Piecewise{}
)

// Validate checks a Scalar that has a Validate method and accepts one that
// has none; a nil Scalar is an error.
func Validate(s Scalar) error {
	if s == nil {
		return fmt.Errorf("schedule: no schedule set")
	}
	if validator, ok := s.(interface{ Validate() error }); ok {
		return validator.Validate()
	}
	return nil
}

// Linear moves a value in a straight line from From at step 0 to To at step
// Steps and holds To afterwards: v(t) = From + (To − From)·min(t, T)/T. A
// loss term's weight decayed to 0 by step N is Linear{From: w, Steps: N}; a
// curriculum's pace from a share p₀ to 1 is Linear{From: p₀, To: 1, Steps: N}.
type Linear struct {
	// From is the value at step 0.
	From float64
	// To is the value from step Steps on.
	To float64
	// Steps is the length T of the ramp, ≥ 1.
	Steps int
}

// At returns the value on the line; see Linear.
func (l Linear) At(step int) float64 {
	if step >= l.Steps {
		return l.To
	}
	return l.From + (l.To-l.From)*float64(max(step, 0))/float64(l.Steps)
}

// Validate reports an end that is not finite and a non-positive length.
func (l Linear) Validate() error {
	if err := checkFinite("Linear.From", l.From); err != nil {
		return err
	}
	if err := checkFinite("Linear.To", l.To); err != nil {
		return err
	}
	if l.Steps <= 0 {
		return fmt.Errorf("schedule: Linear.Steps = %d; want the length of the ramp in steps, ≥ 1", l.Steps)
	}
	return nil
}

// Until is the schedule Value before step Steps and 0 from step Steps on: a
// loss term switched off after N steps is Until{Steps: N, Value:
// Constant{Rate: w}}.
type Until struct {
	// Steps is the first step at which the value is 0, ≥ 0.
	Steps int
	// Value is the schedule before step Steps.
	Value Scalar
}

// At returns Value.At(step) before step Steps and 0 afterwards. Without
// Value it returns NaN, which Validate reports as an error.
func (u Until) At(step int) float64 {
	switch {
	case u.Value == nil:
		return math.NaN()
	case step >= u.Steps:
		return 0
	}
	return u.Value.At(step)
}

// Validate reports a negative Steps, a missing Value and Value's own error.
func (u Until) Validate() error {
	if u.Steps < 0 {
		return fmt.Errorf("schedule: Until.Steps = %d; want the step at which the value turns to 0, ≥ 0", u.Steps)
	}
	if u.Value == nil {
		return fmt.Errorf("schedule: Until.Value is nil; set the schedule before the cut-off (Constant for a fixed value)")
	}
	return within("Until.Value", u.Value)
}

// Piecewise is constant between boundaries: Values[0] before step
// Boundaries[0], Values[i] from step Boundaries[i−1] to Boundaries[i], and
// the last value from the last boundary on (optax's piecewise constant
// schedule, and PyTorch's MultiStepLR with arbitrary values). A continuation
// whose smoothing σ takes the levels σ₀ > σ₁ > … > 0 for L steps each is
// Piecewise{Values: []float64{σ₀, σ₁, …, 0}, Boundaries: []int{L, 2L, …}}.
type Piecewise struct {
	// Values are the values, one more than Boundaries, each finite.
	Values []float64
	// Boundaries are the steps at which the value changes, strictly
	// increasing and ≥ 1.
	Boundaries []int
}

// At returns the value of the piece holding step; see Piecewise. Without
// Values it returns NaN, which Validate reports as an error.
func (p Piecewise) At(step int) float64 {
	if len(p.Values) == 0 {
		return math.NaN()
	}
	piece, found := slices.BinarySearch(p.Boundaries, step)
	if found {
		piece++
	}
	return p.Values[min(piece, len(p.Values)-1)]
}

// Validate reports a number of values that is not one more than the number
// of boundaries, values that are not finite, and boundaries that are not
// strictly increasing steps ≥ 1.
func (p Piecewise) Validate() error {
	if len(p.Values) != len(p.Boundaries)+1 {
		return fmt.Errorf("schedule: Piecewise has %d values and %d boundaries; want one value more than boundaries (the value before the first boundary and one after each)", len(p.Values), len(p.Boundaries))
	}
	for i, value := range p.Values {
		if err := checkFinite(fmt.Sprintf("Piecewise.Values[%d]", i), value); err != nil {
			return err
		}
	}
	for i, boundary := range p.Boundaries {
		if boundary <= 0 || i > 0 && boundary <= p.Boundaries[i-1] {
			return fmt.Errorf("schedule: Piecewise.Boundaries = %v; want strictly increasing steps ≥ 1 (entry %d is %d)", p.Boundaries, i, boundary)
		}
	}
	return nil
}

// within validates a schedule nested in another one, naming where it sits.
func within(field string, s Scalar) error {
	if err := Validate(s); err != nil {
		return fmt.Errorf("%w (in %s)", err, field)
	}
	return nil
}

// checkFinite reports a value that is NaN or infinite.
func checkFinite(field string, value float64) error {
	if math.IsNaN(value) || math.IsInf(value, 0) {
		return fmt.Errorf("schedule: %s = %v; want a finite number", field, value)
	}
	return nil
}
