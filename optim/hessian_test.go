package optim

import (
	"errors"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/diff/fd"
	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// closedFormRosenbrock is the chained Rosenbrock function
// Σ 100(x_{i+1} − x_i²)² + (1 − x_i)² with its gradient and Hessian by hand;
// its minimum is 0 at (1, …, 1).
type closedFormRosenbrock struct{ n int }

func (r closedFormRosenbrock) Dim() int { return r.n }

func (r closedFormRosenbrock) Eval(x, grad []float64) (float64, error) {
	if grad != nil {
		clear(grad)
	}
	sum := 0.0
	for i := 0; i+1 < len(x); i++ {
		a, b := x[i+1]-x[i]*x[i], 1-x[i]
		sum += 100*a*a + b*b
		if grad != nil {
			grad[i] += -400*a*x[i] - 2*b
			grad[i+1] += 200 * a
		}
	}
	return sum, nil
}

func (r closedFormRosenbrock) hessian(x []float64) *mat.SymDense {
	h := mat.NewSymDense(len(x), nil)
	for i := 0; i+1 < len(x); i++ {
		h.SetSym(i, i, h.At(i, i)+1200*x[i]*x[i]-400*x[i+1]+2)
		h.SetSym(i, i+1, -400*x[i])
		h.SetSym(i+1, i+1, h.At(i+1, i+1)+200)
	}
	return h
}

// closedFormQuadratic is J(θ) = ½θᵀAθ − bᵀθ with A symmetric positive
// definite; its Hessian is A and its minimiser A⁻¹b. It minimises exactly over
// any block by solving A_BB θ_B = b_B − A_B,rest θ_rest.
type closedFormQuadratic struct {
	a *mat.SymDense
	b []float64
}

func (q closedFormQuadratic) Dim() int { return len(q.b) }

func (q closedFormQuadratic) Eval(theta, grad []float64) (float64, error) {
	n := len(q.b)
	product := mat.NewVecDense(n, nil)
	product.MulVec(q.a, mat.NewVecDense(n, theta))
	value := 0.0
	for i := range n {
		value += 0.5*theta[i]*product.AtVec(i) - q.b[i]*theta[i]
		if grad != nil {
			grad[i] = product.AtVec(i) - q.b[i]
		}
	}
	return value, nil
}

func (q closedFormQuadratic) MinimizeBlock(theta []float64, block Block) error {
	size := block.End - block.Start
	blockMatrix := mat.NewSymDense(size, nil)
	rhs := mat.NewVecDense(size, nil)
	for i := range size {
		row := block.Start + i
		value := q.b[row]
		for k := range theta {
			if k < block.Start || k >= block.End {
				value -= q.a.At(row, k) * theta[k]
			}
		}
		rhs.SetVec(i, value)
		for j := i; j < size; j++ {
			blockMatrix.SetSym(i, j, q.a.At(row, block.Start+j))
		}
	}
	var solution mat.VecDense
	if err := solution.SolveVec(blockMatrix, rhs); err != nil {
		return err
	}
	for i := range size {
		theta[block.Start+i] = solution.AtVec(i)
	}
	return nil
}

func (q closedFormQuadratic) minimizer(t *testing.T) []float64 {
	t.Helper()
	var solution mat.VecDense
	if err := solution.SolveVec(q.a, mat.NewVecDense(len(q.b), q.b)); err != nil {
		t.Fatal(err)
	}
	return solution.RawVector().Data
}

// logSpaced returns n numbers log-spaced from 1 to condition.
func logSpaced(n int, condition float64) []float64 {
	values := make([]float64, n)
	for i := range values {
		values[i] = math.Pow(condition, float64(i)/float64(n-1))
	}
	return values
}

// randomQuadratic returns a quadratic with A = QΛQᵀ, Q a random orthogonal
// matrix and Λ = diag(eigenvalues), and a random b.
func randomQuadratic(t *testing.T, eigenvalues []float64, seed uint64) closedFormQuadratic {
	t.Helper()
	n := len(eigenvalues)
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
	var scaled mat.Dense
	scaled.Mul(&q, mat.NewDiagDense(n, eigenvalues))
	var full mat.Dense
	full.Mul(&scaled, q.T())
	a := mat.NewSymDense(n, nil)
	for i := range n {
		for j := i; j < n; j++ {
			a.SetSym(i, j, (full.At(i, j)+full.At(j, i))/2)
		}
	}
	b := make([]float64, n)
	for i := range b {
		b[i] = random.NormFloat64()
	}
	return closedFormQuadratic{a: a, b: b}
}

// objectiveOnly hides every method of an objective but Dim and Eval, such as
// a quadratic's MinimizeBlock.
type objectiveOnly struct{ Objective }

// softplusSum is J(θ) = Σ_i softplus(a_iᵀθ) + ½‖θ‖², a logistic-regression
// loss: smooth and not polynomial, so finite differences are not exact.
type softplusSum struct{ rows [][]float64 }

func (s softplusSum) Dim() int { return len(s.rows[0]) }

func (s softplusSum) Eval(theta, grad []float64) (float64, error) {
	value := 0.5 * floats.Dot(theta, theta)
	if grad != nil {
		copy(grad, theta)
	}
	for _, row := range s.rows {
		z := floats.Dot(row, theta)
		value += math.Max(z, 0) + math.Log1p(math.Exp(-math.Abs(z)))
		if grad != nil {
			floats.AddScaled(grad, 1/(1+math.Exp(-z)), row)
		}
	}
	return value, nil
}

func (s softplusSum) value(theta []float64) float64 {
	value, _ := s.Eval(theta, nil)
	return value
}

// maxRelativeDifference returns max |a_ij − b_ij| / max(1, max |b_ij|).
func maxRelativeDifference(a, b mat.Matrix) float64 {
	rows, columns := b.Dims()
	worst, scale := 0.0, 1.0
	for i := range rows {
		for j := range columns {
			worst = math.Max(worst, math.Abs(a.At(i, j)-b.At(i, j)))
			scale = math.Max(scale, math.Abs(b.At(i, j)))
		}
	}
	return worst / scale
}

func TestDenseHessianMatchesClosedFormRosenbrock(t *testing.T) {
	rosenbrock := closedFormRosenbrock{n: 5}
	random := rand.New(rand.NewPCG(7, 7))
	for trial := range 5 {
		theta := make([]float64, rosenbrock.n)
		for i := range theta {
			theta[i] = 2*random.Float64() - 1
		}
		var h FiniteDifferenceHessian
		var dense mat.SymDense
		evals, err := h.Dense(rosenbrock, theta, &dense)
		if err != nil {
			t.Fatal(err)
		}
		if evals != 2*rosenbrock.n {
			t.Errorf("gradient evaluations = %d, want 2n = %d", evals, 2*rosenbrock.n)
		}
		// Central differences: truncation ε²·|∂⁴J| ≈ 1e-10·2400, rounding
		// u·|∇J|/ε ≈ 1e-16·1e3/6e-6: both far below 1e-7 relative.
		if diff := maxRelativeDifference(&dense, rosenbrock.hessian(theta)); diff > 1e-7 {
			t.Errorf("trial %d: relative Hessian error %.3g > 1e-7", trial, diff)
		}
	}
}

func TestHessianProductMatchesQuadratic(t *testing.T) {
	quadratic := randomQuadratic(t, logSpaced(20, 1e3), 3)
	random := rand.New(rand.NewPCG(4, 4))
	theta, v := make([]float64, 20), make([]float64, 20)
	for i := range theta {
		theta[i] = 10 * random.NormFloat64()
		v[i] = 1e-3 * random.NormFloat64()
	}
	var h FiniteDifferenceHessian
	got := make([]float64, 20)
	evals, err := h.Product(quadratic, theta, v, got)
	if err != nil {
		t.Fatal(err)
	}
	if evals != 2 {
		t.Errorf("gradient evaluations = %d, want 2", evals)
	}
	want := mat.NewVecDense(20, nil)
	want.MulVec(quadratic.a, mat.NewVecDense(20, v))
	// The central difference is exact for a quadratic up to rounding,
	// u·‖∇J‖/(ε‖v‖) ≈ 1e-16·1e4/6e-4 relative to ‖Av‖ ≈ 1.
	if diff := maxRelativeDifference(mat.NewVecDense(20, got), want); diff > 1e-7 {
		t.Errorf("relative Hessian-vector error %.3g > 1e-7 (scale of v must not matter)", diff)
	}
}

func TestDenseHessianMatchesGonumFiniteDifferences(t *testing.T) {
	random := rand.New(rand.NewPCG(5, 5))
	rows := make([][]float64, 8)
	for i := range rows {
		rows[i] = make([]float64, 4)
		for j := range rows[i] {
			rows[i][j] = random.NormFloat64()
		}
	}
	objective := softplusSum{rows: rows}
	theta := []float64{0.3, -0.2, 0.5, 0.1}
	var ours mat.SymDense
	var h FiniteDifferenceHessian
	if _, err := h.Dense(objective, theta, &ours); err != nil {
		t.Fatal(err)
	}
	var reference mat.SymDense
	fd.Hessian(&reference, objective.value, theta, &fd.Settings{Formula: fd.Central, Step: 1e-4})
	// gonum differences function values twice: error O(h²) ≈ 1e-8 plus
	// rounding u·|J|/h² ≈ 1e-16·10/1e-8 ≈ 1e-7.
	if diff := maxRelativeDifference(&ours, &reference); diff > 1e-5 {
		t.Errorf("relative difference to gonum's fd.Hessian %.3g > 1e-5", diff)
	}
}

func TestDenseHessianIsSymmetricAndReusesStorage(t *testing.T) {
	rosenbrock := closedFormRosenbrock{n: 3}
	var h FiniteDifferenceHessian
	dense := mat.NewSymDense(3, nil)
	if _, err := h.Dense(rosenbrock, []float64{0.5, -1, 2}, dense); err != nil {
		t.Fatal(err)
	}
	if diff := maxRelativeDifference(dense, rosenbrock.hessian([]float64{0.5, -1, 2})); diff > 1e-7 {
		t.Errorf("relative error %.3g > 1e-7", diff)
	}
	if _, err := h.Dense(rosenbrock, []float64{0.5, -1, 2}, mat.NewSymDense(2, nil)); err == nil {
		t.Error("a 2×2 destination for a 3-dimensional Hessian was accepted")
	}
	if _, err := h.Dense(rosenbrock, []float64{0.5, -1, 2}, nil); err == nil {
		t.Error("a nil destination was accepted")
	}
}

// failingObjective returns an error or a NaN gradient.
type failingObjective struct {
	n   int
	nan bool
}

func (f failingObjective) Dim() int { return f.n }

func (f failingObjective) Eval(theta, grad []float64) (float64, error) {
	if f.nan {
		for i := range grad {
			grad[i] = math.NaN()
		}
		return math.NaN(), nil
	}
	return 0, errors.New("forward pass failed")
}

func TestHessianProductReportsBadInput(t *testing.T) {
	var h FiniteDifferenceHessian
	dst := make([]float64, 2)
	if _, err := h.Product(closedFormRosenbrock{n: 2}, []float64{1}, []float64{1, 0}, dst); err == nil {
		t.Error("a θ of the wrong length was accepted")
	}
	if _, err := h.Product(failingObjective{n: 2}, []float64{1, 1}, []float64{1, 0}, dst); err == nil || !strings.Contains(err.Error(), "forward pass failed") {
		t.Errorf("the objective's error was not passed on: %v", err)
	}
	if _, err := h.Product(failingObjective{n: 2, nan: true}, []float64{1, 1}, []float64{1, 0}, dst); err == nil {
		t.Error("a NaN gradient gave no error")
	}
	if _, err := h.Product(closedFormRosenbrock{n: 2}, []float64{math.NaN(), 1}, []float64{1, 0}, dst); err == nil {
		t.Error("a NaN θ was accepted")
	}
	negative := FiniteDifferenceHessian{RelativeStep: -1}
	if _, err := negative.Product(closedFormRosenbrock{n: 2}, []float64{1, 1}, []float64{1, 0}, dst); err == nil {
		t.Error("a negative RelativeStep was accepted")
	}
	dst[0] = 7
	evals, err := h.Product(failingObjective{n: 2}, []float64{1, 1}, []float64{0, 0}, dst)
	if err != nil || evals != 0 || dst[0] != 0 {
		t.Errorf("v = 0: evals %d, dst %v, err %v; want 0 evaluations and H·0 = 0", evals, dst, err)
	}
}
