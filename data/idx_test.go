package data

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// gzipBytes compresses b.
func gzipBytes(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(b); err != nil {
		t.Fatal(err)
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestIDXDecodesEveryType reads hand-encoded files of every IDX type (bytes
// written out from the format's definition: big-endian two's complement and
// IEEE 754) and checks dims and decoded values, plain and gzipped.
func TestIDXDecodesEveryType(t *testing.T) {
	tests := []struct {
		name string
		file []byte
		typ  ElementType
		dims []int
		want []float64
	}{
		{"unsigned byte 2x3", []byte{0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 3, 0, 1, 127, 128, 254, 255},
			UnsignedByte, []int{2, 3}, []float64{0, 1, 127, 128, 254, 255}},
		{"signed byte", []byte{0, 0, 0x09, 1, 0, 0, 0, 3, 0x80, 0xFF, 0x7F},
			SignedByte, []int{3}, []float64{-128, -1, 127}},
		{"short", []byte{0, 0, 0x0B, 1, 0, 0, 0, 2, 0xFF, 0xFE, 0x01, 0x00},
			Short, []int{2}, []float64{-2, 256}},
		{"int", []byte{0, 0, 0x0C, 1, 0, 0, 0, 2, 0x80, 0, 0, 0, 0, 0x01, 0x00, 0x01},
			Int, []int{2}, []float64{-2147483648, 65537}},
		{"float", []byte{0, 0, 0x0D, 1, 0, 0, 0, 2, 0x3F, 0xC0, 0, 0, 0xC0, 0x20, 0, 0},
			Float, []int{2}, []float64{1.5, -2.5}},
		{"double 1x1x1", []byte{0, 0, 0x0E, 3, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0x40, 0x09, 0x21, 0xFB, 0x54, 0x44, 0x2D, 0x18},
			Double, []int{1, 1, 1}, []float64{3.141592653589793}},
	}
	for _, tt := range tests {
		for _, compressed := range []bool{false, true} {
			file := tt.file
			if compressed {
				file = gzipBytes(t, file)
			}
			m, err := ReadIDX(bytes.NewReader(file))
			if err != nil {
				t.Fatalf("%s (gzip %v): %v", tt.name, compressed, err)
			}
			values, err := m.Values()
			if err != nil {
				t.Fatal(err)
			}
			if m.Type != tt.typ || !slices.Equal(m.Dims, tt.dims) || !slices.Equal(values, tt.want) {
				t.Errorf("%s (gzip %v): got %v %v %v, want %v %v %v", tt.name, compressed, m.Type, m.Dims, values, tt.typ, tt.dims, tt.want)
			}
			var out bytes.Buffer
			if err := WriteIDX(&out, m); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(out.Bytes(), tt.file) {
				t.Errorf("%s: WriteIDX gives % x, want the original % x", tt.name, out.Bytes(), tt.file)
			}
		}
	}
}

// TestReadIDXRejectsCorruptFiles checks that each kind of damage gives an
// error that names it.
func TestReadIDXRejectsCorruptFiles(t *testing.T) {
	valid := []byte{0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 2, 1, 2, 3, 4}
	zipped := gzipBytes(t, valid)
	flipped := slices.Clone(zipped)
	flipped[len(flipped)/2] ^= 0xFF
	badCRC := slices.Clone(zipped)
	badCRC[len(badCRC)-8] ^= 0xFF
	tests := []struct {
		name, want string
		file       []byte
	}{
		{"empty", "empty or truncated", nil},
		{"short header", "inside the 4-byte header", []byte{0, 0, 8}},
		{"bad magic", "bad magic", []byte{1, 2, 0x08, 1, 0, 0, 0, 1, 7}},
		{"unknown type", "unknown type 0x0A", []byte{0, 0, 0x0A, 1, 0, 0, 0, 1, 7}},
		{"zero dimensions", "0 dimensions", []byte{0, 0, 0x08, 0, 7}},
		{"absurd dimension count", "200 dimensions", append([]byte{0, 0, 0x08, 200}, make([]byte, 800)...)},
		{"empty dimension", "dimension 1 is 0", []byte{0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0, 0, 0}},
		{"huge dimension", "size limit", []byte{0, 0, 0x08, 1, 0xFF, 0xFF, 0xFF, 0xFF, 7}},
		{"product overflows", "size limit", []byte{0, 0, 0x0E, 4, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0, 0, 1, 0, 0}},
		{"truncated dims", "list of dimensions", []byte{0, 0, 0x08, 2, 0, 0, 0, 2, 0, 0}},
		{"truncated data", "truncated data", valid[:len(valid)-1]},
		{"trailing bytes", "trailing bytes", append(slices.Clone(valid), 9)},
		{"gzip header only", "corrupt gzip", []byte{0x1f, 0x8b}},
		{"gzip truncated", "corrupt gzip", zipped[:len(zipped)-5]},
		{"gzip corrupt", "corrupt gzip", flipped},
		{"gzip bad checksum", "corrupt gzip", badCRC},
		{"gzip of truncated data", "truncated data", gzipBytes(t, valid[:len(valid)-1])},
	}
	for _, tt := range tests {
		m, err := ReadIDX(bytes.NewReader(tt.file))
		if err == nil {
			t.Errorf("%s: read %+v, want an error mentioning %q", tt.name, m, tt.want)
			continue
		}
		if !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%s: error %q does not mention %q", tt.name, err, tt.want)
		}
	}
}

// TestReadIDXFileNamesTheFile checks plain and gzipped files on disk and that
// errors name the file.
func TestReadIDXFileNamesTheFile(t *testing.T) {
	dir := t.TempDir()
	valid := []byte{0, 0, 0x08, 1, 0, 0, 0, 3, 4, 5, 6}
	plain := filepath.Join(dir, "plain-idx1-ubyte")
	zipped := filepath.Join(dir, "zipped-idx1-ubyte.gz")
	broken := filepath.Join(dir, "broken-idx1-ubyte")
	for path, content := range map[string][]byte{plain: valid, zipped: gzipBytes(t, valid), broken: valid[:9]} {
		if err := os.WriteFile(path, content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for _, path := range []string{plain, zipped} {
		m, err := ReadIDXFile(path)
		if err != nil || !bytes.Equal(m.Data, []byte{4, 5, 6}) {
			t.Errorf("%s: got %v, %v; want data [4 5 6]", path, m, err)
		}
	}
	if _, err := ReadIDXFile(broken); err == nil || !strings.Contains(err.Error(), broken) {
		t.Errorf("error %v does not name the file %s", err, broken)
	}
}

// TestReadIDXAllocatesWithTheData checks that a header declaring almost the
// 1 GiB limit over a few real bytes costs memory in proportion to the real
// bytes, not to the header.
func TestReadIDXAllocatesWithTheData(t *testing.T) {
	file := []byte{0, 0, 0x08, 2, 0, 0, 0x80, 0, 0, 0, 0x7F, 0xFF, 1, 2, 3}
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	_, err := ReadIDX(bytes.NewReader(file))
	runtime.ReadMemStats(&after)
	if err == nil || !strings.Contains(err.Error(), "truncated data") {
		t.Fatalf("error %v, want truncated data", err)
	}
	if allocated := after.TotalAlloc - before.TotalAlloc; allocated > 1<<20 {
		t.Errorf("allocated %d bytes for a 15-byte file", allocated)
	}
}

// TestWriteIDXRejectsInconsistentArrays checks that WriteIDX refuses what
// ReadIDX would reject.
func TestWriteIDXRejectsInconsistentArrays(t *testing.T) {
	for _, m := range []*IDX{
		{Type: UnsignedByte, Dims: []int{2}, Data: []byte{1}},
		{Type: 0x07, Dims: []int{1}, Data: []byte{1}},
		{Type: Short, Dims: []int{1}, Data: []byte{1}},
		{Type: UnsignedByte, Dims: nil, Data: nil},
	} {
		if err := WriteIDX(&bytes.Buffer{}, m); err == nil {
			t.Errorf("WriteIDX accepted %+v", m)
		}
	}
}
