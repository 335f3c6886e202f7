package model

import (
	"math"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestSumEngineAdd compares sumEngine's Add with the standard engine's bit
// for bit, in float32 and float64, on every way Gorgonia calls it: into a
// kept tensor (WithReuse, also when that tensor is an operand), in place
// (UseUnsafe), into a fresh tensor, WithIncr, and on a column view and a
// scalar operand, which the standard engine adds; the operands must come
// out unchanged except where the result is written into them.
func TestSumEngineAdd(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		random := func(shape ...int) *tensor.Dense {
			d := tensor.New(tensor.WithShape(shape...), tensor.Of(dt))
			for i := range d.Size() {
				v := rng.NormFloat64() * math.Exp(8*rng.NormFloat64())
				if dt == tensor.Float32 {
					d.Float32s()[i] = float32(v)
				} else {
					d.Float64s()[i] = v
				}
			}
			return d
		}
		for _, tc := range []struct {
			name string
			call func(e tensor.Adder, a, b, c *tensor.Dense) (tensor.Tensor, error)
		}{
			{"reuse", func(e tensor.Adder, a, b, c *tensor.Dense) (tensor.Tensor, error) {
				return e.Add(a, b, tensor.WithReuse(c))
			}},
			{"reuse a", func(e tensor.Adder, a, b, _ *tensor.Dense) (tensor.Tensor, error) {
				return e.Add(a, b, tensor.WithReuse(a))
			}},
			{"reuse b", func(e tensor.Adder, a, b, _ *tensor.Dense) (tensor.Tensor, error) {
				return e.Add(a, b, tensor.WithReuse(b))
			}},
			{"a + a", func(e tensor.Adder, a, _, c *tensor.Dense) (tensor.Tensor, error) {
				return e.Add(a, a, tensor.WithReuse(c))
			}},
			{"unsafe", func(e tensor.Adder, a, b, _ *tensor.Dense) (tensor.Tensor, error) {
				return e.Add(a, b, tensor.UseUnsafe())
			}},
			{"safe", func(e tensor.Adder, a, b, _ *tensor.Dense) (tensor.Tensor, error) {
				return e.Add(a, b)
			}},
			{"incr", func(e tensor.Adder, a, b, c *tensor.Dense) (tensor.Tensor, error) {
				return e.Add(a, b, tensor.WithIncr(c))
			}},
			{"column view", func(e tensor.Adder, a, b, _ *tensor.Dense) (tensor.Tensor, error) {
				va, err := a.Slice(nil, G.S(1))
				if err != nil {
					return nil, err
				}
				vb, err := b.Slice(nil, G.S(2))
				if err != nil {
					return nil, err
				}
				return e.Add(va, vb)
			}},
			{"shapes differ", func(e tensor.Adder, a, b, _ *tensor.Dense) (tensor.Tensor, error) {
				if err := b.Reshape(13, 7); err != nil {
					return nil, err
				}
				return e.Add(a, b, tensor.UseUnsafe())
			}},
		} {
			a, b, c := random(7, 13), random(7, 13), random(7, 13)
			var results [2][]*tensor.Dense
			for i, e := range []tensor.Adder{G.StandardEngine{}, sumEngine{}} {
				ai, bi, ci := a.Clone().(*tensor.Dense), b.Clone().(*tensor.Dense), c.Clone().(*tensor.Dense)
				r, err := tc.call(e, ai, bi, ci)
				if tc.name == "shapes differ" {
					if err == nil {
						t.Errorf("%v %s: engine %d adds (7, 13) and (13, 7)", dt, tc.name, i)
					}
					continue
				}
				if err != nil {
					t.Fatalf("%v %s: %v", dt, tc.name, err)
				}
				rd, ok := r.(*tensor.Dense)
				if !ok {
					t.Fatalf("%v %s: result is a %T", dt, tc.name, r)
				}
				results[i] = []*tensor.Dense{rd.Materialize().(*tensor.Dense), ai, bi, ci}
			}
			for j := range len(results[0]) {
				what := [...]string{"result", "a", "b", "c"}[j]
				if !sameBits(results[0][j], results[1][j]) {
					t.Errorf("%v %s: %s differs from the standard engine's", dt, tc.name, what)
				}
			}
		}
	}
}

// sameBits is whether x and y have one shape and the same bits.
func sameBits(x, y *tensor.Dense) bool {
	if !x.Shape().Eq(y.Shape()) || x.Dtype() != y.Dtype() {
		return false
	}
	for i := range x.Size() {
		switch x.Dtype() {
		case tensor.Float32:
			if math.Float32bits(x.Float32s()[i]) != math.Float32bits(y.Float32s()[i]) {
				return false
			}
		default:
			if math.Float64bits(x.Float64s()[i]) != math.Float64bits(y.Float64s()[i]) {
				return false
			}
		}
	}
	return true
}
