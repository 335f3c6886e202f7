package checkpoint

import (
	"bytes"
	"encoding/binary"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"deepopt/internal/memory"
)

// The .npy bytes of a '<f8' array of shape (2, 3), written by hand from the
// format specification (NEP 1 and numpy.lib.format): magic \x93NUMPY,
// version 1.0, header length 118 as little-endian uint16 (10 preamble bytes
// + 59 dict bytes + 58 spaces + newline = 128, a multiple of 64), the dict,
// the padding, then six IEEE 754 doubles little-endian.
func TestNPYBytesMatchSpecification(t *testing.T) {
	want := []byte("\x93NUMPY" + "\x01\x00" + "\x76\x00" +
		"{'descr': '<f8', 'fortran_order': False, 'shape': (2, 3), }" +
		strings.Repeat(" ", 58) + "\n")
	for _, bits := range []string{
		"\x00\x00\x00\x00\x00\x00\xf0\x3f", // 1.0 = 0x3FF0000000000000
		"\x00\x00\x00\x00\x00\x00\x00\x40", // 2.0 = 0x4000000000000000
		"\x00\x00\x00\x00\x00\x00\xe0\xbf", // -0.5 = 0xBFE0000000000000
		"\x00\x00\x00\x00\x00\x00\x00\x00", // 0.0
		"\x00\x00\x00\x00\x00\x00\x00\x80", // -0.0 = 0x8000000000000000
		"\x00\x00\x00\x00\x00\x00\x24\x40", // 10.0 = 0x4024000000000000
	} {
		want = append(want, bits...)
	}
	var got bytes.Buffer
	arr := &array{dtype: float64Type, shape: []int{2, 3}, floats: []float64{1, 2, -0.5, 0, math.Copysign(0, -1), 10}}
	if err := writeNPY(&got, arr); err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(got.Bytes(), want) {
		t.Errorf("writeNPY =\n%q\nwant\n%q", got.Bytes(), want)
	}
}

// The int64 header of shape (3,) (a one-element tuple keeps its comma) and
// of a scalar, also by hand: 10 + 57 + 60 + 1 = 128 and 10 + 55 + 62 + 1 =
// 128.
func TestNPYHeaderShapes(t *testing.T) {
	tests := []struct {
		shape []int
		want  string
	}{
		{[]int{3}, "\x93NUMPY\x01\x00\x76\x00{'descr': '<i8', 'fortran_order': False, 'shape': (3,), }" + strings.Repeat(" ", 60) + "\n"},
		{nil, "\x93NUMPY\x01\x00\x76\x00{'descr': '<i8', 'fortran_order': False, 'shape': (), }" + strings.Repeat(" ", 62) + "\n"},
	}
	for _, tt := range tests {
		if got := string(npyHeader(int64Type, tt.shape)); got != tt.want {
			t.Errorf("npyHeader(<i8, %v) =\n%q\nwant\n%q", tt.shape, got, tt.want)
		}
	}
}

// A header too long for version 1.0's uint16 length switches to version
// 2.0 with a uint32 length, as numpy.lib.format does.
func TestNPYVersion2ForLongHeaders(t *testing.T) {
	shape := make([]int, 30000) // "1, " each: about 90 kB of header
	for i := range shape {
		shape[i] = 1
	}
	header := npyHeader(float64Type, shape)
	if header[6] != 2 || header[7] != 0 {
		t.Fatalf("version %d.%d, want 2.0", header[6], header[7])
	}
	length := binary.LittleEndian.Uint32(header[8:12])
	if int(length) != len(header)-12 || len(header)%64 != 0 || header[len(header)-1] != '\n' {
		t.Errorf("header length field %d, header %d bytes: want field = bytes − 12, a multiple of 64, newline last", length, len(header))
	}
	arr, err := readNPYBytes(append(header, make([]byte, 8)...))
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(arr.shape, shape) {
		t.Errorf("shape read back has %d dimensions, want %d", len(arr.shape), len(shape))
	}
}

// npyFile builds a .npy file from a version, a header and data bytes.
func npyFile(major byte, header string, data []byte) []byte {
	out := []byte("\x93NUMPY")
	out = append(out, major, 0)
	if major == 1 {
		out = binary.LittleEndian.AppendUint16(out, uint16(len(header)))
	} else {
		out = binary.LittleEndian.AppendUint32(out, uint32(len(header)))
	}
	return append(append(out, header...), data...)
}

// le encodes values as little-endian 64-bit words.
func le(values ...uint64) []byte {
	var out []byte
	for _, v := range values {
		out = binary.LittleEndian.AppendUint64(out, v)
	}
	return out
}

