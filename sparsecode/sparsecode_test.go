package sparsecode

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// randomProblem is p×m data from k planted sparse atoms plus noise.
func randomProblem(p, m, k int, lambda float64, seed uint64) Problem {
	rng := rand.New(rand.NewPCG(seed, 1))
	atoms := mat.NewDense(k, p, nil)
	for i := range k {
		for f := range p {
			atoms.Set(i, f, rng.NormFloat64())
		}
	}
	codes := mat.NewDense(k, m, nil)
	for j := range m {
		for range 2 {
			codes.Set(rng.IntN(k), j, rng.NormFloat64()*3)
		}
	}
	var x mat.Dense
	x.Mul(atoms.T(), codes)
	for i := range p {
		for j := range m {
			x.Set(i, j, x.At(i, j)+0.1*rng.NormFloat64())
		}
	}
	return Problem{X: &x, Lambda: lambda}
}

// checkLassoKKT checks the optimality conditions of each example's lasso
// min_h ‖x − Wᵀh‖² + λ‖h‖₁: with g = 2W(Wᵀh − x), g_i = −λ·sign(h_i) where
// h_i ≠ 0 and |g_i| ≤ λ where h_i = 0, to a tolerance relative to ‖g‖'s
// scale.
func checkLassoKKT(t *testing.T, p Problem, W, H *mat.Dense) (active int) {
	t.Helper()
	var r, g mat.Dense
	r.Mul(W.T(), H)
	r.Sub(&r, p.X)
	g.Mul(W, &r)
	g.Scale(2, &g)
	tol := 1e-7 * (1 + p.Lambda + mat.Norm(p.X, math.Inf(1)))
	rows, cols := H.Dims()
	for i := range rows {
		for j := range cols {
			h, gi := H.At(i, j), g.At(i, j)
			switch {
			case h > 0 && math.Abs(gi+p.Lambda) > tol, h < 0 && math.Abs(gi-p.Lambda) > tol:
				t.Errorf("code (%d, %d) = %v: gradient %v, want %v", i, j, h, gi, -math.Copysign(p.Lambda, h))
			case h == 0 && math.Abs(gi) > p.Lambda+tol:
				t.Errorf("code (%d, %d) = 0: |gradient| = %v > λ = %v", i, j, math.Abs(gi), p.Lambda)
			}
			if h != 0 {
				active++
			}
		}
	}
	return active
}

// checkDictionaryKKT checks the optimality conditions of
// min_W ‖X − WᵀH‖² subject to ‖w_i‖ ≤ 1: with G = 2(AW − B), A = HHᵀ,
// B = HXᵀ, each atom has G_i = −2μ_i w_i with μ_i ≥ 0, and μ_i = 0 unless
// ‖w_i‖ = 1 — the normal equations (A + diag μ)W = B. It returns the
// number of atoms on the sphere.
func checkDictionaryKKT(t *testing.T, p Problem, W, H *mat.Dense) (bound int) {
	t.Helper()
	var a, b, g mat.Dense
	a.Mul(H, H.T())
	b.Mul(H, p.X.T())
	g.Mul(&a, W)
	g.Sub(&g, &b)
	g.Scale(2, &g)
	tol := 1e-7 * (1 + mat.Norm(&b, math.Inf(1)))
	atoms, _ := W.Dims()
	for i := range atoms {
		w, gi := W.RawRowView(i), g.RawRowView(i)
		norm := math.Sqrt(dot(w, w))
		mu := 0.0
		if norm > 1-1e-9 {
			bound++
			mu = -dot(gi, w) / 2
			if mu < -tol {
				t.Errorf("atom %d on the sphere: multiplier %v < 0", i, mu)
			}
		}
		for f := range w {
			if r := gi[f] + 2*mu*w[f]; math.Abs(r) > tol {
				t.Errorf("atom %d (‖w‖ = %v): normal equations off by %v at feature %d", i, norm, r, f)
				break
			}
		}
	}
	return bound
}

// TestBlockStepsReachTheirOptima: after each CodeStep every example's code
// satisfies the lasso's KKT conditions, and after each DictionaryStep the
// dictionary satisfies the constrained normal equations; J never increases
// across block steps.
func TestBlockStepsReachTheirOptima(t *testing.T) {
	p := randomProblem(12, 40, 6, 2, 1)
	W, H, err := p.Init(6, 3)
	if err != nil {
		t.Fatal(err)
	}
	previous, _, _ := p.J(W, H)
	active, bound := 0, 0
	for iteration := range 8 {
		for _, step := range []struct {
			name string
			run  func()
		}{
			{"code", func() { p.CodeStep(W, H); active += checkLassoKKT(t, p, W, H) }},
			{"dictionary", func() { p.DictionaryStep(W, H); bound += checkDictionaryKKT(t, p, W, H) }},
		} {
			step.run()
			j, _, _ := p.J(W, H)
			if j > previous*(1+1e-12) {
				t.Errorf("iteration %d, %s step: J rose from %.15g to %.15g", iteration, step.name, previous, j)
			}
			previous = j
		}
	}
	// Both kinds of conditions were exercised: codes on both sides of 0
	// and atoms on the sphere.
	if active == 0 || bound == 0 {
		t.Errorf("%d non-zero codes and %d atoms on the sphere: the test saw only one case", active, bound)
	}
}

