package optim

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// float32Quadratic is J(θ) = ½ Σ a_i p_i² + Σ_s (λ_s/2) Σ_{i∈s} θ_i², p =
// float32(θ), evaluated as a float32 graph with a weight penalty would be:
// the parameters p and the gradient a_i·p_i (in float32) live in float32
// segments, and Eval widens the gradient and adds λ_s·θ_i in float64, as
// model.Model.Eval does. It implements InPlace.
type float32Quadratic struct {
	curvature []float32
	// bounds are the segments' ends; penalty their λ.
	bounds  []int
	penalty []float64

	params, grad []float32
	written      bool
	// copies counts the evaluations that rounded θ into params.
	copies int
}

func newFloat32Quadratic(curvature []float32, bounds []int, penalty []float64) *float32Quadratic {
	n := len(curvature)
	return &float32Quadratic{curvature: curvature, bounds: bounds, penalty: penalty, params: make([]float32, n), grad: make([]float32, n)}
}

func (q *float32Quadratic) Dim() int { return len(q.curvature) }

// run computes the float32 gradient at params and J without the penalty.
func (q *float32Quadratic) run() float64 {
	var value float64
	for i, a := range q.curvature {
		q.grad[i] = a * q.params[i]
		value += float64(a*q.params[i]*q.params[i]) / 2
	}
	return value
}

// penaltyOf is Σ_s (λ_s/2) Σ θ², adding λ_s·θ_i to grad when non-nil.
func (q *float32Quadratic) penaltyOf(theta, grad []float64) float64 {
	var sum float64
	start := 0
	for s, end := range q.bounds {
		for i := start; i < end && q.penalty[s] != 0; i++ {
			sum += q.penalty[s] / 2 * theta[i] * theta[i]
			if grad != nil {
				grad[i] += q.penalty[s] * theta[i]
			}
		}
		start = end
	}
	return sum
}

func (q *float32Quadratic) Eval(theta, grad []float64) (float64, error) {
	q.setParams(theta)
	value := q.run()
	if grad != nil {
		for i, g := range q.grad {
			grad[i] = float64(g)
		}
	}
	return value + q.penaltyOf(theta, grad), nil
}

func (q *float32Quadratic) setParams(theta []float64) {
	q.written = false
	q.copies++
	for i, v := range theta {
		q.params[i] = float32(v)
	}
}

func (q *float32Quadratic) EvalInPlace(theta []float64) (float64, error) {
	if !q.written {
		q.setParams(theta)
	}
	return q.run() + q.penaltyOf(theta, nil), nil
}

func (q *float32Quadratic) Segments() []Segment {
	var segments []Segment
	start := 0
	for s, end := range q.bounds {
		segments = append(segments, Segment{Start: start, Grad: q.grad[start:end], Penalty: q.penalty[s], Param: q.params[start:end]})
		start = end
	}
	return segments
}

func (q *float32Quadratic) Written() { q.written = true }

// inPlaceProblem returns two copies of a float32Quadratic of three segments
// (the first and last penalised) and a starting point with zeros of both
// signs among values of several magnitudes.
func inPlaceProblem() (flat, inPlace *float32Quadratic, theta []float64) {
	curvature := []float32{1, 3.5, 0.25, 0, 2, 7, 0.5, 1.25, 4, 0.75, 1e-3, 9, 0.1}
	bounds, penalty := []int{5, 9, 13}, []float64{0.01, 0, 0.003}
	theta = []float64{0.3, -1.7, 2.25, math.Copysign(0, -1), 0.9, -0.41, 1e-3, 0, 5.5, -2, 0.125, -0.6, 3}
	return newFloat32Quadratic(curvature, bounds, penalty), newFloat32Quadratic(slices.Clone(curvature), bounds, penalty), theta
}

