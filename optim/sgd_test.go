package optim

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
)

// diagonalQuadratic is J(θ) = ½ Σ a_i θ_i² with curvatures a_i > 0, whose
// gradient is a_i θ_i.
type diagonalQuadratic []float64

func (q diagonalQuadratic) Dim() int { return len(q) }

func (q diagonalQuadratic) Eval(theta, grad []float64) (float64, error) {
	value := 0.0
	for i, a := range q {
		value += a * theta[i] * theta[i] / 2
		if grad != nil {
			grad[i] = a * theta[i]
		}
	}
	return value, nil
}

// runSteps takes steps from θ with the learning rate lr(k) at global step k
// = first, first+1, …, checking that Step makes no evaluations, reports lr as
// its step length and leaves the gradient alone.
func runSteps(t *testing.T, opt Optimizer, obj Objective, theta []float64, first, steps int, lr func(step int) float64) {
	t.Helper()
	grad := make([]float64, len(theta))
	for k := first; k < first+steps; k++ {
		loss, err := obj.Eval(theta, grad)
		if err != nil {
			t.Fatal(err)
		}
		given := append([]float64(nil), grad...)
		info, err := opt.Step(obj, theta, loss, grad, lr(k))
		if err != nil {
			t.Fatalf("step %d: %v", k, err)
		}
		if info != (Info{StepLength: lr(k)}) {
			t.Fatalf("step %d: Info = %+v, want no evaluations and StepLength %v", k, info, lr(k))
		}
		if !reflect.DeepEqual(grad, given) {
			t.Fatalf("step %d: Step changed the gradient from %v to %v", k, given, grad)
		}
	}
}

// constantRate is a constant learning rate for runSteps.
func constantRate(lr float64) func(int) float64 { return func(int) float64 { return lr } }

// checkClose reports elements of got further than tolerance·(1 + |want|)
// from want.
func checkClose(t *testing.T, what string, got, want []float64, tolerance float64) {
	t.Helper()
	for i := range want {
		if math.Abs(got[i]-want[i]) > tolerance*(1+math.Abs(want[i])) {
			t.Errorf("%s: θ[%d] = %.17g, want %.17g (difference %.3g)", what, i, got[i], want[i], got[i]-want[i])
		}
	}
}

func TestSGDPlainMatchesClosedForm(t *testing.T) {
	// Plain SGD on ½ Σ a_i θ_i² with decay λ multiplies θ_i by 1 − lr·(a_i + λ)
	// each step: θ_i(k) = (1 − lr·(a_i + λ))^k θ_i(0).
	curvatures := diagonalQuadratic{1, 4, 10}
	start := []float64{1, -2, 0.5}
	const lr = 0.05
	for _, decay := range []float64{0, 0.3} {
		sgd := &SGD{WeightDecay: decay}
		theta := append([]float64(nil), start...)
		for k := 1; k <= 8; k++ {
			runSteps(t, sgd, curvatures, theta, k, 1, constantRate(lr))
			want := make([]float64, len(start))
			for i, a := range curvatures {
				want[i] = math.Pow(1-lr*(a+decay), float64(k)) * start[i]
			}
			checkClose(t, fmt.Sprintf("λ = %v, step %d", decay, k), theta, want, 1e-14)
		}
		if got := sgd.State()["velocity"]; len(got) != 0 {
			t.Errorf("plain SGD keeps a velocity %v", got)
		}
	}
}

func TestSGDMomentumHandArithmetic(t *testing.T) {
	// J = ½(θ1² + 10θ2²) from (1, 1), lr = 0.1, μ = 0.9, worked by hand:
	// step 1: g = (1, 10) + λθ, v = g; step 2: g = Aθ + λθ, v = 0.9v + g.
	cases := []struct {
		name          string
		sgd           SGD
		first, second []float64
	}{
		// v = (1, 10); θ = (1 − 0.1, 1 − 1). g = (0.9, 0), v = (1.8, 9);
		// θ = (0.9 − 0.18, 0 − 0.9).
		{"classical", SGD{Momentum: 0.9}, []float64{0.9, 0}, []float64{0.72, -0.9}},
		// v = (1, 10), step = g + 0.9v = (1.9, 19); θ = (0.81, −0.9).
		// g = (0.81, −9), v = (1.71, 0), step = (2.349, −9); θ = (0.5751, 0).
		{"Nesterov", SGD{Momentum: 0.9, Nesterov: true}, []float64{0.81, -0.9}, []float64{0.5751, 0}},
		// λ = 1: g = (2, 11) = v; θ = (0.8, −0.1). g = (1.6, −1.1),
		// v = (3.4, 8.8); θ = (0.46, −0.98).
		{"classical λ=1", SGD{Momentum: 0.9, WeightDecay: 1}, []float64{0.8, -0.1}, []float64{0.46, -0.98}},
		// λ = 1: v = (2, 11), step = (3.8, 20.9); θ = (0.62, −1.09).
		// g = (1.24, −11.99), v = (3.04, −2.09), step = (3.976, −13.871);
		// θ = (0.2224, 0.2971).
		{"Nesterov λ=1", SGD{Momentum: 0.9, Nesterov: true, WeightDecay: 1}, []float64{0.62, -1.09}, []float64{0.2224, 0.2971}},
	}
	for _, c := range cases {
		theta := []float64{1, 1}
		runSteps(t, &c.sgd, diagonalQuadratic{1, 10}, theta, 0, 1, constantRate(0.1))
		checkClose(t, c.name+" step 1", theta, c.first, 1e-15)
		runSteps(t, &c.sgd, diagonalQuadratic{1, 10}, theta, 1, 1, constantRate(0.1))
		checkClose(t, c.name+" step 2", theta, c.second, 1e-15)
	}
}

