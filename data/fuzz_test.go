package data

import (
	"bytes"
	"runtime"
	"testing"
)

// FuzzReadIDX checks on arbitrary input that ReadIDX never panics, allocates
// in proportion to its input (a gzip stream inflates at most about 1032:1),
// and, when it accepts the input, returns an array of exactly the declared
// size that WriteIDX writes back and ReadIDX reads again unchanged. For plain
// input that rewrite must reproduce the input byte for byte. The seed corpus
// is in testdata/fuzz/FuzzReadIDX.
func FuzzReadIDX(f *testing.F) {
	f.Fuzz(func(t *testing.T, input []byte) {
		var before, after runtime.MemStats
		runtime.ReadMemStats(&before)
		m, err := ReadIDX(bytes.NewReader(input))
		runtime.ReadMemStats(&after)
		if limit := uint64(1<<20 + 3*1032*len(input)); after.TotalAlloc-before.TotalAlloc > limit {
			t.Fatalf("allocated %d bytes for %d bytes of input, more than %d", after.TotalAlloc-before.TotalAlloc, len(input), limit)
		}
		if err != nil {
			return
		}
		if len(m.Data) != m.Count()*m.Type.Size() || len(m.Dims) < 1 || len(m.Dims) > MaxIDXDims {
			t.Fatalf("accepted type %v dims %v with %d data bytes", m.Type, m.Dims, len(m.Data))
		}
		var out bytes.Buffer
		if err := WriteIDX(&out, m); err != nil {
			t.Fatalf("WriteIDX refuses what ReadIDX accepted: %v", err)
		}
		if !bytes.HasPrefix(input, gzipMagic) && !bytes.Equal(out.Bytes(), input) {
			t.Fatalf("rewrite differs from the plain input")
		}
		again, err := ReadIDX(&out)
		if err != nil || again.Type != m.Type || !bytes.Equal(again.Data, m.Data) || len(again.Dims) != len(m.Dims) {
			t.Fatalf("re-read gives %+v, %v", again, err)
		}
	})
}
