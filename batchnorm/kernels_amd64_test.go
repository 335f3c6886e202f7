package batchnorm

import (
	"fmt"
	"math/rand/v2"
	"testing"
)

// The float32 paths on the AVX2 kernels give the Go loops' bits: each
// kernel-backed function of kernels.go runs on the same random inputs with
// the kernels and without them, for layouts whose blocks and rows are and
// are not multiples of 4 long, and for both the training transform and its
// gradient end to end.
func TestKernelsGiveGoBits(t *testing.T) {
	if !useKernels {
		t.Skip("the processor lacks AVX2")
	}
	for _, l := range []layout{{3, 5, 1}, {2, 8, 1}, {4, 100, 1}, {2, 3, 7}, {3, 2, 16}, {2, 4, 196}, {1, 1, 3}} {
		t.Run(fmt.Sprintf("%+v", l), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(7, uint64(l.n*1000+l.c*10+l.s)))
			size := l.n * l.c * l.s
			x, dy := float32Values(rng, size, 0.5, 2), float32Values(rng, size, 0, 1)
			gamma, beta := float32Values(rng, l.c, 1, 0.5), float32Values(rng, l.c, 0, 0.5)
			run := func(kernels bool) (out [][]float32, stats [][]float64) {
				defer func(k bool) { useKernels = k }(useKernels)
				useKernels = kernels
				return passes(l, x, dy, gamma, beta)
			}
			gotOut, gotStats := run(true)
			wantOut, wantStats := run(false)
			for k, name := range []string{"y", "dx"} {
				if i := firstDifference(gotOut[k], wantOut[k]); i >= 0 {
					t.Errorf("%s[%d]: kernel %v, Go %v", name, i, gotOut[k][i], wantOut[k][i])
				}
			}
			for k, name := range []string{"mean", "variance", "Σdy", "Σdy·x̂"} {
				if i := firstDifference(gotStats[k], wantStats[k]); i >= 0 {
					t.Errorf("%s[%d]: kernel %v, Go %v", name, i, gotStats[k][i], wantStats[k][i])
				}
			}
		})
	}
}
