package densedata

import (
	"slices"
	"testing"

	"gorgonia.org/tensor"
)

// Slice gives the values Data gives, aliasing the tensor's storage, without
// allocating, also for a contiguous view.
func TestSliceIsData(t *testing.T) {
	d32 := tensor.New(tensor.WithShape(2, 3), tensor.WithBacking([]float32{1, 2, 3, 4, 5, 6}))
	d64 := tensor.New(tensor.WithShape(3), tensor.WithBacking([]float64{7, 8, 9}))
	if got := Slice[float32](d32); !slices.Equal(got, d32.Data().([]float32)) {
		t.Errorf("Slice = %v, Data = %v", got, d32.Data())
	}
	if got := Slice[float64](d64); !slices.Equal(got, d64.Data().([]float64)) {
		t.Errorf("Slice = %v, Data = %v", got, d64.Data())
	}
	Slice[float32](d32)[4] = -5
	if d32.Data().([]float32)[4] != -5 {
		t.Error("Slice does not alias the tensor's values")
	}
	row, err := d32.Slice(tensor.S(1))
	if err != nil {
		t.Fatal(err)
	}
	if got := Slice[float32](row.(*tensor.Dense)); !slices.Equal(got, []float32{4, -5, 6}) {
		t.Errorf("Slice of row 1 = %v, want [4 -5 6]", got)
	}
	if n := testing.AllocsPerRun(100, func() { _ = Slice[float32](d32) }); n != 0 {
		t.Errorf("Slice allocates %v times", n)
	}
	defer func() {
		if recover() == nil {
			t.Error("a float32 tensor read as float64 does not panic")
		}
	}()
	Slice[float64](d32)
}

// Output gives the same tensor for the same type and shape, and a new zero
// one when either changes.
func TestOutputKeepsItsTensor(t *testing.T) {
	var o Output
	a := o.Get(tensor.Float32, 2, 3)
	Slice[float32](a)[5] = 1
	if b := o.Get(tensor.Float32, 2, 3); b != a || Slice[float32](b)[5] != 1 {
		t.Error("the same type and shape give another tensor")
	}
	if n := testing.AllocsPerRun(100, func() { o.Get(tensor.Float32, 2, 3) }); n != 0 {
		t.Errorf("Get of the kept tensor allocates %v times", n)
	}
	for _, c := range []struct {
		dt    tensor.Dtype
		shape []int
	}{{tensor.Float32, []int{3, 2}}, {tensor.Float64, []int{3, 2}}, {tensor.Float64, []int{6}}} {
		prev := o.t
		got := o.Get(c.dt, c.shape...)
		if got == prev || got.Dtype() != c.dt || !got.Shape().Eq(tensor.Shape(c.shape)) || slices.Max(got.Float32s()) != 0 {
			t.Errorf("Get(%v, %v) = a %v %v tensor (new: %t)", c.dt, c.shape, got.Dtype(), got.Shape(), got != prev)
		}
	}
}

// Buffer keeps a slice of the requested length and type.
func TestBuffer(t *testing.T) {
	var o Output
	a := Buffer[float64](&o, 5)
	a[4] = 3
	if b := Buffer[float64](&o, 5); len(b) != 5 || b[4] != 3 {
		t.Errorf("Buffer again = %v, want the kept [0 0 0 0 3]", b)
	}
	if c := Buffer[float32](&o, 7); len(c) != 7 || slices.Max(c) != 0 {
		t.Errorf("Buffer[float32](7) = %v, want seven zeros", c)
	}
}
