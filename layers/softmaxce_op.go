package layers

import (
	"fmt"
	"hash"
	"math"

	"deepopt/internal/densedata"
	"deepopt/internal/softmax"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// softmaxCEOp is SoftmaxCrossEntropy as one Gorgonia operation, L =
// −(1/N) Σ_n Σ_k t_nk·(z_nk − log Σ_j exp z_nj) for logits z and targets t
// of shape (N, K), computed row by row in float64 after subtracting the
// row's maximum. Built from Gorgonia's primitives (a row maximum, two
// broadcast subtractions, exp, a row sum, log, a product, a sum and a
// scaling) it takes nine operations forward and about twenty backward,
// each allocating its output; here one forward and one backward operation
// per input: ∂L/∂z = (softmax(z)·Σ_k t_nk − t)/N, which is (softmax(z) −
// t)/N when the rows of t sum to 1, and ∂L/∂t = −log softmax(z)/N, both
// times the incoming scalar gradient.
type softmaxCEOp struct {
	n, k int
	sums []float64 // kept between runs: each row's three sums
}

// softmaxCEGradOp computes ∂L/∂z (wrtTargets false) or ∂L/∂t from (z, t,
// dL).
type softmaxCEGradOp struct {
	forward    *softmaxCEOp
	wrtTargets bool
	result     densedata.Output // kept between runs: Do writes every value
	scratch    []float64        // softmax.Gradient's, kept between runs
}

var (
	_ G.Op   = (*softmaxCEOp)(nil)
	_ G.SDOp = (*softmaxCEOp)(nil)
	_ G.Op   = (*softmaxCEGradOp)(nil)
)

func (op *softmaxCEOp) Arity() int { return 2 }

// Type is (matrix, matrix) → scalar.
func (op *softmaxCEOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, m, a)
}

func (op *softmaxCEOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}

// Do computes L.
func (op *softmaxCEOp) Do(inputs ...G.Value) (G.Value, error) {
	t, err := denseInputs(op, inputs, 2)
	if err != nil {
		return nil, err
	}
	switch t[0].Dtype() {
	case tensor.Float32:
		z := densedata.Slice[float32](t[0])
		return G.NewF32(float32(softmaxCE(op, z, densedata.Slice[float32](t[1])))), nil
	case tensor.Float64:
		z := densedata.Slice[float64](t[0])
		return G.NewF64(softmaxCE(op, z, densedata.Slice[float64](t[1]))), nil
	}
	return nil, fmt.Errorf("layers: %v of a %v tensor; use float32 or float64", op, t[0].Dtype())
}

// softmaxCE returns L for logits z and targets t. Row n contributes
// Σ_k t_nk·(z_nk − m_n) − (Σ_k t_nk)·log s_n, with m_n the row maximum and
// s_n = Σ_j exp(z_nj − m_n), so that one exponential per logit suffices;
// softmax.Sums computes the three sums of every row.
func softmaxCE[T float32 | float64](op *softmaxCEOp, z, t []T) float64 {
	n := op.n
	if len(op.sums) != 3*n {
		op.sums = make([]float64, 3*n)
	}
	s, dot, mass := op.sums[:n], op.sums[n:2*n], op.sums[2*n:]
	softmax.Sums(s, dot, mass, z, t, op.k)
	var total float64
	for i := range n {
		total += dot[i] - mass[i]*math.Log(s[i])
	}
	return -total / float64(n)
}

func (op *softmaxCEOp) ReturnsPtr() bool     { return false }
func (op *softmaxCEOp) CallsExtern() bool    { return false }
func (op *softmaxCEOp) OverwritesInput() int { return -1 }
func (op *softmaxCEOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "layers.softmaxCE(%d,%d)", op.n, op.k)
}
func (op *softmaxCEOp) Hashcode() uint32 { return hashOf(op) }
func (op *softmaxCEOp) String() string   { return "CE(softmax(z), t)" }

// DiffWRT reports that L is differentiable in z and t.
func (op *softmaxCEOp) DiffWRT(int) []bool { return []bool{true, true} }

// SymDiff returns ∂L/∂z and ∂L/∂t.
func (op *softmaxCEOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != 2 {
		return nil, fmt.Errorf("layers: gradient of %v on %d inputs, want 2", op, len(inputs))
	}
	out := make(G.Nodes, 2)
	for i, wrtTargets := range []bool{false, true} {
		var err error
		if out[i], err = G.ApplyOp(&softmaxCEGradOp{forward: op, wrtTargets: wrtTargets}, inputs[0], inputs[1], grad); err != nil {
			return nil, err
		}
	}
	return out, nil
}

func (op *softmaxCEGradOp) Arity() int { return 3 }

// Type is (matrix, matrix, scalar) → matrix.
func (op *softmaxCEGradOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	m := G.TensorType{Dims: 2, Of: a}
	return hm.NewFnType(m, m, a, m)
}

func (op *softmaxCEGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.Shape{op.forward.n, op.forward.k}, nil
}

// Do computes the gradient.
func (op *softmaxCEGradOp) Do(inputs ...G.Value) (G.Value, error) {
	if len(inputs) != 3 {
		return nil, fmt.Errorf("layers: %v takes 3 inputs, got %d", op, len(inputs))
	}
	t, err := denseInputs(op, inputs[:2], 2)
	if err != nil {
		return nil, err
	}
	var dL float64
	switch v := inputs[2].Data().(type) {
	case float32:
		dL = float64(v)
	case float64:
		dL = v
	default:
		return nil, fmt.Errorf("layers: %v: the incoming gradient is a %T, want a float scalar", op, v)
	}
	out := op.result.Get(t[0].Dtype(), op.forward.n, op.forward.k)
	switch out.Dtype() {
	case tensor.Float32:
		o := densedata.Slice[float32](out)
		softmaxCEGradient(op, o, densedata.Slice[float32](t[0]), densedata.Slice[float32](t[1]), dL)
	case tensor.Float64:
		o := densedata.Slice[float64](out)
		softmaxCEGradient(op, o, densedata.Slice[float64](t[0]), densedata.Slice[float64](t[1]), dL)
	default:
		return nil, fmt.Errorf("layers: %v of a %v tensor; use float32 or float64", op, t[0].Dtype())
	}
	return out, nil
}

// softmaxCEGradient writes op's gradient into out: for ∂L/∂z,
// softmax.Gradient, softmax(z_n)_k = e_k/Σ_j e_j from e_k = exp(z_nk −
// m_n), one exponential per logit; for ∂L/∂t, softmax.LogGradient.
func softmaxCEGradient[T float32 | float64](op *softmaxCEGradOp, out, z, t []T, dL float64) {
	k := op.forward.k
	scale := dL / float64(op.forward.n)
	if op.wrtTargets {
		softmax.LogGradient(out, z, k, scale)
		return
	}
	if len(op.scratch) != 4*k {
		op.scratch = make([]float64, 4*k)
	}
	softmax.Gradient(out, z, t, k, scale, op.scratch)
}

func (op *softmaxCEGradOp) ReturnsPtr() bool     { return false }
func (op *softmaxCEGradOp) CallsExtern() bool    { return false }
func (op *softmaxCEGradOp) OverwritesInput() int { return -1 }
func (op *softmaxCEGradOp) WriteHash(h hash.Hash) {
	op.forward.WriteHash(h)
	fmt.Fprintf(h, ".grad(%t)", op.wrtTargets)
}
func (op *softmaxCEGradOp) Hashcode() uint32 { return hashOf(op) }
func (op *softmaxCEGradOp) String() string {
	if op.wrtTargets {
		return "∂CE/∂t"
	}
	return "∂CE/∂z"
}