func TestSGDMomentumMatchesSutskeverForm(t *testing.T) {
	// Sutskever et al. (2013) eqs. 1–4 with u = −lr·v: u ← μu − lr∇J(x + μu)
	// (Nesterov) or u ← μu − lr∇J(x) (classical), x ← x + u. The iterates of
	// SGD are θ = x + μu (Nesterov) or θ = x (classical). Classical momentum
	// is also Polyak's three-term recurrence
	// θ_{k+1} = θ_k − lr∇J(θ_k) + μ(θ_k − θ_{k−1}), θ_{−1} = θ_0.
	curvatures := []float64{0.5, 3, 20}
	start := []float64{2, -1, 0.25}
	const lr, momentum, decay, steps = 0.04, 0.8, 0.1, 40
	gradient := func(i int, x float64) float64 { return (curvatures[i] + decay) * x }
	for _, nesterov := range []bool{false, true} {
		sgd := &SGD{Momentum: momentum, Nesterov: nesterov, WeightDecay: decay}
		theta := append([]float64(nil), start...)
		x := append([]float64(nil), start...)
		u := make([]float64, len(start))
		previous := append([]float64(nil), start...)
		polyak := append([]float64(nil), start...)
		for k := range steps {
			runSteps(t, sgd, diagonalQuadratic(curvatures), theta, k, 1, constantRate(lr))
			want := make([]float64, len(start))
			for i := range x {
				point := x[i]
				if nesterov {
					point += momentum * u[i]
				}
				u[i] = momentum*u[i] - lr*gradient(i, point)
				x[i] += u[i]
				want[i] = x[i]
				if nesterov {
					want[i] += momentum * u[i]
				}
				next := polyak[i] - lr*gradient(i, polyak[i]) + momentum*(polyak[i]-previous[i])
				previous[i], polyak[i] = polyak[i], next
			}
			checkClose(t, fmt.Sprintf("Nesterov %v, step %d, Sutskever form", nesterov, k+1), theta, want, 1e-13)
			if !nesterov {
				checkClose(t, fmt.Sprintf("step %d, Polyak's heavy ball", k+1), theta, polyak, 1e-13)
			}
		}
	}
}

func TestSGDConvergesOnIllConditionedQuadratic(t *testing.T) {
	// The SPD quadratic of the shared table: n = 50, eigenvalues from m = 1 to
	// L = 1e3. Plain gradient descent with lr = 1/L contracts the slowest mode
	// by 1 − 1/κ per step; the heavy ball with Polyak's optimal lr = 4/(√L +
	// √m)² and μ = ((√κ − 1)/(√κ + 1))² at rate (√κ − 1)/(√κ + 1) ≈ 0.939;
	// Nesterov with lr = 1/L and μ = (√κ − 1)/(√κ + 1) at rate 1 − 1/√κ ≈ 0.968
	// (Nesterov 2004, Introductory Lectures, §2.2).
	problem := quadraticProblem(t)
	const low, high, steps = 1.0, 1e3, 600
	rootCondition := math.Sqrt(high / low)
	cases := []struct {
		name     string
		sgd      SGD
		lr       float64
		below    float64 // bound on ‖θ − θ*‖/‖θ*‖ after the steps
		rate     float64 // the contraction per step predicted by theory
		aboveToo float64 // a lower bound on the error, for the slow method
	}{
		{"plain", SGD{}, 1 / high, 1, 1 - low/high, 0.1},
		{"heavy ball", SGD{Momentum: math.Pow((rootCondition-1)/(rootCondition+1), 2)}, 4 / math.Pow(math.Sqrt(high)+math.Sqrt(low), 2), 1e-12, (rootCondition - 1) / (rootCondition + 1), 0},
		{"Nesterov", SGD{Momentum: (rootCondition - 1) / (rootCondition + 1), Nesterov: true}, 1 / high, 1e-7, 1 - 1/rootCondition, 0},
	}
	for _, c := range cases {
		theta := append([]float64(nil), problem.start...)
		runSteps(t, &c.sgd, problem.obj, theta, 0, steps, constantRate(c.lr))
		difference := make([]float64, len(theta))
		floats.SubTo(difference, theta, problem.minimizer)
		relative := floats.Norm(difference, 2) / floats.Norm(problem.minimizer, 2)
		t.Logf("%s: ‖θ − θ*‖/‖θ*‖ = %.3g after %d steps (theory: rate %.4f, rate^%d = %.3g)", c.name, relative, steps, c.rate, steps, math.Pow(c.rate, steps))
		if !(relative < c.below) || relative < c.aboveToo {
			t.Errorf("%s: relative error %.3g after %d steps, want in [%g, %g)", c.name, relative, steps, c.aboveToo, c.below)
		}
	}
}