// inPlaceOptimizers are settings of every in-place method, averaging
// wrappers included.
func inPlaceOptimizers() map[string]func() Optimizer {
	return map[string]func() Optimizer{
		"SGD":                func() Optimizer { return &SGD{} },
		"SGD weight decay":   func() Optimizer { return &SGD{WeightDecay: 0.02} },
		"momentum":           func() Optimizer { return &SGD{Momentum: 0.9} },
		"Nesterov decay":     func() Optimizer { return &SGD{Momentum: 0.8, Nesterov: true, WeightDecay: 0.01} },
		"Adam":               func() Optimizer { return &Adam{} },
		"Adam coupled decay": func() Optimizer { return &Adam{WeightDecay: 0.05} },
		"AdamW AMSGrad": func() Optimizer {
			return &Adam{Beta1: 0.8, Beta2: 0.99, WeightDecay: 0.05, Decoupled: true, AMSGrad: true}
		},
		"Polyak momentum": func() Optimizer { return &PolyakAverage{Inner: &SGD{Momentum: 0.5}, Start: 3} },
		"EMA Adam":        func() Optimizer { return &ExponentialAverage{Inner: &Adam{}, Decay: 0.9, Debias: true} },
	}
}

// sameBits reports whether two States hold the same keys and bits.
func sameStateBits(a, b State) bool {
	if len(a) != len(b) {
		return false
	}
	for key, value := range a {
		if other, ok := b[key]; !ok || !sameBits(value, other) {
			return false
		}
	}
	return true
}

// TestStepInPlaceMatchesStep steps every in-place method on a float32
// objective both ways, Eval and Step on float64 vectors and EvalInPlace and
// StepInPlace on its segments, under a changing learning rate, and requires
// the same bits of θ, of the loss, of the state and of the average at every
// step, the objective's parameters equal to θ rounded to float32, and θ
// copied into them only at the first evaluation.
func TestStepInPlaceMatchesStep(t *testing.T) {
	for name, newOptimizer := range inPlaceOptimizers() {
		t.Run(name, func(t *testing.T) {
			flatObj, inPlaceObj, start := inPlaceProblem()
			flatOpt, inPlaceOpt := newOptimizer(), newOptimizer()
			if !StepsInPlace(inPlaceOpt) {
				t.Fatalf("StepsInPlace(%T) = false", inPlaceOpt)
			}
			flat, inPlace := slices.Clone(start), slices.Clone(start)
			grad := make([]float64, len(flat))
			for k := range 12 {
				lr := 0.05 / float64(1+k%4)
				flatLoss, _ := flatObj.Eval(flat, grad)
				inPlaceLoss, _ := inPlaceObj.EvalInPlace(inPlace)
				if math.Float64bits(flatLoss) != math.Float64bits(inPlaceLoss) {
					t.Fatalf("step %d: EvalInPlace = %v, Eval = %v", k, inPlaceLoss, flatLoss)
				}
				if _, err := flatOpt.Step(flatObj, flat, flatLoss, grad, lr); err != nil {
					t.Fatal(err)
				}
				info, err := inPlaceOpt.(InPlaceStepper).StepInPlace(inPlaceObj, inPlace, inPlaceLoss, lr)
				if err != nil {
					t.Fatal(err)
				}
				if info != (Info{StepLength: lr}) {
					t.Fatalf("step %d: Info = %+v, want StepLength %v alone", k, info, lr)
				}
				if !sameBits(flat, inPlace) {
					t.Fatalf("step %d: θ in place %v, with Step %v", k, inPlace, flat)
				}
				if !sameStateBits(flatOpt.State(), inPlaceOpt.State()) {
					t.Fatalf("step %d: state in place %v, with Step %v", k, inPlaceOpt.State(), flatOpt.State())
				}
				if a, ok := flatOpt.(Averager); ok && !sameBits(a.Averaged(), inPlaceOpt.(Averager).Averaged()) {
					t.Fatalf("step %d: average in place %v, with Step %v", k, inPlaceOpt.(Averager).Averaged(), a.Averaged())
				}
				for i, p := range inPlaceObj.params {
					if p != float32(inPlace[i]) {
						t.Fatalf("step %d: parameter %d = %v, want θ rounded %v", k, i, p, float32(inPlace[i]))
					}
				}
			}
			if inPlaceObj.copies != 1 {
				t.Errorf("θ was copied into the parameters %d times; want once, before the first step", inPlaceObj.copies)
			}
		})
	}
}

