package optim

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/floats"
)

func TestNewtonCGMinimizesRosenbrock(t *testing.T) {
	for _, n := range []int{2, 10, 100} {
		theta := make([]float64, n)
		for i := range theta {
			theta[i] = 1
			if i%2 == 0 {
				theta[i] = -1.2
			}
		}
		steps, loss := iterateOptimizer(t, &NewtonCG{}, closedFormRosenbrock{n: n}, theta, 1, 1e-8, 500)
		t.Logf("Newton-CG on Rosenbrock-%d: %d iterations, J = %.3g", n, steps, loss)
		for i, value := range theta {
			if math.Abs(value-1) > 1e-6 {
				t.Errorf("n = %d: θ[%d] = %v, want 1", n, i, value)
				break
			}
		}
	}
}

func TestNewtonCGMinimizesQuadratic(t *testing.T) {
	quadratic := randomQuadratic(t, logSpaced(50, 1e3), 11)
	theta := make([]float64, 50)
	steps, _ := iterateOptimizer(t, &NewtonCG{}, quadratic, theta, 1, 1e-9, 50)
	t.Logf("Newton-CG with forcing min(0.5, √‖g‖) on a quadratic, n = 50, κ = 1e3: %d iterations", steps)
	want := quadratic.minimizer(t)
	if diff := floats.Distance(theta, want, math.Inf(1)); diff > 1e-8 {
		t.Errorf("‖θ − A⁻¹b‖∞ = %.3g > 1e-8", diff)
	}
}

func TestNewtonCGInnerSolveTakesAtMostNIterations(t *testing.T) {
	const n = 50
	// Λ log-spaced in [1, 10]: CG in floating point needs more than n
	// iterations once the condition number approaches 10³ (orthogonality is
	// lost), so a well-conditioned system tests the bound itself.
	quadratic := randomQuadratic(t, logSpaced(n, 10), 12)
	theta := make([]float64, n)
	grad := make([]float64, n)
	loss, _ := quadratic.Eval(theta, grad)
	newtonCG := &NewtonCG{ForcingTerm: 1e-10, MaxInner: 10 * n}
	info, err := newtonCG.Step(quadratic, theta, loss, grad, 1)
	if err != nil {
		t.Fatal(err)
	}
	stats := newtonCG.LastStats()
	t.Logf("inner CG: %d iterations for n = %d, relative residual %.3g", stats.InnerIterations, n, stats.RelativeResidual)
	if stats.InnerIterations > n || stats.NegativeCurvature || stats.RelativeResidual >= 1e-10 {
		t.Errorf("stats %+v; want ≤ n = %d inner iterations to a relative residual < 1e-10", stats, n)
	}
	// One step with an accurate inner solve lands on the minimiser.
	if info.StepLength != 1 {
		t.Errorf("step length %g, want the full Newton step 1", info.StepLength)
	}
	if diff := floats.Distance(theta, quadratic.minimizer(t), math.Inf(1)); diff > 1e-9 {
		t.Errorf("‖θ − A⁻¹b‖∞ = %.3g after one step, want ≤ 1e-9", diff)
	}
	// Every Hessian-vector product costs two gradient evaluations; the
	// line search accepted s = 1 with one evaluation of J and ∇J.
	if want := 2*stats.InnerIterations + 1; info.GradEvals != want || info.FuncEvals != want || info.LineSearchIters != 1 {
		t.Errorf("Info %+v; want GradEvals = FuncEvals = 2·%d + 1 and one line-search trial", info, stats.InnerIterations)
	}
}

func TestNewtonCGInnerSolveTerminatesAtDistinctEigenvalues(t *testing.T) {
	// CG minimises over Krylov spaces, so with k distinct eigenvalues it
	// solves the system in k iterations (Nocedal & Wright, Theorem 5.4):
	// here k = 5 for n = 50, with slack 2 for finite-difference products.
	eigenvalues := make([]float64, 50)
	for i := range eigenvalues {
		eigenvalues[i] = math.Pow(10, float64(i%5))
	}
	quadratic := randomQuadratic(t, eigenvalues, 13)
	theta := make([]float64, 50)
	grad := make([]float64, 50)
	loss, _ := quadratic.Eval(theta, grad)
	newtonCG := &NewtonCG{ForcingTerm: 1e-8}
	if _, err := newtonCG.Step(quadratic, theta, loss, grad, 1); err != nil {
		t.Fatal(err)
	}
	stats := newtonCG.LastStats()
	t.Logf("5 distinct eigenvalues in [1, 10⁴]: %d inner iterations, relative residual %.3g", stats.InnerIterations, stats.RelativeResidual)
	if stats.InnerIterations > 5+2 || stats.RelativeResidual >= 1e-8 {
		t.Errorf("stats %+v; want ≤ 7 inner iterations to a relative residual < 1e-8", stats)
	}
}

