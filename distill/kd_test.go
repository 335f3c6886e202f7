package distill

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"deepopt/internal/gradcheck"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// referenceSoftmax is softmax(z/τ) straight from the definition, without the
// shift by the maximum (the tests' logits are small enough).
func referenceSoftmax(z []float64, tau float64) []float64 {
	p := make([]float64, len(z))
	var sum float64
	for i, v := range z {
		p[i] = math.Exp(v / tau)
		sum += p[i]
	}
	for i := range p {
		p[i] /= sum
	}
	return p
}

// teacherProbs draws n rows of teacher probabilities at τ from logits of
// standard deviation std.
func teacherProbs(rng *rand.Rand, n, k int, std, tau float64) []float64 {
	var p []float64
	for range n {
		z := make([]float64, k)
		for i := range z {
			z[i] = std * rng.NormFloat64()
		}
		p = append(p, referenceSoftmax(z, tau)...)
	}
	return p
}

func constant(g *G.ExprGraph, name string, v []float64, shape ...int) *G.Node {
	return G.NodeFromAny(g, tensor.New(tensor.WithShape(shape...), tensor.WithBacking(append([]float64(nil), v...))), G.WithName(name))
}

// softTerm returns kd's soft term on the student's logits (n×k) against the
// teacher's probabilities, and its gradient with respect to the logits.
func softTerm(t *testing.T, kd KD, logits, targets []float64, n, k int) (float64, []float64) {
	t.Helper()
	g := G.NewGraph()
	z := constant(g, "z", logits, n, k)
	loss, err := kd.SoftLoss(z, constant(g, "p_t", targets, n, k))
	if err != nil {
		t.Fatal(err)
	}
	grads, err := G.Grad(loss, z)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	return loss.Value().Data().(float64), append([]float64(nil), grads[0].Value().Data().([]float64)...)
}

// TestSoftLossFiniteDifferences checks the soft term's gradient through a
// linear student z = xW against central differences, with and without the
// τ² scaling, at the plain softmax, FitNets' τ = 3 and Hinton's τ = 20.
// The step h = 1e-5 keeps the rounding of the τ²-scaled loss (≈ 400·ε/h) far
// below the tolerance.
func TestSoftLossFiniteDifferences(t *testing.T) {
	const n, d, k = 4, 3, 5
	for _, kd := range []KD{{Temperature: 1, Weight: 1}, {Temperature: 3, Weight: 4, Unscaled: true}, {Temperature: 3, Weight: 4}, {Temperature: 20, Weight: 1}} {
		rng := rand.New(rand.NewPCG(7, uint64(kd.Temperature)))
		targets := teacherProbs(rng, n, k, 5, kd.Temperature)
		err := gradcheck.Check(func(g *G.ExprGraph) (*G.Node, G.Nodes, error) {
			x := gradcheck.Leaf(g, "x", rng, 1, n, d)
			w := gradcheck.Leaf(g, "W", rng, 2, d, k)
			z, err := G.Mul(x, w)
			if err != nil {
				return nil, nil, err
			}
			loss, err := kd.SoftLoss(z, constant(g, "p_t", targets, n, k))
			return loss, G.Nodes{w, x}, err
		}, 1e-5, 1e-7)
		if err != nil {
			t.Errorf("%+v: %v", kd, err)
		}
	}
}

// TestSoftLossClosedForm checks the soft term's value against
// −(s/N) Σ P_T^τ log P_S^τ and its gradient per logit against
// s·(P_S^τ − P_T^τ)/(τN) (Hinton et al. 2015, Eq. 2, with the batch mean),
// both from the definitions.
func TestSoftLossClosedForm(t *testing.T) {
	const n, k = 3, 4
	for _, kd := range []KD{{Temperature: 0.5}, {Temperature: 2}, {Temperature: 2, Unscaled: true}, {Temperature: 20}} {
		rng := rand.New(rand.NewPCG(11, uint64(10*kd.Temperature)))
		targets := teacherProbs(rng, n, k, 3, kd.Temperature)
		logits := make([]float64, n*k)
		for i := range logits {
			logits[i] = 3 * rng.NormFloat64()
		}
		value, grad := softTerm(t, kd, logits, targets, n, k)
		s := kd.Temperature * kd.Temperature
		if kd.Unscaled {
			s = 1
		}
		var want float64
		wantGrad := make([]float64, n*k)
		for r := range n {
			ps := referenceSoftmax(logits[r*k:(r+1)*k], kd.Temperature)
			for c := range k {
				pt := targets[r*k+c]
				want -= s / n * pt * math.Log(ps[c])
				wantGrad[r*k+c] = s * (ps[c] - pt) / (kd.Temperature * n)
			}
		}
		if e := math.Abs(value - want); e > 1e-12*math.Max(1, math.Abs(want)) {
			t.Errorf("%+v: soft term %.15g, want %.15g", kd, value, want)
		}
		for i := range wantGrad {
			if e := math.Abs(grad[i] - wantGrad[i]); e > 1e-13*math.Max(1, s) {
				t.Errorf("%+v: ∂/∂z[%d] = %.15g, want %.15g", kd, i, grad[i], wantGrad[i])
			}
		}
	}
}