// TestStepInPlaceRefusesNonFiniteGradients makes one gradient coordinate
// +Inf or NaN (in a penalised segment and in one without penalty) and
// requires StepInPlace to fail with Step's message, leaving θ, the state and
// the parameters as they were.
func TestStepInPlaceRefusesNonFiniteGradients(t *testing.T) {
	for name, newOptimizer := range inPlaceOptimizers() {
		for _, bad := range []struct {
			index     int
			curvature float32
			theta     float64
		}{{2, float32(math.Inf(1)), 1}, {7, float32(math.Inf(-1)), 0}, {11, float32(math.NaN()), 0.5}} {
			flatObj, inPlaceObj, theta := inPlaceProblem()
			flatObj.curvature[bad.index], inPlaceObj.curvature[bad.index], theta[bad.index] = bad.curvature, bad.curvature, bad.theta
			flatOpt, inPlaceOpt := newOptimizer(), newOptimizer()
			flat, inPlace := slices.Clone(theta), slices.Clone(theta)
			grad := make([]float64, len(flat))
			// A finite first step, so that there is a state to keep.
			good := slices.Clone(theta)
			good[bad.index] = 0.5
			goodObj := newFloat32Quadratic(slices.Clone(flatObj.curvature), flatObj.bounds, flatObj.penalty)
			goodObj.curvature[bad.index] = 1
			for _, opt := range []Optimizer{flatOpt, inPlaceOpt} {
				loss, _ := goodObj.Eval(slices.Clone(good), grad)
				if _, err := opt.Step(goodObj, slices.Clone(good), loss, grad, 0.1); err != nil {
					t.Fatal(err)
				}
			}
			flatLoss, _ := flatObj.Eval(flat, grad)
			_, flatErr := flatOpt.Step(flatObj, flat, flatLoss, grad, 0.1)
			loss, _ := inPlaceObj.EvalInPlace(inPlace)
			state, params := inPlaceOpt.State(), slices.Clone(inPlaceObj.params)
			_, err := inPlaceOpt.(InPlaceStepper).StepInPlace(inPlaceObj, inPlace, loss, 0.1)
			if err == nil || flatErr == nil || err.Error() != flatErr.Error() {
				t.Fatalf("%s, gradient %v·%v at %d: StepInPlace error %v; want Step's %v", name, bad.curvature, bad.theta, bad.index, err, flatErr)
			}
			if !sameBits(inPlace, theta) || !sameStateBits(inPlaceOpt.State(), state) || !slices.Equal(inPlaceObj.params, params) || inPlaceObj.written {
				t.Fatalf("%s, gradient %v at %d: a refused StepInPlace changed θ, the state or the parameters", name, bad.curvature, bad.index)
			}
		}
	}
}

// TestStepInPlaceReportsNonFiniteTheta takes a step so long that θ
// overflows and requires a *NonFiniteError at the first coordinate that
// Step's result has non-finite, with its value, after writing every
// segment.
func TestStepInPlaceReportsNonFiniteTheta(t *testing.T) {
	flatObj, inPlaceObj, theta := inPlaceProblem()
	flat, inPlace := slices.Clone(theta), slices.Clone(theta)
	grad := make([]float64, len(flat))
	const lr = 1e308
	loss, _ := flatObj.Eval(flat, grad)
	if _, err := (&SGD{}).Step(flatObj, flat, loss, grad, lr); err != nil {
		t.Fatal(err)
	}
	loss, _ = inPlaceObj.EvalInPlace(inPlace)
	_, err := (&SGD{}).StepInPlace(inPlaceObj, inPlace, loss, lr)
	var nonFinite *NonFiniteError
	if !errors.As(err, &nonFinite) {
		t.Fatalf("StepInPlace with lr %g: error %v; want a *NonFiniteError", lr, err)
	}
	want := slices.IndexFunc(flat, func(v float64) bool { return math.IsInf(v, 0) || math.IsNaN(v) })
	if want < 0 || nonFinite.Index != want || math.Float64bits(nonFinite.Value) != math.Float64bits(flat[want]) {
		t.Fatalf("NonFiniteError at %d = %v; Step's θ is first non-finite at %d", nonFinite.Index, nonFinite.Value, want)
	}
	if !sameBits(flat, inPlace) || !inPlaceObj.written {
		t.Fatalf("θ in place %v, with Step %v; want every segment written", inPlace, flat)
	}
}

