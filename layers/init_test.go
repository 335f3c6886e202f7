package layers

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestInitStatistics draws a large sample from every random initialiser
// and compares its mean and standard deviation with the closed-form target.
// With n = 200,000 draws the sample mean has standard error σ/√n and the
// sample standard deviation σ/√(2n); the tolerances are five standard
// errors, so a correct initialiser fails with probability below 1e-6 while
// a wrong scale (e.g. fanIn for fanIn+fanOut) is off by hundreds of them.
func TestInitStatistics(t *testing.T) {
	const n, fanIn, fanOut = 200000, 300, 100
	for _, tc := range []struct {
		init Init
		std  float64
	}{
		{Gaussian(0.01), 0.01},
		{GlorotUniform(), math.Sqrt(6.0/(fanIn+fanOut)) / math.Sqrt(3)},
		{GlorotNormal(), math.Sqrt(2.0 / (fanIn + fanOut))},
		{HeNormal(), math.Sqrt(2.0 / fanIn)},
	} {
		values := make([]float64, n)
		if err := tc.init.Draw(values, fanIn, fanOut, rand.New(rand.NewPCG(7, 8))); err != nil {
			t.Fatalf("%v: %v", tc.init, err)
		}
		mean, std := meanStd(values)
		if math.Abs(mean) > 5*tc.std/math.Sqrt(n) {
			t.Errorf("%v: mean %.3g, want 0 ± %.3g", tc.init, mean, 5*tc.std/math.Sqrt(n))
		}
		if math.Abs(std-tc.std) > 5*tc.std/math.Sqrt(2*n) {
			t.Errorf("%v: std %.6g, want %.6g ± %.3g", tc.init, std, tc.std, 5*tc.std/math.Sqrt(2*n))
		}
	}
}

// TestGlorotUniformBounds checks that every draw lies in [−a, a] with
// a = √(6/(fanIn+fanOut)) and that the extremes come within 0.1% of the
// bounds, so the support is the whole interval.
func TestGlorotUniformBounds(t *testing.T) {
	const fanIn, fanOut = 20, 30
	limit := math.Sqrt(6.0 / (fanIn + fanOut))
	values := make([]float64, 100000)
	if err := GlorotUniform().Draw(values, fanIn, fanOut, rand.New(rand.NewPCG(1, 1))); err != nil {
		t.Fatal(err)
	}
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		lo, hi = math.Min(lo, v), math.Max(hi, v)
	}
	if lo < -limit || hi > limit {
		t.Fatalf("draws span [%g, %g], outside [−%g, %g]", lo, hi, limit, limit)
	}
	if lo > -0.999*limit || hi < 0.999*limit {
		t.Fatalf("draws span [%g, %g], do not reach ±%g", lo, hi, limit)
	}
}

// TestInitConstantAndZeros checks the deterministic initialisers value by
// value.
func TestInitConstantAndZeros(t *testing.T) {
	values := []float64{1, 2, 3}
	if err := Zeros().Draw(values, 1, 1, nil); err != nil {
		t.Fatal(err)
	}
	assertClose(t, "zeros", values, []float64{0, 0, 0}, 0)
	if err := Constant(0.5).Draw(values, 1, 1, nil); err != nil {
		t.Fatal(err)
	}
	assertClose(t, "constant", values, []float64{0.5, 0.5, 0.5}, 0)
}

// TestInitDeterministicOrder checks that a draw is the generator's normal
// sequence scaled, element by element in order, so a seed fixes the values.
func TestInitDeterministicOrder(t *testing.T) {
	values := make([]float64, 5)
	if err := HeNormal().Draw(values, 8, 3, rand.New(rand.NewPCG(3, 4))); err != nil {
		t.Fatal(err)
	}
	ref := rand.New(rand.NewPCG(3, 4))
	want := make([]float64, 5)
	for i := range want {
		want[i] = 0.5 * ref.NormFloat64() // √(2/8)
	}
	assertClose(t, "he_normal", values, want, 1e-15)
}

// TestInitErrors checks that bad initialiser arguments are reported with the
// bad value.
func TestInitErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, tc := range []struct {
		init          Init
		fanIn, fanOut int
		rng           *rand.Rand
		want          string
	}{
		{Gaussian(-1), 1, 1, rng, "std -1"},
		{Gaussian(math.NaN()), 1, 1, rng, "std NaN"},
		{GlorotUniform(), 0, 4, rng, "got 0 and 4"},
		{HeNormal(), 3, 1, nil, "got nil"},
		{Constant(math.Inf(1)), 1, 1, nil, "+Inf"},
	} {
		err := tc.init.Draw(make([]float64, 3), tc.fanIn, tc.fanOut, tc.rng)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: got error %v, want one containing %q", tc.init, err, tc.want)
		}
	}
}

func meanStd(values []float64) (mean, std float64) {
	for _, v := range values {
		mean += v
	}
	mean /= float64(len(values))
	for _, v := range values {
		std += (v - mean) * (v - mean)
	}
	return mean, math.Sqrt(std / float64(len(values)-1))
}