// TestDictionaryStepSolvesNormalEquations: when the least-squares
// dictionary lies inside the ball, DictionaryStep returns it, the solution
// of AW = B by gonum's solver.
func TestDictionaryStepSolvesNormalEquations(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 5))
	const features, examples, atoms = 7, 30, 4
	H := mat.NewDense(atoms, examples, nil)
	for i := range atoms {
		for j := range examples {
			H.Set(i, j, rng.NormFloat64())
		}
	}
	truth := mat.NewDense(atoms, features, nil)
	for i := range atoms {
		for f := range features {
			truth.Set(i, f, 0.1*rng.NormFloat64())
		}
	}
	var x mat.Dense
	x.Mul(truth.T(), H)
	for i := range features {
		for j := range examples {
			x.Set(i, j, x.At(i, j)+0.01*rng.NormFloat64())
		}
	}
	p := Problem{X: &x, Lambda: 1}
	var a, b, want mat.Dense
	a.Mul(H, H.T())
	b.Mul(H, x.T())
	if err := want.Solve(&a, &b); err != nil {
		t.Fatal(err)
	}
	W := mat.NewDense(atoms, features, nil)
	for i := range atoms {
		W.Set(i, i, 1)
	}
	p.DictionaryStep(W, H)
	for i := range atoms {
		if norm := mat.Norm(want.RowView(i), 2); norm >= 1 {
			t.Fatalf("least-squares atom %d has norm %v; the test needs it inside the ball", i, norm)
		}
		for f := range features {
			if d := math.Abs(W.At(i, f) - want.At(i, f)); d > 1e-8 {
				t.Errorf("W[%d, %d] = %v, normal equations give %v", i, f, W.At(i, f), want.At(i, f))
			}
		}
	}
}

// TestDescentsDecreaseJ: both methods lower J at every iteration and stop
// on their rule: block coordinate descent by the relative decrease, the
// slower proximal gradient at the iteration limit.
func TestDescentsDecreaseJ(t *testing.T) {
	p := randomProblem(10, 50, 5, 1, 2)
	for name, method := range map[string]func(W, H *mat.Dense, s Settings) ([]Point, error){
		"bcd": p.BlockCoordinateDescent, "proximal": p.ProximalGradient,
	} {
		W, H, _ := p.Init(5, 9)
		const limit = 500
		trace, err := method(W, H, Settings{Tolerance: 1e-6, MaxIterations: limit})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i := 1; i < len(trace); i++ {
			if trace[i].J > trace[i-1].J*(1+1e-12) {
				t.Errorf("%s iteration %d: J rose from %.15g to %.15g", name, i, trace[i-1].J, trace[i].J)
			}
		}
		last, before := trace[len(trace)-1], trace[len(trace)-2]
		if j, _, _ := p.J(W, H); j != last.J || !(last.Sparsity > 0) {
			t.Errorf("%s: J(W, H) = %v, last point %+v", name, j, last)
		}
		converged := before.J-last.J < 1e-6*before.J
		if converged == (last.Iteration == limit) || converged != (name == "bcd") {
			t.Errorf("%s stopped after %d iterations with relative decrease %v", name, last.Iteration, (before.J-last.J)/before.J)
		}
	}
}

func TestBadInput(t *testing.T) {
	good := randomProblem(4, 6, 2, 1, 3)
	nan := mat.DenseCopyOf(good.X)
	nan.Set(2, 5, math.NaN())
	W, H, _ := good.Init(2, 1)
	for _, bad := range []struct {
		err      func() error
		fragment string
	}{
		{func() error { _, _, err := (Problem{X: good.X, Lambda: -1}).Init(2, 1); return err }, "λ = -1"},
		{func() error { _, _, err := good.Init(0, 1); return err }, "dictionary of 0 atoms"},
		{func() error { _, _, err := good.Init(7, 1); return err }, "7 atoms from 6 examples"},
		{func() error { _, _, err := (Problem{X: nan}).Init(2, 1); return err }, "X[2, 5] (feature 2 of example 5) is NaN"},
		{func() error { _, _, err := (Problem{}).Init(2, 1); return err }, "no data"},
		{func() error {
			_, err := good.BlockCoordinateDescent(W, mat.NewDense(3, 6, nil), Settings{})
			return err
		}, "H 3×6"},
		{func() error { _, err := good.ProximalGradient(nil, H, Settings{}); return err }, "build them with Init"},
		{func() error { _, err := good.ProximalGradient(W, H, Settings{Tolerance: -1}); return err }, "Tolerance = -1"},
		{func() error { _, err := (Problem{X: nan}).BlockCoordinateDescent(W, H, Settings{}); return err }, "is NaN"},
	} {
		if err := bad.err(); err == nil || !strings.Contains(err.Error(), bad.fragment) {
			t.Errorf("error %v, want one mentioning %q", err, bad.fragment)
		}
	}
}
