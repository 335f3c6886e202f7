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
// ('<f8'), int64 ('<i8') and string ('<U<n>') arrays in C order are
// supported.
package checkpoint

import (
	"encoding/binary"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"
)

// dtype is the element type of an array.
type dtype string

// The supported element types, spelled as NumPy's descr: '<f8', '<i8', and
// '<U<n>', strings of at most n code points stored as UTF-32 (NumPy's str
// arrays).
const (
	float64Type dtype = "<f8"
	int64Type   dtype = "<i8"
)

// maxRunes is the longest string element Load accepts.
const maxRunes = 1 << 16

// unicodeType is the element type of strings of at most n code points.
func unicodeType(n int) dtype { return dtype("<U" + strconv.Itoa(n)) }

// runes is the length n of a '<U<n>' element type, or 0 for another type.
func (d dtype) runes() int {
	digits, ok := strings.CutPrefix(string(d), "<U")
	n, err := strconv.Atoi(digits)
	if !ok || err != nil || n < 1 || n > maxRunes || digits != strconv.Itoa(n) {
		return 0
	}
	return n
}

// size is the number of bytes of one element.
func (d dtype) size() int {
	if n := d.runes(); n > 0 {
		return 4 * n
	}
	return 8
}

// name is the Go type of the element type, for messages.
func (d dtype) name() string {
	switch {
	case d == int64Type:
		return "int64"
	case d.runes() > 0:
		return "string"
	}
	return "float64"
}

// reader is the Archive method that reads the element type, for messages.
func (d dtype) reader() string {
	switch {
	case d == int64Type:
		return "Int64"
	case d.runes() > 0:
		return "String"
	}
	return "Float64"
}

// array is one named array: a shape (row-major, C order) and its values in
// the slice of its element type.
type array struct {
	dtype   dtype
	shape   []int
	floats  []float64
	ints    []int64
	strings []string
}

// length is the number of values the array holds.
func (a *array) length() int {
	switch {
	case a.dtype == int64Type:
		return len(a.ints)
	case a.dtype.runes() > 0:
		return len(a.strings)
	}
	return len(a.floats)
}

// appendElement appends element i as the .npy file stores it: 8 bytes
// little-endian, or a string's code points as UTF-32LE padded with zeros.
func (a *array) appendElement(buf []byte, i int) []byte {
	switch {
	case a.dtype == int64Type:
		return binary.LittleEndian.AppendUint64(buf, uint64(a.ints[i]))
	case a.dtype.runes() > 0:
		n := 0
		for _, r := range a.strings[i] {
			buf = binary.LittleEndian.AppendUint32(buf, uint32(r))
			n++
		}
		return append(buf, make([]byte, 4*(a.dtype.runes()-n))...)
	}
	return binary.LittleEndian.AppendUint64(buf, math.Float64bits(a.floats[i]))
}

// setElement decodes element i from its stored bytes b. A string ends at
// its first zero code point, as in NumPy; a code point that is not a valid
// rune is an error.
func (a *array) setElement(i int, b []byte) error {
	switch {
	case a.dtype == int64Type:
		a.ints[i] = int64(binary.LittleEndian.Uint64(b))
	case a.dtype.runes() > 0:
		var s strings.Builder
		for j := 0; j < len(b); j += 4 {
			r := rune(binary.LittleEndian.Uint32(b[j:]))
			if r == 0 {
				break
			}
			if !utf8.ValidRune(r) {
				return fmt.Errorf("string %d holds the code point %#x, which is not a character", i, uint32(r))
			}
			s.WriteRune(r)
		}
		a.strings[i] = s.String()
	default:
		a.floats[i] = math.Float64frombits(binary.LittleEndian.Uint64(b))
	}
	return nil
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

// SetString stores s as the scalar string array name, which NumPy reads
// as a str (dtype '<U<n>' with n the number of code points of s, at least
// 1), replacing any array of that name. A string holding the code point 0
// cannot be stored; Save reports it.
func (a *Archive) SetString(name, s string) {
	a.set(name, &array{dtype: unicodeType(max(utf8.RuneCountInString(s), 1)), shape: []int{}, strings: []string{s}})
}

// String returns the string held by the one-element string array name. It
// is an error when there is no such array, it holds numbers, or it holds
// more or fewer than one string.
func (a *Archive) String(name string) (string, error) {
	arr, err := a.get(name, "")
	if err != nil {
		return "", err
	}
	if len(arr.strings) != 1 {
		return "", fmt.Errorf("%sarray %q holds %d strings, want 1", a.where(), name, len(arr.strings))
	}
	return arr.strings[0], nil
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

// CheckFinite reports the first float64 array, in name order, that holds
// NaN or ±Inf, naming the value and its index: a saved state holding one is
// damaged (the training loop never saves non-finite weights), and
// restoring it would only fail later, less clearly.
func (a *Archive) CheckFinite() error {
	for _, name := range a.Names() {
		for i, v := range a.arrays[name].floats {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("%sarray %q holds %v at index %d of %d; the file is damaged or was written by a run that diverged", a.where(), name, v, i, len(a.arrays[name].floats))
			}
		}
	}
	return nil
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

// get returns the array name of element type want; "" wants strings of
// any length.
func (a *Archive) get(name string, want dtype) (*array, error) {
	arr, ok := a.arrays[name]
	if !ok {
		return nil, fmt.Errorf("%sno array %q; %s", a.where(), name, a.inventory())
	}
	if arr.dtype != want && !(want == "" && arr.dtype.runes() > 0) {
		wanted := "string"
		if want != "" {
			wanted = want.name()
		}
		return nil, fmt.Errorf("%sarray %q holds %s values, not %s; read it with %s", a.where(), name, arr.dtype.name(), wanted, arr.dtype.reader())
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
