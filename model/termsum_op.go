package model

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// termSumOp is the objective J = Σ_k w_k·v_k of the terms' scalar values
// v_k (w_k = 1 for a term without a weight node) as one Gorgonia operation
// on the values and then the weights of the weighted terms. Built from
// Gorgonia's scalar operations it took a product and a sum per weighted
// term forward and a product w_k·1 backward, each an instruction of the
// tape machine with its bookkeeping and its allocation; here one
// instruction forward, and backward none: ∂J/∂v_k = w_k·g for the incoming
// gradient g, which is the weight node itself when g is G.Grad's constant 1
// (the objective is the cost), as w_k·1 = w_k exactly. The sum runs in the
// graph's precision, left to right, each product rounded before it is
// added: the bits of the chain of scalar operations it replaces.
type termSumOp struct {
	weighted []bool
	dtype    tensor.Dtype
}

var (
	_ G.Op   = (*termSumOp)(nil)
	_ G.SDOp = (*termSumOp)(nil)
)

// termSum returns the node of Σ_k w_k·v_k over values, with w_k the next
// node of weights where weighted[k] (so weights has one node per true
// entry) and 1 elsewhere.
func termSum(values G.Nodes, weighted []bool, weights G.Nodes) (*G.Node, error) {
	op := &termSumOp{weighted: weighted, dtype: values[0].Dtype()}
	return G.ApplyOp(op, append(append(G.Nodes(nil), values...), weights...)...)
}

// Arity is the number of terms plus the number of weights.
func (op *termSumOp) Arity() int {
	n := len(op.weighted)
	for _, w := range op.weighted {
		if w {
			n++
		}
	}
	return n
}

// Type takes scalars of one dtype to a scalar of it.
func (op *termSumOp) Type() hm.Type {
	ts := make([]hm.Type, op.Arity()+1)
	for i := range ts {
		ts[i] = op.dtype
	}
	return hm.NewFnType(ts...)
}

// InferShape is a scalar's.
func (op *termSumOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	return tensor.ScalarShape(), nil
}

// Do computes J.
func (op *termSumOp) Do(inputs ...G.Value) (G.Value, error) {
	if len(inputs) != op.Arity() {
		return nil, fmt.Errorf("model: %v takes %d inputs, got %d", op, op.Arity(), len(inputs))
	}
	switch op.dtype {
	case tensor.Float32:
		s, err := weightedSum[float32](op.weighted, inputs)
		return G.NewF32(s), err
	case tensor.Float64:
		s, err := weightedSum[float64](op.weighted, inputs)
		return G.NewF64(s), err
	}
	return nil, fmt.Errorf("model: %v of %v terms; use float32 or float64", op, op.dtype)
}

// weightedSum returns Σ_k w_k·v_k of the values and weights in inputs
// (see termSumOp), the products and sums rounded to T one at a time.
func weightedSum[T float32 | float64](weighted []bool, inputs []G.Value) (T, error) {
	var s T
	w := len(weighted)
	for k, isWeighted := range weighted {
		v, ok := scalarValue[T](inputs[k])
		if !ok {
			return 0, fmt.Errorf("model: term %d of the objective is a %T, want a %T", k, inputs[k], v)
		}
		if isWeighted {
			wk, ok := scalarValue[T](inputs[w])
			if !ok {
				return 0, fmt.Errorf("model: the weight of term %d is a %T, want a %T", k, inputs[w], wk)
			}
			w++
			v = T(wk * v) // rounded before the sum, as the scalar product was
		}
		if k == 0 {
			s = v
			continue
		}
		s += v
	}
	return s, nil
}

// scalarValue returns the float scalar v as a T, without the allocation
// of its Data method.
func scalarValue[T float32 | float64](v G.Value) (T, bool) {
	switch x := v.(type) {
	case *G.F32:
		return T(*x), true
	case *G.F64:
		return T(*x), true
	}
	return 0, false
}

func (op *termSumOp) ReturnsPtr() bool     { return false }
func (op *termSumOp) CallsExtern() bool    { return false }
func (op *termSumOp) OverwritesInput() int { return -1 }

// WriteHash identifies the op by which terms are weighted; the node's hash
// adds its inputs.
func (op *termSumOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "model.termSum(%v,%v)", op.weighted, op.dtype)
}

// Hashcode is the FNV-1a hash of WriteHash.
func (op *termSumOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

func (op *termSumOp) String() string { return "Σ w·term" }

// DiffWRT reports that J is differentiable in the terms' values and not in
// their weights, which are set, not trained.
func (op *termSumOp) DiffWRT(n int) []bool {
	d := make([]bool, n)
	for k := range op.weighted {
		d[k] = true
	}
	return d
}

// SymDiff returns ∂J/∂v_k·g = w_k·g for every term (g itself for an
// unweighted term, w_k itself when g is the constant 1) and nil for the
// weights.
func (op *termSumOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	if len(inputs) != op.Arity() {
		return nil, fmt.Errorf("model: gradient of %v on %d inputs, want %d", op, len(inputs), op.Arity())
	}
	out := make(G.Nodes, len(inputs))
	w, one := len(op.weighted), isOne(grad)
	for k, isWeighted := range op.weighted {
		switch {
		case !isWeighted:
			out[k] = grad
		case one:
			out[k] = inputs[w]
		default:
			var err error
			if out[k], err = G.Mul(inputs[w], grad); err != nil {
				return nil, err
			}
		}
		if isWeighted {
			w++
		}
	}
	return out, nil
}

// isOne is whether n is a constant scalar 1, such as the gradient G.Grad
// starts from at the cost.
func isOne(n *G.Node) bool {
	c, ok := n.Op().(interface{ Value() G.Value })
	return ok && n.Op().Arity() == 0 && n.IsScalar() && scalar(c.Value()) == 1
}