// checkResumeBitIdentical runs a fresh optimizer for ten steps, and another
// for five, whose State it restores into a third fresh optimizer that takes
// the last five steps; the two runs must end at the same θ and State bit for
// bit. The learning rate changes every step, as under a schedule. It also
// checks that State and SetState copy: changing a State after saving or
// restoring it changes nothing.
func checkResumeBitIdentical(t *testing.T, newOptimizer func() Optimizer, obj Objective, start []float64) {
	t.Helper()
	lr := func(step int) float64 { return 0.05 / (1 + 0.1*float64(step)) }
	straight := newOptimizer()
	straightTheta := append([]float64(nil), start...)
	runSteps(t, straight, obj, straightTheta, 0, 10, lr)

	first := newOptimizer()
	theta := append([]float64(nil), start...)
	runSteps(t, first, obj, theta, 0, 5, lr)
	saved := first.State()
	runSteps(t, first, obj, append([]float64(nil), theta...), 5, 1, lr) // must not change saved
	resumed := newOptimizer()
	if err := resumed.SetState(saved); err != nil {
		t.Fatalf("SetState(State()): %v", err)
	}
	for _, vector := range saved {
		for i := range vector {
			vector[i] = math.NaN() // must not reach the restored optimizer
		}
	}
	runSteps(t, resumed, obj, theta, 5, 5, lr)
	for i := range theta {
		if math.Float64bits(theta[i]) != math.Float64bits(straightTheta[i]) {
			t.Fatalf("θ[%d] = %v resumed after 5 steps, %v after 10 straight steps", i, theta[i], straightTheta[i])
		}
	}
	if got, want := resumed.State(), straight.State(); !reflect.DeepEqual(got, want) {
		t.Errorf("State resumed %v, straight %v", got, want)
	}
}

func TestSGDResumesBitIdentically(t *testing.T) {
	for _, settings := range []SGD{{}, {Momentum: 0.9}, {Momentum: 0.9, Nesterov: true, WeightDecay: 0.01}} {
		checkResumeBitIdentical(t, func() Optimizer { copy := settings; return &copy }, diagonalQuadratic{1, 7, 30}, []float64{1, -1, 0.3})
	}
}

// wantError fails unless err is non-nil and mentions every fragment.
func wantError(t *testing.T, what string, err error, fragments ...string) {
	t.Helper()
	if err == nil {
		t.Errorf("%s: no error", what)
		return
	}
	for _, fragment := range fragments {
		if !strings.Contains(err.Error(), fragment) {
			t.Errorf("%s: error %q does not mention %q", what, err, fragment)
		}
	}
}

func TestSGDSetStateRejectsMismatches(t *testing.T) {
	stepped := &SGD{Momentum: 0.5}
	runSteps(t, stepped, diagonalQuadratic{1, 2, 3}, []float64{1, 1, 1}, 0, 2, constantRate(0.1))
	before := stepped.State()
	wantError(t, "missing key", stepped.SetState(State{}), `"velocity"`)
	wantError(t, "unknown key", stepped.SetState(State{"velocity": {1, 2, 3}, "steps": {1}}), `"steps"`)
	wantError(t, "wrong length", stepped.SetState(State{"velocity": {1, 2}}), `"velocity"`, "length 2", "want 3")
	wantError(t, "NaN", stepped.SetState(State{"velocity": {1, math.NaN(), 3}}), `"velocity"`, "NaN")
	wantError(t, "velocity without momentum", (&SGD{}).SetState(State{"velocity": {1}}), "Momentum = 0")
	if !reflect.DeepEqual(stepped.State(), before) {
		t.Errorf("a rejected State changed the velocity from %v to %v", before, stepped.State())
	}

	// A fresh SGD accepts any length; the next Step reports a mismatch with θ.
	fresh := &SGD{Momentum: 0.5}
	if err := fresh.SetState(State{"velocity": {1, 2}}); err != nil {
		t.Fatal(err)
	}
	theta := []float64{1, 1, 1}
	_, err := fresh.Step(diagonalQuadratic{1, 2, 3}, theta, 3, []float64{1, 2, 3}, 0.1)
	wantError(t, "Step with a restored velocity of another length", err, "length 3", "length 2", "Reset")
	fresh.Reset()
	if _, err := fresh.Step(diagonalQuadratic{1, 2, 3}, theta, 3, []float64{1, 2, 3}, 0.1); err != nil {
		t.Errorf("Step after Reset: %v", err)
	}
}

