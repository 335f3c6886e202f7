package model

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// compile builds a machine that runs only the subgraph behind outputs and
// leaves every output's value intact after the run.
//
// Gorgonia's CompileFunction keeps a computed value live only until its last
// use inside the program, not until the program ends: an operation that may
// overwrite its input (elementwise arithmetic, activations, reshapes) reuses
// the register of an input read for the last time and computes in place. When
// a requested output is also the input of another requested output's
// computation (fc1 with bn1, whose first operation subtracts the running mean
// in place), the output's value would be overwritten by the later one. So
// several outputs are joined by a keepOp, compiled as the program's last
// instruction: every output is read there, so every output stays live to the
// end and no operation before it may write into its register. A single
// output is its program's last value and needs nothing. The machine runs
// on sumEngine, whose sums of gradients are vectorised.
func (m *Model) compile(outputs G.Nodes) (G.VM, error) {
	roots := outputs
	if len(outputs) > 1 {
		keep, err := G.ApplyOp(newKeepOp(outputs), outputs...)
		if err != nil {
			return nil, fmt.Errorf("model: compile: %w", err)
		}
		roots = G.Nodes{keep}
	}
	inputs := m.g.ExactSubgraphRoots(roots...).Inputs()
	prog, locMap, err := G.CompileFunction(m.g, inputs, roots)
	if err != nil {
		return nil, fmt.Errorf("model: compile: %w", err)
	}
	return G.NewTapeMachine(m.g, G.WithPrecompiled(prog, locMap), G.WithEngine(sumEngine{})), nil
}

// keepOp reads its inputs and returns a constant scalar zero; its only
// effect is on register allocation (see compile).
type keepOp struct {
	in   []hm.Type
	zero G.Value
}

var _ G.Op = keepOp{}

// newKeepOp returns the keepOp of outputs, whose result is a scalar of the
// first output's dtype.
func newKeepOp(outputs G.Nodes) keepOp {
	op := keepOp{zero: G.NewF64(0)}
	if outputs[0].Dtype() == tensor.Float32 {
		op.zero = G.NewF32(0)
	}
	for _, n := range outputs {
		op.in = append(op.in, n.Type())
	}
	return op
}

// Arity is the number of outputs kept.
func (op keepOp) Arity() int { return len(op.in) }

// Type takes the outputs' types to a scalar.
func (op keepOp) Type() hm.Type {
	return hm.NewFnType(append(append([]hm.Type(nil), op.in...), op.zero.Dtype())...)
}

// InferShape is a scalar's.
func (op keepOp) InferShape(...G.DimSizer) (tensor.Shape, error) { return tensor.ScalarShape(), nil }

// Do returns zero and leaves its inputs alone.
func (op keepOp) Do(...G.Value) (G.Value, error) { return op.zero, nil }

// ReturnsPtr is false: Do returns its own value.
func (op keepOp) ReturnsPtr() bool { return false }

// CallsExtern is false: Do runs in Go.
func (op keepOp) CallsExtern() bool { return false }

// OverwritesInput is -1: the point of the op is that nothing overwrites its
// inputs.
func (op keepOp) OverwritesInput() int { return -1 }

// WriteHash identifies the op by its arity; the node's hash adds its inputs.
func (op keepOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "keep(%d)", len(op.in)) }

// Hashcode is the FNV-1a hash of WriteHash.
func (op keepOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

// String names the op.
func (op keepOp) String() string { return fmt.Sprintf("keep(%d)", len(op.in)) }
