package optim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/functions"
)

// frozenGuard fails the test when the objective is evaluated at a point whose
// frozen coordinates differ, in any bit, from their values in start.
type frozenGuard struct {
	Objective
	t      *testing.T
	start  []float64
	frozen []int
	calls  int
}

func (g *frozenGuard) Eval(theta, grad []float64) (float64, error) {
	g.calls++
	for _, index := range g.frozen {
		if math.Float64bits(theta[index]) != math.Float64bits(g.start[index]) {
			g.t.Errorf("evaluated with frozen θ[%d] = %v, want %v", index, theta[index], g.start[index])
		}
	}
	return g.Objective.Eval(theta, grad)
}

// complement returns the indices 0..n−1 not in set.
func complement(n int, set []int) []int {
	var rest []int
	for i := range n {
		if !slices.Contains(set, i) {
			rest = append(rest, i)
		}
	}
	return rest
}

// restrictedMinimizer solves the quadratic ½θᵀAθ − bᵀθ over the trainable
// coordinates T with the frozen ones F held at θ_F: A_TT·x = b_T − A_TF·θ_F,
// by gonum's dense solver.
func restrictedMinimizer(t *testing.T, q closedFormQuadratic, theta []float64, trainable []int) []float64 {
	t.Helper()
	frozen := complement(len(theta), trainable)
	a := mat.NewDense(len(trainable), len(trainable), nil)
	rhs := mat.NewVecDense(len(trainable), nil)
	for i, row := range trainable {
		value := q.b[row]
		for _, column := range frozen {
			value -= q.a.At(row, column) * theta[column]
		}
		rhs.SetVec(i, value)
		for j, column := range trainable {
			a.Set(i, j, q.a.At(row, column))
		}
	}
	var x mat.VecDense
	if err := x.SolveVec(a, rhs); err != nil {
		t.Fatal(err)
	}
	return x.RawVector().Data
}

func TestEveryMethodMinimizesTheRestrictedProblem(t *testing.T) {
	// A quadratic in 8 dimensions with eigenvalues 1..10, three coordinates
	// frozen at non-zero values: every method on the View must reach the
	// minimiser of the restricted problem, which differs from the
	// unrestricted one, and must never evaluate the objective with a frozen
	// coordinate changed.
	quadratic := randomQuadratic(t, logSpaced(8, 10), 21)
	random := rand.New(rand.NewPCG(5, 5))
	start := make([]float64, 8)
	for i := range start {
		start[i] = random.NormFloat64()
	}
	frozen := []int{1, 4, 5}
	trainable := complement(8, frozen)
	want := restrictedMinimizer(t, quadratic, start, trainable)
	if unrestricted := quadratic.minimizer(t); floats.Distance(restrictAt(unrestricted, trainable), want, math.Inf(1)) < 1e-2 {
		t.Fatalf("the restricted minimiser %v is too close to the unrestricted one to tell them apart", want)
	}
	cases := []struct {
		name      string
		opt       Optimizer
		lr        float64
		tolerance float64 // on ‖x − x*‖∞
		// fullBudget runs all 3000 iterations: the averages lag the
		// iterates that the gradient test sees.
		fullBudget bool
	}{
		{"SGD", &SGD{}, 0.1, 1e-8, false},
		{"momentum", &SGD{Momentum: 0.9}, 0.02, 1e-8, false},
		{"Nesterov", &SGD{Momentum: 0.9, Nesterov: true}, 0.02, 1e-8, false},
		{"Adam", &Adam{}, 1e-2, 1e-8, false},
		{"CG", &CG{}, 0, 1e-8, false},
		{"BFGS", &BFGS{}, 0, 1e-8, false},
		{"L-BFGS", &LBFGS{}, 0, 1e-8, false},
		{"Newton", &Newton{}, 0, 1e-8, false},
		{"Newton-CG", &NewtonCG{}, 0, 1e-8, false},
		{"coordinate descent", &CoordinateDescent{}, 0, 1e-8, false},
		{"Polyak average of SGD", &PolyakAverage{Inner: &SGD{}, Start: 1000}, 0.1, 1e-8, true},
		{"EMA of SGD", &ExponentialAverage{Inner: &SGD{}, Decay: 0.9}, 0.1, 1e-8, true},
	}
	for _, c := range cases {
		guard := &frozenGuard{Objective: quadratic, t: t, start: start, frozen: frozen}
		view, err := NewView(guard, start, trainable)
		if err != nil {
			t.Fatal(err)
		}
		theta := slices.Clone(start)
		settings := Settings{GradientTolerance: 1e-10, MaxIterations: 3000, LearningRate: c.lr}
		if c.fullBudget {
			settings.GradientTolerance = -1
		}
		result, err := Minimize(view, view.Restrict(theta), c.opt, settings)
		if err != nil || (result.Status != GradientConverged && result.Status != IterationLimit) {
			t.Errorf("%s: status %v, err %v", c.name, result.Status, err)
			continue
		}
		x := result.Theta
		if averager, ok := c.opt.(Averager); ok {
			x = averager.Averaged()
		}
		if len(x) != len(trainable) {
			t.Errorf("%s: the result has %d coordinates, want the %d trainable ones", c.name, len(x), len(trainable))
			continue
		}
		view.Embed(x, theta)
		if distance := floats.Distance(x, want, math.Inf(1)); distance > c.tolerance {
			t.Errorf("%s: ‖x − x*‖∞ = %.3g after %d iterations (%v), want ≤ %g", c.name, distance, result.Iterations, result.Status, c.tolerance)
		}
		for _, index := range frozen {
			if math.Float64bits(theta[index]) != math.Float64bits(start[index]) {
				t.Errorf("%s: frozen θ[%d] = %v, want %v", c.name, index, theta[index], start[index])
			}
		}
		if guard.calls != result.FuncEvals {
			t.Errorf("%s: the objective was called %d times, Minimize counts %d evaluations", c.name, guard.calls, result.FuncEvals)
		}
	}
}

