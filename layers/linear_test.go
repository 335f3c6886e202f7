package layers

import (
	"math"
	"math/rand/v2"
	"testing"

	"deepopt/internal/gradcheck"

	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestLinearForward compares x·W + b with a direct triple loop, with a
// non-zero bias so the broadcast over the batch is exercised.
func TestLinearForward(t *testing.T) {
	const n, in, out = 3, 4, 2
	rng := rand.New(rand.NewPCG(1, 2))
	g := G.NewGraph()
	l, err := NewLinear(g, "fc", in, out, tensor.Float64, GlorotUniform(), rng)
	if err != nil {
		t.Fatal(err)
	}
	bias := []float64{0.5, -1.5}
	setValues(l.Params()[1], bias)
	xs := normals(rng, n*in)
	y, err := l.Forward(input(g, "x", tensor.Float64, xs, n, in), true)
	if err != nil {
		t.Fatal(err)
	}
	w := l.Params()[0].Value().Data().([]float64)
	want := make([]float64, n*out)
	for i := range n {
		for j := range out {
			want[i*out+j] = bias[j]
			for k := range in {
				want[i*out+j] += xs[i*in+k] * w[k*out+j]
			}
		}
	}
	assertClose(t, "x·W+b", forward(t, g, y)[0], want, 1e-14)
}

// TestLinearGradient checks ∂/∂x, ∂/∂W and ∂/∂b against central differences.
func TestLinearGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	err := gradcheck.Check(func(g *G.ExprGraph) (*G.Node, G.Nodes, error) {
		l, err := NewLinear(g, "fc", 5, 3, tensor.Float64, Gaussian(1), rng)
		if err != nil {
			return nil, nil, err
		}
		x := gradcheck.Leaf(g, "x", rng, 1, 4, 5)
		y, err := l.Forward(x, true)
		if err != nil {
			return nil, nil, err
		}
		loss, err := gradcheck.Project(y, rng)
		return loss, append(G.Nodes{x}, l.Params()...), err
	}, 1e-6, 1e-7)
	if err != nil {
		t.Fatal(err)
	}
}

// TestLinearParams checks the parameters' names, shapes and initial
// values: W drawn by the initialiser from the seed, b zero, and the float32
// model holding the float64 model's numbers rounded to float32.
func TestLinearParams(t *testing.T) {
	build := func(dt tensor.Dtype) *Linear {
		l, err := NewLinear(G.NewGraph(), "fc1", 3, 2, dt, HeNormal(), rand.New(rand.NewPCG(5, 6)))
		if err != nil {
			t.Fatal(err)
		}
		return l
	}
	l64, l32 := build(tensor.Float64), build(tensor.Float32)
	want := make([]float64, 6)
	if err := HeNormal().Draw(want, 3, 2, rand.New(rand.NewPCG(5, 6))); err != nil {
		t.Fatal(err)
	}
	p := l64.Params()
	if p[0].Name() != "fc1.W" || p[1].Name() != "fc1.b" || !p[0].Shape().Eq(tensor.Shape{3, 2}) || !p[1].Shape().Eq(tensor.Shape{2}) {
		t.Fatalf("params %s %v, %s %v; want fc1.W (3, 2), fc1.b (2)", p[0].Name(), p[0].Shape(), p[1].Name(), p[1].Shape())
	}
	assertClose(t, "W", toFloat64s(p[0].Value().Data()), want, 0)
	assertClose(t, "b", toFloat64s(p[1].Value().Data()), []float64{0, 0}, 0)
	w32 := l32.Params()[0].Value().Data().([]float32)
	for i, v := range want {
		if w32[i] != float32(v) {
			t.Fatalf("float32 W[%d] = %g, want float32(%g)", i, w32[i], v)
		}
	}
}

// TestSumRowsOrder checks the bias gradient's column sums against the
// plain loop over the rows, s_j = ((0 + dy_0j) + dy_1j) + ..., bit for bit,
// at widths on both sides of the axpy path's 32 and on values of mixed
// magnitudes and signs with signed zeros, in float32 and float64.
func TestSumRowsOrder(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	draw := func() float64 {
		switch rng.IntN(8) {
		case 0:
			return math.Copysign(0, -1)
		case 1:
			return 0
		}
		return rng.NormFloat64() * math.Pow(10, float64(rng.IntN(9)-4))
	}
	for _, k := range []int{1, 2, 3, 4, 5, 7, 8, 10, 13, 31, 32, 40} {
		for _, n := range []int{1, 2, 3, 7, 60} {
			dy64 := make([]float64, n*k)
			dy32 := make([]float32, n*k)
			for i := range dy64 {
				dy64[i] = draw()
				dy32[i] = float32(dy64[i])
			}
			checkSumRows(t, k, dy64, blas64.Implementation().Daxpy)
			checkSumRows(t, k, dy32, blas32.Implementation().Saxpy)
		}
	}
}

// checkSumRows compares sumRows of the rows of k values of dy with the
// loop over the rows.
func checkSumRows[T float32 | float64](t *testing.T, k int, dy []T, axpy func(n int, alpha T, x []T, incX int, y []T, incY int)) {
	t.Helper()
	want := make([]T, k)
	for i := 0; i < len(dy); i += k {
		for j := range want {
			want[j] += dy[i+j]
		}
	}
	got := make([]T, k)
	for j := range got {
		got[j] = 1 // sumRows must not add to what s held
	}
	sumRows(got, dy, axpy)
	for j := range want {
		if math.Float64bits(float64(got[j])) != math.Float64bits(float64(want[j])) {
			t.Fatalf("%T, %d rows of %d: column %d sums to %v, the loop over the rows to %v", dy[0], len(dy)/k, k, j, got[j], want[j])
		}
	}
}