func TestSGDRejectsBadSettingsAndArguments(t *testing.T) {
	for _, bad := range []struct {
		sgd      SGD
		fragment string
	}{
		{SGD{Momentum: -0.1}, "SGD.Momentum = -0.1"},
		{SGD{Momentum: 1}, "SGD.Momentum = 1"},
		{SGD{Momentum: math.NaN()}, "SGD.Momentum = NaN"},
		{SGD{Nesterov: true}, "SGD.Nesterov"},
		{SGD{WeightDecay: -1}, "SGD.WeightDecay = -1"},
		{SGD{WeightDecay: math.Inf(1)}, "SGD.WeightDecay = +Inf"},
	} {
		wantError(t, fmt.Sprintf("Validate(%+v)", bad.sgd), bad.sgd.Validate(), bad.fragment)
		theta := []float64{1}
		_, err := bad.sgd.Step(nil, theta, 0.5, []float64{1}, 0.1)
		wantError(t, fmt.Sprintf("Step(%+v)", bad.sgd), err, bad.fragment)
		if theta[0] != 1 {
			t.Errorf("%+v: a rejected Step moved θ to %v", bad.sgd, theta)
		}
	}
	checkArgumentsRejected(t, func() Optimizer { return &SGD{Momentum: 0.9} })
}

// checkArgumentsRejected checks that Step rejects a bad learning rate, a
// non-finite gradient and lengths that differ from the objective's
// dimension, leaving θ and the State unchanged.
func checkArgumentsRejected(t *testing.T, newOptimizer func() Optimizer) {
	t.Helper()
	obj := diagonalQuadratic{1, 2}
	opt := newOptimizer()
	theta := []float64{1, 1}
	runSteps(t, opt, obj, theta, 0, 1, constantRate(0.1))
	before, thetaBefore := opt.State(), append([]float64(nil), theta...)
	for _, bad := range []struct {
		what      string
		theta     []float64
		grad      []float64
		lr        float64
		fragments []string
	}{
		{"negative lr", theta, []float64{1, 1}, -0.1, []string{"lr = -0.1"}},
		{"NaN lr", theta, []float64{1, 1}, math.NaN(), []string{"lr = NaN"}},
		{"infinite lr", theta, []float64{1, 1}, math.Inf(1), []string{"lr = +Inf"}},
		{"NaN gradient", theta, []float64{1, math.NaN()}, 0.1, []string{"grad[1] = NaN", "lower the learning rate"}},
		{"infinite gradient", theta, []float64{math.Inf(-1), 1}, 0.1, []string{"grad[0] = -Inf"}},
		{"short gradient", theta, []float64{1}, 0.1, []string{"len(grad) = 1", "dimension 2"}},
		{"long θ", []float64{1, 1, 1}, []float64{1, 1, 1}, 0.1, []string{"len(theta) = 3", "dimension 2"}},
	} {
		_, err := opt.Step(obj, bad.theta, 1, bad.grad, bad.lr)
		wantError(t, bad.what, err, bad.fragments...)
	}
	if !reflect.DeepEqual(theta, thetaBefore) || !reflect.DeepEqual(opt.State(), before) {
		t.Errorf("rejected steps changed θ from %v to %v or the State from %v to %v", thetaBefore, theta, before, opt.State())
	}
}

// ExampleSGD minimises J(θ) = ½(θ1² + 100θ2²) with Nesterov momentum; the
// caller evaluates J and ∇J, and Step moves θ.
func ExampleSGD() {
	objective := diagonalQuadratic{1, 100}
	theta := []float64{1, 1}
	grad := make([]float64, 2)
	sgd := &SGD{Momentum: 0.8, Nesterov: true}
	for step := range 100 {
		loss, err := objective.Eval(theta, grad)
		if err != nil {
			fmt.Println(err)
			return
		}
		if step%25 == 0 {
			fmt.Printf("step %3d: J = %.3g\n", step, loss)
		}
		if _, err := sgd.Step(objective, theta, loss, grad, 0.01); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Printf("θ = (%.4f, %.4f)\n", theta[0], theta[1])
	// Output:
	// step   0: J = 50.5
	// step  25: J = 0.0378
	// step  50: J = 0.00134
	// step  75: J = 4.54e-05
	// θ = (0.0017, 0.0000)
}
