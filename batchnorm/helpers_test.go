package batchnorm

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// spatial returns the number of positions per channel of an (N, C) or
// (N, C, H, W) shape: 1 or H·W.
func spatial(shape []int) int {
	if len(shape) == 4 {
		return shape[2] * shape[3]
	}
	return 1
}

// referenceStatistics computes Alg. 1's μ_B and biased σ²_B per channel of x
// (NCHW layout, row-major) by two plain loops.
func referenceStatistics(x []float64, shape []int) (mean, variance []float64) {
	n, c, hw := shape[0], shape[1], spatial(shape)
	mean = make([]float64, c)
	variance = make([]float64, c)
	m := float64(n * hw)
	for ch := 0; ch < c; ch++ {
		for i := 0; i < n; i++ {
			for s := 0; s < hw; s++ {
				mean[ch] += x[(i*c+ch)*hw+s]
			}
		}
		mean[ch] /= m
		for i := 0; i < n; i++ {
			for s := 0; s < hw; s++ {
				d := x[(i*c+ch)*hw+s] - mean[ch]
				variance[ch] += d * d
			}
		}
		variance[ch] /= m
	}
	return mean, variance
}

// referenceTransform returns γ (x − mean)/sqrt(variance + ε) + β per channel.
func referenceTransform(x []float64, shape []int, mean, variance, gamma, beta []float64, eps float64) []float64 {
	c, hw := shape[1], spatial(shape)
	y := make([]float64, len(x))
	for i, v := range x {
		ch := (i / hw) % c
		y[i] = gamma[ch]*(v-mean[ch])/math.Sqrt(variance[ch]+eps) + beta[ch]
	}
	return y
}

// randomValues returns n values μ + σ·N(0, 1).
func randomValues(rng *rand.Rand, n int, mu, sigma float64) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = mu + sigma*rng.NormFloat64()
	}
	return v
}

// tensorOf returns a tensor of the shape and dtype holding values.
func tensorOf(shape []int, dt tensor.Dtype, values []float64) *tensor.Dense {
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(dt))
	fill(t, values)
	return t
}

// values64 returns a node's value as float64.
func values64(t *testing.T, n *G.Node) []float64 {
	t.Helper()
	switch data := n.Value().Data().(type) {
	case []float64:
		return append([]float64(nil), data...)
	case []float32:
		out := make([]float64, len(data))
		for i, v := range data {
			out[i] = float64(v)
		}
		return out
	}
	t.Fatalf("%v holds %T, want []float32 or []float64", n, n.Value().Data())
	return nil
}

// setParams writes γ and β into the layer's parameters in place.
func setParams(b *BatchNorm, gamma, beta []float64) {
	fill(b.gamma.Value().(tensor.Tensor), gamma)
	fill(b.beta.Value().(tensor.Tensor), beta)
}

// machine compiles a forward-only tape machine for outputs, as a model does.
func machine(t *testing.T, g *G.ExprGraph, outputs ...*G.Node) G.VM {
	t.Helper()
	inputs := g.ExactSubgraphRoots(outputs...).Inputs()
	prog, locMap, err := G.CompileFunction(g, inputs, outputs)
	if err != nil {
		t.Fatal(err)
	}
	vm := G.NewTapeMachine(g, G.WithPrecompiled(prog, locMap))
	t.Cleanup(func() { vm.Close() })
	return vm
}

// run runs vm once and resets it.
func run(t *testing.T, vm G.VM) {
	t.Helper()
	defer vm.Reset()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
}

// closeTo reports whether every got[i] is within tol·(1 + |want[i]|) of
// want[i], failing the test with the worst index otherwise.
func closeTo(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", what, len(got), len(want))
	}
	for i := range got {
		if !(math.Abs(got[i]-want[i]) <= tol*(1+math.Abs(want[i]))) {
			t.Fatalf("%s[%d] = %.12g, want %.12g (tol %g)", what, i, got[i], want[i], tol)
		}
	}
}

// net is a graph with one layer applied on a training path and an
// evaluation path, each with its own input leaf, as a model builds it.
type net struct {
	g             *G.ExprGraph
	bn            *BatchNorm
	x, xEval      *G.Node
	train, eval   *G.Node
	gamma, beta   []float64
	shape         []int
	dtype         tensor.Dtype
	trainVM, evVM G.VM
}

// newNet builds a net for inputs of the given shape with random γ and β and
// compiles a forward machine for each path.
func newNet(t *testing.T, shape []int, dt tensor.Dtype, opts Options, rng *rand.Rand) *net {
	t.Helper()
	g := G.NewGraph()
	bn, err := New(g, "bn", shape[1], dt, opts)
	if err != nil {
		t.Fatal(err)
	}
	n := &net{g: g, bn: bn, shape: shape, dtype: dt}
	n.gamma = randomValues(rng, shape[1], 1, 0.5)
	n.beta = randomValues(rng, shape[1], 0, 0.5)
	setParams(bn, n.gamma, n.beta)
	size := tensor.Shape(shape).TotalSize()
	n.x = G.NodeFromAny(g, tensorOf(shape, dt, make([]float64, size)), G.WithName("x"))
	n.xEval = G.NodeFromAny(g, tensorOf(shape, dt, make([]float64, size)), G.WithName("x_eval"))
	if n.train, err = bn.Forward(n.x, true); err != nil {
		t.Fatal(err)
	}
	if n.eval, err = bn.Forward(n.xEval, false); err != nil {
		t.Fatal(err)
	}
	n.trainVM = machine(t, g, n.train)
	n.evVM = machine(t, g, n.eval)
	return n
}

// setInput writes values into the input leaf x in place.
func setInput(x *G.Node, values []float64) {
	fill(x.Value().(tensor.Tensor), values)
}
