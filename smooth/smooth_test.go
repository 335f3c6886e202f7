package smooth

import (
	"errors"
	"math"
	"slices"
	"strings"
	"testing"

	"deepopt/optim"

	"gonum.org/v1/gonum/diff/fd"
)

// wells is a 2-D mixture of three wells of different widths and one bump.
func wells() *RBFMixture {
	return &RBFMixture{
		Centers: [][]float64{{0, 0}, {1.5, -0.5}, {-1, 2}, {0.5, 1}},
		Weights: []float64{-1, -2, -0.7, 0.8},
		Widths:  []float64{0.3, 0.8, 0.5, 0.6},
	}
}

// testProblems are the exact problems every test runs on, with points.
var testProblems = []struct {
	name   string
	f      Exact
	points [][]float64
}{
	{"rbf", wells(), [][]float64{{0.2, -0.1}, {1, 1}, {-2, 0.5}}},
	{"rastrigin", Rastrigin{N: 3}, [][]float64{{0.1, -0.4, 1.3}, {2.2, 0, -0.7}}},
}

// values hides an objective's exact smoothing.
type values struct{ optim.Objective }

// TestExactGradients checks the closed forms' gradients against central
// finite differences of their values.
func TestExactGradients(t *testing.T) {
	for _, p := range testProblems {
		for _, sigma := range []float64{0, 0.3, 1} {
			for _, x := range p.points {
				grad := make([]float64, len(x))
				if _, err := p.f.EvalSmoothed(sigma, x, grad); err != nil {
					t.Fatal(err)
				}
				want := fd.Gradient(nil, func(x []float64) float64 {
					v, _ := p.f.EvalSmoothed(sigma, x, nil)
					return v
				}, x, &fd.Settings{Formula: fd.Central, Step: 1e-5})
				for i := range grad {
					if math.Abs(grad[i]-want[i]) > 1e-7*(1+math.Abs(want[i])) {
						t.Errorf("%s σ=%v x=%v: ∂%d g = %.10g, finite differences %.10g", p.name, sigma, x, i, grad[i], want[i])
					}
				}
			}
		}
	}
}

// TestHeatEquation checks that the closed-form smoothings solve the heat
// equation ∂g/∂σ = σ Δg (Mobahi & Fisher 2015, eq. 2; Widder 1975), both
// sides by central finite differences of g's values.
func TestHeatEquation(t *testing.T) {
	const h = 1e-3
	for _, p := range testProblems {
		g := func(sigma float64, x []float64) float64 {
			v, _ := p.f.EvalSmoothed(sigma, x, nil)
			return v
		}
		for _, sigma := range []float64{0.2, 0.5, 1.2} {
			for _, x := range p.points {
				dSigma := (g(sigma+h, x) - g(sigma-h, x)) / (2 * h)
				laplacian := 0.0
				y := slices.Clone(x)
				for i := range x {
					y[i] = x[i] + h
					up := g(sigma, y)
					y[i] = x[i] - h
					down := g(sigma, y)
					y[i] = x[i]
					laplacian += (up - 2*g(sigma, x) + down) / (h * h)
				}
				if math.Abs(dSigma-sigma*laplacian) > 1e-4*(1+math.Abs(dSigma)) {
					t.Errorf("%s σ=%v x=%v: ∂g/∂σ = %.8g, σΔg = %.8g", p.name, sigma, x, dSigma, sigma*laplacian)
				}
			}
		}
	}
}

