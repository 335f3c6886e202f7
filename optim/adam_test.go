package optim

import (
	"fmt"
	"math"
	"testing"

	"gonum.org/v1/gonum/floats"
)

func TestAdamHandArithmetic(t *testing.T) {
	// J = ½θ² from θ = 1 with lr = 0.1, β1 = 0.5, β2 = 0.75, ε = 0.5.
	// Step 1: g = 1, m = 0.5, v = 0.25, m̂ = v̂ = 1; θ = 1 − 0.1/(1 + 0.5) = 14/15.
	// Step 2: g = 14/15, m = 0.25 + 7/15 = 43/60, v = 0.1875 + 0.25·196/225,
	// m̂ = m/0.75 = 43/45, v̂ = v/0.4375; θ = 14/15 − 0.1·m̂/(√v̂ + 0.5).
	adam := &Adam{Beta1: 0.5, Beta2: 0.75, Eps: 0.5}
	theta := []float64{1}
	runSteps(t, adam, diagonalQuadratic{1}, theta, 0, 1, constantRate(0.1))
	checkClose(t, "step 1", theta, []float64{14.0 / 15}, 1e-15)
	runSteps(t, adam, diagonalQuadratic{1}, theta, 1, 1, constantRate(0.1))
	secondHat := (0.1875 + 0.25*196.0/225) / 0.4375
	checkClose(t, "step 2", theta, []float64{14.0/15 - 0.1*(43.0/45)/(math.Sqrt(secondHat)+0.5)}, 1e-15)
}

func TestAdamWeightDecayForms(t *testing.T) {
	// On the first step m̂ = g and v̂ = g², so θ moves by lr·g/(|g| + ε).
	// J = ½(θ1² + 3θ2²) from (1, −2): ∇J = (1, −6); lr = 0.1, λ = 0.5,
	// ε = 0.25. Coupled: g = ∇J + λθ = (1.5, −7). Decoupled: θ shrinks by
	// 1 − lr·λ = 0.95 and g = ∇J.
	const lr, eps = 0.1, 0.25
	coupled := &Adam{Eps: eps, WeightDecay: 0.5}
	theta := []float64{1, -2}
	runSteps(t, coupled, diagonalQuadratic{1, 3}, theta, 0, 1, constantRate(lr))
	checkClose(t, "coupled", theta, []float64{1 - lr*1.5/(1.5+eps), -2 + lr*7/(7+eps)}, 1e-15)

	decoupled := &Adam{Eps: eps, WeightDecay: 0.5, Decoupled: true}
	theta = []float64{1, -2}
	runSteps(t, decoupled, diagonalQuadratic{1, 3}, theta, 0, 1, constantRate(lr))
	checkClose(t, "decoupled", theta, []float64{0.95 - lr*1/(1+eps), -1.9 + lr*6/(6+eps)}, 1e-15)
}

// adamReference runs Adam from start on J = ½ Σ a_i θ_i² in the form of
// Kingma & Ba (2015, §2, the paragraph before §2.1): the moments as explicit
// weighted sums over the gradient history, m_t = (1 − β1) Σ_s β1^{t−s} g_s,
// and the step α_t = lr·√(1 − β2^t)/(1 − β1^t) with ε̂ = ε·√(1 − β2^t), so
// θ ← θ − α_t·m_t/(√v_t + ε̂), algebraically Algorithm 1. AMSGrad replaces
// v_t by max_{s≤t} v_s.
func adamReference(adam Adam, curvatures, start []float64, steps int, lr func(int) float64) []float64 {
	beta1, beta2, eps := adam.settings()
	theta := append([]float64(nil), start...)
	history := [][]float64{}
	largest := make([]float64, len(theta))
	for k := 1; k <= steps; k++ {
		rate := lr(k - 1)
		g := make([]float64, len(theta))
		for i, a := range curvatures {
			g[i] = a * theta[i]
			if !adam.Decoupled {
				g[i] += adam.WeightDecay * theta[i]
			}
		}
		history = append(history, g)
		stepSize := rate * math.Sqrt(1-math.Pow(beta2, float64(k))) / (1 - math.Pow(beta1, float64(k)))
		for i := range theta {
			first, second := 0.0, 0.0
			for s, past := range history {
				first += (1 - beta1) * math.Pow(beta1, float64(k-1-s)) * past[i]
				second += (1 - beta2) * math.Pow(beta2, float64(k-1-s)) * past[i] * past[i]
			}
			if adam.AMSGrad {
				largest[i] = max(largest[i], second)
				second = largest[i]
			}
			if adam.Decoupled {
				theta[i] -= rate * adam.WeightDecay * theta[i]
			}
			theta[i] -= stepSize * first / (math.Sqrt(second) + eps*math.Sqrt(1-math.Pow(beta2, float64(k))))
		}
	}
	return theta
}

