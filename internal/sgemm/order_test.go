package sgemm

import (
	"fmt"
	"math"
	"math/big"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/blas"
)

// orderSizes are the sizes the exhaustive tests take for m, n and k: every
// kernel width and row block (10 columns: blocks of 8 rows on the 8×10
// kernel), their remainders, and the sums of several.
var orderSizes = []int{1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 15, 16, 17, 20, 23, 24, 28, 31, 36, 40}

// fma32 is x·y + z rounded once to float32 (round to nearest even), as
// VFMADD231PS computes it. math.FMA rounds the exact value to float64 once;
// rounding that to float32 is the same unless it fell exactly halfway
// between two float32 values (its low 29 significand bits 1 followed by
// zeros), where the exact value decides: then big.Float adds the product,
// exact in 53 bits, and rounds to 24 bits once.
type fma32 struct{ x, y, p, s big.Float }

func (f *fma32) fma(x, y, z float32) float32 {
	r := math.FMA(float64(x), float64(y), float64(z))
	if math.Float64bits(r)&(1<<29-1) != 1<<28 {
		return float32(r)
	}
	f.x.SetFloat64(float64(x))
	f.y.SetFloat64(float64(y))
	f.p.SetPrec(53).Mul(&f.x, &f.y)
	f.y.SetFloat64(float64(z))
	v, _ := f.s.SetPrec(24).SetMode(big.ToNearestEven).Add(&f.p, &f.y).Float32()
	return v
}

// orderedMulAdd is the product's order of operations, which runs and
// checkpoints depend on bit for bit: on the kernel, C's rows [0, m − m mod
// 4) take one fused multiply-add per inner index l ascending, starting from
// C for the columns [0, n − n mod 4) and from zero for the last n mod 4
// (whose sum is then added to C); the last m mod 4 rows multiply and add
// separately, l ascending.
func orderedMulAdd(c, a, b Matrix) {
	var f fma32
	m, n, k := c.Rows, c.Cols, a.Cols
	for i := range m {
		for j := range n {
			at := func(l int) (float32, float32) {
				return a.Data[i*a.RowStride+l*a.ColStride], b.Data[l*b.RowStride+j]
			}
			ci := &c.Data[i*c.RowStride+j]
			switch {
			case i >= m&^3 || !useKernel:
				for l := range k {
					x, y := at(l)
					*ci += x * y
				}
			case j >= n&^3:
				var s float32
				for l := range k {
					x, y := at(l)
					s = f.fma(x, y, s)
				}
				*ci += s
			default:
				for l := range k {
					x, y := at(l)
					*ci = f.fma(x, y, *ci)
				}
			}
		}
	}
}

// TestMulAddOrder checks that MulAdd gives exactly the bits of
// orderedMulAdd on every combination of orderSizes, with A transposed or
// not and the rows of every operand padded, and Mul those of orderedMulAdd
// on a cleared C: on the kernel, on the kernel with every product split
// between two goroutines, and in Go. MulAdd's values are also checked
// against float64 sums (near64).
func TestMulAddOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	savedKernel, savedWork := useKernel, parallelWork
	defer func() { useKernel, parallelWork = savedKernel, savedWork }()
	for _, run := range []struct {
		name   string
		kernel bool
		work   int
	}{{"kernel", savedKernel, savedWork}, {"kernel, every product split", savedKernel, 0}, {"Go", false, savedWork}} {
		useKernel, parallelWork = run.kernel, run.work
		for _, m := range orderSizes {
			for _, n := range orderSizes {
				for _, k := range orderSizes {
					for _, transA := range []bool{false, true} {
						what := fmt.Sprintf("%s: %d×%d×%d, transposed A %t", run.name, m, n, k, transA)
						a, b, c := operands(rng, m, n, k, transA, 3)
						want := Matrix{Data: append([]float32(nil), c.Data...), Rows: m, Cols: n, RowStride: c.RowStride, ColStride: 1}
						c0 := append([]float32(nil), c.Data...)
						orderedMulAdd(want, a, b)
						MulAdd(c, a, b)
						equalBits(t, "MulAdd "+what, c, want)
						near64(t, "MulAdd "+what, c, c0, a, b)
						// Mul: C's values are never read (NaN here), and the
						// result is MulAdd's on a cleared C.
						for i := range m {
							for j := range n {
								c.Data[i*c.RowStride+j] = float32(math.NaN())
								want.Data[i*c.RowStride+j] = 0
							}
						}
						orderedMulAdd(want, a, b)
						Mul(c, a, b)
						equalBits(t, "Mul "+what, c, want)
					}
				}
			}
		}
	}
}

