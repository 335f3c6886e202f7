package finite

import (
	"math"
	"testing"
)

// naive is the definition First and First32 must agree with.
func naive[T float32 | float64](x []T) int {
	for i, v := range x {
		if math.IsNaN(float64(v)) || math.IsInf(float64(v), 0) {
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
	testFirst(t, First, []float64{0, math.Copysign(0, -1), 1.5, -2, math.SmallestNonzeroFloat64, math.MaxFloat64, -math.MaxFloat64, 1e-300})
}

// TestFirst32 is TestFirst for First32, among float32's extreme finite
// values.
func TestFirst32(t *testing.T) {
	testFirst(t, First32, []float32{0, float32(math.Copysign(0, -1)), 1.5, -2, math.SmallestNonzeroFloat32, math.MaxFloat32, -math.MaxFloat32, 1e-30})
}

func testFirst[T float32 | float64](t *testing.T, first func([]T) int, finite []T) {
	bad := []T{T(math.NaN()), T(math.Inf(1)), T(math.Inf(-1))}
	for _, n := range []int{0, 1, 3, 4, 5, 31, 32, 33, 95, block - 1, block, block + 1, 2*block + 3} {
		x := make([]T, n)
		for i := range x {
			x[i] = finite[i%len(finite)]
		}
		if got := first(x); got != -1 {
			t.Fatalf("n=%d, all finite: First = %d, want -1", n, got)
		}
		for i := range x {
			for _, b := range bad {
				x[i] = b
				if got, want := first(x), naive(x); got != want {
					t.Fatalf("n=%d, %v at %d: First = %d, want %d", n, b, i, got, want)
				}
				if j := (i * 7) % n; j != i {
					x[j] = T(math.NaN())
					if got, want := first(x), naive(x); got != want {
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
func BenchmarkNaive(b *testing.B) { benchmark(b, naive[float64]) }
