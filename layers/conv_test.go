package layers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"deepopt/internal/densedata"
	"deepopt/internal/gradcheck"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// convGeometry is one convolution configuration under test.
type convGeometry struct {
	n, inC, h, w, outC, kernel, stride, padding int
}

var convGeometries = []convGeometry{
	{2, 2, 5, 5, 3, 3, 1, 0},
	{2, 2, 5, 5, 3, 3, 1, 1},
	{2, 2, 5, 6, 3, 3, 2, 0},
	{2, 2, 6, 5, 3, 3, 2, 1},
	{1, 2, 3, 3, 2, 3, 1, 0},
	{3, 1, 4, 4, 2, 1, 2, 0},
}

// naiveConv is the textbook cross-correlation with zero padding, written
// independently of Gorgonia as the forward reference.
func naiveConv(x, w, b []float64, c convGeometry) []float64 {
	oh := (c.h+2*c.padding-c.kernel)/c.stride + 1
	ow := (c.w+2*c.padding-c.kernel)/c.stride + 1
	out := make([]float64, c.n*c.outC*oh*ow)
	for n := range c.n {
		for o := range c.outC {
			for i := range oh {
				for j := range ow {
					sum := b[o]
					for ci := range c.inC {
						for ki := range c.kernel {
							for kj := range c.kernel {
								r, s := i*c.stride+ki-c.padding, j*c.stride+kj-c.padding
								if r < 0 || r >= c.h || s < 0 || s >= c.w {
									continue
								}
								sum += x[((n*c.inC+ci)*c.h+r)*c.w+s] * w[((o*c.inC+ci)*c.kernel+ki)*c.kernel+kj]
							}
						}
					}
					out[((n*c.outC+o)*oh+i)*ow+j] = sum
				}
			}
		}
	}
	return out
}

// TestConv2DForward compares the layer with naiveConv for padding 0 and 1
// and stride 1 and 2, with a non-zero bias.
func TestConv2DForward(t *testing.T) {
	for _, c := range convGeometries {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			g := G.NewGraph()
			conv, err := NewConv2D(g, "conv", c.inC, c.outC, c.kernel, c.stride, c.padding, tensor.Float64, HeNormal(), rng)
			if err != nil {
				t.Fatal(err)
			}
			bias := normals(rng, c.outC)
			setValues(conv.Params()[1], bias)
			xs := normals(rng, c.n*c.inC*c.h*c.w)
			y, err := conv.Forward(input(g, "x", tensor.Float64, xs, c.n, c.inC, c.h, c.w), true)
			if err != nil {
				t.Fatal(err)
			}
			if want := conv.OutputShape(c.n, c.h, c.w); !y.Shape().Eq(tensor.Shape(want[:])) {
				t.Fatalf("output shape %v, OutputShape says %v", y.Shape(), want)
			}
			want := naiveConv(xs, conv.Params()[0].Value().Data().([]float64), bias, c)
			assertClose(t, "conv", forward(t, g, y)[0], want, 1e-13)
		})
	}
}

