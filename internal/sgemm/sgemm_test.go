package sgemm

import (
	"math"
	"math/rand/v2"
	"testing"
)

// TestMulAdd compares C + A·B with a float64 reference on shapes that cover
// every kernel width, the remainders in rows and columns, a transposed A
// and the two-goroutine split, with the kernel and with plain Go. The
// tolerance is float32 rounding of k products: 1e-5·(1 + Σ|a·b|).
func TestMulAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	shapes := [][3]int{{1, 1, 1}, {4, 16, 3}, {5, 29, 7}, {60, 100, 784}, {784, 100, 60}, {60, 10, 100}, {7, 3, 0}, {256, 100, 100}, {13, 45, 33}}
	for _, kernel := range []bool{true, false} {
		if kernel && !useKernel {
			continue
		}
		saved := useKernel
		useKernel = kernel
		for _, s := range shapes {
			for _, transA := range []bool{false, true} {
				m, n, k := s[0], s[1], s[2]
				a := Matrix{Data: randoms(rng, m*k), Rows: m, Cols: k, RowStride: k, ColStride: 1}
				if transA {
					a.RowStride, a.ColStride = 1, m
				}
				b := Matrix{Data: randoms(rng, k*n), Rows: k, Cols: n, RowStride: n, ColStride: 1}
				c := Matrix{Data: randoms(rng, m*n), Rows: m, Cols: n, RowStride: n, ColStride: 1}
				want := append([]float32(nil), c.Data...)
				MulAdd(c, a, b)
				for i := range m {
					for j := range n {
						ref, scale := float64(want[i*n+j]), 1.0
						for l := range k {
							p := float64(a.Data[i*a.RowStride+l*a.ColStride]) * float64(b.Data[l*n+j])
							ref += p
							scale += math.Abs(p)
						}
						if got := float64(c.Data[i*n+j]); math.Abs(got-ref) > 1e-5*scale {
							t.Fatalf("kernel %t, %d×%d×%d, transposed A %t: C[%d,%d] = %g, want %g", kernel, m, n, k, transA, i, j, got, ref)
						}
					}
				}
			}
		}
		useKernel = saved
	}
}

func randoms(rng *rand.Rand, n int) []float32 {
	v := make([]float32, n)
	for i := range v {
		v[i] = float32(rng.NormFloat64())
	}
	return v
}

// BenchmarkMulAdd times the MLP's largest product at batch 60,
// (60×784)·(784×100).
func BenchmarkMulAdd(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	a := Matrix{Data: randoms(rng, 60*784), Rows: 60, Cols: 784, RowStride: 784, ColStride: 1}
	w := Matrix{Data: randoms(rng, 784*100), Rows: 784, Cols: 100, RowStride: 100, ColStride: 1}
	c := Matrix{Data: make([]float32, 60*100), Rows: 60, Cols: 100, RowStride: 100, ColStride: 1}
	for b.Loop() {
		MulAdd(c, a, w)
	}
	b.ReportMetric(float64(2*60*784*100)*float64(b.N)/b.Elapsed().Seconds()/1e9, "GFLOP/s")
}
