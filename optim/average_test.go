package optim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// gradientStep is plain SGD, θ ← θ − lr·g, with a step counter as State: a
// test double for the optimizer an averaging wrapper wraps.
type gradientStep struct{ steps int }

func (s *gradientStep) Step(obj Objective, theta []float64, loss float64, grad []float64, lr float64) (Info, error) {
	floats.AddScaled(theta, -lr, grad)
	s.steps++
	return Info{StepLength: lr}, nil
}

func (s *gradientStep) State() State { return State{"steps": {float64(s.steps)}} }

func (s *gradientStep) SetState(state State) error {
	steps, err := stateCounter("gradientStep", state, "steps")
	s.steps = steps
	return err
}

// squaredErrors is the least-squares loss ½ Σ_{i ∈ rows} (x_iᵀθ − y_i)² / |rows|
// over some rows of a design matrix.
type squaredErrors struct {
	x    *mat.Dense
	y    []float64
	rows []int
}

func (s squaredErrors) Dim() int { _, d := s.x.Dims(); return d }

func (s squaredErrors) Eval(theta, grad []float64) (float64, error) {
	if grad != nil {
		clear(grad)
	}
	value := 0.0
	for _, row := range s.rows {
		features := s.x.RawRowView(row)
		residual := floats.Dot(features, theta) - s.y[row]
		value += residual * residual / 2
		if grad != nil {
			floats.AddScaled(grad, residual/float64(len(s.rows)), features)
		}
	}
	return value / float64(len(s.rows)), nil
}

func TestAveragingReducesSGDNoise(t *testing.T) {
	const examples, dim, steps, lr = 400, 10, 40000, 0.02
	random := rand.New(rand.NewPCG(31, 32))
	x := mat.NewDense(examples, dim, nil)
	truth := make([]float64, dim)
	for j := range truth {
		truth[j] = random.NormFloat64()
	}
	y := make([]float64, examples)
	for i := range examples {
		for j := range dim {
			x.Set(i, j, random.NormFloat64())
		}
		y[i] = floats.Dot(x.RawRowView(i), truth) + 0.5*random.NormFloat64()
	}
	var qr mat.QR
	qr.Factorize(x)
	var leastSquares mat.VecDense
	if err := qr.SolveVecTo(&leastSquares, false, mat.NewVecDense(examples, y)); err != nil {
		t.Fatal(err)
	}
	reference := leastSquares.RawVector().Data

	polyak := &PolyakAverage{Inner: &gradientStep{}, Start: steps / 10}
	ema := &ExponentialAverage{Inner: &gradientStep{}, Decay: 0.995, Debias: true}
	thetaPolyak, thetaEMA := make([]float64, dim), make([]float64, dim)
	grad := make([]float64, dim)
	// Root-mean-square distances to w_LS over checkpoints every 50 steps in
	// the last quarter: one distance is a random variable (a scaled χ with
	// d degrees of freedom), its mean over many checkpoints is stable.
	var squaredLast, squaredPolyak, squaredEMA float64
	checkpoints := 0
	for step := 1; step <= steps; step++ {
		// Both wrappers see the same single-example gradients, so their
		// inner iterates coincide: one last iterate, two averages.
		batch := squaredErrors{x: x, y: y, rows: []int{random.IntN(examples)}}
		loss, _ := batch.Eval(thetaPolyak, grad)
		if _, err := polyak.Step(batch, thetaPolyak, loss, grad, lr); err != nil {
			t.Fatal(err)
		}
		if _, err := ema.Step(batch, thetaEMA, loss, grad, lr); err != nil {
			t.Fatal(err)
		}
		if step > 3*steps/4 && step%50 == 0 {
			squaredLast += math.Pow(floats.Distance(thetaPolyak, reference, 2), 2)
			squaredPolyak += math.Pow(floats.Distance(polyak.Averaged(), reference, 2), 2)
			squaredEMA += math.Pow(floats.Distance(ema.Averaged(), reference, 2), 2)
			checkpoints++
		}
	}
	if !floats.Equal(thetaPolyak, thetaEMA) {
		t.Fatal("the two wrappers' inner iterates differ")
	}
	last := math.Sqrt(squaredLast / float64(checkpoints))
	uniform := math.Sqrt(squaredPolyak / float64(checkpoints))
	exponential := math.Sqrt(squaredEMA / float64(checkpoints))
	t.Logf("RMS distance to w_LS over the last %d of %d SGD steps (lr %g): last iterate %.4f, Polyak average %.4f (ratio %.3f), EMA α = 0.995 %.4f", steps/4, steps, lr, last, uniform, uniform/last, exponential)
	// With a constant step the last iterate keeps a stationary spread of
	// order √(lr·σ²·d/2) ≈ 0.16 while the average's error decays as
	// √(σ²·d/t) ≈ 0.01 (Polyak & Juditsky 1992; Bach & Moulines 2013): a
	// ratio near 0.05, asserted below 0.2. The EMA averages about
	// 1/(1 − α) = 200 iterates, a few correlation times 1/(lr·λ) ≈ 50 of
	// SGD, so it lands in between.
	if uniform >= 0.2*last {
		t.Errorf("Polyak distance %.4f ≥ 0.2 × last-iterate distance %.4f", uniform, last)
	}
	if !(uniform < exponential && exponential < last) {
		t.Errorf("want Polyak %.4f < EMA %.4f < last %.4f", uniform, exponential, last)
	}
}