// Headers written by other writers: old NumPy's 16-byte alignment, keys in
// another order, double quotes, no trailing comma, version 2.0, Python 2's
// long integers.
func TestReadNPYAcceptsOtherWriters(t *testing.T) {
	tests := []struct {
		name  string
		file  []byte
		shape []int
		want  any
	}{
		{"16-byte alignment", npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }  \n", le(math.Float64bits(1.5), math.Float64bits(-3))),
			[]int{2}, []float64{1.5, -3}},
		{"other order and quotes", npyFile(1, `{"shape": (1, 2), "fortran_order": False, "descr": "<i8"}`+"\n", le(7, math.MaxUint64)),
			[]int{1, 2}, []int64{7, -1}},
		{"version 2.0", npyFile(2, "{'descr': '<i8', 'fortran_order': False, 'shape': (), }\n", le(42)),
			[]int{}, []int64{42}},
		{"python 2 longs", npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1L, 1L), }\n", le(0)),
			[]int{1, 1}, []float64{0}},
		{"empty array", npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (0, 5), }\n", nil),
			[]int{0, 5}, []float64{}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			arr, err := readNPYBytes(tt.file)
			if err != nil {
				t.Fatal(err)
			}
			var got any = arr.floats
			if arr.dtype == int64Type {
				got = arr.ints
			}
			if !reflect.DeepEqual(arr.shape, tt.shape) || !reflect.DeepEqual(got, tt.want) {
				t.Errorf("readNPY = shape %v values %v, want %v %v", arr.shape, got, tt.shape, tt.want)
			}
		})
	}
}

func TestReadNPYRejects(t *testing.T) {
	good := "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), }\n"
	data := le(0, 0)
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"empty", nil, "magic string"},
		{"wrong magic", []byte("PK\x03\x04 not numpy at all"), "magic string"},
		{"only the magic", []byte("\x93NUMPY"), "magic string"},
		{"unsupported version", append([]byte("\x93NUMPY\x03\x00"), make([]byte, 64)...), "version 3.0 is not supported; want 1.0 or 2.0"},
		{"truncated length", []byte("\x93NUMPY\x01\x00\x76"), "header is truncated"},
		{"header beyond the end", npyFile(1, good, nil)[:40], "header claims 58 bytes"},
		{"big-endian", npyFile(1, strings.Replace(good, "<f8", ">f8", 1), data), `descr ">f8" is not supported`},
		{"float32", npyFile(1, strings.Replace(good, "<f8", "<f4", 1), data), `descr "<f4" is not supported`},
		{"fortran order", npyFile(1, strings.Replace(good, "False", "True", 1), data), "fortran_order True is not supported"},
		{"missing shape", npyFile(1, "{'descr': '<f8', 'fortran_order': False}\n", data), `key "shape" is missing`},
		{"extra key", npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2,), 'x': 1}\n", data), `unexpected key "x"`},
		{"repeated key", npyFile(1, "{'descr': '<f8', 'descr': '<f8', 'fortran_order': False, 'shape': (2,)}\n", data), `key "descr" repeats`},
		{"not a tuple", npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (2), }\n", data), "needs a trailing comma"},
		{"negative dimension", npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (-2,), }\n", data), `want a non-negative integer, got ""`},
		{"not a dict", npyFile(1, "['descr']\n", data), "want a Python dict"},
		{"trailing text", npyFile(1, good[:len(good)-1]+"x\n", data), `unexpected "x" after the dict`},
		{"short data", npyFile(1, good, data[:15]), "shape [2] needs 2 values (16 bytes) of data, the entry holds 15 bytes"},
		{"long data", npyFile(1, good, append(data, 0)), "the entry holds 17 bytes"},
		{"huge shape", npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (4294967296, 4294967296), }\n", data), "too large"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := readNPYBytes(tt.file)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("readNPY error = %v, want one containing %q", err, tt.want)
			}
		})
	}
}

// readNPYBytes reads a whole .npy file held in memory, with no memory
// limit.
func readNPYBytes(file []byte) (*array, error) {
	return readNPY(bytes.NewReader(file), int64(len(file)), &memory.Available{})
}

// TestReadNPYFile reads int64 values as float64 with their shape, and names
// the file in its errors.
func TestReadNPYFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "ints.npy")
	if err := os.WriteFile(path, npyFile(1, "{'descr': '<i8', 'fortran_order': False, 'shape': (1, 2), }\n", le(7, math.MaxUint64)), 0o644); err != nil {
		t.Fatal(err)
	}
	values, shape, err := ReadNPYFile(path)
	if err != nil || !reflect.DeepEqual(values, []float64{7, -1}) || !reflect.DeepEqual(shape, []int{1, 2}) {
		t.Errorf("ReadNPYFile = %v %v %v, want [7 -1] [1 2]", values, shape, err)
	}
	bad := filepath.Join(dir, "bad.npy")
	if err := os.WriteFile(bad, []byte("not numpy"), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadNPYFile(bad); err == nil || !strings.Contains(err.Error(), "bad.npy: not a .npy array") {
		t.Errorf("bad file: error %v", err)
	}
	text := filepath.Join(dir, "text.npy")
	if err := os.WriteFile(text, npyFile(1, "{'descr': '<U1', 'fortran_order': False, 'shape': (1,), }\n", []byte{'a', 0, 0, 0}), 0o644); err != nil {
		t.Fatal(err)
	}
	if _, _, err := ReadNPYFile(text); err == nil || !strings.Contains(err.Error(), "text.npy: an array of <U1 strings; want numbers") {
		t.Errorf("strings: error %v", err)
	}
}
