package layers

import (
	"math/rand/v2"
	"testing"

	"deepopt/internal/gradcheck"

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
