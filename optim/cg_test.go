package optim

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// exactQuadraticSearch is the exact line search on J = ½θᵀAθ − bᵀθ:
// s = −g·d / dᵀAd, the minimiser along d (Nocedal & Wright eq. 5.6).
type exactQuadraticSearch struct{ q spdQuadratic }

func (e exactQuadraticSearch) Search(obj Objective, theta []float64, f0 float64, g0, d []float64, s0 float64) (LineResult, error) {
	n := len(d)
	ad := make([]float64, n)
	mat.NewVecDense(n, ad).MulVec(e.q.a, mat.NewVecDense(n, d))
	step := -floats.Dot(g0, d) / floats.Dot(d, ad)
	point := make([]float64, n)
	movePoint(point, theta, step, d)
	grad := make([]float64, n)
	f, err := obj.Eval(point, grad)
	return LineResult{Step: step, F: f, Grad: grad, FuncEvals: 1, GradEvals: 1, Iters: 1}, err
}

func TestCGWithExactSearchIsLinearCG(t *testing.T) {
	problem := quadraticProblem(t)
	q := problem.obj.(spdQuadratic)
	n := q.Dim()
	for _, variant := range []CGVariant{FletcherReeves, PolakRibiere, PolakRibierePlus, HestenesStiefel} {
		// Linear CG never restarts: a restart discards the Krylov space.
		cg := &CG{Variant: variant, LineSearch: exactQuadraticSearch{q}, RestartEvery: math.MaxInt, PowellThreshold: -1}
		theta := make([]float64, n)
		grad := make([]float64, n)
		var directions [][]float64
		iterations := 0
		for ; iterations <= 2*n; iterations++ {
			f, _ := q.Eval(theta, grad)
			if floats.Norm(grad, math.Inf(1)) < 1e-6 {
				break
			}
			if _, err := cg.Step(q, theta, f, grad, 0); err != nil {
				t.Fatalf("%v: %v", variant, err)
			}
			if len(directions) < 6 {
				directions = append(directions, cg.State()["direction"])
			}
		}
		reference := textbookLinearCG(q, 1e-6)
		// Both lose conjugacy to rounding and need more than n iterations.
		if iterations > 2*n || 4*iterations > 5*reference {
			t.Errorf("%v: %d iterations to ‖∇J‖∞ < 1e-6; want at most 2n = %d and at most 25%% more than textbook linear CG's %d", variant, iterations, 2*n, reference)
		}
		t.Logf("%v with the exact line search: ‖∇J‖∞ < 1e-6 after %d iterations (n = %d; textbook linear CG, Alg. 5.2: %d)", variant, iterations, n, reference)
		// H-conjugacy of the first directions: d_iᵀAd_j ≈ 0 for i ≠ j.
		for i := range directions {
			for j := range i {
				cosine := mat.Inner(mat.NewVecDense(n, directions[i]), q.a, mat.NewVecDense(n, directions[j])) /
					math.Sqrt(mat.Inner(mat.NewVecDense(n, directions[i]), q.a, mat.NewVecDense(n, directions[i]))*
						mat.Inner(mat.NewVecDense(n, directions[j]), q.a, mat.NewVecDense(n, directions[j])))
				if math.Abs(cosine) > 1e-8 {
					t.Errorf("%v: directions %d and %d are not A-conjugate: cosine %.3g", variant, i, j, cosine)
				}
			}
		}
	}
}

// textbookLinearCG runs Algorithm 5.2 of Nocedal & Wright (linear CG with
// the residual recurrence) on Aθ = b from θ = 0 and returns the number of
// iterations until ‖Aθ − b‖∞ < tolerance; in floating point it needs more
// than n iterations when A's eigenvalues are spread out.
func textbookLinearCG(q spdQuadratic, tolerance float64) int {
	n := q.Dim()
	theta := make([]float64, n)
	residual := make([]float64, n) // r = Aθ − b = −b at θ = 0
	floats.ScaleTo(residual, -1, q.b)
	direction := make([]float64, n)
	floats.ScaleTo(direction, -1, residual)
	product := make([]float64, n)
	for k := 0; ; k++ {
		if floats.Norm(residual, math.Inf(1)) < tolerance {
			return k
		}
		mat.NewVecDense(n, product).MulVec(q.a, mat.NewVecDense(n, direction))
		rr := floats.Dot(residual, residual)
		alpha := rr / floats.Dot(direction, product)
		floats.AddScaled(theta, alpha, direction)
		floats.AddScaled(residual, alpha, product)
		beta := floats.Dot(residual, residual) / rr
		floats.Scale(beta, direction)
		floats.Sub(direction, residual)
	}
}

// halfSquaredNorm is J(θ) = ½‖θ‖², ∇J = θ.
type halfSquaredNorm struct{ n int }

func (h halfSquaredNorm) Dim() int { return h.n }
func (h halfSquaredNorm) Eval(theta, grad []float64) (float64, error) {
	if grad != nil {
		copy(grad, theta)
	}
	return 0.5 * floats.Dot(theta, theta), nil
}

