package batchnorm

import (
	"fmt"
	"hash"
	"hash/fnv"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// recordOp is the identity on a per-channel statistic of the training path
// that copies the value into Go (float64) as it passes. It is how a layer
// learns the batch statistics of the last run of any machine on the graph:
// Gorgonia reuses registers and overwrites inputs in place, so the value bound
// to an intermediate node after RunAll is not reliable, while an operation on
// the path to the loss runs in every forward pass. Its gradient is the
// identity.
type recordOp struct {
	layer *BatchNorm
	// variance selects the statistic: false records μ_B, true records σ²_B
	// and marks the batch, of size m, as ready for Update.
	variance bool
	m        int
}

var (
	_ G.Op   = (*recordOp)(nil)
	_ G.SDOp = (*recordOp)(nil)
)

// record applies a recordOp to the statistic node s.
func (b *BatchNorm) record(s *G.Node, variance bool, m int) (*G.Node, error) {
	return G.ApplyOp(&recordOp{layer: b, variance: variance, m: m}, s)
}

func (op *recordOp) statistic() string {
	if op.variance {
		return "variance"
	}
	return "mean"
}

// Arity is one: the statistic.
func (op *recordOp) Arity() int { return 1 }

// Type is a → a.
func (op *recordOp) Type() hm.Type {
	a := hm.TypeVariable('a')
	return hm.NewFnType(a, a)
}

// InferShape returns the input's shape.
func (op *recordOp) InferShape(inputs ...G.DimSizer) (tensor.Shape, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("batchnorm: %v takes 1 input, got %d", op, len(inputs))
	}
	s, ok := inputs[0].(tensor.Shape)
	if !ok {
		return nil, fmt.Errorf("batchnorm: %v: input shape is a %T, want tensor.Shape", op, inputs[0])
	}
	return s.Clone(), nil
}

// Do copies the statistic into the layer's record and returns a copy of it.
func (op *recordOp) Do(inputs ...G.Value) (G.Value, error) {
	if len(inputs) != 1 {
		return nil, fmt.Errorf("batchnorm: %v takes 1 input, got %d", op, len(inputs))
	}
	t, ok := inputs[0].(tensor.Tensor)
	if !ok {
		return nil, fmt.Errorf("batchnorm: %v: input is a %T, want a tensor", op, inputs[0])
	}
	rec := &op.layer.last
	dst := rec.mean
	if op.variance {
		dst = rec.variance
	}
	if err := copyToFloat64(dst, t); err != nil {
		return nil, fmt.Errorf("batchnorm: %v: %w", op, err)
	}
	if op.variance {
		rec.m = op.m
		rec.fresh = true
	}
	out, ok := t.Clone().(G.Value)
	if !ok {
		return nil, fmt.Errorf("batchnorm: %v: cannot copy a %T", op, t)
	}
	return out, nil
}

// ReturnsPtr is false: Do returns a fresh value.
func (op *recordOp) ReturnsPtr() bool { return false }

// CallsExtern is false: Do runs in Go.
func (op *recordOp) CallsExtern() bool { return false }

// OverwritesInput is -1: Do leaves its input alone.
func (op *recordOp) OverwritesInput() int { return -1 }

// WriteHash identifies the op by its layer and statistic, so that Gorgonia
// never merges the records of two layers.
func (op *recordOp) WriteHash(h hash.Hash) {
	fmt.Fprintf(h, "batchnorm.record(%s.%s,%p)", op.layer.name, op.statistic(), op.layer)
}

// Hashcode is the FNV-1a hash of WriteHash.
func (op *recordOp) Hashcode() uint32 {
	h := fnv.New32a()
	op.WriteHash(h)
	return h.Sum32()
}

// String names the layer and statistic.
func (op *recordOp) String() string {
	return fmt.Sprintf("record(%s.batch_%s)", op.layer.name, op.statistic())
}

// DiffWRT reports that the op is differentiable in its input.
func (op *recordOp) DiffWRT(inputs int) []bool { return []bool{true} }

// SymDiff passes the output gradient through: the op is the identity.
func (op *recordOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	return G.Nodes{grad}, nil
}

// copyToFloat64 copies a float32 or float64 tensor of len(dst) elements into
// dst.
func copyToFloat64(dst []float64, t tensor.Tensor) error {
	switch data := t.Data().(type) {
	case []float64:
		if len(data) != len(dst) {
			return fmt.Errorf("statistic has %d values, layer has %d channels", len(data), len(dst))
		}
		copy(dst, data)
	case []float32:
		if len(data) != len(dst) {
			return fmt.Errorf("statistic has %d values, layer has %d channels", len(data), len(dst))
		}
		for i, v := range data {
			dst[i] = float64(v)
		}
	default:
		return fmt.Errorf("statistic has dtype %v; want float32 or float64", t.Dtype())
	}
	return nil
}