// TestSgemmOrder checks Implementation.Sgemm at alpha 1, the graphs'
// products, bit for bit against beta·C followed by orderedMulAdd on op(B)
// written out, for every transpose and beta 0, 1 and 0.5, on shapes of the
// benchmark networks and ones that take the chunks of the inner dimension
// and the packing of B with its padded columns (with 10 columns: the 8×10
// kernel's last columns carried from chunk to chunk, blocks of 8 rows with
// 6 or 4 after them, the product split into halves, 60×10×900 into halves
// of 30 rows whose last block of 6 carries its last columns from chunk to
// chunk; 130×32×300: the second chunk's panels of packed B in one call).
func TestSgemmOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	for _, s := range [][3]int{{60, 100, 784}, {100, 100, 60}, {60, 10, 100}, {13, 27, 9}, {5, 4, 3}, {32, 196, 400}, {25, 784, 16}, {13, 10, 600}, {30, 7, 257}, {130, 100, 90}, {200, 45, 200}, {100, 10, 60}, {60, 100, 10}, {44, 10, 520}, {150, 10, 1000}, {1000, 10, 100}, {130, 32, 300}, {60, 10, 900}} {
		m, n, k := s[0], s[1], s[2]
		for _, tA := range []blas.Transpose{blas.NoTrans, blas.Trans} {
			for _, tB := range []blas.Transpose{blas.NoTrans, blas.Trans} {
				for _, beta := range []float32{0, 1, 0.5} {
					a, b, c := operands(rng, m, n, k, tA == blas.Trans, 2)
					lda := a.RowStride
					if tA == blas.Trans {
						lda = a.ColStride
					}
					bData, ldb := b.Data, b.RowStride
					if tB == blas.Trans {
						ldb = k + 1
						bData = randoms(rng, n*ldb)
						b = Matrix{Data: make([]float32, k*n), Rows: k, Cols: n, RowStride: n, ColStride: 1}
						for l := range k {
							for j := range n {
								b.Data[l*n+j] = bData[j*ldb+l]
							}
						}
					}
					want := Matrix{Data: append([]float32(nil), c.Data...), Rows: m, Cols: n, RowStride: c.RowStride, ColStride: 1}
					for i := range m {
						for j := range n {
							want.Data[i*want.RowStride+j] *= beta
							if beta == 0 {
								want.Data[i*want.RowStride+j] = 0
							}
						}
					}
					orderedMulAdd(want, a, b)
					Implementation{}.Sgemm(tA, tB, m, n, k, 1, a.Data, lda, bData, ldb, beta, c.Data, c.RowStride)
					equalBits(t, fmt.Sprintf("%d×%d×%d %v %v beta %g", m, n, k, tA, tB, beta), c, want)
				}
			}
		}
	}
}

// near64 checks C against C0 + A·B summed in float64: within the bound of
// k + 2 float32 roundings of the sums, (k + 2)·2⁻²³·(|C0| + Σ|a·b|) (twice
// the bound of recursive summation, one rounding per product and sum, with
// one more for the last columns' separate block). It checks the values
// themselves, independently of orderedMulAdd.
func near64(t *testing.T, what string, c Matrix, c0 []float32, a, b Matrix) {
	t.Helper()
	for i := range c.Rows {
		for j := range c.Cols {
			at := i*c.RowStride + j
			ref, scale := float64(c0[at]), math.Abs(float64(c0[at]))
			for l := range a.Cols {
				p := float64(a.Data[i*a.RowStride+l*a.ColStride]) * float64(b.Data[l*b.RowStride+j])
				ref += p
				scale += math.Abs(p)
			}
			if got := float64(c.Data[at]); math.Abs(got-ref) > float64(a.Cols+2)*0x1p-23*scale {
				t.Fatalf("%s: C[%d,%d] = %g, float64 gives %g", what, i, j, got, ref)
			}
		}
	}
}

// equalBits fails the test unless got and want hold the same bits
// everywhere, the padding included.
func equalBits(t *testing.T, what string, got, want Matrix) {
	t.Helper()
	for i, v := range got.Data {
		if math.Float32bits(v) != math.Float32bits(want.Data[i]) {
			t.Fatalf("%s: C[%d,%d] = %g (%#x), the order gives %g (%#x)", what, i/got.RowStride, i%got.RowStride,
				v, math.Float32bits(v), want.Data[i], math.Float32bits(want.Data[i]))
		}
	}
}

// operands returns random A (m×k, transposed in memory if transA), B (k×n)
// and C (m×n), each row padded by pad elements that the product must not
// read or write.
func operands(rng *rand.Rand, m, n, k int, transA bool, pad int) (a, b, c Matrix) {
	a = Matrix{Data: randoms(rng, m*(k+pad)), Rows: m, Cols: k, RowStride: k + pad, ColStride: 1}
	if transA {
		a = Matrix{Data: randoms(rng, k*(m+pad)), Rows: m, Cols: k, RowStride: 1, ColStride: m + pad}
	}
	b = Matrix{Data: randoms(rng, k*(n+pad)), Rows: k, Cols: n, RowStride: n + pad, ColStride: 1}
	c = Matrix{Data: randoms(rng, m*(n+pad)), Rows: m, Cols: n, RowStride: n + pad, ColStride: 1}
	return a, b, c
}

// TestFMA32 checks fma32 against big.Float alone on random operands of many
// magnitudes and on sums built to lie just inside a float32 tie, where
// rounding to float64 first would round the wrong way.
func TestFMA32(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 10))
	var f fma32
	exact := func(x, y, z float32) float32 {
		var bx, by, p, s big.Float
		bx.SetFloat64(float64(x))
		by.SetFloat64(float64(y))
		p.SetPrec(53).Mul(&bx, &by)
		by.SetFloat64(float64(z))
		v, _ := s.SetPrec(24).SetMode(big.ToNearestEven).Add(&p, &by).Float32()
		return v
	}
	for i := range 200000 {
		x := float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(20)-10)))
		y := float32(rng.NormFloat64())
		z := float32(rng.NormFloat64() * math.Exp2(float64(rng.IntN(60)-30)))
		if i%2 == 1 {
			// x·y = ±u/2·(1 − 2⁻⁴⁶) with u the ulp of z: the exact sum lies
			// just inside a float32 tie, which its float64 rounding reaches.
			z = math.Float32frombits(math.Float32bits(z) | 1)
			u := float64(math.Nextafter32(z, float32(math.Inf(1))) - z)
			x, y = 1+0x1p-23, float32((1-0x1p-23)*u/2)
			if rng.IntN(2) == 0 {
				y = -y
			}
		}
		if got, want := f.fma(x, y, z), exact(x, y, z); got != want {
			t.Fatalf("fma32(%g, %g, %g) = %g, exact %g", x, y, z, got, want)
		}
	}
}
