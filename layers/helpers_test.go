package layers

import (
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// forward runs the forward subgraph behind outputs once and returns copies
// of their values as float64.
func forward(t *testing.T, g *G.ExprGraph, outputs ...*G.Node) [][]float64 {
	t.Helper()
	prog, locMap, err := G.CompileFunction(g, g.Inputs(), outputs)
	if err != nil {
		t.Fatalf("compile: %v", err)
	}
	vm := G.NewTapeMachine(g, G.WithPrecompiled(prog, locMap))
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatalf("run: %v", err)
	}
	values := make([][]float64, len(outputs))
	for i, out := range outputs {
		values[i] = toFloat64s(out.Value().Data())
	}
	return values
}

func toFloat64s(data any) []float64 {
	switch d := data.(type) {
	case []float64:
		return append([]float64(nil), d...)
	case []float32:
		out := make([]float64, len(d))
		for i, v := range d {
			out[i] = float64(v)
		}
		return out
	case float64:
		return []float64{d}
	case float32:
		return []float64{float64(d)}
	}
	panic("test helper: unexpected data type")
}

// input makes a leaf of dtype dt holding values.
func input(g *G.ExprGraph, name string, dt tensor.Dtype, values []float64, shape ...int) *G.Node {
	var backing any = append([]float64(nil), values...)
	if dt == tensor.Float32 {
		f := make([]float32, len(values))
		for i, v := range values {
			f[i] = float32(v)
		}
		backing = f
	}
	return G.NodeFromAny(g, tensor.New(tensor.WithShape(shape...), tensor.WithBacking(backing)), G.WithName(name))
}

// normals returns n N(0, 1) values from rng.
func normals(rng *rand.Rand, n int) []float64 {
	v := make([]float64, n)
	for i := range v {
		v[i] = rng.NormFloat64()
	}
	return v
}

// setValues overwrites a float64 node's values in place.
func setValues(n *G.Node, values []float64) {
	copy(n.Value().Data().([]float64), values)
}

// assertClose fails when got and want differ by more than
// tol·(1 + |want|) anywhere.
func assertClose(t *testing.T, what string, got, want []float64, tol float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: got %d values, want %d", what, len(got), len(want))
	}
	for i := range want {
		if d := got[i] - want[i]; d > tol*(1+abs(want[i])) || -d > tol*(1+abs(want[i])) || d != d {
			t.Fatalf("%s[%d] = %.10g, want %.10g (tol %g)", what, i, got[i], want[i], tol)
		}
	}
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