func TestAdamMatchesHistoryForm(t *testing.T) {
	curvatures := []float64{0.5, 2, 40}
	start := []float64{3, -1, 0.2}
	lr := func(step int) float64 { return 0.2 / math.Sqrt(1+float64(step)) }
	// β2 = 0.6 lets v fall as the gradients shrink, so that AMSGrad's
	// maximum differs from v.
	for _, adam := range []Adam{
		{},
		{Beta1: 0.8, Beta2: 0.6, Eps: 1e-3},
		{WeightDecay: 0.3},
		{WeightDecay: 0.3, Decoupled: true},
		{Beta2: 0.6, AMSGrad: true},
	} {
		for _, steps := range []int{1, 2, 5, 30} {
			theta := append([]float64(nil), start...)
			runSteps(t, &adam, diagonalQuadratic(curvatures), theta, 0, steps, lr)
			adam.Reset()
			checkClose(t, fmt.Sprintf("%+v after %d steps", adam, steps), theta, adamReference(adam, curvatures, start, steps, lr), 1e-13)
		}
	}
	plain := adamReference(Adam{Beta2: 0.6}, curvatures, start, 30, lr)
	amsgrad := adamReference(Adam{Beta2: 0.6, AMSGrad: true}, curvatures, start, 30, lr)
	if floats.Distance(plain, amsgrad, math.Inf(1)) < 1e-6 {
		t.Errorf("AMSGrad and Adam agree (%v and %v): the test does not exercise the maximum", amsgrad, plain)
	}
}

func TestAdamIsInvariantToCurvature(t *testing.T) {
	// With ε negligible, Adam's step depends only on ratios of the moments,
	// which do not change when a coordinate's gradients are scaled (Kingma &
	// Ba 2015, §2.1). On ½ Σ a_i θ_i² every coordinate started at the same
	// value therefore follows the same trajectory, whatever its curvature.
	adam := &Adam{Eps: 1e-300}
	theta := []float64{0.7, 0.7, 0.7, 0.7}
	for k := range 50 {
		runSteps(t, adam, diagonalQuadratic{1e-3, 1, 10, 1e4}, theta, k, 1, constantRate(0.05))
		for i := range theta {
			if math.Abs(theta[i]-theta[0]) > 1e-13 {
				t.Fatalf("step %d: θ = %v; the coordinates should move alike", k+1, theta)
			}
		}
	}
}

func TestAdamConvergesOnIllConditionedQuadratic(t *testing.T) {
	// The SPD quadratic of the shared table (n = 50, κ = 1e3, not diagonal, so
	// Adam's per-coordinate scaling does not remove the conditioning), with an
	// exponentially decaying learning rate 0.1·0.999^k: with a constant lr
	// Adam hovers at a distance of order lr from θ*.
	problem := quadraticProblem(t)
	theta := append([]float64(nil), problem.start...)
	runSteps(t, &Adam{}, problem.obj, theta, 0, 3000, func(step int) float64 { return 0.1 * math.Pow(0.999, float64(step)) })
	difference := make([]float64, len(theta))
	floats.SubTo(difference, theta, problem.minimizer)
	relative := floats.Norm(difference, 2) / floats.Norm(problem.minimizer, 2)
	t.Logf("Adam: ‖θ − θ*‖/‖θ*‖ = %.3g after 3000 steps", relative)
	if !(relative < 1e-10) {
		t.Errorf("relative error %.3g after 3000 steps, want < 1e-10", relative)
	}
}

func TestAdamResumesBitIdentically(t *testing.T) {
	for _, settings := range []Adam{{}, {WeightDecay: 0.1, Decoupled: true}, {Beta2: 0.6, AMSGrad: true}} {
		checkResumeBitIdentical(t, func() Optimizer { copy := settings; return &copy }, diagonalQuadratic{1, 7, 30}, []float64{1, -1, 0.3})
	}
}

