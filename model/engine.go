package model

import (
	"gonum.org/v1/gonum/blas/gonum"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// sumEngine is the engine of the model's machines: Gorgonia's standard
// engine, with the sum of two dense tensors of one shape vectorised.
// Gorgonia's symbolic differentiation adds the gradients that reach a node
// from several consumers with its elementwise Add: at a hidden layer that
// an auxiliary head reads besides the next layer, the head's gradient and
// the network's. The standard engine adds them in a loop of about six
// instructions per value; here copy and gonum's axpy with α = 1 (SSE
// assembly) take about one and a half. A machine gives its engine to every
// value it computes, so every such Add of the graph runs here; 1·b is
// exact, so the sums have the standard engine's bits.
type sumEngine struct{ G.StandardEngine }

// Add returns a + b. It writes into the tensor WithReuse gives, or into a
// under UseUnsafe, when a, b and that tensor are contiguous float32 or
// float64 tensors of one shape and dtype; every other case (scalars,
// views, broadcasts, WithIncr, a fresh result) runs on the standard engine.
func (e sumEngine) Add(a, b tensor.Tensor, opts ...tensor.FuncOpt) (tensor.Tensor, error) {
	da, db, ok := denseSummands(a, b)
	if !ok {
		return e.StandardEngine.Add(a, b, opts...)
	}
	fo := tensor.ParseFuncOpts(opts...)
	reuse, incr := fo.IncrReuse()
	var out *tensor.Dense
	switch {
	case incr:
	case reuse != nil:
		if r, ok := reuse.(*tensor.Dense); ok && sameLayout(da, r) {
			out = r
		}
	case !fo.Safe():
		out = da
	}
	if out == nil {
		return e.StandardEngine.Add(a, b, opts...)
	}
	switch da.Dtype() {
	case tensor.Float32:
		sum(out.Float32s(), da.Float32s(), db.Float32s(), gonum.Implementation{}.Saxpy)
	default:
		sum(out.Float64s(), da.Float64s(), db.Float64s(), gonum.Implementation{}.Daxpy)
	}
	return out, nil
}

// denseSummands returns a and b as dense tensors when sumEngine.Add adds
// them itself: both float32 or both float64, of one shape with at least
// one axis, contiguous in row-major order, without a mask.
func denseSummands(a, b tensor.Tensor) (da, db *tensor.Dense, ok bool) {
	da, okA := a.(*tensor.Dense)
	db, okB := b.(*tensor.Dense)
	if !okA || !okB || da.IsScalar() || !sameLayout(da, db) {
		return nil, nil, false
	}
	if dt := da.Dtype(); dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, nil, false
	}
	return da, db, true
}

// sameLayout is whether a and b have one dtype and shape and are both
// contiguous row-major tensors of their own (no views) without a mask, so that their values are
// their data slices in one order.
func sameLayout(a, b *tensor.Dense) bool {
	plain := func(t *tensor.Dense) bool {
		return !t.IsView() && !t.RequiresIterator() && t.DataOrder().IsRowMajor() && !t.IsMasked()
	}
	return a.Dtype() == b.Dtype() && a.Shape().Eq(b.Shape()) && plain(a) && plain(b)
}

// sum writes a + b into out, which may be a or b: y ← 1·x + y on a copy
// of a when out is neither.
func sum[T float32 | float64](out, a, b []T, axpy func(n int, alpha T, x []T, incX int, y []T, incY int)) {
	x := b
	switch {
	case len(out) > 0 && &out[0] == &b[0]:
		x = a
	case len(out) > 0 && &out[0] != &a[0]:
		copy(out, a)
	}
	axpy(len(out), 1, x, 1, out, 1)
}
