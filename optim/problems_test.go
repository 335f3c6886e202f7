package optim

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize"
	"gonum.org/v1/gonum/optimize/functions"
)

// This file is the shared table of known problems on which every
// minimisation method of the package is run (see minimize_test.go). Each
// problem knows its minimum values, so a test can check a method's answer
// against an independent reference: a closed form, a linear solve by gonum,
// gonum's own optimizer, or the Moré–Garbow–Hillstrom tables as gonum's
// optimize/functions records them.

// knownProblem is a test problem with its starting point and the minimum
// values a method may legitimately reach from there.
type knownProblem struct {
	name  string
	obj   Objective
	start []float64
	// minima are the acceptable minimum values: the global one, and local
	// ones that a descent method may reach from start.
	minima []float64
	// valueTolerance bounds |J − J*| / (1 + |J*|) at the answer.
	valueTolerance float64
	// gradTolerance is the bound on ‖∇J‖∞ that every method must reach.
	gradTolerance float64
	// minimizer, when known, is θ* of the global minimum.
	minimizer []float64
}

// gonumProblem returns p for gonum's optimize.Minimize.
func (p knownProblem) gonumProblem() optimize.Problem {
	grad := make([]float64, p.obj.Dim())
	return optimize.Problem{
		Func: func(x []float64) float64 {
			f, _ := p.obj.Eval(x, nil)
			return f
		},
		Grad: func(g, x []float64) {
			_, _ = p.obj.Eval(x, grad)
			copy(g, grad)
		},
	}
}

// functionObjective adapts a function of gonum's optimize/functions to
// Objective.
type functionObjective struct {
	function interface {
		Func(x []float64) float64
		Grad(grad, x []float64)
	}
	n int
}

func (f functionObjective) Dim() int { return f.n }

func (f functionObjective) Eval(theta, grad []float64) (float64, error) {
	if grad != nil {
		f.function.Grad(grad, theta)
	}
	return f.function.Func(theta), nil
}

// rosenbrockStart is the standard start (−1.2, 1, −1.2, 1, …).
func rosenbrockStart(n int) []float64 {
	start := make([]float64, n)
	for i := range start {
		start[i] = 1
		if i%2 == 0 {
			start[i] = -1.2
		}
	}
	return start
}

// rosenbrockProblem is the chained Rosenbrock function in n dimensions,
// Σ 100(x_{i+1} − x_i²)² + (1 − x_i)²: its global minimum is 0 at (1, …, 1);
// for n ≥ 4 it also has a local minimum near (−1, 1, …, 1) with J ≈ 3.9866
// whose value depends slightly on n; rosenbrockLocalMinimum computes it with
// gonum as the independent reference.
func rosenbrockProblem(n int) knownProblem {
	minima := []float64{0}
	if n >= 4 {
		minima = append(minima, rosenbrockLocalMinimum(n))
	}
	return knownProblem{
		name:           "Rosenbrock-" + itoa(n),
		obj:            functionObjective{functions.ExtendedRosenbrock{}, n},
		start:          rosenbrockStart(n),
		minima:         minima,
		valueTolerance: 1e-6,
		gradTolerance:  1e-6,
	}
}

// itoa formats a small non-negative integer.
func itoa(n int) string {
	if n < 10 {
		return string(rune('0' + n))
	}
	return itoa(n/10) + string(rune('0'+n%10))
}

// spdQuadratic is J(θ) = ½θᵀAθ − bᵀθ with A symmetric positive definite.
type spdQuadratic struct {
	a *mat.SymDense
	b []float64
}

func (q spdQuadratic) Dim() int { return len(q.b) }

func (q spdQuadratic) Eval(theta, grad []float64) (float64, error) {
	n := len(q.b)
	product := make([]float64, n)
	mat.NewVecDense(n, product).MulVec(q.a, mat.NewVecDense(n, theta))
	if grad != nil {
		floats.SubTo(grad, product, q.b)
	}
	return 0.5*floats.Dot(theta, product) - floats.Dot(q.b, theta), nil
}

