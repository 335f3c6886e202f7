package optim

import (
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/optimize/functions"
)

// minimizeMethod is a row of the method table: a fresh optimizer and, when
// gonum has the corresponding method, a fresh gonum optimize.Method to
// compare against. A new method joins every test with one line here.
type minimizeMethod struct {
	name  string
	new   func() Optimizer
	gonum func() optimize.Method
}

var minimizeMethods = []minimizeMethod{
	{"CG-FR", func() Optimizer { return &CG{Variant: FletcherReeves} }, func() optimize.Method { return &optimize.CG{Variant: &optimize.FletcherReeves{}} }},
	{"CG-PR", func() Optimizer { return &CG{Variant: PolakRibiere} }, nil},
	{"CG-PR+", func() Optimizer { return &CG{} }, func() optimize.Method { return &optimize.CG{Variant: &optimize.PolakRibierePolyak{}} }},
	{"CG-HS", func() Optimizer { return &CG{Variant: HestenesStiefel} }, func() optimize.Method { return &optimize.CG{Variant: &optimize.HestenesStiefel{}} }},
	{"BFGS", func() Optimizer { return &BFGS{} }, func() optimize.Method { return &optimize.BFGS{} }},
	{"L-BFGS", func() Optimizer { return &LBFGS{} }, func() optimize.Method { return &optimize.LBFGS{} }},
	{"Newton-CG", func() Optimizer { return &NewtonCG{} }, nil},
	{"Newton", func() Optimizer { return &Newton{} }, nil}, // gonum's Newton needs an analytic Hessian the table does not have
	// Coordinate descent: one iteration is one sweep; gonum has none.
	{"CD", func() Optimizer { return &CoordinateDescent{} }, nil},
}

// problemMaxIterations is generous: Fletcher–Reeves on Rosenbrock-100 needs
// thousands of iterations, still milliseconds.
const problemMaxIterations = 50000

func TestEveryMethodSolvesEveryKnownProblem(t *testing.T) {
	var table strings.Builder
	fmt.Fprintf(&table, "\n%-28s %-7s | %7s %7s %7s %14s | %7s %7s %7s %14s\n", "problem", "method", "iters", "fevals", "gevals", "J", "gonum:it", "fevals", "gevals", "J")
	for _, problem := range knownProblems(t) {
		for _, method := range minimizeMethods {
			name := problem.name + " " + method.name
			settings := Settings{GradientTolerance: problem.gradTolerance, MaxIterations: problemMaxIterations}
			result, err := Minimize(problem.obj, problem.start, method.new(), settings)
			if err != nil || result.Status != GradientConverged {
				t.Errorf("%s: status %v after %d iterations (‖∇J‖∞ = %.3g, J = %.10g), err %v", name, result.Status, result.Iterations, result.GradNorm, result.F, err)
				continue
			}
			if check := make([]float64, len(result.Theta)); true {
				f, _ := problem.obj.Eval(result.Theta, check)
				if f != result.F || floats.Norm(check, math.Inf(1)) > problem.gradTolerance {
					t.Errorf("%s: reported J = %v, ‖∇J‖∞ = %v, but at Theta J = %v, ‖∇J‖∞ = %v", name, result.F, result.GradNorm, f, floats.Norm(check, math.Inf(1)))
				}
			}
			minimum, ok := problem.matchesMinimum(result.F)
			if !ok {
				t.Errorf("%s: J = %.12g is none of the known minima %v", name, result.F, problem.minima)
			}
			if problem.minimizer != nil && minimum == problem.minima[0] {
				if distance := floats.Distance(result.Theta, problem.minimizer, math.Inf(1)); distance > 1e-4*(1+floats.Norm(problem.minimizer, math.Inf(1))) {
					t.Errorf("%s: ‖θ − θ*‖∞ = %.3g", name, distance)
				}
			}
			rerun, _ := Minimize(problem.obj, problem.start, method.new(), settings)
			if !sameBits(rerun.Theta, result.Theta) || rerun.FuncEvals != result.FuncEvals {
				t.Errorf("%s: a rerun is not bit-identical", name)
			}
			fmt.Fprintf(&table, "%-28s %-7s | %7d %7d %7d %14.8g | %s\n", problem.name, method.name, result.Iterations, result.FuncEvals, result.GradEvals, result.F, gonumRow(problem, method))
		}
	}
	t.Log(table.String())
}

