package checkpoint

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"testing"

	"deepopt/internal/memory"
)

// allocationLimit is what reading input may allocate: a fixed allowance
// for the zip reader and buffers, plus arrays as large as deflate can
// inflate the input to (maxInflation), with room for the float conversion.
func allocationLimit(input []byte) uint64 {
	return 4<<20 + 3*maxInflation*uint64(len(input))
}

// FuzzLoad checks on arbitrary bytes that the .npz reader never panics,
// allocates in proportion to its input, and, when it accepts the input,
// returns an archive that Save writes and Load reads back unchanged (bit for
// bit, NaN payloads included). The seeds are an archive Save wrote, the same
// archive deflated as numpy.savez_compressed writes it, and an empty zip;
// `go test` runs them, `go test -fuzz FuzzLoad ./checkpoint/` explores.
func FuzzLoad(f *testing.F) {
	path := filepath.Join(f.TempDir(), "seed.npz")
	if err := Save(path, sample()); err != nil {
		f.Fatal(err)
	}
	stored, err := os.ReadFile(path)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(stored)
	f.Add(deflated(f, sample()))
	f.Add(deflated(f, NewArchive()))
	strs := NewArchive()
	strs.SetString("arch/model.activation", "σ-relu")
	f.Add(deflated(f, strs))
	f.Fuzz(func(t *testing.T, input []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		a, err := load(bytes.NewReader(input), int64(len(input)), "fuzz.npz")
		runtime.ReadMemStats(&after)
		if used, limit := after.TotalAlloc-before.TotalAlloc, allocationLimit(input); used > limit {
			t.Fatalf("allocated %d bytes for %d bytes of input, more than %d", used, len(input), limit)
		}
		if err != nil {
			return
		}
		out := filepath.Join(t.TempDir(), "again.npz")
		if err := Save(out, a); err != nil {
			t.Fatalf("Save refuses what Load accepted: %v", err)
		}
		again, err := Load(out)
		if err != nil {
			t.Fatalf("Load refuses what Save wrote: %v", err)
		}
		if !sameArchives(a, again) {
			t.Fatal("the archive changed on the way through Save and Load")
		}
	})
}

// FuzzReadNPY checks the .npy reader alone the same way: no panic, bounded
// allocation, and what it accepts writeNPY writes back so that it reads the
// same.
func FuzzReadNPY(f *testing.F) {
	f.Add(npyFile(1, "{'descr': '<U2', 'fortran_order': False, 'shape': (2,), }\n", []byte("a\x00\x00\x00b\x00\x00\x00c\x00\x00\x00\x00\x00\x00\x00")))
	for _, arr := range sample().arrays {
		var buf bytes.Buffer
		if err := writeNPY(&buf, arr); err != nil {
			f.Fatal(err)
		}
		f.Add(buf.Bytes())
	}
	f.Add(npyFile(2, "{'descr': '<i8', 'fortran_order': False, 'shape': (), }\n", le(42)))
	f.Fuzz(func(t *testing.T, input []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		arr, err := readNPY(bytes.NewReader(input), int64(len(input)), &memory.Available{})
		runtime.ReadMemStats(&after)
		if used, limit := after.TotalAlloc-before.TotalAlloc, uint64(4<<20+3*len(input)); used > limit {
			t.Fatalf("allocated %d bytes for %d bytes of input, more than %d", used, len(input), limit)
		}
		if err != nil {
			return
		}
		var buf bytes.Buffer
		if err := writeNPY(&buf, arr); err != nil {
			t.Fatal(err)
		}
		again, err := readNPYBytes(buf.Bytes())
		if err != nil {
			t.Fatalf("readNPY refuses what writeNPY wrote: %v", err)
		}
		if !sameArrays(arr, again) {
			t.Fatal("the array changed on the way through writeNPY and readNPY")
		}
	})
}

// deflated returns a as an .npz archive with deflated entries, as
// numpy.savez_compressed writes it.
func deflated(f *testing.F, a *Archive) []byte {
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestCompression) })
	for _, name := range a.Names() {
		entry, err := zw.CreateHeader(&zip.FileHeader{Name: name + ".npy", Method: zip.Deflate})
		if err != nil {
			f.Fatal(err)
		}
		if err := writeNPY(entry, a.arrays[name]); err != nil {
			f.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		f.Fatal(err)
	}
	return out.Bytes()
}

// sameArchives compares names, element types, shapes and bit patterns.
func sameArchives(a, b *Archive) bool {
	if len(a.arrays) != len(b.arrays) {
		return false
	}
	for name, x := range a.arrays {
		if y, ok := b.arrays[name]; !ok || !sameArrays(x, y) {
			return false
		}
	}
	return true
}

// sameArrays compares element type, shape and bit patterns.
func sameArrays(x, y *array) bool {
	return x.dtype == y.dtype && slices.Equal(x.shape, y.shape) && slices.Equal(x.ints, y.ints) && slices.Equal(x.strings, y.strings) && sameFloats(x.floats, y.floats)
}