// stepsOfOne runs opt for the given number of steps on a 1-dimensional θ with
// gradient −1 and lr 1, so that a gradientStep inner makes θ_t = t.
func stepsOfOne(t *testing.T, opt Optimizer, theta []float64, steps int) {
	t.Helper()
	for range steps {
		if _, err := opt.Step(failingObjective{n: 1}, theta, 0, []float64{-1}, 1); err != nil {
			t.Fatal(err)
		}
	}
}

func TestPolyakAverageIsTheMeanFromStart(t *testing.T) {
	polyak := &PolyakAverage{Inner: &gradientStep{}, Start: 3}
	if polyak.Averaged() != nil {
		t.Error("Averaged before the first Step is not nil")
	}
	theta := []float64{0}
	stepsOfOne(t, polyak, theta, 2)
	if got := polyak.Averaged(); got[0] != 2 {
		t.Errorf("before Start, Averaged = %v, want the current iterate 2", got)
	}
	stepsOfOne(t, polyak, theta, 8)
	// (3 + 4 + … + 10) / 8 = 6.5.
	if got := polyak.Averaged(); got[0] != 6.5 {
		t.Errorf("Averaged = %v, want the mean of θ_3…θ_10 = 6.5", got)
	}
	got := polyak.Averaged()
	got[0] = 99
	if polyak.Averaged()[0] != 6.5 {
		t.Error("Averaged returned the internal slice, not a copy")
	}
}

func TestExponentialAverageMatchesHandComputation(t *testing.T) {
	plain := &ExponentialAverage{Inner: &gradientStep{}, Decay: 0.9}
	theta := []float64{0}
	stepsOfOne(t, plain, theta, 3)
	// θ̂_1 = 1, θ̂_2 = 0.9·1 + 0.1·2 = 1.1, θ̂_3 = 0.9·1.1 + 0.1·3 = 1.29.
	if got := plain.Averaged(); math.Abs(got[0]-1.29) > 1e-15 {
		t.Errorf("EMA without bias correction = %v, want 1.29", got)
	}
	debiased := &ExponentialAverage{Inner: &gradientStep{}, Decay: 0.9, Debias: true}
	theta = []float64{0}
	stepsOfOne(t, debiased, theta, 7)
	// The bias-corrected EMA is the mean of θ_i = i with weights ∝ α^(t−i).
	weighted, total := 0.0, 0.0
	for i := 1; i <= 7; i++ {
		weight := math.Pow(0.9, float64(7-i))
		weighted += weight * float64(i)
		total += weight
	}
	if got := debiased.Averaged(); math.Abs(got[0]-weighted/total) > 1e-14 {
		t.Errorf("debiased EMA = %v, want %v", got, weighted/total)
	}
}