// TestMonteCarloMatchesClosedForm checks the Monte-Carlo estimates of g and
// ∇g, plain and antithetic, against the closed forms: each within 4 of its
// own standard errors (a chance of about 6·10⁻⁵ per comparison for a
// correct estimator). The same estimates are then compared with the closed
// form at a 20% wider σ, which they must miss, so the tolerance is tight
// enough to see a wrong σ.
func TestMonteCarloMatchesClosedForm(t *testing.T) {
	const samples = 4000
	for _, p := range testProblems {
		for _, antithetic := range []bool{false, true} {
			for _, sigma := range []float64{0.3, 0.8} {
				for _, x := range p.points {
					mc := &Gaussian{Objective: p.f, Sigma: sigma, Samples: samples, Antithetic: antithetic, MonteCarlo: true, Seed: 7}
					grad := make([]float64, len(x))
					value, err := mc.Eval(x, grad)
					if err != nil {
						t.Fatal(err)
					}
					se, gradSE := mc.StdErr()
					exactGrad := make([]float64, len(x))
					exact, _ := p.f.EvalSmoothed(sigma, x, exactGrad)
					if !(se > 0) || math.Abs(value-exact) > 4*se {
						t.Errorf("%s antithetic=%v σ=%v x=%v: g ≈ %.6g ± %.2g, closed form %.6g", p.name, antithetic, sigma, x, value, se, exact)
					}
					for i := range grad {
						if math.Abs(grad[i]-exactGrad[i]) > 4*gradSE[i] {
							t.Errorf("%s antithetic=%v σ=%v x=%v: ∂%d g ≈ %.6g ± %.2g, closed form %.6g", p.name, antithetic, sigma, x, i, grad[i], gradSE[i], exactGrad[i])
						}
					}
					widerGrad := make([]float64, len(x))
					wider, _ := p.f.EvalSmoothed(2*sigma, x, widerGrad)
					distinct := math.Abs(value-wider) > 4*se
					for i := range grad {
						distinct = distinct || math.Abs(grad[i]-widerGrad[i]) > 4*gradSE[i]
					}
					if !distinct {
						t.Errorf("%s antithetic=%v σ=%v x=%v: g ≈ %.6g ± %.2g and ∇g ≈ %.4g ± %.2g cannot tell σ from 2σ (%.6g, %.4g)", p.name, antithetic, sigma, x, value, se, grad, gradSE, wider, widerGrad)
					}
				}
			}
		}
	}
}

// quadratic is f(x) = Σ (i+1)·x_i², whose smoothing is f(x) + σ²Σ(i+1).
type quadratic int

func (q quadratic) Dim() int { return int(q) }

func (q quadratic) Eval(x, grad []float64) (float64, error) {
	value := 0.0
	for i, xi := range x {
		value += float64(i+1) * xi * xi
		if grad != nil {
			grad[i] = 2 * float64(i+1) * xi
		}
	}
	return value, nil
}

// TestAntitheticCancelsOddPart: on a quadratic, ∇f(θ + σε) + ∇f(θ − σε) =
// 2∇f(θ), so antithetic pairs give the exact gradient with no spread, where
// plain samples have one.
func TestAntitheticCancelsOddPart(t *testing.T) {
	x := []float64{0.5, -1, 2}
	want := make([]float64, 3)
	quadratic(3).Eval(x, want)
	plain := &Gaussian{Objective: quadratic(3), Sigma: 0.5, Samples: 8, Seed: 1}
	paired := &Gaussian{Objective: quadratic(3), Sigma: 0.5, Samples: 8, Seed: 1, Antithetic: true}
	for _, g := range []*Gaussian{plain, paired} {
		grad := make([]float64, 3)
		if _, err := g.Eval(x, grad); err != nil {
			t.Fatal(err)
		}
		_, se := g.StdErr()
		for i := range grad {
			diff := math.Abs(grad[i] - want[i])
			switch {
			case g.Antithetic && (diff > 1e-12*math.Abs(want[i]) || se[i] > 1e-12):
				t.Errorf("antithetic ∂%d g = %v ± %v, want exactly %v", i, grad[i], se[i], want[i])
			case !g.Antithetic && !(se[i] > 0.1):
				t.Errorf("plain ∂%d g = %v ± %v: no spread from 8 samples", i, grad[i], se[i])
			}
		}
	}
}