// restrictAt returns theta's coordinates at indices.
func restrictAt(theta []float64, indices []int) []float64 {
	x := make([]float64, len(indices))
	for i, index := range indices {
		x[i] = theta[index]
	}
	return x
}

func TestViewGradientIsTheRestrictedGradient(t *testing.T) {
	rosenbrock := functionObjective{functions.ExtendedRosenbrock{}, 10}
	random := rand.New(rand.NewPCG(3, 4))
	theta := make([]float64, 10)
	for i := range theta {
		theta[i] = random.NormFloat64()
	}
	trainable := []int{0, 2, 3, 7, 9}
	view, err := NewView(rosenbrock, theta, trainable)
	if err != nil {
		t.Fatal(err)
	}
	// At another point of the subspace than the one the View was made at.
	x := view.Restrict(theta)
	for i := range x {
		x[i] += 0.1 * random.NormFloat64()
	}
	grad := make([]float64, view.Dim())
	value, err := view.Eval(x, grad)
	if err != nil {
		t.Fatal(err)
	}
	point := slices.Clone(theta)
	view.Embed(x, point)
	fullGrad := make([]float64, 10)
	fullValue, _ := rosenbrock.Eval(point, fullGrad)
	if value != fullValue || !slices.Equal(grad, restrictAt(fullGrad, trainable)) {
		t.Errorf("View: J = %v, ∇ = %v; the full objective at the embedded point: J = %v, restricted ∇ = %v", value, grad, fullValue, restrictAt(fullGrad, trainable))
	}
	// Independently: gonum's central differences of the View's own values.
	numeric := fd.Gradient(nil, func(x []float64) float64 {
		value, _ := view.Eval(x, nil)
		return value
	}, x, &fd.Settings{Formula: fd.Central, Step: 1e-6})
	for i := range x {
		if math.Abs(numeric[i]-grad[i]) > 1e-6*(1+math.Abs(grad[i])) {
			t.Errorf("∂J/∂x[%d] (θ[%d]) = %v, central difference %v", i, trainable[i], grad[i], numeric[i])
		}
	}
}

func TestViewCountsTheSubspace(t *testing.T) {
	// Newton's finite-difference Hessian differences 2n gradients: 2·5 on a
	// View of 5 of 8 coordinates, not 2·8.
	quadratic := randomQuadratic(t, logSpaced(8, 10), 21)
	theta := make([]float64, 8)
	trainable := []int{0, 2, 3, 6, 7}
	for _, c := range []struct {
		name string
		obj  Objective
		dim  int
	}{{"full", quadratic, 8}, {"view", mustView(t, quadratic, theta, trainable), 5}} {
		x := make([]float64, c.dim)
		grad := make([]float64, c.dim)
		loss, _ := c.obj.Eval(x, grad)
		info, err := (&Newton{}).Step(c.obj, x, loss, grad, 0)
		if err != nil {
			t.Fatal(err)
		}
		if want := 2*c.dim + info.LineSearchIters; info.GradEvals != want || info.LineSearchIters != 1 {
			t.Errorf("%s: Newton step %+v; want 2·%d Hessian gradients and one line-search trial", c.name, info, c.dim)
		}
	}
}

func mustView(t *testing.T, obj Objective, theta []float64, trainable []int) *View {
	t.Helper()
	view, err := NewView(obj, theta, trainable)
	if err != nil {
		t.Fatal(err)
	}
	return view
}

