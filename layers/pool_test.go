package layers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"deepopt/internal/gradcheck"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// poolGeometry is one max-pooling configuration under test.
type poolGeometry struct {
	n, c, h, w, kernel, stride, padding int
}

var poolGeometries = []poolGeometry{
	{2, 2, 4, 4, 2, 2, 0},
	{2, 2, 5, 5, 2, 2, 0},
	{1, 2, 5, 4, 3, 2, 1},
	{1, 1, 5, 5, 3, 1, 0},
}

// distinctValues returns n values that are a shuffled, scaled 0..n−1, so
// every pooling window has a unique maximum with a gap of 0.1 to the runner-
// up: finite differences with h ≤ 1e-6 never change the winner.
func distinctValues(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i, p := range rng.Perm(n) {
		v[i] = 0.1*float64(p) - 0.05*float64(n)
	}
	return v
}

// naiveMaxPool is the direct definition with padding that never wins.
func naiveMaxPool(x []float64, p poolGeometry) []float64 {
	oh := (p.h+2*p.padding-p.kernel)/p.stride + 1
	ow := (p.w+2*p.padding-p.kernel)/p.stride + 1
	out := make([]float64, 0, p.n*p.c*oh*ow)
	for nc := range p.n * p.c {
		for i := range oh {
			for j := range ow {
				best := math.Inf(-1)
				for ki := range p.kernel {
					for kj := range p.kernel {
						r, s := i*p.stride+ki-p.padding, j*p.stride+kj-p.padding
						if r >= 0 && r < p.h && s >= 0 && s < p.w {
							best = math.Max(best, x[(nc*p.h+r)*p.w+s])
						}
					}
				}
				out = append(out, best)
			}
		}
	}
	return out
}

// TestMaxPool2DForward compares the layer with naiveMaxPool.
func TestMaxPool2DForward(t *testing.T) {
	for _, p := range poolGeometries {
		t.Run(fmt.Sprintf("%+v", p), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(1, 2))
			g := G.NewGraph()
			pool := NewMaxPool2D("pool", p.kernel, p.stride, p.padding)
			xs := normals(rng, p.n*p.c*p.h*p.w)
			y, err := pool.Forward(input(g, "x", tensor.Float64, xs, p.n, p.c, p.h, p.w), true)
			if err != nil {
				t.Fatal(err)
			}
			if want := pool.OutputShape(p.n, p.c, p.h, p.w); !y.Shape().Eq(tensor.Shape(want[:])) {
				t.Fatalf("output shape %v, OutputShape says %v", y.Shape(), want)
			}
			assertClose(t, "maxpool", forward(t, g, y)[0], naiveMaxPool(xs, p), 0)
		})
	}
}

// TestMaxPool2DGradient checks ∂/∂x against central differences with
// h = 1e-6 on inputs whose windows have unique maxima.
func TestMaxPool2DGradient(t *testing.T) {
	for _, p := range poolGeometries {
		t.Run(fmt.Sprintf("%+v", p), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(3, 4))
			err := gradcheck.Check(func(g *G.ExprGraph) (*G.Node, G.Nodes, error) {
				x := input(g, "x", tensor.Float64, distinctValues(rng, p.n*p.c*p.h*p.w), p.n, p.c, p.h, p.w)
				y, err := NewMaxPool2D("pool", p.kernel, p.stride, p.padding).Forward(x, true)
				if err != nil {
					return nil, nil, err
				}
				loss, err := gradcheck.Project(y, rng)
				return loss, G.Nodes{x}, err
			}, 1e-6, 1e-7)
			if err != nil {
				t.Fatal(err)
			}
		})
	}
}

// The pooling operation gives Gorgonia's MaxPool2D's values and gradients
// bit for bit, in float32 and float64, on inputs full of ties (values from
// {−2, …, 2}, as ReLU outputs tie at 0) and with padding, run twice so that
// kept results and winners from the first run cannot leak into the second.
func TestMaxPoolIsGorgonias(t *testing.T) {
	geometries := append(poolGeometries, poolGeometry{3, 2, 6, 7, 2, 2, 1}, poolGeometry{2, 3, 7, 6, 3, 3, 0},
		poolGeometry{2, 3, 10, 9, 2, 2, 0}, poolGeometry{3, 2, 12, 14, 2, 2, 0}, // rows of 4 and 7 windows: 2×2 windows four at a time, the last four overlapping
		poolGeometry{2, 2, 8, 10, 2, 2, 0}, poolGeometry{2, 2, 6, 17, 2, 2, 0}) // and rows of 5 and 8
	pools := [2]func(p poolGeometry, x *G.Node) (*G.Node, error){
		func(p poolGeometry, x *G.Node) (*G.Node, error) {
			return NewMaxPool2D("pool", p.kernel, p.stride, p.padding).Forward(x, true)
		},
		func(p poolGeometry, x *G.Node) (*G.Node, error) {
			return G.MaxPool2D(x, tensor.Shape{p.kernel, p.kernel}, []int{p.padding, p.padding}, []int{p.stride, p.stride})
		},
	}
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		for _, p := range geometries {
			rng := rand.New(rand.NewPCG(5, uint64(p.h)))
			size := p.n * p.c * p.h * p.w
			var xs, ys, grads [2]*G.Node
			var vms [2]G.VM
			var r []float64
			for k, pool := range pools {
				g := G.NewGraph()
				xs[k] = input(g, "x", dt, make([]float64, size), p.n, p.c, p.h, p.w)
				y, err := pool(p, xs[k])
				if err != nil {
					t.Fatal(err)
				}
				if r == nil {
					r = normals(rng, y.Shape().TotalSize())
				}
				cost := G.Must(G.Sum(G.Must(G.HadamardProd(y, input(g, "r", dt, r, y.Shape()...)))))
				grad, err := G.Grad(cost, xs[k])
				if err != nil {
					t.Fatal(err)
				}
				ys[k], grads[k], vms[k] = y, grad[0], G.NewTapeMachine(g)
				defer vms[k].Close()
			}
			for run := range 2 {
				values := make([]float64, size)
				for i := range values {
					values[i] = float64(rng.IntN(5) - 2)
				}
				for k := range pools {
					switch d := xs[k].Value().Data().(type) {
					case []float32:
						for i, v := range values {
							d[i] = float32(v)
						}
					case []float64:
						copy(d, values)
					}
					if err := vms[k].RunAll(); err != nil {
						t.Fatal(err)
					}
				}
				for _, pair := range [][2]*G.Node{ys, grads} {
					a, b := toFloat64s(pair[0].Value().Data()), toFloat64s(pair[1].Value().Data())
					for i := range a {
						if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
							t.Fatalf("%v %+v run %d: %v[%d] = %v, Gorgonia's %v", dt, p, run, pair[0], i, a[i], b[i])
						}
					}
				}
				for k := range pools {
					vms[k].Reset()
				}
			}
		}
	}
}
