package optim

import (
	"fmt"
	"math"
	"reflect"
	"strings"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// closedFormSaddle is J(x, y) = x² − y² + y⁴/4: a saddle at (0, 0) and
// minima J = −1 at (0, ±√2).
type closedFormSaddle struct{}

func (closedFormSaddle) Dim() int { return 2 }

func (closedFormSaddle) Eval(theta, grad []float64) (float64, error) {
	x, y := theta[0], theta[1]
	if grad != nil {
		grad[0], grad[1] = 2*x, -2*y+y*y*y
	}
	return x*x - y*y + y*y*y*y/4, nil
}

// iterateOptimizer runs opt from theta until ‖∇J‖∞ < tolerance, for at most
// maxSteps steps, and returns the number of steps and the final J.
func iterateOptimizer(t *testing.T, opt Optimizer, obj Objective, theta []float64, lr, tolerance float64, maxSteps int) (steps int, loss float64) {
	t.Helper()
	grad := make([]float64, len(theta))
	for steps = 0; ; steps++ {
		var err error
		loss, err = obj.Eval(theta, grad)
		if err != nil {
			t.Fatal(err)
		}
		if floats.Norm(grad, math.Inf(1)) < tolerance {
			return steps, loss
		}
		if steps == maxSteps {
			t.Fatalf("no convergence in %d steps: J = %g, ‖∇J‖∞ = %g at %v", maxSteps, loss, floats.Norm(grad, math.Inf(1)), theta)
		}
		if _, err := opt.Step(obj, theta, loss, grad, lr); err != nil {
			t.Fatalf("step %d: %v", steps, err)
		}
	}
}

func TestNewtonMinimizesRosenbrock(t *testing.T) {
	theta := []float64{-1.2, 1}
	steps, loss := iterateOptimizer(t, &Newton{}, closedFormRosenbrock{n: 2}, theta, 1, 1e-8, 100)
	t.Logf("damped Newton on Rosenbrock-2 from (−1.2, 1): %d iterations, J = %.3g", steps, loss)
	if math.Abs(theta[0]-1) > 1e-8 || math.Abs(theta[1]-1) > 1e-8 {
		t.Errorf("θ = %v, want (1, 1)", theta)
	}
	// Nocedal & Wright report about 20 iterations for line-search Newton
	// from this start; allow some slack for the finite-difference Hessian.
	if steps > 30 {
		t.Errorf("%d iterations, want ≤ 30", steps)
	}
}

func TestUndampedNewtonConvergesToSaddle(t *testing.T) {
	theta := []float64{1, 0.01}
	newton := &Newton{Undamped: true}
	steps, loss := iterateOptimizer(t, newton, closedFormSaddle{}, theta, 1, 1e-12, 10)
	t.Logf("undamped Newton from (1, 0.01): %d steps to %v, J = %g", steps, theta, loss)
	if math.Abs(theta[0]) > 1e-10 || math.Abs(theta[1]) > 1e-10 {
		t.Errorf("θ = %v, want the saddle (0, 0)", theta)
	}
}

func TestDampedNewtonEscapesSaddle(t *testing.T) {
	theta := []float64{1, 0.01}
	newton := &Newton{}
	grad := make([]float64, 2)
	loss, _ := closedFormSaddle{}.Eval(theta, grad)
	if _, err := newton.Step(closedFormSaddle{}, theta, loss, grad, 1); err != nil {
		t.Fatal(err)
	}
	// The Hessian diag(2, −2 + 3y²) has a negative diagonal entry, so
	// Algorithm 3.3 starts at τ = β − (−2 + 3·10⁻⁴).
	if want := 1e-3 + 2 - 3e-4; math.Abs(newton.LastDamping()-want) > 1e-6 {
		t.Errorf("first damping τ = %g, want %g", newton.LastDamping(), want)
	}
	steps, loss := iterateOptimizer(t, newton, closedFormSaddle{}, theta, 1, 1e-10, 50)
	t.Logf("damped Newton from (1, 0.01): %d more steps to %v, J = %.12g", steps, theta, loss)
	if math.Abs(loss+1) > 1e-12 || math.Abs(math.Abs(theta[1])-math.Sqrt2) > 1e-8 || math.Abs(theta[0]) > 1e-8 {
		t.Errorf("θ = %v, J = %g; want a minimum (0, ±√2) with J = −1", theta, loss)
	}
}

func TestNewtonRefusesLargeDimensions(t *testing.T) {
	newton := &Newton{MaxDim: 4}
	theta := make([]float64, 5)
	grad := make([]float64, 5)
	_, err := newton.Step(closedFormRosenbrock{n: 5}, theta, 0, grad, 1)
	if err == nil || !strings.Contains(err.Error(), "newton-cg") {
		t.Errorf("err = %v; want a refusal naming newton-cg", err)
	}
}

func TestUndampedNewtonReportsSingularHessian(t *testing.T) {
	// J = (x + y)²: the Hessian [[2, 2], [2, 2]] is singular.
	singular := closedFormQuadratic{a: mat.NewSymDense(2, []float64{2, 2, 2, 2}), b: []float64{1, 0}}
	theta := []float64{1, 0}
	grad := make([]float64, 2)
	loss, _ := singular.Eval(theta, grad)
	_, err := (&Newton{Undamped: true}).Step(singular, theta, loss, grad, 1)
	if err == nil || !strings.Contains(err.Error(), "singular") {
		t.Errorf("err = %v; want a singular-Hessian error", err)
	}
	if theta[0] != 1 || theta[1] != 0 {
		t.Errorf("θ moved to %v on failure", theta)
	}
	// Damping makes the same problem solvable.
	if _, err := (&Newton{}).Step(singular, theta, loss, grad, 1); err != nil {
		t.Errorf("damped Newton: %v", err)
	}
}

func TestNewtonStateRoundTrip(t *testing.T) {
	checkStateRoundTrip(t, func() Optimizer { return &Newton{} }, closedFormRosenbrock{n: 2}, []float64{-1.2, 1}, 1)
	if err := (&Newton{}).SetState(State{"velocity": {1}}); err == nil {
		t.Error("a foreign State was accepted")
	}
}

// checkStateRoundTrip runs one optimizer for three steps, saves its State,
// restores it into a fresh optimizer, and checks that both then take the same
// three steps bit for bit and report equal States.
func checkStateRoundTrip(t *testing.T, newOptimizer func() Optimizer, obj Objective, start []float64, lr float64) {
	t.Helper()
	run := func(opt Optimizer, theta []float64, steps int) {
		grad := make([]float64, len(theta))
		for range steps {
			loss, err := obj.Eval(theta, grad)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := opt.Step(obj, theta, loss, grad, lr); err != nil {
				t.Fatal(err)
			}
		}
	}
	original := newOptimizer()
	theta := append([]float64(nil), start...)
	run(original, theta, 3)
	saved := original.State()
	restored := newOptimizer()
	if err := restored.SetState(saved); err != nil {
		t.Fatalf("SetState(State()): %v", err)
	}
	if !reflect.DeepEqual(restored.State(), saved) {
		t.Fatalf("State after SetState differs:\n got %v\nwant %v", restored.State(), saved)
	}
	resumed := append([]float64(nil), theta...)
	run(original, theta, 3)
	run(restored, resumed, 3)
	for i := range theta {
		if math.Float64bits(theta[i]) != math.Float64bits(resumed[i]) {
			t.Fatalf("θ[%d] = %v continuing, %v resumed from the State", i, theta[i], resumed[i])
		}
	}
	if !reflect.DeepEqual(original.State(), restored.State()) {
		t.Errorf("States diverged after resuming:\n%v\n%v", original.State(), restored.State())
	}
}

// ExampleNewton minimises the Rosenbrock function from the classic start
// (−1.2, 1); the caller evaluates J and ∇J, Step moves θ.
func ExampleNewton() {
	objective := closedFormRosenbrock{n: 2}
	theta := []float64{-1.2, 1}
	grad := make([]float64, 2)
	newton := &Newton{}
	for range 100 {
		loss, err := objective.Eval(theta, grad)
		if err != nil {
			fmt.Println(err)
			return
		}
		if floats.Norm(grad, math.Inf(1)) < 1e-10 {
			break
		}
		if _, err := newton.Step(objective, theta, loss, grad, 1); err != nil {
			fmt.Println(err)
			return
		}
	}
	fmt.Printf("θ = (%.6f, %.6f)\n", theta[0], theta[1])
	// Output: θ = (1.000000, 1.000000)
}