func TestViewBlocksForBlockCoordinateDescent(t *testing.T) {
	quadratic := randomQuadratic(t, logSpaced(8, 10), 21)
	start := []float64{0.5, -1, 0.25, 2, 1.5, -0.75, 1, -2}
	trainable := []int{0, 2, 3, 6, 7} // θ[1], θ[4] and θ[5] frozen
	view := mustView(t, quadratic, start, trainable)
	layers := []Block{{"a", 0, 2}, {"b", 2, 4}, {"c", 4, 6}, {"d", 6, 8}}
	blocks, err := view.Blocks(layers)
	if err != nil {
		t.Fatal(err)
	}
	// a keeps θ[0], b keeps θ[2:4], c is wholly frozen, d keeps θ[6:8].
	if want := []Block{{"a", 0, 1}, {"b", 1, 3}, {"d", 3, 5}}; !slices.Equal(blocks, want) {
		t.Fatalf("View.Blocks(%v) = %v, want %v", layers, blocks, want)
	}
	// Backtracking over blocks of two stalls where J's rounding hides the
	// decrease (see CoordinateDescent), so the tolerance is 1e-6: with the
	// restricted Hessian's eigenvalues ≥ 1, ‖x − x*‖ ≤ ‖∇J‖ ≤ √5·1e-6.
	result, err := Minimize(view, view.Restrict(start), &CoordinateDescent{Blocks: blocks}, Settings{GradientTolerance: 1e-6})
	if err != nil || result.Status != GradientConverged {
		t.Fatalf("block coordinate descent on the View: status %v, err %v", result.Status, err)
	}
	if distance := floats.Distance(result.Theta, restrictedMinimizer(t, quadratic, start, trainable), math.Inf(1)); distance > 3e-6 {
		t.Errorf("‖x − x*‖∞ = %.3g", distance)
	}
	if _, err := view.Blocks([]Block{{"outside", 6, 9}}); err == nil || !strings.Contains(err.Error(), `("outside") is [6, 9)`) {
		t.Errorf("a block beyond θ: error %v", err)
	}
}

func TestBlockCoordinates(t *testing.T) {
	got := BlockCoordinates([]Block{{"w2", 6, 8}, {"w1", 0, 2}, {"overlap", 1, 3}})
	if want := []int{0, 1, 2, 6, 7}; !slices.Equal(got, want) {
		t.Errorf("BlockCoordinates = %v, want %v", got, want)
	}
}

func TestNewViewRejectsBadInput(t *testing.T) {
	obj := halfSquaredNorm{4}
	theta := make([]float64, 4)
	cases := []struct {
		name      string
		theta     []float64
		trainable []int
		phrase    string
	}{
		{"every coordinate frozen", theta, nil, "every parameter is frozen"},
		{"index beyond θ", theta, []int{1, 4}, "trainable[1] = 4 is outside θ's coordinates 0..3"},
		{"negative index", theta, []int{-1}, "trainable[0] = -1"},
		{"unsorted", theta, []int{2, 1}, "trainable[1] = 1 follows 2"},
		{"repeated", theta, []int{1, 1}, "trainable[1] = 1 follows 1"},
		{"short θ", theta[:3], []int{0}, "len(theta) = 3"},
	}
	for _, c := range cases {
		if _, err := NewView(obj, c.theta, c.trainable); err == nil || !strings.Contains(err.Error(), c.phrase) {
			t.Errorf("%s: error %v; want one containing %q", c.name, err, c.phrase)
		}
	}
	view := mustView(t, obj, theta, []int{0, 2})
	if _, err := view.Eval(make([]float64, 4), nil); err == nil || !strings.Contains(err.Error(), "want the number of trainable coordinates 2") {
		t.Errorf("Eval with a full-length θ: error %v", err)
	}
}

// ExampleView minimises J(θ) = Σᵢ (θᵢ − i)² over θ₀ and θ₂ with θ₁ frozen at
// 5: L-BFGS sees a problem in two dimensions, and θ₁ keeps its value.
func ExampleView() {
	theta := []float64{0, 5, 0}
	view, err := NewView(shiftedSquares{}, theta, []int{0, 2})
	if err != nil {
		fmt.Println(err)
		return
	}
	result, err := Minimize(view, view.Restrict(theta), &LBFGS{}, Settings{})
	if err != nil {
		fmt.Println(err)
		return
	}
	view.Embed(result.Theta, theta)
	fmt.Printf("%d trainable coordinates, θ = (%.4f, %.4f, %.4f)\n", view.Dim(), theta[0], theta[1], theta[2])
	// Output: 2 trainable coordinates, θ = (0.0000, 5.0000, 2.0000)
}

// shiftedSquares is J(θ) = Σᵢ (θᵢ − i)² in three dimensions.
type shiftedSquares struct{}

func (shiftedSquares) Dim() int { return 3 }

func (shiftedSquares) Eval(theta, grad []float64) (float64, error) {
	value := 0.0
	for i, x := range theta {
		value += (x - float64(i)) * (x - float64(i))
		if grad != nil {
			grad[i] = 2 * (x - float64(i))
		}
	}
	return value, nil
}