func TestNewtonCGFallsBackToSteepestDescentOnNegativeCurvature(t *testing.T) {
	// At (0, 0.5) the gradient is (0, −0.875) and the curvature along it is
	// J_yy = −2 + 3/4 < 0: the first inner iteration stops and p = −g.
	theta := []float64{0, 0.5}
	grad := make([]float64, 2)
	loss, _ := closedFormSaddle{}.Eval(theta, grad)
	newtonCG := &NewtonCG{}
	info, err := newtonCG.Step(closedFormSaddle{}, theta, loss, grad, 1)
	if err != nil {
		t.Fatal(err)
	}
	if stats := newtonCG.LastStats(); !stats.NegativeCurvature || stats.InnerIterations != 1 {
		t.Errorf("stats %+v; want negative curvature at the first inner iteration", stats)
	}
	if want := 0.5 + info.StepLength*0.875; theta[0] != 0 || math.Abs(theta[1]-want) > 1e-15 {
		t.Errorf("θ = %v, want (0, %g) along −g", theta, want)
	}
	steps, loss := iterateOptimizer(t, newtonCG, closedFormSaddle{}, theta, 1, 1e-10, 50)
	t.Logf("Newton-CG from (0, 0.5): %d more steps to %v", steps, theta)
	if math.Abs(loss+1) > 1e-12 {
		t.Errorf("J = %.15g, want the minimum −1", loss)
	}
}

func TestNewtonCGReportsBadSettings(t *testing.T) {
	theta, grad := []float64{-1.2, 1}, make([]float64, 2)
	loss, _ := closedFormRosenbrock{n: 2}.Eval(theta, grad)
	for _, bad := range []*NewtonCG{{MaxInner: -1}, {ForcingTerm: 1}, {ForcingTerm: math.NaN()}} {
		if _, err := bad.Step(closedFormRosenbrock{n: 2}, theta, loss, grad, 1); err == nil {
			t.Errorf("%+v was accepted", *bad)
		}
	}
	if _, err := (&NewtonCG{}).Step(closedFormRosenbrock{n: 2}, theta, loss, grad[:1], 1); err == nil {
		t.Error("a gradient of the wrong length was accepted")
	}
}

func TestNewtonCGStateRoundTrip(t *testing.T) {
	checkStateRoundTrip(t, func() Optimizer { return &NewtonCG{} }, closedFormRosenbrock{n: 10}, []float64{-1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1, -1.2, 1}, 1)
	if err := (&NewtonCG{}).SetState(State{"sweep": {1}}); err == nil {
		t.Error("a foreign State was accepted")
	}
}

func TestNewtonMethodsWithStrongWolfe(t *testing.T) {
	// A strong-Wolfe search returns the gradient at the accepted point; the
	// methods must converge with it as with backtracking. (On the chained
	// Rosenbrock function with n ≥ 4 Newton with strong Wolfe settles in the
	// other local minimum near θ₁ = −1, so the test uses n = 2.)
	for _, test := range []struct {
		name string
		opt  Optimizer
	}{
		{"Newton", &Newton{LineSearch: &StrongWolfe{}}},
		{"Newton-CG", &NewtonCG{LineSearch: &StrongWolfe{}}},
	} {
		theta := []float64{-1.2, 1}
		steps, _ := iterateOptimizer(t, test.opt, closedFormRosenbrock{n: 2}, theta, 1, 1e-8, 500)
		t.Logf("%s with strong Wolfe on Rosenbrock-2: %d iterations", test.name, steps)
		for i, value := range theta {
			if math.Abs(value-1) > 1e-6 {
				t.Errorf("%s: θ[%d] = %v, want 1", test.name, i, value)
				break
			}
		}
	}
}