// newSPDQuadratic builds A = Q·diag(λ)·Qᵀ with λ log-spaced from 1 to
// condition and Q the orthogonal factor of a seeded Gaussian matrix, and a
// Gaussian b.
func newSPDQuadratic(n int, condition float64, seed uint64) spdQuadratic {
	random := rand.New(rand.NewPCG(seed, 1))
	gaussian := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			gaussian.Set(i, j, random.NormFloat64())
		}
	}
	var qr mat.QR
	qr.Factorize(gaussian)
	var q mat.Dense
	qr.QTo(&q)
	scaled := mat.NewDense(n, n, nil)
	for j := range n {
		lambda := math.Pow(condition, float64(j)/float64(n-1))
		for i := range n {
			scaled.Set(i, j, q.At(i, j)*lambda)
		}
	}
	var product mat.Dense
	product.Mul(scaled, q.T())
	a := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			a.SetSym(i, j, (product.At(i, j)+product.At(j, i))/2)
		}
	}
	b := make([]float64, n)
	for i := range b {
		b[i] = random.NormFloat64()
	}
	return spdQuadratic{a: a, b: b}
}

// quadraticProblem is a random SPD quadratic with n = 50 and condition
// number 1e3; θ* = A⁻¹b by gonum's Cholesky solve, J* = −½bᵀθ*.
func quadraticProblem(t testing.TB) knownProblem {
	q := newSPDQuadratic(50, 1e3, 7)
	var cholesky mat.Cholesky
	if !cholesky.Factorize(q.a) {
		t.Fatal("the test quadratic is not positive definite")
	}
	minimizer := mat.NewVecDense(len(q.b), nil)
	if err := cholesky.SolveVecTo(minimizer, mat.NewVecDense(len(q.b), q.b)); err != nil {
		t.Fatal(err)
	}
	optimum := minimizer.RawVector().Data
	return knownProblem{
		name:           "SPD quadratic n=50 κ=1e3",
		obj:            q,
		start:          make([]float64, len(q.b)),
		minima:         []float64{-0.5 * floats.Dot(q.b, optimum)},
		valueTolerance: 1e-10,
		gradTolerance:  1e-8,
		minimizer:      optimum,
	}
}

// logisticRegression is the L2-regularised mean logistic loss
// J(w) = (1/N) Σ log(1 + exp(−y_i x_iᵀw)) + (λ/2)‖w‖² with labels ±1.
type logisticRegression struct {
	x      *mat.Dense
	y      []float64
	lambda float64
}

func (l logisticRegression) Dim() int { _, d := l.x.Dims(); return d }

func (l logisticRegression) Eval(w, grad []float64) (float64, error) {
	examples, d := l.x.Dims()
	if grad != nil {
		floats.ScaleTo(grad, l.lambda, w)
	}
	loss := 0.5 * l.lambda * floats.Dot(w, w)
	for i := range examples {
		row := l.x.RawRowView(i)
		margin := l.y[i] * floats.Dot(row, w)
		// log(1 + e^−m), computed without overflow.
		loss += (math.Max(-margin, 0) + math.Log1p(math.Exp(-math.Abs(margin)))) / float64(examples)
		if grad != nil {
			// d/dw = −y σ(−m) x / N.
			weight := -l.y[i] / (1 + math.Exp(margin)) / float64(examples)
			floats.AddScaled(grad[:d], weight, row)
		}
	}
	return loss, nil
}

// logisticProblem is logistic regression on a seeded synthetic set of 1000
// examples in 20 dimensions, labels drawn from the logistic model of a
// random weight vector, λ = 1e-2. Its minimum is computed independently by
// gonum's optimize.Minimize with its own L-BFGS to ‖∇J‖∞ ≤ 1e-10.
func logisticProblem(t testing.TB) knownProblem {
	const examples, d = 1000, 20
	random := rand.New(rand.NewPCG(11, 3))
	truth := make([]float64, d)
	for i := range truth {
		truth[i] = random.NormFloat64()
	}
	x := mat.NewDense(examples, d, nil)
	y := make([]float64, examples)
	for i := range examples {
		row := x.RawRowView(i)
		for j := range row {
			row[j] = random.NormFloat64()
		}
		y[i] = -1
		if random.Float64() < 1/(1+math.Exp(-floats.Dot(row, truth))) {
			y[i] = 1
		}
	}
	problem := knownProblem{
		name:           "logistic regression 1000×20",
		obj:            logisticRegression{x: x, y: y, lambda: 1e-2},
		start:          make([]float64, d),
		valueTolerance: 1e-12,
		gradTolerance:  1e-7,
	}
	reference, err := optimize.Minimize(problem.gonumProblem(), problem.start, &optimize.Settings{GradientThreshold: 1e-10}, &optimize.LBFGS{})
	if err != nil || reference.Status != optimize.GradientThreshold {
		t.Fatalf("gonum reference for logistic regression: status %v, err %v", reference.Status, err)
	}
	problem.minima = []float64{reference.F}
	problem.minimizer = reference.X
	return problem
}