func TestAveragingStateRoundTrip(t *testing.T) {
	objective := closedFormRosenbrock{n: 3}
	start := []float64{-1.2, 1, -1.2}
	checkStateRoundTrip(t, func() Optimizer { return &PolyakAverage{Inner: &gradientStep{}, Start: 2} }, objective, start, 1e-3)
	checkStateRoundTrip(t, func() Optimizer { return &ExponentialAverage{Inner: &gradientStep{}, Decay: 0.9, Debias: true} }, objective, start, 1e-3)
	checkStateRoundTrip(t, func() Optimizer {
		return &ExponentialAverage{Inner: &CoordinateDescent{RandomOrder: true, BlockPerStep: true}}
	}, objectiveOnly{objective}, start, 1e-3)

	polyak := &PolyakAverage{Inner: &gradientStep{}}
	stepsOfOne(t, polyak, []float64{0}, 4)
	state := polyak.State()
	if want := (State{"inner/steps": {4}, "steps": {4}, "count": {4}, "average": {2.5}}); !reflect.DeepEqual(state, want) {
		t.Errorf("State = %v, want %v", state, want)
	}
	restored := &PolyakAverage{Inner: &gradientStep{}}
	if err := restored.SetState(state); err != nil || restored.Averaged()[0] != 2.5 {
		t.Errorf("restored Averaged %v, err %v; want 2.5", restored.Averaged(), err)
	}
	fresh := (&ExponentialAverage{Inner: &gradientStep{}}).State()
	if err := (&ExponentialAverage{Inner: &gradientStep{}}).SetState(fresh); err != nil {
		t.Errorf("restoring the State of an unused wrapper: %v", err)
	}
	for _, bad := range []State{
		{"inner/steps": {4}, "steps": {4}, "average": {2.5}},
		{"inner/steps": {4}, "steps": {4}, "count": {4}, "average": {2.5}, "momentum": {1}},
		{"inner/steps": {-1}, "steps": {4}, "count": {4}, "average": {2.5}},
		{"inner/steps": {4}, "steps": {0.5}, "count": {4}, "average": {2.5}},
	} {
		if err := (&PolyakAverage{Inner: &gradientStep{}}).SetState(bad); err == nil {
			t.Errorf("SetState(%v) was accepted", bad)
		}
	}
	if err := (&PolyakAverage{}).SetState(state); err == nil {
		t.Error("SetState without Inner was accepted")
	}
}

// refusingOptimizer fails every Step.
type refusingOptimizer struct{ gradientStep }

func (*refusingOptimizer) Step(Objective, []float64, float64, []float64, float64) (Info, error) {
	return Info{}, errors.New("inner step failed")
}

func TestAveragingReportsBadInput(t *testing.T) {
	theta, grad := []float64{0}, []float64{-1}
	for _, bad := range []Optimizer{
		&PolyakAverage{},
		&PolyakAverage{Inner: &gradientStep{}, Start: -1},
		&ExponentialAverage{},
		&ExponentialAverage{Inner: &gradientStep{}, Decay: 1},
		&ExponentialAverage{Inner: &gradientStep{}, Decay: -0.5},
		&PolyakAverage{Inner: &refusingOptimizer{}},
		&ExponentialAverage{Inner: &refusingOptimizer{}},
	} {
		if _, err := bad.Step(failingObjective{n: 1}, theta, 0, grad, 1); err == nil {
			t.Errorf("%T%+v stepped without error", bad, bad)
		}
		if averager := bad.(Averager); averager.Averaged() != nil {
			t.Errorf("%T: a failed first Step left an average", bad)
		}
	}
	polyak := &PolyakAverage{Inner: &gradientStep{}}
	stepsOfOne(t, polyak, []float64{0}, 1)
	if _, err := polyak.Step(failingObjective{n: 2}, []float64{0, 0}, 0, []float64{1, 1}, 1); err == nil {
		t.Error("a θ of another length than the average was accepted")
	}
}

