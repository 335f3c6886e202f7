// Package densedata spares deepopt's graph operations the allocations of
// Gorgonia's dense tensors. Slice reads a tensor's values as a typed slice:
// tensor.Dense.Data builds its []T result through reflection and returns it
// as an interface, two allocations per call, of which the operations made
// about 240 per training step of the BN MLP, a quarter of the step's
// allocations. Output keeps an operation's result tensor from one run of the
// graph to the next: Gorgonia's tape machine forgets every value at reset,
// so an operation that allocated its result allocated (and zeroed) it again
// at every step, 0.7 MB per step of the BN MLP.
package densedata

import (
	"fmt"
	"slices"

	"gorgonia.org/tensor"
)

// Slice returns d's values, the slice d.Data() holds. T must be d's element
// type: Slice panics otherwise, as Data's type assertion would.
func Slice[T float32 | float64](d *tensor.Dense) []T {
	var s []T
	switch p := any(&s).(type) {
	case *[]float32:
		check(d, tensor.Float32)
		*p = d.Float32s()
	case *[]float64:
		check(d, tensor.Float64)
		*p = d.Float64s()
	}
	return s
}

// check panics unless d holds values of type dt.
func check(d *tensor.Dense, dt tensor.Dtype) {
	if d.Dtype() != dt {
		panic(fmt.Sprintf("densedata: a %v tensor read as %v", d.Dtype(), dt))
	}
}

// Output is an operation's result tensor, kept between runs of its graph.
// The zero value holds none. An operation that writes every value of its
// result at every run returns Get's tensor instead of a new one; the value a
// run leaves is then valid until the next run of the graph, which is how
// deepopt reads node values (copied out after each run).
type Output struct{ t *tensor.Dense }

// Get returns the kept tensor when it has type dt and the given shape, else
// a new zero one, which it keeps. The kept tensor holds the previous run's
// values: the caller overwrites them all.
func (o *Output) Get(dt tensor.Dtype, shape ...int) *tensor.Dense {
	if o.t == nil || o.t.Dtype() != dt || !o.t.Shape().Eq(tensor.Shape(shape)) {
		o.t = tensor.New(tensor.WithShape(slices.Clone(shape)...), tensor.Of(dt))
	}
	return o.t
}

// Buffer returns Get's tensor for n values of type T as a slice: scratch
// memory an operation keeps between runs, holding the previous run's values.
func Buffer[T float32 | float64](o *Output, n int) []T {
	var s []T
	switch any(s).(type) {
	case []float32:
		return Slice[T](o.Get(tensor.Float32, n))
	}
	return Slice[T](o.Get(tensor.Float64, n))
}