// TestCommonRandomNumbersAndResume: within a draw the estimate is one
// function (the same θ gives the same bits), Resample changes it, and
// SetDraw on a fresh Gaussian repeats a draw bit for bit.
func TestCommonRandomNumbersAndResume(t *testing.T) {
	x := []float64{0.3, 0.4, -1}
	eval := func(g *Gaussian) (float64, []float64) {
		grad := make([]float64, 3)
		v, err := g.Eval(x, grad)
		if err != nil {
			t.Fatal(err)
		}
		return v, grad
	}
	g := &Gaussian{Objective: Rastrigin{N: 3}, Sigma: 0.5, Samples: 5, MonteCarlo: true, Seed: 3}
	v0, g0 := eval(g)
	if v, grad := eval(g); v != v0 || !slices.Equal(grad, g0) {
		t.Errorf("same draw, same θ: %v %v, then %v %v", v0, g0, v, grad)
	}
	g.Resample()
	g.Resample()
	v2, g2 := eval(g)
	if v2 == v0 {
		t.Errorf("draw 2 gives draw 0's value %v", v0)
	}
	resumed := &Gaussian{Objective: Rastrigin{N: 3}, Sigma: 0.5, Samples: 5, MonteCarlo: true, Seed: 3}
	resumed.SetDraw(g.Draw())
	if v, grad := eval(resumed); v != v2 || !slices.Equal(grad, g2) || g.Draw() != 2 {
		t.Errorf("resumed at draw %d: %v %v, want %v %v", g.Draw(), v, grad, v2, g2)
	}
	other := &Gaussian{Objective: Rastrigin{N: 3}, Sigma: 0.5, Samples: 5, MonteCarlo: true, Seed: 4}
	if v, _ := eval(other); v == v0 {
		t.Errorf("seeds 3 and 4 give the same value %v", v)
	}
}

// TestExactAndZeroWidth: without MonteCarlo an Exact problem is smoothed in
// closed form, and σ = 0 is f itself, with no samples needed.
func TestExactAndZeroWidth(t *testing.T) {
	x := []float64{0.7, -0.2}
	f := wells()
	want, _ := f.EvalSmoothed(0.4, x, nil)
	if got, err := (&Gaussian{Objective: f, Sigma: 0.4}).Eval(x, nil); err != nil || got != want {
		t.Errorf("exact: %v, %v; want %v", got, err, want)
	}
	plain, _ := f.Eval(x, nil)
	if got, err := (&Gaussian{Objective: values{f}}).Eval(x, nil); err != nil || got != plain {
		t.Errorf("σ = 0: %v, %v; want f = %v", got, err, plain)
	}
}

// failing is an objective that fails.
type failing struct{ quadratic }

func (failing) Eval([]float64, []float64) (float64, error) { return 0, errors.New("out of data") }

func TestBadInput(t *testing.T) {
	for _, bad := range []struct {
		g         *Gaussian
		fragments []string
	}{
		{&Gaussian{Objective: quadratic(2), Sigma: 1}, []string{"Gaussian.Samples = 0", "≥ 1 (the noise vectors per evaluation)"}},
		{&Gaussian{Objective: quadratic(2), Sigma: 1, Samples: -3}, []string{"Samples = -3"}},
		{&Gaussian{Objective: quadratic(2), Sigma: -0.5, Samples: 1}, []string{"Gaussian.Sigma = -0.5", "≥ 0"}},
		{&Gaussian{Objective: quadratic(2), Sigma: math.NaN(), Samples: 1}, []string{"Sigma = NaN"}},
		{&Gaussian{Sigma: 1, Samples: 1}, []string{"Objective is nil"}},
		{&Gaussian{Objective: failing{2}, Sigma: 1, Samples: 1}, []string{"sample 0 of draw 0", "out of data"}},
	} {
		_, err := bad.g.Eval([]float64{1, 2}, nil)
		if err == nil {
			t.Errorf("%+v: no error", bad.g)
			continue
		}
		for _, fragment := range bad.fragments {
			if !strings.Contains(err.Error(), fragment) {
				t.Errorf("error %q does not mention %q", err, fragment)
			}
		}
	}
	for _, bad := range []struct {
		m        *RBFMixture
		fragment string
	}{
		{&RBFMixture{}, "no centres"},
		{&RBFMixture{Centers: [][]float64{{0}}, Weights: []float64{1}}, "1 centres, 1 weights and 0 widths"},
		{&RBFMixture{Centers: [][]float64{{0}, {1, 2}}, Weights: []float64{1, 1}, Widths: []float64{1, 1}}, "centre 1 has dimension 2"},
		{&RBFMixture{Centers: [][]float64{{0}}, Weights: []float64{1}, Widths: []float64{0}}, "width 0 = 0"},
	} {
		if err := bad.m.Validate(); err == nil || !strings.Contains(err.Error(), bad.fragment) {
			t.Errorf("%+v: error %v, want one mentioning %q", bad.m, err, bad.fragment)
		}
	}
	if err := wells().Validate(); err != nil {
		t.Errorf("wells: %v", err)
	}
}