// moreGarbowHillstrom returns problems of Moré, Garbow & Hillstrom (1981)
// from their standard starting points, with the minima gonum records.
func moreGarbowHillstrom() []knownProblem {
	return []knownProblem{
		{
			name:  "Beale (MGH 5)",
			obj:   functionObjective{functions.Beale{}, 2},
			start: []float64{1, 1}, minima: []float64{0}, minimizer: []float64{3, 0.5},
			valueTolerance: 1e-10, gradTolerance: 1e-7,
		},
		{
			name:  "helical valley (MGH 7)",
			obj:   functionObjective{functions.HelicalValley{}, 3},
			start: []float64{-1, 0, 0}, minima: []float64{0}, minimizer: []float64{1, 0, 0},
			valueTolerance: 1e-10, gradTolerance: 1e-7,
		},
		{
			name:  "Wood (MGH 14)",
			obj:   functionObjective{functions.Wood{}, 4},
			start: []float64{-3, -1, -3, -1}, minima: []float64{0}, minimizer: []float64{1, 1, 1, 1},
			valueTolerance: 1e-10, gradTolerance: 1e-6,
		},
		{
			name:  "Brown badly scaled (MGH 4)",
			obj:   functionObjective{functions.BrownBadlyScaled{}, 2},
			start: []float64{1, 1}, minima: []float64{0}, minimizer: []float64{1e6, 2e-6},
			valueTolerance: 1e-10, gradTolerance: 1e-6,
		},
		{
			name:  "Watson n=6 (MGH 20)",
			obj:   functionObjective{functions.Watson{}, 6},
			start: make([]float64, 6), minima: []float64{0.0022876700535523838},
			valueTolerance: 1e-9, gradTolerance: 1e-6,
		},
	}
}

// knownProblems is the whole table.
func knownProblems(t testing.TB) []knownProblem {
	problems := []knownProblem{rosenbrockProblem(2), rosenbrockProblem(10), rosenbrockProblem(100), quadraticProblem(t), logisticProblem(t)}
	return append(problems, moreGarbowHillstrom()...)
}

// matchesMinimum reports whether f is one of the problem's minima within its
// tolerance, and which.
func (p knownProblem) matchesMinimum(f float64) (float64, bool) {
	for _, minimum := range p.minima {
		tolerance := p.valueTolerance * (1 + math.Abs(minimum))
		if math.Abs(f-minimum) <= tolerance {
			return minimum, true
		}
	}
	return 0, false
}

// rosenbrockLocalMinimum is J at the local minimum of the n-dimensional
// chained Rosenbrock function near (−1, 1, …, 1), found by gonum's own
// L-BFGS from that point. Its line search may give up once J stops changing
// in float64; the point counts when ‖∇J‖∞ < 1e-6 there, which puts J within
// about ‖∇J‖²/λ_min ≈ 1e-12 of the minimum (λ_min ≈ 0.5 at this minimum).
func rosenbrockLocalMinimum(n int) float64 {
	start := make([]float64, n)
	for i := range start {
		start[i] = 1
	}
	start[0] = -1
	f := functions.ExtendedRosenbrock{}
	res, err := optimize.Minimize(optimize.Problem{Func: f.Func, Grad: f.Grad}, start,
		&optimize.Settings{GradientThreshold: 1e-12}, &optimize.LBFGS{})
	grad := make([]float64, n)
	f.Grad(grad, res.X)
	if res.X[0] > -0.5 || floats.Norm(grad, math.Inf(1)) > 1e-6 {
		panic(fmt.Sprintf("rosenbrockLocalMinimum(%d): gonum did not find the local minimum (%v): x1 = %v, ‖∇J‖∞ = %g",
			n, err, res.X[0], floats.Norm(grad, math.Inf(1))))
	}
	return res.F
}