// gonumRow runs gonum's corresponding method on the problem with the same
// gradient tolerance and formats its counts.
func gonumRow(problem knownProblem, method minimizeMethod) string {
	if method.gonum == nil {
		return "      —"
	}
	settings := &optimize.Settings{GradientThreshold: problem.gradTolerance, MajorIterations: problemMaxIterations}
	result, err := optimize.Minimize(problem.gonumProblem(), problem.start, settings, method.gonum())
	if err != nil && result == nil {
		return "error: " + err.Error()
	}
	row := fmt.Sprintf("%7d %7d %7d %14.8g", result.MajorIterations, result.FuncEvaluations, result.GradEvaluations, result.F)
	if result.Status != optimize.GradientThreshold {
		row += " (" + result.Status.String() + ")"
	}
	return row
}

func TestMinimizeReusesTheLineSearchEvaluation(t *testing.T) {
	// Every strong Wolfe search ends with an evaluation at the accepted
	// point; the driver's evaluation there must be served from memory.
	problem := rosenbrockProblem(10)
	counting := &countingObjective{Objective: problem.obj}
	result, err := Minimize(counting, problem.start, &LBFGS{}, Settings{})
	if err != nil || result.Status != GradientConverged {
		t.Fatalf("status %v, err %v", result.Status, err)
	}
	if counting.calls != result.FuncEvals || counting.calls != result.GradEvals {
		t.Errorf("the objective was called %d times, Result counts %d function and %d gradient evaluations", counting.calls, result.FuncEvals, result.GradEvals)
	}
	// One evaluation at the start plus the line searches' trials: no more.
	var searchTrials int
	memo := NewMemo(problem.obj)
	theta := slices.Clone(problem.start)
	grad := make([]float64, len(theta))
	lbfgs := &LBFGS{}
	f, _ := memo.Eval(theta, grad)
	for range result.Iterations {
		info, err := lbfgs.Step(memo, theta, f, grad, 0)
		if err != nil {
			t.Fatal(err)
		}
		searchTrials += info.FuncEvals
		f, _ = memo.Eval(theta, grad)
	}
	if result.FuncEvals != 1+searchTrials || memo.Hits != result.Iterations {
		t.Errorf("FuncEvals = %d, want 1 + %d line-search trials; memo hits %d, want one per iteration (%d)", result.FuncEvals, searchTrials, memo.Hits, result.Iterations)
	}
}

// countingObjective counts calls of Eval.
type countingObjective struct {
	Objective
	calls int
}

func (c *countingObjective) Eval(theta, grad []float64) (float64, error) {
	c.calls++
	return c.Objective.Eval(theta, grad)
}

func TestMemoServesOnlyTheSamePoint(t *testing.T) {
	counting := &countingObjective{Objective: rosenbrockProblem(2).obj}
	memo := NewMemo(counting)
	grad := make([]float64, 2)
	theta := []float64{0.5, 0.25}
	f1, _ := memo.Eval(theta, nil)  // value only: 1 call
	f2, _ := memo.Eval(theta, nil)  // served
	f3, _ := memo.Eval(theta, grad) // gradient unknown: 1 call
	g := slices.Clone(grad)
	clear(grad)
	f4, _ := memo.Eval(theta, grad) // served with the gradient
	if !memo.Remembers(theta, true) || memo.Remembers([]float64{0.5, 0.3}, false) {
		t.Errorf("Remembers(θ, true) = %v, Remembers(other, false) = %v; want true, false",
			memo.Remembers(theta, true), memo.Remembers([]float64{0.5, 0.3}, false))
	}
	theta[1] = math.Nextafter(0.25, 1)
	f5, _ := memo.Eval(theta, nil) // a point one ulp away: 1 call
	memo.Reset()
	theta[1] = 0.25
	f6, _ := memo.Eval(theta, nil) // forgotten: 1 call
	if !memo.Remembers(theta, false) || memo.Remembers(theta, true) {
		t.Errorf("after a value-only Eval: Remembers(θ, false) = %v, Remembers(θ, true) = %v; want true, false",
			memo.Remembers(theta, false), memo.Remembers(theta, true))
	}
	if counting.calls != 4 || memo.FuncEvals != 4 || memo.GradEvals != 1 || memo.Hits != 2 {
		t.Errorf("calls %d, FuncEvals %d, GradEvals %d, Hits %d; want 4, 4, 1, 2", counting.calls, memo.FuncEvals, memo.GradEvals, memo.Hits)
	}
	// Rosenbrock at (0.5, 0.25): 100·0² + 0.5² = 0.25, ∇ = (−1, 0).
	if f1 != 0.25 || f2 != f1 || f3 != f1 || f4 != f1 || f6 != f1 || f5 != 0.25+100*math.Pow(math.Nextafter(0.25, 1)-0.25, 2) || !slices.Equal(grad, g) || !slices.Equal(g, []float64{-1, 0}) {
		t.Errorf("values %v %v %v %v %v %v, gradients %v %v", f1, f2, f3, f4, f5, f6, g, grad)
	}
}