// cgStateWith returns a CG State with the given previous gradient and
// direction after one step of length 1.
func cgStateWith(previousGrad, direction []float64) State {
	return State{
		"previousGradient": previousGrad, "direction": direction,
		"step": {1}, "slope": {floats.Dot(previousGrad, direction)},
		"iteration": {1}, "sinceRestart": {1},
	}
}

func TestCGRestarts(t *testing.T) {
	obj := halfSquaredNorm{2}
	cases := []struct {
		name                    string
		cg                      *CG
		previousGrad, direction []float64
		restart                 bool
	}{
		// g = (1, 0): g·g_prev = 0, FR β = 1, d = −g + (0, −1) is descent.
		{"conjugate step", &CG{Variant: FletcherReeves}, []float64{0, 1}, []float64{0, -1}, false},
		// Powell: |g·g_prev| = ‖g‖² ≥ 0.2‖g‖².
		{"Powell's test", &CG{Variant: FletcherReeves}, []float64{1, 0}, []float64{-1, 0}, true},
		{"Powell's test disabled", &CG{Variant: FletcherReeves, PowellThreshold: -1}, []float64{1, 0}, []float64{-1, 0}, false},
		// d = −g + 1·(10, 0) = (9, 0) points uphill.
		{"not a descent direction", &CG{Variant: FletcherReeves}, []float64{0, 1}, []float64{10, 0}, true},
		// sinceRestart = 1 ≥ RestartEvery = 1.
		{"periodic", &CG{Variant: FletcherReeves, RestartEvery: 1}, []float64{0, 1}, []float64{0, -1}, true},
	}
	for _, c := range cases {
		if err := c.cg.SetState(cgStateWith(c.previousGrad, c.direction)); err != nil {
			t.Fatal(err)
		}
		theta := []float64{1, 0}
		grad := []float64{1, 0}
		info, err := c.cg.Step(obj, theta, 0.5, grad, 0)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		direction := c.cg.State()["direction"]
		steepest := direction[0] == -1 && direction[1] == 0
		if info.Restarted != c.restart || steepest != c.restart {
			t.Errorf("%s: Restarted %v, direction %v; want restart %v", c.name, info.Restarted, direction, c.restart)
		}
	}
}

// failOnce is a line search whose first search fails after finding a lower
// point at step 0.5 (without its gradient); later searches delegate.
type failOnce struct {
	calls int
	next  LineSearcher
}

func (f *failOnce) Search(obj Objective, theta []float64, f0 float64, g0, d []float64, s0 float64) (LineResult, error) {
	f.calls++
	if f.calls > 1 {
		return f.next.Search(obj, theta, f0, g0, d, s0)
	}
	point := make([]float64, len(theta))
	movePoint(point, theta, 0.5, d)
	value, _ := obj.Eval(point, nil)
	best := LineResult{Step: 0.5, F: value, FuncEvals: 1, Iters: 1}
	return best, &LineSearchError{Search: "test", Reason: LineSearchMaxIterations, Best: best}
}

func TestMethodsRetryFailedSearchWithSteepestDescent(t *testing.T) {
	// J = ½‖θ‖² from (2, 0), g = (2, 0); with the memory g_prev = (0, 2),
	// d_prev = (−1, −1), FR gives β = 1 and d = (−3, −1). The failing search
	// stops at θ + 0.5·d = (0.5, −0.5); the retry along −∇J = (−0.5, 0.5)
	// with the exact line search lands on 0.
	cg := &CG{Variant: FletcherReeves, PowellThreshold: -1, LineSearch: &failOnce{next: exactQuadraticSearch{spdQuadratic{a: identity(2), b: []float64{0, 0}}}}}
	if err := cg.SetState(cgStateWith([]float64{0, 2}, []float64{-1, -1})); err != nil {
		t.Fatal(err)
	}
	theta := []float64{2, 0}
	info, err := cg.Step(halfSquaredNorm{2}, theta, 2, []float64{2, 0}, 0)
	if err != nil {
		t.Fatal(err)
	}
	if !info.Restarted || theta[0] != 0 || theta[1] != 0 {
		t.Errorf("θ = %v, Restarted %v; want the minimiser 0 reached by the steepest-descent retry", theta, info.Restarted)
	}
	// 1 trial of the failed search, 1 gradient at its best point, 1 trial
	// of the exact search.
	if info.FuncEvals != 3 || info.GradEvals != 2 {
		t.Errorf("FuncEvals %d, GradEvals %d; want 3 and 2", info.FuncEvals, info.GradEvals)
	}
	if got := cg.State()["previousGradient"]; got[0] != 0.5 || got[1] != -0.5 {
		t.Errorf("memory holds g = %v, want the gradient (0.5, −0.5) where the retry started", got)
	}
}

// identity returns the n×n identity.
func identity(n int) *mat.SymDense {
	a := mat.NewSymDense(n, nil)
	for i := range n {
		a.SetSym(i, i, 1)
	}
	return a
}