// TestStepInPlaceRefusesBadSegments gives segments that leave a gap, fall
// short of θ or run past it, and requires StepInPlace to refuse them before
// writing.
func TestStepInPlaceRefusesBadSegments(t *testing.T) {
	_, obj, theta := inPlaceProblem()
	if _, err := obj.EvalInPlace(theta); err != nil {
		t.Fatal(err)
	}
	segments := obj.Segments()
	gap := slices.Clone(segments)
	gap[1].Start++
	for name, c := range map[string]struct {
		segments []Segment
		theta    []float64
	}{
		"a gap":        {gap, theta},
		"too few":      {segments[:2], theta},
		"past θ's end": {segments, theta[:12]},
	} {
		before := slices.Clone(c.theta)
		_, err := (&SGD{}).StepInPlace(fixedSegments{obj, c.segments}, c.theta, 0, 0.1)
		wantError(t, "segments with "+name, err, "segment")
		if !sameBits(c.theta, before) {
			t.Errorf("segments with %s: θ changed", name)
		}
	}
}

// fixedSegments is an InPlace objective with given segments.
type fixedSegments struct {
	*float32Quadratic
	segments []Segment
}

func (f fixedSegments) Segments() []Segment { return f.segments }

// TestStepsInPlace lists which optimizers step in place, through the
// averaging wrappers, and requires a wrapper around another method to
// refuse StepInPlace.
func TestStepsInPlace(t *testing.T) {
	for _, c := range []struct {
		opt  Optimizer
		want bool
	}{
		{&SGD{}, true}, {&Adam{}, true},
		{&PolyakAverage{Inner: &SGD{Momentum: 0.9}}, true}, {&ExponentialAverage{Inner: &Adam{}}, true},
		{&CG{}, false}, {&LBFGS{}, false}, {&PolyakAverage{Inner: &LBFGS{}}, false},
		{&ExponentialAverage{Inner: &PolyakAverage{Inner: &CG{}}}, false},
	} {
		if got := StepsInPlace(c.opt); got != c.want {
			t.Errorf("StepsInPlace(%T) = %v, want %v", c.opt, got, c.want)
		}
	}
	_, obj, theta := inPlaceProblem()
	if _, err := obj.EvalInPlace(theta); err != nil {
		t.Fatal(err)
	}
	_, err := (&PolyakAverage{Inner: &LBFGS{}}).StepInPlace(obj, theta, 0, 0.1)
	wantError(t, "Polyak averaging of L-BFGS in place", err, "cannot step in place", "LBFGS")
}

// TestMemoEvalInPlace counts an in-place evaluation as one function and
// gradient evaluation, forgets the remembered point, and refuses an
// objective without the capability.
func TestMemoEvalInPlace(t *testing.T) {
	_, obj, theta := inPlaceProblem()
	memo := NewMemo(obj)
	if _, err := memo.Eval(theta, make([]float64, len(theta))); err != nil {
		t.Fatal(err)
	}
	want, _ := obj.Eval(theta, nil)
	got, err := memo.EvalInPlace(theta)
	if err != nil || got != want || memo.FuncEvals != 2 || memo.GradEvals != 2 || memo.Remembers(theta, false) {
		t.Fatalf("EvalInPlace = %v, %v with counts %d, %d, remembering %v; want %v, two of each, nothing remembered",
			got, err, memo.FuncEvals, memo.GradEvals, memo.Remembers(theta, false), want)
	}
	_, err = NewMemo(diagonalQuadratic{1, 2}).EvalInPlace([]float64{1, 1})
	wantError(t, "EvalInPlace of a float64 objective", err, "InPlace", "EvalOnce")
}