// TestMemoEvalOnce checks that EvalOnce counts as Eval does, returns the
// objective's value and gradient, and leaves nothing remembered, so that the
// next Eval at the same point calls the objective again.
func TestMemoEvalOnce(t *testing.T) {
	counting := &countingObjective{Objective: rosenbrockProblem(2).obj}
	memo := NewMemo(counting)
	theta, grad := []float64{0.5, 0.25}, make([]float64, 2)
	if _, err := memo.Eval(theta, grad); err != nil || !memo.Remembers(theta, true) {
		t.Fatalf("Eval: %v, Remembers = %v", err, memo.Remembers(theta, true))
	}
	clear(grad)
	f, err := memo.EvalOnce(theta, grad)
	if err != nil || f != 0.25 || !slices.Equal(grad, []float64{-1, 0}) {
		t.Errorf("EvalOnce = %v, %v, gradient %v; want 0.25, nil, [-1 0] (Rosenbrock at (0.5, 0.25))", f, err, grad)
	}
	if memo.Remembers(theta, false) {
		t.Error("EvalOnce left a remembered point")
	}
	if _, err := memo.EvalOnce(theta, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := memo.Eval(theta, nil); err != nil {
		t.Fatal(err)
	}
	if counting.calls != 4 || memo.FuncEvals != 4 || memo.GradEvals != 2 || memo.Hits != 0 {
		t.Errorf("calls %d, FuncEvals %d, GradEvals %d, Hits %d; want 4, 4, 2, 0", counting.calls, memo.FuncEvals, memo.GradEvals, memo.Hits)
	}
}

// TestMakesEvaluations names the methods that step on the given gradient
// alone, through the averaging wrappers.
func TestMakesEvaluations(t *testing.T) {
	cases := []struct {
		opt  Optimizer
		want bool
	}{
		{&SGD{}, false},
		{&SGD{Momentum: 0.9, Nesterov: true}, false},
		{&Adam{}, false},
		{&PolyakAverage{Inner: &SGD{}}, false},
		{&ExponentialAverage{Inner: &PolyakAverage{Inner: &Adam{}}}, false},
		{&PolyakAverage{Inner: &LBFGS{}}, true},
		{&CG{}, true},
		{&LBFGS{}, true},
		{&BFGS{}, true},
		{&NewtonCG{}, true},
		{&CoordinateDescent{}, true},
	}
	for _, c := range cases {
		if got := MakesEvaluations(c.opt); got != c.want {
			t.Errorf("MakesEvaluations(%T) = %v, want %v", c.opt, got, c.want)
		}
	}
}

func TestMinimizeStatuses(t *testing.T) {
	problem := rosenbrockProblem(2)
	cases := []struct {
		name     string
		obj      Objective
		settings Settings
		status   Status
		fails    bool
	}{
		{"converges", problem.obj, Settings{}, GradientConverged, false},
		{"iteration limit", problem.obj, Settings{MaxIterations: 3}, IterationLimit, false},
		{"evaluation limit", problem.obj, Settings{MaxFuncEvals: 10}, EvaluationLimit, false},
		{"function tolerance", problem.obj, Settings{GradientTolerance: -1, FunctionTolerance: 1e-3, FunctionIterations: 2}, FunctionConverged, false},
		{"non-finite start", nanObjective{}, Settings{}, NonFinite, true},
		{"objective error", objectiveFailure{}, Settings{}, Failure, true},
		{"bad settings", problem.obj, Settings{MaxIterations: -1}, Failure, true},
	}
	for _, c := range cases {
		start := problem.start
		if c.obj.Dim() != len(start) {
			start = make([]float64, c.obj.Dim())
		}
		result, err := Minimize(c.obj, start, &BFGS{}, c.settings)
		if result.Status != c.status || (err != nil) != c.fails {
			t.Errorf("%s: status %v, err %v; want %v (error: %v)", c.name, result.Status, err, c.status, c.fails)
		}
		if result.Status.String() == "" || strings.HasPrefix(result.Status.String(), "Status(") {
			t.Errorf("%s: status %d has no name", c.name, int(result.Status))
		}
	}
	if result, _ := Minimize(problem.obj, problem.start, &BFGS{}, Settings{MaxIterations: 3}); result.Iterations != 3 {
		t.Errorf("MaxIterations 3 ran %d iterations", result.Iterations)
	}
	if result, _ := Minimize(problem.obj, problem.start, &BFGS{}, Settings{MaxFuncEvals: 10}); result.FuncEvals < 10 {
		t.Errorf("MaxFuncEvals 10 stopped after %d evaluations", result.FuncEvals)
	}
}

func TestMinimizeReportsLineSearchFailure(t *testing.T) {
	// J(θ) = θ with a gradient claiming descent: every search fails, the
	// restart along −g fails too, and θ stays where it was.
	result, err := Minimize(misleadingSlope{}, []float64{1}, &CG{}, Settings{})
	if result.Status != LineSearchFailed || !IsLineSearchFailure(err) {
		t.Fatalf("status %v, err %v; want LineSearchFailed with a *LineSearchError", result.Status, err)
	}
	if result.Theta[0] != 1 || result.F != 1 {
		t.Errorf("θ = %v, J = %v after a failed search; want θ unchanged at 1", result.Theta, result.F)
	}
}

// nanObjective is NaN everywhere.
type nanObjective struct{}

func (nanObjective) Dim() int { return 1 }
func (nanObjective) Eval(theta, grad []float64) (float64, error) {
	if grad != nil {
		grad[0] = math.NaN()
	}
	return math.NaN(), nil
}

func TestEveryMethodResumesExactlyFromItsState(t *testing.T) {
	problem := rosenbrockProblem(10)
	run := func(opt Optimizer, theta []float64, steps int) {
		grad := make([]float64, len(theta))
		for range steps {
			f, _ := problem.obj.Eval(theta, grad)
			if _, err := opt.Step(problem.obj, theta, f, grad, 0); err != nil {
				t.Fatal(err)
			}
		}
	}
	for _, method := range minimizeMethods {
		uninterrupted := slices.Clone(problem.start)
		run(method.new(), uninterrupted, 10)

		first := method.new()
		resumed := slices.Clone(problem.start)
		run(first, resumed, 5)
		saved := first.State()
		// State is a deep copy: later steps of first must not change it.
		want := State{}
		for key, value := range saved {
			want[key] = slices.Clone(value)
		}
		run(first, slices.Clone(resumed), 1)
		second := method.new()
		if err := second.SetState(saved); err != nil {
			t.Fatalf("%s: SetState: %v", method.name, err)
		}
		for key, value := range want {
			if !sameBits(saved[key], value) {
				t.Errorf("%s: State[%q] changed after a later Step", method.name, key)
			}
		}
		run(second, resumed, 5)
		if !sameBits(resumed, uninterrupted) {
			t.Errorf("%s: 5 steps, State, SetState, 5 steps ≠ 10 steps: %v vs %v", method.name, resumed, uninterrupted)
		}
		if err := second.SetState(State{"unknown": {1}}); err == nil {
			t.Errorf("%s: SetState accepted a foreign State", method.name)
		}
	}
}

func TestMethodsReportBadInput(t *testing.T) {
	obj := halfSquaredNorm{2}
	theta, grad := []float64{1, 0}, []float64{1, 0}
	cases := []struct {
		name   string
		opt    Optimizer
		theta  []float64
		lr     float64
		phrase string
	}{
		{"CG negative lr", &CG{}, theta, -1, "lr = -1"},
		{"BFGS NaN lr", &BFGS{}, theta, math.NaN(), "lr = NaN"},
		{"L-BFGS short θ", &LBFGS{}, theta[:1], 0, "len(theta) = 1"},
		{"CG variant", &CG{Variant: 9}, theta, 0, "CG.Variant = 9"},
		{"CG restart period", &CG{RestartEvery: -2}, theta, 0, "CG.RestartEvery = -2"},
		{"L-BFGS memory", &LBFGS{Memory: -1}, theta, 0, "LBFGS.Memory = -1"},
		{"BFGS MaxDim", &BFGS{MaxDim: -1}, theta, 0, "BFGS.MaxDim = -1"},
		{"Newton negative β", &Newton{Beta: -1}, theta, 0, "Newton.Beta = -1; want a number ≥ 0 (0 selects the default 0.001)"},
		{"Newton MaxDim", &Newton{MaxDim: -3}, theta, 0, "Newton.MaxDim = -3; want an integer ≥ 0 (the largest dimension accepted; 0 selects the default 1000)"},
		{"Newton infinite β", &Newton{Beta: math.Inf(1)}, theta, 0, "Newton.Beta = +Inf"},
	}
	for _, c := range cases {
		if _, err := c.opt.Step(obj, c.theta, 0.5, grad, c.lr); err == nil || !strings.Contains(err.Error(), c.phrase) {
			t.Errorf("%s: error %v; want one containing %q", c.name, err, c.phrase)
		}
	}
}

// ExampleMinimize minimises the Rosenbrock function from (−1.2, 1) with
// L-BFGS and reports why it stopped.
func ExampleMinimize() {
	rosenbrock := functionObjective{functions.ExtendedRosenbrock{}, 2}
	result, err := Minimize(rosenbrock, []float64{-1.2, 1}, &LBFGS{}, Settings{GradientTolerance: 1e-8})
	if err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("%v: θ = (%.6f, %.6f), J < 1e-12: %v\n", result.Status, result.Theta[0], result.Theta[1], result.F < 1e-12)
	// Output: gradient converged: θ = (1.000000, 1.000000), J < 1e-12: true
}

// pointRecorder records how often each point (matched bit for bit) is
// evaluated, and how often with the gradient.
type pointRecorder struct {
	Objective
	values, gradients map[string]int
}

func newPointRecorder(obj Objective) *pointRecorder {
	return &pointRecorder{Objective: obj, values: map[string]int{}, gradients: map[string]int{}}
}

func (p *pointRecorder) Eval(theta, grad []float64) (float64, error) {
	key := fmt.Sprint(theta)
	p.values[key]++
	if grad != nil {
		p.gradients[key]++
	}
	return p.Objective.Eval(theta, grad)
}

// repeated returns the points evaluated more than once, with their counts.
func (p *pointRecorder) repeated() map[string]int {
	repeats := map[string]int{}
	for key, count := range p.values {
		if count > 1 {
			repeats[key] = count
		}
	}
	return repeats
}

func TestMinimizeEvaluatesEveryPointOnce(t *testing.T) {
	// The point a line search accepts is the next iterate, whose value and
	// gradient Minimize needs: the search must hand them over, so that no
	// point is evaluated twice, whether the search is strong Wolfe (CG,
	// BFGS, L-BFGS), Armijo backtracking (Newton, Newton-CG, block
	// coordinate descent) or the derivative search of coordinate descent.
	methods := append(slices.Clone(minimizeMethods),
		minimizeMethod{name: "CD blocks of 2", new: func() Optimizer {
			return &CoordinateDescent{Blocks: []Block{{Name: "a", Start: 0, End: 2}, {Name: "b", Start: 2, End: 4}}}
		}},
		minimizeMethod{name: "Newton interpolating", new: func() Optimizer { return &Newton{LineSearch: &Backtracking{Interpolate: true}} }},
	)
	problems := []knownProblem{rosenbrockProblem(2), moreGarbowHillstrom()[2]} // Rosenbrock-2 and Wood (n = 4)
	for _, problem := range problems {
		for _, method := range methods {
			if strings.HasPrefix(method.name, "CD blocks") && problem.obj.Dim() != 4 {
				continue
			}
			recorder := newPointRecorder(problem.obj)
			result, err := Minimize(recorder, problem.start, method.new(), Settings{GradientTolerance: problem.gradTolerance, MaxIterations: problemMaxIterations})
			if err != nil || result.Status != GradientConverged {
				t.Errorf("%s %s: status %v, err %v", problem.name, method.name, result.Status, err)
				continue
			}
			if repeats := recorder.repeated(); len(repeats) > 0 {
				t.Errorf("%s %s: %d points evaluated more than once in %d iterations (%d evaluations)", problem.name, method.name, len(repeats), result.Iterations, result.FuncEvals)
			}
			// The iterates themselves are all evaluated with their gradient.
			if result.FuncEvals != len(recorder.values) {
				t.Errorf("%s %s: Result counts %d evaluations, the objective saw %d distinct points", problem.name, method.name, result.FuncEvals, len(recorder.values))
			}
		}
	}
}
