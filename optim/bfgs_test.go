package optim

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestBFGSWithExactSearchRecoversInverseHessian(t *testing.T) {
	// On a quadratic with exact line searches BFGS terminates in at most n
	// steps with H = A⁻¹ (Nocedal & Wright §6.1; Fletcher, Practical
	// Methods of Optimization, Thm. 3.4.1), whatever the SPD starting H.
	q := newSPDQuadratic(6, 10, 3)
	n := q.Dim()
	bfgs := &BFGS{LineSearch: exactQuadraticSearch{q}}
	theta := make([]float64, n)
	grad := make([]float64, n)
	for range n {
		f, _ := q.Eval(theta, grad)
		if _, err := bfgs.Step(q, theta, f, grad, 0); err != nil {
			t.Fatal(err)
		}
	}
	var inverse mat.Dense
	if err := inverse.Inverse(q.a); err != nil {
		t.Fatal(err)
	}
	// The n-th pair enters H at the start of the next Step; apply it here.
	_, _ = q.Eval(theta, grad)
	bfgs.update(grad)
	h := mat.NewDense(n, n, bfgs.State()["inverseHessian"])
	if !mat.EqualApprox(h, &inverse, 1e-9) {
		t.Errorf("H after n exact steps:\n%v\nwant A⁻¹:\n%v", mat.Formatted(h), mat.Formatted(&inverse))
	}
}

func TestBFGSRefusesLargeDimensions(t *testing.T) {
	_, err := (&BFGS{MaxDim: 10}).Step(halfSquaredNorm{11}, make([]float64, 11), 0, make([]float64, 11), 0)
	if err == nil || !strings.Contains(err.Error(), "11 parameters") || !strings.Contains(err.Error(), "MaxDim = 10") || !strings.Contains(err.Error(), "lbfgs") {
		t.Errorf("error %v; want one naming the 11 parameters, MaxDim = 10 and lbfgs", err)
	}
}

func TestLBFGSTwoLoopMatchesDenseRecursion(t *testing.T) {
	// Build H_k by eq. 7.19 of Nocedal & Wright from the stored pairs,
	// H ← Vᵢᵀ·H·Vᵢ + ρᵢ·sᵢ·sᵢᵀ with Vᵢ = I − ρᵢ·yᵢ·sᵢᵀ from H0 = γI, and
	// compare −H·g with the two-loop recursion.
	problem := rosenbrockProblem(10)
	n := problem.obj.Dim()
	lbfgs := &LBFGS{Memory: 3}
	theta := append([]float64(nil), problem.start...)
	grad := make([]float64, n)
	for range 8 {
		f, _ := problem.obj.Eval(theta, grad)
		if _, err := lbfgs.Step(problem.obj, theta, f, grad, 0); err != nil {
			t.Fatal(err)
		}
	}
	_, _ = problem.obj.Eval(theta, grad)
	lbfgs.storePair(grad)
	if len(lbfgs.steps) != 3 {
		t.Fatalf("%d pairs stored, want Memory = 3", len(lbfgs.steps))
	}
	newest := len(lbfgs.steps) - 1
	s, y := mat.NewVecDense(n, lbfgs.steps[newest]), mat.NewVecDense(n, lbfgs.changes[newest])
	gamma := mat.Dot(s, y) / mat.Dot(y, y)
	h := mat.NewDense(n, n, nil)
	for i := range n {
		h.Set(i, i, gamma)
	}
	for i := range lbfgs.steps {
		s, y := mat.NewVecDense(n, lbfgs.steps[i]), mat.NewVecDense(n, lbfgs.changes[i])
		rho := 1 / mat.Dot(y, s)
		v := mat.NewDense(n, n, nil)
		v.Outer(-rho, y, s)
		for j := range n {
			v.Set(j, j, v.At(j, j)+1)
		}
		var next mat.Dense
		next.Product(v.T(), h, v)
		var ss mat.Dense
		ss.Outer(rho, s, s)
		h.Add(&next, &ss)
	}
	want := mat.NewVecDense(n, nil)
	want.MulVec(h, mat.NewVecDense(n, grad))
	want.ScaleVec(-1, want)
	lbfgs.direction = resizeFloats(lbfgs.direction, n)
	lbfgs.twoLoop(grad)
	if !mat.EqualApprox(want, mat.NewVecDense(n, lbfgs.direction), 1e-10*mat.Norm(want, math.Inf(1))) {
		t.Errorf("two-loop direction %v, dense recursion %v", lbfgs.direction, want.RawVector().Data)
	}
}

func TestQuasiNewtonSkipsPairsWithoutCurvature(t *testing.T) {
	// The pair s = (1, 0), y = g − g_prev = (−1, 0) has sᵀy = −1 < 0.
	lbfgs := &LBFGS{}
	lbfgs.previousGrad = []float64{1, 0}
	lbfgs.displacement = []float64{1, 0}
	lbfgs.storePair([]float64{0, 0}) // y = (−1, 0): sᵀy = −1
	bfgs := &BFGS{}
	bfgs.resetInverse(2)
	bfgs.previousGrad, bfgs.displacement = []float64{1, 0}, []float64{1, 0}
	bfgs.difference, bfgs.product = make([]float64, 2), make([]float64, 2)
	bfgs.update([]float64{0, 0})
	if len(lbfgs.steps) != 0 || bfgs.scaled || bfgs.inverse.At(0, 0) != 1 || bfgs.inverse.At(1, 1) != 1 || bfgs.inverse.At(0, 1) != 0 {
		t.Errorf("a pair with sᵀy < 0 was used: L-BFGS holds %d pairs, BFGS H = %v", len(lbfgs.steps), mat.Formatted(&bfgs.inverse))
	}
}
