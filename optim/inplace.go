package optim

import (
	"fmt"

	"deepopt/internal/finite"
)

// Segment is a contiguous range θ[Start:Start+len(Grad)] of the parameter
// vector as an InPlace objective holds it in float32: a tensor of a float32
// graph.
type Segment struct {
	// Start is the index in θ of the segment's first coordinate.
	Start int
	// Grad is the gradient of the last EvalInPlace on the segment, without
	// the term of Penalty.
	Grad []float32
	// Penalty is the coefficient λ of an L2 term (λ/2)·Σθ² over the segment
	// that J includes (a model's weight penalty, which the objective's Eval
	// adds to the gradient as λ·θ), 0 for none: a step adds λ·θ to Grad
	// exactly as Eval would have.
	Penalty float64
	// Param receives θ on the segment rounded to float32, the parameters of
	// the next evaluation.
	Param []float32
}

// InPlace is an optional capability of an Objective that evaluates in
// float32 storage of its own (a float32 graph's parameter and gradient
// tensors) while θ stays float64. Through Eval, every evaluation rounds θ
// into that storage and widens ∇J out of it, two copies of θ per step. An
// elementwise method (SGD, Adam: InPlaceStepper) instead reads ∇J straight
// from Segments and writes the new θ back into them in the same pass as
// its float64 update, with Eval's arithmetic, so that the iterates are the
// same bits either way.
type InPlace interface {
	Objective
	// EvalInPlace returns J(θ) as Eval(θ, grad) does and leaves ∇J in the
	// Grad of Segments instead of a float64 vector. The objective takes its
	// parameters as the last step wrote them (Written) unless they were set
	// otherwise since (an evaluation elsewhere), and then rounds theta into
	// them: so theta must be θ as that step left it.
	EvalInPlace(theta []float64) (float64, error)
	// Segments returns the segments covering θ, in order, with the gradient
	// of the last EvalInPlace; they are valid until the next evaluation.
	Segments() []Segment
	// Written records that every segment's Param holds θ rounded, written by
	// a step after the last EvalInPlace.
	Written()
}

// InPlaceStepper is an Optimizer that can also take its step on an InPlace
// objective, reading ∇J from its segments and writing θ into them in one
// pass.
type InPlaceStepper interface {
	Optimizer
	// StepInPlace is Step after obj.EvalInPlace(theta) returned loss: it
	// updates theta (the same bits as Step with the gradient Eval would
	// have written), writes it into the segments' Param and calls
	// obj.Written. It refuses a non-finite gradient, as Step does, before
	// writing anything. A step that leaves a NaN or infinite coordinate of
	// θ returns a *NonFiniteError after writing.
	StepInPlace(obj InPlace, theta []float64, loss, lr float64) (Info, error)
}

// StepsInPlace reports whether opt can step on an InPlace objective
// (StepInPlace), looking through the averaging wrappers: true for SGD and
// Adam.
func StepsInPlace(opt Optimizer) bool {
	switch o := opt.(type) {
	case *PolyakAverage:
		return StepsInPlace(o.Inner)
	case *ExponentialAverage:
		return StepsInPlace(o.Inner)
	case InPlaceStepper:
		return true
	}
	return false
}

// stepInPlace is opt's StepInPlace, or an error naming opt when it has
// none, for the averaging wrappers.
func stepInPlace(opt Optimizer, obj InPlace, theta []float64, loss, lr float64) (Info, error) {
	s, ok := opt.(InPlaceStepper)
	if !ok || !StepsInPlace(opt) {
		return Info{}, fmt.Errorf("optim: %T cannot step in place; use Step (StepsInPlace reports which optimizers can)", opt)
	}
	return s.StepInPlace(obj, theta, loss, lr)
}

// NonFiniteError reports that a step left θ[Index] = Value, NaN or
// infinite.
type NonFiniteError struct {
	Index int
	Value float64
}

func (e *NonFiniteError) Error() string {
	return fmt.Sprintf("optim: the step left θ[%d] = %v", e.Index, e.Value)
}

// stepSegments is the frame of an elementwise method's StepInPlace: it
// checks the segments, the arguments and the gradient (checkInPlaceStep;
// stateDim is the length of the method's state vectors, 0 when it has none
// yet) before anything changes, calls begin (which counts the step and
// allocates the state), then update on each segment with θ's coordinates
// on it, records obj.Written and reports a non-finite new θ as a
// *NonFiniteError. update returns the sum of v − v over the new values v.
func stepSegments(method string, obj InPlace, theta []float64, lr float64, stateDim int, begin func(), update func(seg Segment, theta []float64) float64) (Info, error) {
	segments := obj.Segments()
	if err := checkInPlaceStep(method, theta, segments, lr, stateDim); err != nil {
		return Info{}, err
	}
	begin()
	var check float64
	for _, seg := range segments {
		check += update(seg, theta[seg.Start:seg.Start+len(seg.Grad)])
	}
	obj.Written()
	return Info{StepLength: lr}, checkFinite(theta, check)
}

// checkInPlaceStep is checkFirstOrderStep for StepInPlace: the segments
// cover θ in order, their lengths agree, the state vectors (stateDim, 0
// when the method has none yet) have θ's length, lr is finite and ≥ 0, and
// the gradient is finite, reported as Eval's gradient with the segment's
// penalty.
func checkInPlaceStep(method string, theta []float64, segments []Segment, lr float64, stateDim int) error {
	next := 0
	for _, s := range segments {
		if s.Start != next || len(s.Param) != len(s.Grad) || s.Start+len(s.Grad) > len(theta) {
			return fmt.Errorf("optim: %s: segment [%d, %d) with %d parameters does not continue the segments before it at %d within θ's %d coordinates", method, s.Start, s.Start+len(s.Grad), len(s.Param), next, len(theta))
		}
		next += len(s.Grad)
	}
	if next != len(theta) {
		return fmt.Errorf("optim: %s: the segments cover %d coordinates; θ has %d", method, next, len(theta))
	}
	if err := checkStateAndRate(method, len(theta), lr, stateDim); err != nil {
		return err
	}
	for _, s := range segments {
		if i := finite.First32(s.Grad); i >= 0 {
			j := s.Start + i
			return nonFiniteGradient(method, j, withPenalty(s.Grad[i], s.Penalty, theta[j]))
		}
	}
	return nil
}

// withPenalty is the gradient g of a coordinate θ with the term λ·θ of an
// L2 penalty λ (none for 0), as Eval computes it.
func withPenalty(g float32, penalty, theta float64) float64 {
	if penalty == 0 {
		return float64(g)
	}
	return float64(g) + penalty*theta
}

// checkFinite returns a *NonFiniteError for the first NaN or infinite
// coordinate of θ when check, a sum of v − v over θ's new values, is not
// zero.
func checkFinite(theta []float64, check float64) error {
	if check == 0 {
		return nil
	}
	i := finite.First(theta)
	if i < 0 {
		return nil
	}
	return &NonFiniteError{Index: i, Value: theta[i]}
}