// TestConv2DGradient checks ∂/∂x, ∂/∂W and ∂/∂b against central differences
// for padding 0 and 1 and stride 1 and 2.
func TestConv2DGradient(t *testing.T) {
	for _, c := range convGeometries {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(5, 6))
			err := gradcheck.Check(func(g *G.ExprGraph) (*G.Node, G.Nodes, error) {
				conv, err := NewConv2D(g, "conv", c.inC, c.outC, c.kernel, c.stride, c.padding, tensor.Float64, Gaussian(1), rng)
				if err != nil {
					return nil, nil, err
				}
				x := gradcheck.Leaf(g, "x", rng, 1, c.n, c.inC, c.h, c.w)
				y, err := conv.Forward(x, true)
				if err != nil {
					return nil, nil, err
				}
				loss, err := gradcheck.Project(y, rng)
				return loss, append(G.Nodes{x}, conv.Params()...), err
			}, 1e-6, 1e-7)
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// TestConv2DParams checks names, shapes and the fan-in/fan-out given to the
// initialiser: He normal on a (4, 3, 5, 5) kernel must have std √(2/75).
func TestConv2DParams(t *testing.T) {
	conv, err := NewConv2D(G.NewGraph(), "conv1", 3, 4, 5, 1, 2, tensor.Float64, HeNormal(), rand.New(rand.NewPCG(9, 9)))
	if err != nil {
		t.Fatal(err)
	}
	p := conv.Params()
	if p[0].Name() != "conv1.W" || p[1].Name() != "conv1.b" || !p[0].Shape().Eq(tensor.Shape{4, 3, 5, 5}) || !p[1].Shape().Eq(tensor.Shape{4}) {
		t.Fatalf("params %s %v, %s %v; want conv1.W (4, 3, 5, 5), conv1.b (4)", p[0].Name(), p[0].Shape(), p[1].Name(), p[1].Shape())
	}
	want := make([]float64, 300)
	if err := HeNormal().Draw(want, 75, 100, rand.New(rand.NewPCG(9, 9))); err != nil {
		t.Fatal(err)
	}
	assertClose(t, "W", toFloat64s(p[0].Value().Data()), want, 0)
}

// TestConv2DFloat32MatchesFloat64 runs the forward pass and the three
// gradients of a loss Σ r·y (r fixed and random) in float32 and float64
// from one seed, on geometries large enough for the float32 product's
// vector kernel and for both halves of the batch (odd batches, channel
// counts that are not multiples of the kernel's 16 columns, stride 2), and
// checks that they agree to float32 precision (1e-4 of 1 + |value|; the
// sums run over up to 400 products).
func TestConv2DFloat32MatchesFloat64(t *testing.T) {
	for _, c := range []convGeometry{
		{5, 3, 12, 12, 16, 5, 1, 2},
		{4, 16, 7, 9, 20, 5, 1, 2},
		{3, 2, 11, 10, 8, 3, 2, 1},
	} {
		t.Run(fmt.Sprintf("%+v", c), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 3))
			xs := normals(rng, c.n*c.inC*c.h*c.w)
			out := c.n * c.outC * ConvOutputSize(c.h, c.kernel, c.stride, c.padding) * ConvOutputSize(c.w, c.kernel, c.stride, c.padding)
			rs := normals(rng, out)
			run := func(dt tensor.Dtype) [][]float64 {
				g := G.NewGraph()
				conv, err := NewConv2D(g, "conv", c.inC, c.outC, c.kernel, c.stride, c.padding, dt, HeNormal(), rand.New(rand.NewPCG(1, 2)))
				if err != nil {
					t.Fatal(err)
				}
				x := input(g, "x", dt, xs, c.n, c.inC, c.h, c.w)
				y, err := conv.Forward(x, true)
				if err != nil {
					t.Fatal(err)
				}
				r := input(g, "r", dt, rs, y.Shape()...)
				loss := G.Must(G.Sum(G.Must(G.HadamardProd(y, r))))
				grads, err := G.Grad(loss, append(G.Nodes{x}, conv.Params()...)...)
				if err != nil {
					t.Fatal(err)
				}
				return forward(t, g, append(G.Nodes{y}, grads...)...)
			}
			single, double := run(tensor.Float32), run(tensor.Float64)
			for i, what := range []string{"y", "∂/∂x", "∂/∂W", "∂/∂b"} {
				assertClose(t, what, single[i], double[i], 1e-4)
			}
		})
	}
}

// BenchmarkConvOps times each operation of the benchmark CNN's two
// convolution stages (configs/mnist-cnn-bn.yaml at batch 60, float32) on its
// own: the convolution, its three gradients and the max-pooling that
// follows, forward and backward.
func BenchmarkConvOps(b *testing.B) {
	stages := []convShape{
		{n: 60, c: 1, h: 28, w: 28, oc: 16, k: 5, stride: 1, pad: 2, oh: 28, ow: 28},
		{n: 60, c: 16, h: 14, w: 14, oc: 32, k: 5, stride: 1, pad: 2, oh: 14, ow: 14},
	}
	for i, g := range stages {
		rng := rand.New(rand.NewPCG(1, uint64(i)))
		tensorOf := func(shape ...int) *tensor.Dense {
			t := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
			data := t.Data().([]float32)
			for j, v := range normals(rng, len(data)) {
				data[j] = float32(max(v, 0)) // ReLU outputs, ties at 0
			}
			return t
		}
		x, w, bias := tensorOf(g.n, g.c, g.h, g.w), tensorOf(g.oc, g.c, g.k, g.k), tensorOf(g.oc)
		y, dy := tensorOf(g.n, g.oc, g.oh, g.ow), tensorOf(g.n, g.oc, g.oh, g.ow)
		conv := &convOp{g: g}
		pg := convShape{n: g.n, c: g.oc, h: g.oh, w: g.ow, oc: g.oc, k: 2, stride: 2, oh: g.oh / 2, ow: g.ow / 2}
		pool := &maxPoolOp{g: pg}
		ops := []struct {
			op     G.Op
			inputs []G.Value
		}{
			{conv, []G.Value{x, w, bias}},
			{&convGradOp{forward: conv, wrt: convX}, []G.Value{w, dy}},
			{&convGradOp{forward: conv, wrt: convW}, []G.Value{x, dy}},
			{&convGradOp{forward: conv, wrt: convB}, []G.Value{dy}},
			{pool, []G.Value{y}},
			{&maxPoolGradOp{forward: pool}, []G.Value{tensorOf(pg.n, pg.c, pg.oh, pg.ow)}},
		}
		for _, o := range ops {
			b.Run(fmt.Sprintf("stage%d/%v", i+1, o.op), func(b *testing.B) {
				for b.Loop() {
					if _, err := o.op.Do(o.inputs...); err != nil {
						b.Fatal(err)
					}
				}
			})
		}
	}
}