func TestAdamSetStateRejectsMismatches(t *testing.T) {
	stepped := &Adam{}
	runSteps(t, stepped, diagonalQuadratic{1, 2}, []float64{1, 1}, 0, 2, constantRate(0.1))
	good := stepped.State()
	for _, bad := range []struct {
		what      string
		state     State
		fragments []string
	}{
		{"missing key", State{"firstMoment": {1, 1}, "secondMoment": {1, 1}}, []string{`"steps"`}},
		{"AMSGrad key", State{"firstMoment": {1, 1}, "secondMoment": {1, 1}, "steps": {2}, "maxSecondMoment": {1, 1}}, []string{`"maxSecondMoment"`}},
		{"unequal lengths", State{"firstMoment": {1, 1}, "secondMoment": {1}, "steps": {2}}, []string{`"secondMoment"`, "length 1", "length 2"}},
		{"other dimension", State{"firstMoment": {1, 1, 1}, "secondMoment": {1, 1, 1}, "steps": {2}}, []string{`"firstMoment"`, "length 3", "want 2"}},
		{"moments without steps", State{"firstMoment": {1, 1}, "secondMoment": {1, 1}, "steps": {0}}, []string{"0 steps"}},
		{"steps without moments", State{"firstMoment": {}, "secondMoment": {}, "steps": {3}}, []string{"3 steps"}},
		{"fractional steps", State{"firstMoment": {1, 1}, "secondMoment": {1, 1}, "steps": {1.5}}, []string{`"steps"`, "integer"}},
		{"negative second moment", State{"firstMoment": {1, 1}, "secondMoment": {1, -1}, "steps": {2}}, []string{`"secondMoment"`, "-1"}},
		{"infinite moment", State{"firstMoment": {math.Inf(1), 1}, "secondMoment": {1, 1}, "steps": {2}}, []string{`"firstMoment"`, "+Inf"}},
	} {
		wantError(t, bad.what, stepped.SetState(bad.state), bad.fragments...)
	}
	wantError(t, "AMSGrad without its key", (&Adam{AMSGrad: true}).SetState(good), `"maxSecondMoment"`)
	checkArgumentsRejected(t, func() Optimizer { return &Adam{AMSGrad: true} })
}

func TestAdamRejectsBadSettings(t *testing.T) {
	for _, bad := range []struct {
		adam     Adam
		fragment string
	}{
		{Adam{Beta1: -0.1}, "Adam.Beta1 = -0.1"},
		{Adam{Beta1: 1}, "Adam.Beta1 = 1"},
		{Adam{Beta2: 1.5}, "Adam.Beta2 = 1.5"},
		{Adam{Beta2: math.NaN()}, "Adam.Beta2 = NaN"},
		{Adam{Eps: -1e-8}, "Adam.Eps = -1e-08"},
		{Adam{WeightDecay: -0.01}, "Adam.WeightDecay = -0.01"},
	} {
		wantError(t, fmt.Sprintf("Validate(%+v)", bad.adam), bad.adam.Validate(), bad.fragment)
		theta := []float64{1}
		_, err := bad.adam.Step(nil, theta, 0.5, []float64{1}, 0.1)
		wantError(t, fmt.Sprintf("Step(%+v)", bad.adam), err, bad.fragment)
		if theta[0] != 1 {
			t.Errorf("%+v: a rejected Step moved θ to %v", bad.adam, theta)
		}
	}
}

// ExampleAdam minimises J(θ) = ½(θ1² + 1000θ2²) with AdamW and a decaying
// learning rate; both coordinates move at the same pace despite their
// curvatures differing a thousandfold.
func ExampleAdam() {
	objective := diagonalQuadratic{1, 1000}
	theta := []float64{1, 1}
	grad := make([]float64, 2)
	adam := &Adam{WeightDecay: 1e-4, Decoupled: true}
	for step := range 1000 {
		loss, err := objective.Eval(theta, grad)
		if err != nil {
			fmt.Println(err)
			return
		}
		if step%5 == 0 && step <= 15 {
			fmt.Printf("step %4d: θ = (%.4f, %.4f)\n", step, theta[0], theta[1])
		}
		lr := 0.05 * math.Pow(0.995, float64(step))
		if _, err := adam.Step(objective, theta, loss, grad, lr); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Printf("θ = (%.4f, %.4f)\n", theta[0], theta[1])
	// Output:
	// step    0: θ = (1.0000, 1.0000)
	// step    5: θ = (0.7539, 0.7539)
	// step   10: θ = (0.5227, 0.5227)
	// step   15: θ = (0.3160, 0.3160)
	// θ = (0.0000, 0.0000)
}
