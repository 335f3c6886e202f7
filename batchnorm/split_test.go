package batchnorm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"runtime"
	"testing"
)

// TestSplitGivesOneThreadBits checks that the kernels split over two ranges
// of channels (inChannels, on two goroutines when the worker is free) give
// the bits of one pass over all channels: statistics, the training
// transform, the gradient sums and the input gradient, for layouts whose
// channel counts are and are not multiples of 4 and where the split leaves
// a range empty, at GOMAXPROCS 2 and 1.
func TestSplitGivesOneThreadBits(t *testing.T) {
	defer func(n int) { splitValues = n }(splitValues)
	for _, procs := range []int{2, 1} {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		for _, l := range []layout{{60, 100, 1}, {5, 13, 1}, {4, 7, 1}, {3, 16, 50}, {2, 3, 7}, {3, 1, 9}} {
			rng := rand.New(rand.NewPCG(8, uint64(l.n*1000+l.c*10+l.s)))
			size := l.n * l.c * l.s
			x, dy := float32Values(rng, size, 0.5, 2), float32Values(rng, size, 0, 1)
			gamma, beta := float32Values(rng, l.c, 1, 0.5), float32Values(rng, l.c, 0, 0.5)
			splitValues = math.MaxInt
			wantOut, wantStats := passes(l, x, dy, gamma, beta)
			splitValues = 0
			for run := range 20 { // the worker polling, and asleep in the first
				gotOut, gotStats := passes(l, x, dy, gamma, beta)
				what := fmt.Sprintf("GOMAXPROCS=%d, %+v, run %d", procs, l, run)
				for k, name := range []string{"y", "dx"} {
					if i := firstDifference(gotOut[k], wantOut[k]); i >= 0 {
						t.Errorf("%s: %s[%d]: split %v, one pass %v", what, name, i, gotOut[k][i], wantOut[k][i])
					}
				}
				for k, name := range []string{"mean", "variance", "Σdy", "Σdy·x̂"} {
					if i := firstDifference(gotStats[k], wantStats[k]); i >= 0 {
						t.Errorf("%s: %s[%d]: split %v, one pass %v", what, name, i, gotStats[k][i], wantStats[k][i])
					}
				}
			}
		}
	}
}

// passes runs the float32 kernels of a training step on (x, dy): the batch
// statistics, y = BN(x), the gradient sums and ∂J/∂x.
func passes(l layout, x, dy, gamma, beta []float32) (out [][]float32, stats [][]float64) {
	size := l.n * l.c * l.s
	mean, variance := make([]float64, l.c), make([]float64, l.c)
	channelStatistics(x, l, mean, variance)
	invStd := inverseStd(variance, 1e-5)
	y := make([]float32, size)
	normalize(y, x, gamma, beta, l, mean, invStd)
	sumDy, sumDyXhat := sums(dy, x, l, mean, invStd)
	dx := make([]float32, size)
	inputGradient(dx, dy, x, gamma, l, mean, invStd, sumDy, sumDyXhat)
	return [][]float32{y, dx}, [][]float64{mean, variance, sumDy, sumDyXhat}
}

// float32Values returns n values μ + σ·N(0, 1) in float32.
func float32Values(rng *rand.Rand, n int, mu, sigma float64) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(mu + sigma*rng.NormFloat64())
	}
	return v
}

// firstDifference returns the first index where a and b differ in their
// bits, or −1.
func firstDifference[T float32 | float64](a, b []T) int {
	for i := range a {
		if math.Float64bits(float64(a[i])) != math.Float64bits(float64(b[i])) {
			return i
		}
	}
	return -1
}
