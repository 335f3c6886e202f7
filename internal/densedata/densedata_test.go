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
