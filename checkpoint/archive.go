// Package checkpoint stores named arrays as NumPy .npz archives, written
// atomically: what a run needs to resume exactly (parameters, batch-norm
// statistics, optimizer state, counters, RNG and batcher state), in a format
// that numpy.load("checkpoint.npz") reads for analysis.
//
// An .npz archive is a zip file with one .npy entry per array (NumPy
// Enhancement Proposal 1, "A simple file format for NumPy arrays"). Save
// writes stored (uncompressed) entries in name order with fixed timestamps,
// so identical content gives identical bytes; Load also reads NumPy's
// compressed archives (numpy.savez_compressed). Only little-endian float64
// ('<f8') and int64 ('<i8') arrays in C order are supported.
package checkpoint

import (
	"fmt"
	"slices"
	"strings"
)

// dtype is the element type of an array.
type dtype string

// The supported element types, spelled as NumPy's descr.
const (
	float64Type dtype = "<f8"
	int64Type   dtype = "<i8"
)

// name is the Go type of the element type, for messages.
func (d dtype) name() string {
	if d == int64Type {
		return "int64"
	}
	return "float64"
}

// array is one named array: a shape (row-major, C order) and its values in
// the slice of its element type.
type array struct {
	dtype  dtype
	shape  []int
	floats []float64
	ints   []int64
}

// length is the number of values the array holds.
func (a *array) length() int {
	if a.dtype == int64Type {
		return len(a.ints)
	}
	return len(a.floats)
}

// Archive is a set of named float64 and int64 arrays. The zero value is an
// empty archive ready to use; NewArchive returns a pointer to one.
type Archive struct {
	arrays map[string]*array
	// source is the file the archive was loaded from, for messages.
	source string
}

// NewArchive returns an empty archive.
func NewArchive() *Archive {
	return &Archive{}
}

// SetFloat64 stores a copy of data as the float64 array name with the given
// shape (row-major; nil or [] for a scalar), replacing any array of that
// name. The product of shape must equal len(data); Save reports a mismatch.
// A name may contain slashes ("param/layer1/W"); NumPy sees the same name.
func (a *Archive) SetFloat64(name string, shape []int, data []float64) {
	a.set(name, &array{dtype: float64Type, shape: slices.Clone(shape), floats: slices.Clone(data)})
}

// SetInt64 stores a copy of data as the int64 array name with the given
// shape, like SetFloat64. Use it for counters and RNG or batcher state,
// which float64 would round beyond 2^53.
func (a *Archive) SetInt64(name string, shape []int, data []int64) {
	a.set(name, &array{dtype: int64Type, shape: slices.Clone(shape), ints: slices.Clone(data)})
}

// set stores arr as name.
func (a *Archive) set(name string, arr *array) {
	if a.arrays == nil {
		a.arrays = map[string]*array{}
	}
	a.arrays[name] = arr
}

// Float64 returns a copy of the shape and values of the float64 array name.
// It is an error when there is no such array or it holds int64 values.
func (a *Archive) Float64(name string) (shape []int, data []float64, err error) {
	arr, err := a.get(name, float64Type)
	if err != nil {
		return nil, nil, err
	}
	return slices.Clone(arr.shape), slices.Clone(arr.floats), nil
}

// Int64 returns a copy of the shape and values of the int64 array name. It
// is an error when there is no such array or it holds float64 values.
func (a *Archive) Int64(name string) (shape []int, data []int64, err error) {
	arr, err := a.get(name, int64Type)
	if err != nil {
		return nil, nil, err
	}
	return slices.Clone(arr.shape), slices.Clone(arr.ints), nil
}

// Has reports whether the archive holds an array called name.
func (a *Archive) Has(name string) bool {
	_, ok := a.arrays[name]
	return ok
}

// Names lists the names of the arrays in sorted order.
func (a *Archive) Names() []string {
	names := make([]string, 0, len(a.arrays))
	for name := range a.arrays {
		names = append(names, name)
	}
	slices.Sort(names)
	return names
}

// get returns the array name of element type want.
func (a *Archive) get(name string, want dtype) (*array, error) {
	arr, ok := a.arrays[name]
	if !ok {
		return nil, fmt.Errorf("%sno array %q; %s", a.where(), name, a.inventory())
	}
	if arr.dtype != want {
		read := "Int64"
		if arr.dtype == float64Type {
			read = "Float64"
		}
		return nil, fmt.Errorf("%sarray %q holds %s values, not %s; read it with %s", a.where(), name, arr.dtype.name(), want.name(), read)
	}
	return arr, nil
}

// where prefixes messages with the archive's file, if it came from one.
func (a *Archive) where() string {
	if a.source == "" {
		return "checkpoint: "
	}
	return "checkpoint " + a.source + ": "
}

// inventory describes the archive's names for messages, at most ten.
func (a *Archive) inventory() string {
	names := a.Names()
	switch {
	case len(names) == 0:
		return "the archive is empty"
	case len(names) > 10:
		return fmt.Sprintf("the archive holds %d arrays: %s, …", len(names), strings.Join(names[:10], ", "))
	default:
		return fmt.Sprintf("the archive holds %d arrays: %s", len(names), strings.Join(names, ", "))
	}
}