// transpose gives mᵀ for row counts below, at and above the four rows it
// takes at a time.
func TestTranspose(t *testing.T) {
	for _, s := range [][2]int{{1, 5}, {3, 4}, {4, 3}, {9, 7}} {
		rows, cols := s[0], s[1]
		m := make([]float64, rows*cols)
		for i := range m {
			m[i] = float64(i)
		}
		got := make([]float64, len(m))
		transpose(got, m, rows, cols)
		for r := range rows {
			for c := range cols {
				if got[c*rows+r] != m[r*cols+c] {
					t.Fatalf("%d×%d: element (%d, %d) of the transpose is %v, want %v", rows, cols, c, r, got[c*rows+r], m[r*cols+c])
				}
			}
		}
	}
}

// addRowSums gives the bits of summing each row in order from zero, for
// row counts below, at and above the four it takes at a time.
func TestAddRowSums(t *testing.T) {
	rng := rand.New(rand.NewPCG(2, 7))
	for rows := 1; rows <= 9; rows++ {
		const cols = 37
		m, s := make([]float32, rows*cols), make([]float32, rows)
		for i := range m {
			m[i] = float32(rng.NormFloat64() * math.Pow(10, float64(rng.IntN(7)-3)))
		}
		for i := range s {
			s[i] = float32(rng.NormFloat64())
		}
		want := slices.Clone(s)
		for r := range rows {
			var sum float32
			for _, v := range m[r*cols : (r+1)*cols] {
				sum += v
			}
			want[r] += sum
		}
		addRowSums(s, m, cols)
		for r := range rows {
			if math.Float32bits(s[r]) != math.Float32bits(want[r]) {
				t.Fatalf("%d rows: sum of row %d is %v, want %v", rows, r, s[r], want[r])
			}
		}
	}
}

// A float32 ∂J/∂W, whose product takes dy_n transposed by a flag, has the
// bits of the same product on dyᵀ_n copied by transpose (one example, so
// that the result is one product's).
func TestConvWeightGradientTransposedByProduct(t *testing.T) {
	for _, g := range []convShape{
		{n: 1, c: 2, h: 6, w: 6, oc: 8, k: 3, stride: 1, pad: 1, oh: 6, ow: 6},
		{n: 1, c: 3, h: 14, w: 14, oc: 16, k: 5, stride: 1, pad: 2, oh: 14, ow: 14},
	} {
		rng := rand.New(rand.NewPCG(5, uint64(g.oc)))
		random := func(shape ...int) *tensor.Dense {
			d := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
			for i, v := range normals(rng, len(d.Data().([]float32))) {
				d.Data().([]float32)[i] = float32(v)
			}
			return d
		}
		x, dy := random(g.n, g.c, g.h, g.w), random(g.n, g.oc, g.oh, g.ow)
		v, err := (&convGradOp{forward: &convOp{g: g}, wrt: convW}).Do(x, dy)
		if err != nil {
			t.Fatal(err)
		}
		got := v.(*tensor.Dense).Data().([]float32)
		patch, area := g.patch(), g.area()
		rows := (patch + 3) &^ 3
		col, dyT, want := make([]float32, rows*area), make([]float32, area*g.oc), make([]float32, rows*g.oc)
		var buf densedata.Output
		im2colT(g, col, padded(g, &buf, x.Data().([]float32)))
		transpose(dyT, dy.Data().([]float32), g.oc, area)
		gemmSlices(false, false, rows, g.oc, area, col, dyT, 1, want)
		for q := range patch {
			for o := range g.oc {
				if math.Float32bits(got[o*patch+q]) != math.Float32bits(want[q*g.oc+o]) {
					t.Fatalf("%+v: ∂J/∂W[%d, %d] = %v, want %v", g, o, q, got[o*patch+q], want[q*g.oc+o])
				}
			}
		}
	}
}