// TestResetMemoryLooksThroughAveraging resets an L-BFGS inside a Polyak
// average after three steps on Rosenbrock-10: the next step must be the one a
// fresh L-BFGS takes from the same point (steepest descent), unlike the step
// with the pairs kept, and the average must be kept.
func TestResetMemoryLooksThroughAveraging(t *testing.T) {
	problem := rosenbrockProblem(10)
	build := func() (*PolyakAverage, []float64) {
		avg := &PolyakAverage{Inner: &LBFGS{}}
		theta, grad := slices.Clone(problem.start), make([]float64, len(problem.start))
		for range 3 {
			f, _ := problem.obj.Eval(theta, grad)
			if _, err := avg.Step(problem.obj, theta, f, grad, 1); err != nil {
				t.Fatal(err)
			}
		}
		return avg, theta
	}
	step := func(opt Optimizer, theta []float64) []float64 {
		theta = slices.Clone(theta)
		grad := make([]float64, len(theta))
		f, _ := problem.obj.Eval(theta, grad)
		if _, err := opt.Step(problem.obj, theta, f, grad, 1); err != nil {
			t.Fatal(err)
		}
		return theta
	}
	reset, theta := build()
	kept, _ := build()
	average := reset.Averaged()
	if !ResetMemory(reset) {
		t.Fatal("ResetMemory found no memory in a Polyak-averaged L-BFGS")
	}
	if !slices.Equal(average, reset.Averaged()) {
		t.Fatal("ResetMemory changed the average")
	}
	afterReset, fresh, withPairs := step(reset, theta), step(&LBFGS{}, theta), step(kept, theta)
	if !slices.Equal(afterReset, fresh) {
		t.Errorf("after ResetMemory the step went to %v, a fresh L-BFGS to %v", afterReset[:3], fresh[:3])
	}
	if slices.Equal(withPairs, fresh) {
		t.Error("the step with the pairs kept equals a fresh L-BFGS step; the test would not see a reset")
	}
	if ResetMemory(&NewtonCG{}) {
		t.Error("ResetMemory reported a memory for NewtonCG, which keeps none")
	}
}

// movingFailure is an Optimizer whose every Step moves θ to To and returns
// Err, as a method whose line search failed after moving to its best point.
type movingFailure struct {
	To  []float64
	Err error
}

func (m movingFailure) Step(_ Objective, theta []float64, _ float64, _ []float64, _ float64) (Info, error) {
	copy(theta, m.To)
	return Info{}, m.Err
}
func (movingFailure) State() State         { return State{} }
func (movingFailure) SetState(State) error { return nil }

// TestAveragersCountRecoverableSearchFailures checks that both averagers
// add the θ a recoverable line-search failure leaves (and pass the error
// on), and skip the θ of any other error.
func TestAveragersCountRecoverableSearchFailures(t *testing.T) {
	recoverable := fmt.Errorf("optim: CG: %w", &LineSearchError{Search: "test", Reason: LineSearchMaxIterations})
	fatal := fmt.Errorf("optim: CG: %w", &LineSearchError{Search: "test", Reason: LineSearchEvaluation, Err: errors.New("disk gone")})
	to := []float64{3, -1}
	for _, c := range []struct {
		err  error
		want []float64 // the average after one step from (1, 1); nil: none
	}{{recoverable, to}, {fatal, nil}} {
		for _, avg := range []Averager{
			&PolyakAverage{Inner: movingFailure{to, c.err}},
			&ExponentialAverage{Inner: movingFailure{to, c.err}, Decay: 0.5, Debias: true},
		} {
			theta := []float64{1, 1}
			if _, err := avg.Step(halfSquaredNorm{2}, theta, 1, []float64{1, 1}, 0.1); !errors.Is(err, c.err) {
				t.Errorf("%T, %v: Step returned %v, want the inner error", avg, c.err, err)
			}
			if got := avg.Averaged(); !slices.Equal(got, c.want) {
				t.Errorf("%T, %v: average %v, want %v", avg, c.err, got, c.want)
			}
		}
	}
}
