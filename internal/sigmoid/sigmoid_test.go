package sigmoid

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"

	"deepopt/internal/parallel/splitbench"
)

// TestFloat32 compares Float32 with the float64 definition rounded to
// float32, on a fine grid over [−100, 100] (both tails included): at most
// 2 ulp apart.
func TestFloat32(t *testing.T) {
	worst := 0
	for i := -200000; i <= 200000; i++ {
		x := float32(i) / 2000
		want := float32(1 / (1 + math.Exp(-float64(x))))
		got := Float32(x)
		ulps := int(math.Float32bits(got)) - int(math.Float32bits(want))
		worst = max(worst, ulps, -ulps)
		if worst > 2 {
			t.Fatalf("Float32(%g) = %g, want %g (%d ulp)", x, got, want, ulps)
		}
	}
	t.Logf("largest difference: %d ulp", worst)
}

// TestSliceIsFloat32 checks that Slice, the kernel where the processor runs
// it, gives exactly Float32's bits: on the grid of TestFloat32, on random
// values of every magnitude and sign (every float32 bit pattern that is not
// NaN), on values next to the branches' bounds, on ±0, ±Inf and NaN, and on
// lengths that leave tails and blocks below −80 anywhere.
func TestSliceIsFloat32(t *testing.T) {
	if !useKernel {
		t.Log("no AVX2: Slice runs Float32 alone")
	}
	var xs []float32
	for i := -200000; i <= 200000; i++ {
		xs = append(xs, float32(i)/2000)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for range 200000 {
		if v := math.Float32frombits(rng.Uint32()); v == v {
			xs = append(xs, v)
		}
	}
	for _, b := range []float32{17, -80, 87, -87, 88, -88, 0.5, -0.5} {
		xs = append(xs, math.Nextafter32(b, -1000), b, math.Nextafter32(b, 1000))
	}
	xs = append(xs, 0, float32(math.Copysign(0, -1)), float32(math.Inf(1)), float32(math.Inf(-1)))
	rng.Shuffle(len(xs), func(i, j int) { xs[i], xs[j] = xs[j], xs[i] })
	check := func(x []float32) {
		t.Helper()
		y := make([]float32, len(x))
		Slice(y, x)
		for i, v := range x {
			if want := Float32(v); math.Float32bits(y[i]) != math.Float32bits(want) {
				t.Fatalf("σ(%g) (bits %#x) of %d values: Slice %g (bits %#x), Float32 %g (bits %#x)", v, math.Float32bits(v), len(x), y[i], math.Float32bits(y[i]), want, math.Float32bits(want))
			}
		}
	}
	check(xs)
	for n := range 40 {
		check(xs[:n])
		x := make([]float32, n)
		copy(x, xs[1000:])
		if n > 0 {
			x[rng.IntN(n)] = -90 // a block on Float32's float64 branch
		}
		check(x)
	}
	// Split in two halves (at GOMAXPROCS 1 both on the caller), with
	// blocks on the float64 branch on either side of the middle.
	for _, procs := range []int{2, 1} {
		saved := runtime.GOMAXPROCS(procs)
		for _, n := range []int{splitValues - 1, splitValues, splitValues + 13, 3*splitValues + 5} {
			x := make([]float32, n)
			copy(x, xs)
			for _, i := range []int{n/2 - 9, n/2 - 1, n / 2, n/2 + 7, n - 1} {
				x[i] = -90
			}
			check(x)
		}
		runtime.GOMAXPROCS(saved)
	}
	nan := []float32{float32(math.NaN()), 1, 2, 3, 4, 5, 6, 7, 8}
	y := make([]float32, len(nan))
	Slice(y, nan)
	if !math.IsNaN(float64(y[0])) || y[1] != Float32(1) {
		t.Errorf("σ(NaN, 1, …) = %v, want NaN, %v, …", y[:2], Float32(1))
	}
}

// TestGradientIsGoLoop checks that Gradient, the kernel where the processor
// runs it, gives the bits of dy·y·(1 − y) computed in float32 by a Go loop:
// on outputs of σ, on values of every magnitude and sign, on ±0, ±Inf and
// NaN, at every length up to 70 (the kernel's blocks of 16 and 8 and the
// tails) and at every alignment.
func TestGradientIsGoLoop(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	special := []float32{0, float32(math.Copysign(0, -1)), 1, 0.5, float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN())}
	value := func(sigma bool) float32 {
		switch {
		case rng.IntN(10) == 0:
			return special[rng.IntN(len(special))]
		case sigma:
			return Float32(float32(rng.NormFloat64() * 10))
		}
		return math.Float32frombits(rng.Uint32())
	}
	for n := range 71 {
		for off := range 3 {
			y, dy, dx := make([]float32, n+off)[off:], make([]float32, n+off)[off:], make([]float32, n+off)[off:]
			for i := range y {
				y[i], dy[i] = value(i%2 == 0), value(false)
			}
			Gradient(dx, y, dy)
			for i := range y {
				want := dy[i] * y[i] * (1 - y[i])
				if math.Float32bits(dx[i]) != math.Float32bits(want) {
					t.Fatalf("y %g, dy %g (value %d of %d): Gradient %g (bits %#x), Go %g (bits %#x)", y[i], dy[i], i, n, dx[i], math.Float32bits(dx[i]), want, math.Float32bits(want))
				}
			}
		}
	}
}

// BenchmarkSlice times σ over a BN MLP layer's activations at batch 1000,
// ns per value.
func BenchmarkSlice(b *testing.B) {
	x, y := make([]float32, 100_000), make([]float32, 100_000)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range x {
		x[i] = float32(rng.NormFloat64() * 3)
	}
	b.SetBytes(4 * int64(len(x)))
	for b.Loop() {
		Slice(y, x)
	}
}

// BenchmarkSplit times σ of 6,000 values (a BN MLP layer at batch 60),
// 25,600 (batch 256) and 80,000 (the evaluation's batches of 800) split
// between two goroutines ("two") and on one ("one"), in µs of wall time
// and of process CPU time per call.
func BenchmarkSplit(b *testing.B) {
	defer func(n int) { splitValues = n }(splitValues)
	rng := rand.New(rand.NewPCG(1, 2))
	for _, n := range []int{6000, 25600, 80000} {
		x, y := make([]float32, n), make([]float32, n)
		for i := range x {
			x[i] = float32(rng.NormFloat64() * 3)
		}
		for _, split := range []struct {
			name string
			from int
		}{{"two", 0}, {"one", math.MaxInt}} {
			b.Run(fmt.Sprintf("%d/%s", n, split.name), func(b *testing.B) {
				splitValues = split.from
				splitbench.Time(b, func() { Slice(y, x) })
			})
		}
	}
}

// BenchmarkGradient times σ's gradient over a layer's activations at batch
// 256, ns per value.
func BenchmarkGradient(b *testing.B) {
	y, dy, dx := make([]float32, 25_600), make([]float32, 25_600), make([]float32, 25_600)
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range y {
		y[i], dy[i] = Float32(float32(rng.NormFloat64()*3)), float32(rng.NormFloat64())
	}
	b.SetBytes(4 * int64(len(y)))
	for b.Loop() {
		Gradient(dx, y, dy)
	}
}
