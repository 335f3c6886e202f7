package optim

import (
	"math"
	"slices"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// coupledQuadratic is the lecture's bad case for coordinate descent,
// J(w₁, w₂) = (w₁ − w₂)² + α(w₁² + w₂²) = ½wᵀAw with
// A = [[2 + 2α, −2], [−2, 2 + 2α]], minimised at w = 0.
func coupledQuadratic(alpha float64) closedFormQuadratic {
	return closedFormQuadratic{
		a: mat.NewSymDense(2, []float64{2 + 2*alpha, -2, -2, 2 + 2*alpha}),
		b: []float64{0, 0},
	}
}

func TestCoordinateDescentSweepsMatchClosedFormContraction(t *testing.T) {
	const target = 1e-6
	previous := 0
	for _, alpha := range []float64{1, 0.1, 0.01, 0.001} {
		objective := coupledQuadratic(alpha)
		w := []float64{1, 2}
		descent := &CoordinateDescent{}
		grad := make([]float64, 2)
		sweeps := 0
		for floats.Norm(w, 2) >= target {
			if sweeps == 100000 {
				t.Fatalf("α = %g: no convergence in %d sweeps", alpha, sweeps)
			}
			loss, _ := objective.Eval(w, grad)
			if _, err := descent.Step(objective, w, loss, grad, 1); err != nil {
				t.Fatal(err)
			}
			sweeps++
			if sweeps == 1 {
				// Minimising over w₁ gives w₁ = w₂/(1 + α) = 2/(1 + α),
				// then over w₂ gives w₂ = w₁/(1 + α).
				want := []float64{2 / (1 + alpha), 2 / ((1 + alpha) * (1 + alpha))}
				if !floats.EqualApprox(w, want, 1e-15) {
					t.Fatalf("α = %g: first sweep gives %v, want %v", alpha, w, want)
				}
			}
		}
		// Every later sweep multiplies w by ρ = 1/(1 + α)², so
		// ‖w_k‖ = ‖w_1‖·ρ^(k−1); predict the first k with ‖w_k‖ < target.
		rho := 1 / ((1 + alpha) * (1 + alpha))
		predicted, norm := 1, math.Hypot(2/(1+alpha), 2/((1+alpha)*(1+alpha)))
		for norm >= target {
			norm *= rho
			predicted++
		}
		t.Logf("α = %-5g: %5d sweeps to ‖w‖ < 1e-6 (closed form predicts %d, contraction %.6f per sweep)", alpha, sweeps, predicted, rho)
		if sweeps != predicted {
			t.Errorf("α = %g: %d sweeps, closed form predicts %d", alpha, sweeps, predicted)
		}
		if sweeps <= previous {
			t.Errorf("α = %g: %d sweeps, want more than the %d of the larger α", alpha, sweeps, previous)
		}
		previous = sweeps
	}
}

func TestCoordinateDescentLineSearchMinimizesQuadratic(t *testing.T) {
	quadratic := randomQuadratic(t, logSpaced(6, 10), 21)
	want := quadratic.minimizer(t)
	for _, test := range []struct {
		name    string
		descent *CoordinateDescent
	}{
		{"cyclic", &CoordinateDescent{}},
		{"random order", &CoordinateDescent{RandomOrder: true, Seed: 3}},
		{"blocks of 2 and 4", &CoordinateDescent{Blocks: []Block{{"first", 0, 2}, {"rest", 2, 6}}}},
	} {
		theta := make([]float64, 6)
		sweeps, _ := iterateOptimizer(t, test.descent, objectiveOnly{quadratic}, theta, 1, 1e-8, 3000)
		t.Logf("line-search coordinate descent, %s: %d sweeps to ‖∇J‖∞ < 1e-8", test.name, sweeps)
		// ‖θ − θ*‖ ≤ ‖∇J‖/λ_min with λ_min = 1.
		if diff := floats.Distance(theta, want, math.Inf(1)); diff > 1e-7 {
			t.Errorf("%s: ‖θ − A⁻¹b‖∞ = %.3g", test.name, diff)
		}
	}
}

func TestBlockCoordinateDescentSolvesBlockDiagonalQuadraticInOneSweep(t *testing.T) {
	// A block-diagonal A decouples the blocks: one exact sweep is exact.
	a := mat.NewSymDense(5, nil)
	for i, row := range [][]float64{{4, 1, 0, 0, 0}, {1, 3, 0, 0, 0}, {0, 0, 5, 1, 2}, {0, 0, 1, 4, 1}, {0, 0, 2, 1, 6}} {
		for j := i; j < 5; j++ {
			a.SetSym(i, j, row[j])
		}
	}
	quadratic := closedFormQuadratic{a: a, b: []float64{1, -2, 3, 0.5, -1}}
	theta := []float64{9, 9, 9, 9, 9}
	grad := make([]float64, 5)
	loss, _ := quadratic.Eval(theta, grad)
	descent := &CoordinateDescent{Blocks: []Block{{"upper", 0, 2}, {"lower", 2, 5}}}
	info, err := descent.Step(quadratic, theta, loss, grad, 1)
	if err != nil {
		t.Fatal(err)
	}
	if diff := floats.Distance(theta, quadratic.minimizer(t), math.Inf(1)); diff > 1e-14 {
		t.Errorf("‖θ − A⁻¹b‖∞ = %.3g after one sweep", diff)
	}
	if info.FuncEvals != 0 || info.StepLength != 1 {
		t.Errorf("Info %+v; exact block minimisation evaluates nothing and reports step 1", info)
	}
}

// recordingMinimizer records the blocks a CoordinateDescent visits.
type recordingMinimizer struct {
	closedFormQuadratic
	visited *[]int
}

func (r recordingMinimizer) MinimizeBlock(theta []float64, block Block) error {
	*r.visited = append(*r.visited, block.Start)
	return r.closedFormQuadratic.MinimizeBlock(theta, block)
}

func TestCoordinateDescentOrder(t *testing.T) {
	const n, sweeps = 6, 8
	visitOrder := func(descent *CoordinateDescent) []int {
		var visited []int
		objective := recordingMinimizer{randomQuadratic(t, logSpaced(n, 10), 22), &visited}
		theta := make([]float64, n)
		grad := make([]float64, n)
		for range sweeps {
			loss, _ := objective.Eval(theta, grad)
			if _, err := descent.Step(objective, theta, loss, grad, 1); err != nil {
				t.Fatal(err)
			}
		}
		return visited
	}
	cyclic := visitOrder(&CoordinateDescent{})
	for i, block := range cyclic {
		if block != i%n {
			t.Fatalf("cyclic order %v, want 0…%d repeated", cyclic, n-1)
		}
	}
	random := visitOrder(&CoordinateDescent{RandomOrder: true, Seed: 9})
	if len(random) != n*sweeps {
		t.Fatalf("%d block updates in %d sweeps of %d blocks", len(random), sweeps, n)
	}
	distinctOrders := map[string]bool{}
	for sweep := range sweeps {
		order := random[sweep*n : (sweep+1)*n]
		sorted := slices.Sorted(slices.Values(order))
		if !slices.Equal(sorted, []int{0, 1, 2, 3, 4, 5}) {
			t.Fatalf("sweep %d visits %v, want a permutation of every block", sweep, order)
		}
		distinctOrders[string(rune(order[0]))+string(rune(order[1]))+string(rune(order[2]))] = true
	}
	if len(distinctOrders) < 2 {
		t.Errorf("the random order %v does not change between sweeps", random)
	}
	if again := visitOrder(&CoordinateDescent{RandomOrder: true, Seed: 9}); !slices.Equal(again, random) {
		t.Errorf("the same seed gave orders %v and %v", random, again)
	}
	if other := visitOrder(&CoordinateDescent{RandomOrder: true, Seed: 10}); slices.Equal(other, random) {
		t.Errorf("seeds 9 and 10 gave the same orders %v", random)
	}
	perBlock := visitOrder(&CoordinateDescent{RandomOrder: true, Seed: 9, BlockPerStep: true})
	if !slices.Equal(perBlock, random[:sweeps]) {
		t.Errorf("one block per step visits %v, want the first %d of the sweeps' order %v", perBlock, sweeps, random)
	}
}

func TestCoordinateDescentBlockPerStepEqualsSweep(t *testing.T) {
	objective := objectiveOnly{closedFormRosenbrock{n: 4}}
	sweepTheta := []float64{-1.2, 1, -1.2, 1}
	blockTheta := slices.Clone(sweepTheta)
	grad := make([]float64, 4)
	sweep := &CoordinateDescent{RandomOrder: true, Seed: 5}
	perBlock := &CoordinateDescent{RandomOrder: true, Seed: 5, BlockPerStep: true}
	for range 3 {
		loss, _ := objective.Eval(sweepTheta, grad)
		if _, err := sweep.Step(objective, sweepTheta, loss, grad, 0.01); err != nil {
			t.Fatal(err)
		}
		for range 4 {
			loss, _ := objective.Eval(blockTheta, grad)
			if _, err := perBlock.Step(objective, blockTheta, loss, grad, 0.01); err != nil {
				t.Fatal(err)
			}
		}
	}
	// The sweep reuses the line search's loss at the accepted point and
	// re-evaluates the gradient; the per-block steps get both from the
	// caller: the same numbers, so the iterates agree bit for bit.
	if !slices.Equal(sweepTheta, blockTheta) {
		t.Errorf("3 sweeps give %v, 12 single-block steps give %v", sweepTheta, blockTheta)
	}
}

func TestCoordinateDescentStateRoundTrip(t *testing.T) {
	checkStateRoundTrip(t, func() Optimizer {
		return &CoordinateDescent{RandomOrder: true, Seed: 8, BlockPerStep: true}
	}, objectiveOnly{closedFormRosenbrock{n: 5}}, []float64{-1.2, 1, -1.2, 1, -1.2}, 0.01)
	state := (&CoordinateDescent{}).State()
	for _, bad := range []State{
		{"sweep": {1}, "position": {0}, "idle": {0}},
		{"sweep": {1}, "position": {-1}, "idle": {0}, "stalled": {0}},
		{"sweep": {1.5}, "position": {0}, "idle": {0}, "stalled": {0}},
		{"sweep": {1}, "position": {0}, "idle": {0}, "extra": {0}},
	} {
		if err := (&CoordinateDescent{}).SetState(bad); err == nil {
			t.Errorf("SetState(%v) was accepted", bad)
		}
	}
	if err := (&CoordinateDescent{}).SetState(state); err != nil {
		t.Errorf("SetState(fresh State) = %v", err)
	}
}

func TestCoordinateDescentReportsBadInput(t *testing.T) {
	objective := objectiveOnly{closedFormRosenbrock{n: 3}}
	theta, grad := []float64{0, 0, 0}, make([]float64, 3)
	loss, _ := objective.Eval(theta, grad)
	for _, bad := range []struct {
		descent *CoordinateDescent
		lr      float64
	}{
		{&CoordinateDescent{Blocks: []Block{{"beyond", 2, 4}}}, 1},
		{&CoordinateDescent{Blocks: []Block{{"empty", 1, 1}}}, 1},
		{&CoordinateDescent{Blocks: []Block{}}, 1},
		{&CoordinateDescent{}, -1},
		{&CoordinateDescent{}, math.NaN()},
	} {
		if _, err := bad.descent.Step(objective, theta, loss, grad, bad.lr); err == nil {
			t.Errorf("blocks %v with lr %v were accepted", bad.descent.Blocks, bad.lr)
		}
	}
	restored := &CoordinateDescent{}
	if err := restored.SetState(State{"sweep": {0}, "position": {7}, "idle": {0}, "stalled": {0}}); err != nil {
		t.Fatal(err)
	}
	if _, err := restored.Step(objective, theta, loss, grad, 1); err == nil {
		t.Error("position 7 in a sweep of 3 blocks was accepted")
	}
}

// stalledSearch fails every search as making no progress.
type stalledSearch struct{}

func (stalledSearch) Search(Objective, []float64, float64, []float64, []float64, float64) (LineResult, error) {
	return LineResult{}, &LineSearchError{Search: "stalled", Reason: LineSearchNoProgress, Detail: "test"}
}

func TestCoordinateDescentFailsAfterACycleWithoutProgress(t *testing.T) {
	objective := objectiveOnly{closedFormRosenbrock{n: 3}}
	theta, grad := []float64{0, 0, 0}, make([]float64, 3)
	loss, _ := objective.Eval(theta, grad)
	descent := &CoordinateDescent{BlockPerStep: true, LineSearch: stalledSearch{}}
	for step := range 3 {
		_, err := descent.Step(objective, theta, loss, grad, 1)
		if step < 2 && err != nil {
			t.Fatalf("block %d: %v; a single block without progress must not stop the method", step, err)
		}
		if step == 2 && !IsLineSearchFailure(err) {
			t.Fatalf("after a full cycle without progress: err = %v, want a wrapped line-search failure", err)
		}
	}
	if !slices.Equal(theta, []float64{0, 0, 0}) {
		t.Errorf("θ moved to %v", theta)
	}
	if _, err := (&CoordinateDescent{LineSearch: stalledSearch{}}).Step(objective, theta, loss, grad, 1); !IsLineSearchFailure(err) {
		t.Errorf("one sweep without progress: err = %v, want a wrapped line-search failure", err)
	}
}

func TestCoordinateDescentReusesStrongWolfeGradients(t *testing.T) {
	quadratic := randomQuadratic(t, logSpaced(6, 10), 23)
	theta := make([]float64, 6)
	descent := &CoordinateDescent{LineSearch: &StrongWolfe{}}
	grad := make([]float64, 6)
	loss, _ := quadratic.Eval(theta, grad)
	info, err := descent.Step(objectiveOnly{quadratic}, theta, loss, grad, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Every block's gradient comes from the previous block's line search,
	// so the sweep evaluates nothing beyond the searches themselves.
	if info.GradEvals != info.LineSearchIters {
		t.Errorf("Info %+v: %d gradient evaluations beyond the line searches' %d", info, info.GradEvals-info.LineSearchIters, info.LineSearchIters)
	}
	// Below ‖∇J‖ ≈ 1e-8 the decrease along a block, about ‖∇J‖²/2, falls
	// under the rounding error of J ≈ −3 and a strong-Wolfe search rightly
	// reports no progress; stop above that floor.
	sweeps, _ := iterateOptimizer(t, descent, objectiveOnly{quadratic}, theta, 1, 1e-6, 1000)
	t.Logf("coordinate descent with strong Wolfe: %d more sweeps", sweeps)
	if diff := floats.Distance(theta, quadratic.minimizer(t), math.Inf(1)); diff > 3e-6 {
		t.Errorf("‖θ − A⁻¹b‖∞ = %.3g", diff)
	}
}

func TestCoordinateDescentMinimizesExactlyThroughMinimize(t *testing.T) {
	// Minimize wraps the objective in a Memo; exact block minimisation must
	// still be found behind it: on the coupled quadratic with α = 1 every
	// sweep after the first contracts by exactly 1/4.
	objective := coupledQuadratic(1)
	result, err := Minimize(objective, []float64{1, 2}, &CoordinateDescent{}, Settings{GradientTolerance: 1e-10})
	if err != nil || result.Status != GradientConverged {
		t.Fatalf("status %v, err %v", result.Status, err)
	}
	// After sweep k, w₁ = w₂'/2 and w₂ = w₁/2 (w₂' the previous w₂, 2 at the
	// start); ∂J/∂w₂ = 0 and ∂J/∂w₁ = 4w₁ − 2w₂ = 3w₁.
	want, w2 := 0, 2.0
	for gradient := math.Inf(1); gradient > 1e-10; want++ {
		w1 := w2 / 2
		w2 = w1 / 2
		gradient = 3 * w1
	}
	if result.Iterations != want || result.FuncEvals != want+1 {
		t.Errorf("%d sweeps and %d evaluations, want %d sweeps (the closed-form iterates' gradient) and one evaluation per iterate", result.Iterations, result.FuncEvals, want)
	}
}
