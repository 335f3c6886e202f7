package softmax

import (
	"math"
	"math/rand/v2"
	"testing"
)

// logits returns n rows of k float32 logits: mostly normal values of
// random scale (up to e^±6), with rows holding ties, −0, a value more
// than 708 below the row's maximum, −Inf, +Inf or NaN mixed in, which
// send their group of four rows to Go.
func logits(rng *rand.Rand, n, k int) []float32 {
	z := make([]float32, n*k)
	for i := range n {
		scale := math.Exp(6 * rng.NormFloat64())
		row := z[i*k : (i+1)*k]
		for j := range row {
			row[j] = float32(scale * rng.NormFloat64())
		}
		switch rng.IntN(40) {
		case 0:
			row[rng.IntN(k)] = row[0] // a tie
		case 1:
			row[rng.IntN(k)] = float32(math.Copysign(0, -1))
		case 2:
			row[rng.IntN(k)] = -1e4
		case 3:
			row[rng.IntN(k)] = float32(math.Inf(-1))
		case 4:
			row[rng.IntN(k)] = float32(math.Inf(1))
		case 5:
			row[rng.IntN(k)] = float32(math.NaN())
		}
	}
	return z
}

// targets returns n rows of k targets: one-hot rows, soft rows summing to
// about 1, and rows of any sign and sum.
func targets(rng *rand.Rand, n, k int) []float32 {
	t := make([]float32, n*k)
	for i := range n {
		row := t[i*k : (i+1)*k]
		switch rng.IntN(3) {
		case 0:
			row[rng.IntN(k)] = 1
		case 1:
			for j := range row {
				row[j] = rng.Float32() * 2 / float32(k)
			}
		default:
			for j := range row {
				row[j] = float32(rng.NormFloat64())
			}
		}
	}
	return t
}

// same is whether x and y have the same bits (every NaN counting as one).
func same(x, y float64) bool {
	return math.Float64bits(x) == math.Float64bits(y) || math.IsNaN(x) && math.IsNaN(y)
}

// TestKernelsAreGo checks that Sums and Gradient on float32 values, the
// kernels where the processor runs them, give exactly the bits of the Go
// loops (rowSums, gradientRow) on every row: for 0–13 rows (tails of 1–3
// rows after the groups of four) of 1–12, 31 and 100 classes, on the
// values of logits and targets.
func TestKernelsAreGo(t *testing.T) {
	if !useKernel {
		t.Log("no AVX2: Sums and Gradient run in Go alone")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	for _, k := range []int{1, 2, 3, 4, 5, 7, 8, 9, 10, 11, 12, 31, 100} {
		for n := range 14 {
			for range 20 {
				z, tg := logits(rng, n, k), targets(rng, n, k)
				s, dot, mass := make([]float64, n), make([]float64, n), make([]float64, n)
				Sums(s, dot, mass, z, tg, k)
				out, e := make([]float32, n*k), make([]float64, 4*k)
				scale := rng.NormFloat64()
				Gradient(out, z, tg, k, scale, e)
				want, we := make([]float32, k), make([]float64, k)
				for i := range n {
					zi, ti := z[i*k:(i+1)*k], tg[i*k:(i+1)*k]
					ws, wd, wm := rowSums(zi, ti)
					if !same(s[i], ws) || !same(dot[i], wd) || !same(mass[i], wm) {
						t.Fatalf("k %d, row %d of %d, z %v, t %v: Sums %v, %v, %v; Go %v, %v, %v", k, i, n, zi, ti, s[i], dot[i], mass[i], ws, wd, wm)
					}
					gradientRow(want, zi, ti, scale, we)
					for j, v := range want {
						if !same(float64(out[i*k+j]), float64(v)) {
							t.Fatalf("k %d, row %d of %d, z %v, t %v, scale %v: Gradient %v; Go %v", k, i, n, zi, ti, scale, out[i*k:(i+1)*k], want)
						}
					}
				}
			}
		}
	}
}

// TestAgainstDefinition compares Sums, Gradient and LogGradient in float64
// with the definitions computed without the shift by the row maximum, on
// logits small enough for that: s·e^m = Σ e^z, dot + mass·m = Σ t·z, and
// the gradients (softmax(z)·Σt − t)·scale and −scale·log softmax(z),
// within 1e-12 relative.
func TestAgainstDefinition(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	const n, k = 7, 5
	z, tg := make([]float64, n*k), make([]float64, n*k)
	for i := range z {
		z[i], tg[i] = 3*rng.NormFloat64(), rng.Float64()
	}
	s, dot, mass := make([]float64, n), make([]float64, n), make([]float64, n)
	Sums(s, dot, mass, z, tg, k)
	grad, logGrad := make([]float64, n*k), make([]float64, n*k)
	const scale = 0.7
	Gradient(grad, z, tg, k, scale, make([]float64, 4*k))
	LogGradient(logGrad, z, k, scale)
	near := func(got, want float64) bool { return math.Abs(got-want) <= 1e-12*(1+math.Abs(want)) }
	for i := range n {
		zi, ti := z[i*k:(i+1)*k], tg[i*k:(i+1)*k]
		m := rowMax(zi)
		var sumExp, sumTZ, sumT float64
		for j := range zi {
			sumExp += math.Exp(zi[j])
			sumTZ += ti[j] * zi[j]
			sumT += ti[j]
		}
		if !near(s[i]*math.Exp(m), sumExp) || !near(dot[i]+mass[i]*m, sumTZ) || !near(mass[i], sumT) {
			t.Errorf("row %d: s·e^m %v, dot + mass·m %v, mass %v; want %v, %v, %v", i, s[i]*math.Exp(m), dot[i]+mass[i]*m, mass[i], sumExp, sumTZ, sumT)
		}
		for j := range zi {
			p := math.Exp(zi[j]) / sumExp
			if g := grad[i*k+j]; !near(g, (p*sumT-ti[j])*scale) {
				t.Errorf("row %d, class %d: gradient %v, want %v", i, j, g, (p*sumT-ti[j])*scale)
			}
			if g := logGrad[i*k+j]; !near(g, -scale*math.Log(p)) {
				t.Errorf("row %d, class %d: log gradient %v, want %v", i, j, g, -scale*math.Log(p))
			}
		}
	}
}

// BenchmarkSums and BenchmarkGradient time a head's softmax cross-entropy
// at batch 60 and 10 classes, ns per logit.
func BenchmarkSums(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	z, tg := make([]float32, 600), targets(rng, 60, 10)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	s, dot, mass := make([]float64, 60), make([]float64, 60), make([]float64, 60)
	for b.Loop() {
		Sums(s, dot, mass, z, tg, 10)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(z)), "ns/logit")
}

func BenchmarkGradient(b *testing.B) {
	rng := rand.New(rand.NewPCG(5, 6))
	z, tg := make([]float32, 600), targets(rng, 60, 10)
	for i := range z {
		z[i] = float32(rng.NormFloat64())
	}
	out, e := make([]float32, 600), make([]float64, 40)
	for b.Loop() {
		Gradient(out, z, tg, 10, 1.0/60, e)
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*len(z)), "ns/logit")
}