// TestSoftLossHighTemperature checks Hinton et al.'s high-temperature limit
// (Eq. 4): with zero-mean logits, the unscaled gradient per logit tends to
// (z_s − z_t)/(Kτ²N) for K classes, so the τ²-scaled gradient tends to
// (z_s − z_t)/(KN), matching logits. The first neglected term of the
// expansion is of relative order max|z|/τ, so the error must stay within a
// few times that and shrink about tenfold per tenfold τ.
func TestSoftLossHighTemperature(t *testing.T) {
	const n, k = 2, 5
	rng := rand.New(rand.NewPCG(5, 6))
	zero := func(v []float64) []float64 {
		for r := 0; r < len(v); r += k {
			var mean float64
			for _, x := range v[r : r+k] {
				mean += x / k
			}
			for i := r; i < r+k; i++ {
				v[i] -= mean
			}
		}
		return v
	}
	zs, zt := make([]float64, n*k), make([]float64, n*k)
	for i := range zs {
		zs[i], zt[i] = 2*rng.NormFloat64(), 2*rng.NormFloat64()
	}
	zs, zt = zero(zs), zero(zt)
	var zmax, norm float64
	for i := range zs {
		zmax = max(zmax, math.Abs(zs[i]), math.Abs(zt[i]))
		norm = max(norm, math.Abs(zs[i]-zt[i])/(k*n))
	}
	previous := math.Inf(1)
	for _, tau := range []float64{10, 100, 1000} {
		kd := KD{Temperature: tau}
		targets := make([]float64, n*k)
		kd.Targets(zt, k, targets)
		_, got := softTerm(t, kd, zs, targets, n, k)
		var worst float64
		for i := range got {
			worst = max(worst, math.Abs(got[i]-(zs[i]-zt[i])/(k*n)))
		}
		rel := worst / norm
		if rel > 2*zmax/tau {
			t.Errorf("τ = %g: scaled gradient differs from (z_s − z_t)/(KN) by %.3g relative; the expansion's order is %.3g", tau, rel, zmax/tau)
		}
		if rel > previous/5 {
			t.Errorf("τ = %g: relative error %.3g did not shrink about tenfold from %.3g", tau, rel, previous)
		}
		previous = rel
	}
}

// TestTargetsLargeLogits checks that teacher logits of ±1000 give exact
// probabilities at τ = 1 and at τ = 1000, where a naive exp overflows.
func TestTargetsLargeLogits(t *testing.T) {
	logits := []float64{1000, 1000, -1000, 1000, 0, -1000}
	got := make([]float64, len(logits))
	KD{Temperature: 1}.Targets(logits, 3, got)
	for i, want := range []float64{0.5, 0.5, 0, 1, 0, 0} {
		if math.Abs(got[i]-want) > 1e-15 {
			t.Errorf("τ = 1: p[%d] = %g, want %g", i, got[i], want)
		}
	}
	KD{Temperature: 1000}.Targets(logits, 3, got)
	e := math.E
	sum := e + 1 + 1/e
	for i, want := range []float64{e / sum, 1 / sum, 1 / e / sum} {
		if math.Abs(got[3+i]-want) > 1e-15 {
			t.Errorf("τ = 1000: p[%d] = %g, want %g", 3+i, got[3+i], want)
		}
	}
}

// TestValidate checks that a bad temperature or weight is refused with the
// key to change, and that good settings pass.
func TestValidate(t *testing.T) {
	for _, kd := range []KD{{Temperature: 1}, {Temperature: 20, Weight: 0.5}, {Temperature: 3, Weight: 4, Unscaled: true}} {
		if err := kd.Validate(); err != nil {
			t.Errorf("%+v: %v", kd, err)
		}
	}
	for _, tc := range []struct {
		kd   KD
		want []string
	}{
		{KD{Temperature: 0, Weight: 1}, []string{"KD.Temperature = 0; want a number > 0", "τ"}},
		{KD{Temperature: -2, Weight: 1}, []string{"KD.Temperature = -2"}},
		{KD{Temperature: math.Inf(1), Weight: 1}, []string{"KD.Temperature = +Inf"}},
		{KD{Temperature: math.NaN(), Weight: 1}, []string{"KD.Temperature = NaN"}},
		{KD{Temperature: 2, Weight: -0.1}, []string{"KD.Weight = -0.1; want a number ≥ 0", "λ"}},
		{KD{Temperature: -1, Weight: math.NaN()}, []string{"KD.Temperature = -1", "KD.Weight = NaN"}},
	} {
		err := tc.kd.Validate()
		if err == nil {
			t.Errorf("%+v: accepted", tc.kd)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: error %q does not mention %q", tc.kd, err, w)
			}
		}
		g := G.NewGraph()
		z := constant(g, "z", make([]float64, 2), 1, 2)
		if _, err := tc.kd.SoftLoss(z, constant(g, "p", []float64{0.5, 0.5}, 1, 2)); err == nil {
			t.Errorf("%+v: SoftLoss accepted it", tc.kd)
		}
	}
}
