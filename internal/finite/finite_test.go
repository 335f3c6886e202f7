package finite

import (
	"math"
	"testing"
)

// naive is the definition First must agree with.
func naive(x []float64) int {
	for i, v := range x {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return i
		}
	}
	return -1
}

// TestFirst places NaN, +Inf and −Inf (and two of them) at every position of
// vectors whose lengths straddle the block and the unrolling, among finite
// values of every kind (±0, subnormals, ±MaxFloat64), and compares First with
// the element-by-element definition.
func TestFirst(t *testing.T) {
	finite := []float64{0, math.Copysign(0, -1), 1.5, -2, math.SmallestNonzeroFloat64, math.MaxFloat64, -math.MaxFloat64, 1e-300}
	bad := []float64{math.NaN(), math.Inf(1), math.Inf(-1)}
	for _, n := range []int{0, 1, 3, 4, 5, block - 1, block, block + 1, 2*block + 3} {
		x := make([]float64, n)
		for i := range x {
			x[i] = finite[i%len(finite)]
		}
		if got := First(x); got != -1 {
			t.Fatalf("n=%d, all finite: First = %d, want -1", n, got)
		}
		for i := range x {
			for _, b := range bad {
				x[i] = b
				if got, want := First(x), naive(x); got != want {
					t.Fatalf("n=%d, %v at %d: First = %d, want %d", n, b, i, got, want)
				}
				if j := (i * 7) % n; j != i {
					x[j] = math.NaN()
					if got, want := First(x), naive(x); got != want {
						t.Fatalf("n=%d, %v at %d and NaN at %d: First = %d, want %d", n, b, i, j, got, want)
					}
					x[j] = finite[j%len(finite)]
				}
				x[i] = finite[i%len(finite)]
			}
		}
	}
}

// benchmark times find on 10⁵ finite values.
func benchmark(b *testing.B, find func([]float64) int) {
	x := make([]float64, 100_000)
	for i := range x {
		x[i] = float64(i) * 1e-3
	}
	b.SetBytes(int64(8 * len(x)))
	for b.Loop() {
		if find(x) != -1 {
			b.Fatal("found a non-finite value")
		}
	}
}

func BenchmarkFirst(b *testing.B) { benchmark(b, First) }

// BenchmarkNaive times the element-by-element definition, for comparison.
func BenchmarkNaive(b *testing.B) { benchmark(b, naive) }
