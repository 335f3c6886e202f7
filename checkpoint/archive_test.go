package checkpoint

import (
	"archive/zip"
	"bytes"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// sample returns an archive with awkward values: NaN, infinities, −0,
// subnormals, the int64 extremes, a scalar, an empty array and nested names.
func sample() *Archive {
	a := NewArchive()
	a.SetFloat64("param/layer1/W", []int{2, 3}, []float64{1, -2.5, math.NaN(), math.Inf(1), math.Inf(-1), math.Copysign(0, -1)})
	a.SetFloat64("param/layer1/b", []int{3}, []float64{math.SmallestNonzeroFloat64, math.MaxFloat64, 1.0 / 3})
	a.SetFloat64("loop/wall_s", nil, []float64{12.75})
	a.SetFloat64("optim/empty", []int{0, 4}, nil)
	a.SetInt64("loop/step", []int{1}, []int64{math.MaxInt64})
	a.SetInt64("rng/state", []int{2, 2}, []int64{math.MinInt64, -1, 0, 1 << 53})
	return a
}

// sameFloats compares bit patterns, so NaN equals NaN and −0 differs from 0.
func sameFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Float64bits(a[i]) != math.Float64bits(b[i]) {
			return false
		}
	}
	return true
}

func TestSaveLoadRoundTrip(t *testing.T) {
	want := sample()
	path := filepath.Join(t.TempDir(), "checkpoint.npz")
	if err := Save(path, want); err != nil {
		t.Fatal(err)
	}
	got, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Names(), want.Names()) {
		t.Fatalf("Names() = %v, want %v", got.Names(), want.Names())
	}
	for _, name := range want.Names() {
		w := want.arrays[name]
		if w.dtype == int64Type {
			shape, data, err := got.Int64(name)
			if err != nil || len(shape) != len(w.shape) || !reflect.DeepEqual(data, w.ints) {
				t.Errorf("Int64(%q) = %v %v %v, want %v %v", name, shape, data, err, w.shape, w.ints)
			}
			continue
		}
		shape, data, err := got.Float64(name)
		if err != nil || !reflect.DeepEqual(append([]int{}, shape...), append([]int{}, w.shape...)) || !sameFloats(data, w.floats) {
			t.Errorf("Float64(%q) = %v %v %v, want %v %v", name, shape, data, err, w.shape, w.floats)
		}
	}
}

func TestArchiveCopiesData(t *testing.T) {
	data, shape := []float64{1, 2}, []int{2}
	a := NewArchive()
	a.SetFloat64("x", shape, data)
	data[0], shape[0] = 99, 99
	gotShape, got, _ := a.Float64("x")
	if got[0] != 1 || gotShape[0] != 2 {
		t.Fatalf("the archive kept the caller's slices: %v %v", gotShape, got)
	}
	got[1] = 99
	if _, again, _ := a.Float64("x"); again[1] != 2 {
		t.Error("Float64 returned the archive's own slice")
	}
}

func TestZeroArchiveIsEmptyAndUsable(t *testing.T) {
	var a Archive
	if len(a.Names()) != 0 || a.Has("x") {
		t.Error("the zero Archive is not empty")
	}
	a.SetInt64("x", nil, []int64{3})
	if _, v, err := a.Int64("x"); err != nil || v[0] != 3 {
		t.Errorf("Int64 = %v, %v", v, err)
	}
}

func TestAccessorErrorsNameTheKey(t *testing.T) {
	path := filepath.Join(t.TempDir(), "run.npz")
	if err := Save(path, sample()); err != nil {
		t.Fatal(err)
	}
	a, err := Load(path)
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = a.Float64("param/layer2/W")
	wantError(t, err, "checkpoint "+path+`: no array "param/layer2/W"; the archive holds 6 arrays: loop/step, loop/wall_s, optim/empty`)
	_, _, err = a.Float64("loop/step")
	wantError(t, err, `array "loop/step" holds int64 values, not float64; read it with Int64`)
	_, _, err = a.Int64("loop/wall_s")
	wantError(t, err, `array "loop/wall_s" holds float64 values, not int64; read it with Float64`)
	_, _, err = NewArchive().Int64("x")
	wantError(t, err, `checkpoint: no array "x"; the archive is empty`)
}

// wantError fails unless err contains want.
func wantError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v\nwant one containing %q", err, want)
	}
}

func TestIdenticalContentGivesIdenticalBytes(t *testing.T) {
	dir := t.TempDir()
	forward, backward := sample(), NewArchive()
	names := forward.Names()
	for i := len(names) - 1; i >= 0; i-- { // the reverse insertion order
		backward.set(names[i], forward.arrays[names[i]])
	}
	var files [][]byte
	for i, a := range []*Archive{forward, backward, sample()} {
		path := filepath.Join(dir, string(rune('a'+i))+".npz")
		if err := Save(path, a); err != nil {
			t.Fatal(err)
		}
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		files = append(files, b)
	}
	for i := 1; i < len(files); i++ {
		if !bytes.Equal(files[0], files[i]) {
			t.Errorf("archive %d differs from archive 0 (%d vs %d bytes)", i, len(files[i]), len(files[0]))
		}
	}
	// The entries are in name order with the fixed time, stored, so the
	// file is a plain NumPy .npz.
	r, err := zip.NewReader(bytes.NewReader(files[0]), int64(len(files[0])))
	if err != nil {
		t.Fatal(err)
	}
	for i, f := range r.File {
		if f.Name != names[i]+".npy" || !f.Modified.Equal(zipTime) || f.Method != zip.Store {
			t.Errorf("entry %d = %s %v method %d, want %s.npy %v stored", i, f.Name, f.Modified, f.Method, names[i], zipTime)
		}
	}
}

func TestSaveRejectsBadArraysAndWritesNothing(t *testing.T) {
	tests := []struct {
		name  string
		build func(*Archive)
		want  string
	}{
		{"shape mismatch", func(a *Archive) { a.SetFloat64("w", []int{2, 2}, []float64{1, 2, 3}) }, `array "w": shape [2 2] holds 4 values, the data has 3`},
		{"negative dimension", func(a *Archive) { a.SetInt64("n", []int{-1}, nil) }, `array "n": shape [-1] has a negative dimension`},
		{"empty name", func(a *Archive) { a.SetInt64("", nil, []int64{1}) }, "an array has an empty name"},
		{"absolute name", func(a *Archive) { a.SetInt64("/etc/x", nil, []int64{1}) }, `array name "/etc/x" is not a clean relative path`},
		{"dot-dot name", func(a *Archive) { a.SetInt64("a/../b", nil, []int64{1}) }, `array name "a/../b" has an empty, '.' or '..' part`},
		{"empty part", func(a *Archive) { a.SetInt64("a//b", nil, []int64{1}) }, `array name "a//b" has an empty`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			a := sample()
			tt.build(a)
			path := filepath.Join(t.TempDir(), "c.npz")
			wantError(t, Save(path, a), "checkpoint "+path+": "+tt.want)
			if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 0 {
				t.Errorf("Save left %d files behind", len(entries))
			}
		})
	}
}

// zipOf builds a zip archive of the given entries, in order.
func zipOf(t *testing.T, entries ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	w := zip.NewWriter(&buf)
	for _, e := range entries {
		f, err := w.Create(e[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := f.Write([]byte(e[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := w.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

func TestLoadRejectsCorruptArchives(t *testing.T) {
	dir := t.TempDir()
	good := filepath.Join(dir, "good.npz")
	if err := Save(good, sample()); err != nil {
		t.Fatal(err)
	}
	valid, err := os.ReadFile(good)
	if err != nil {
		t.Fatal(err)
	}
	npy := string(npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\n", le(0)))
	// The first entry, loop/step.npy, has a 128-byte .npy header; its one
	// value follows.
	flipped := bytes.Clone(valid)
	flipped[bytes.Index(valid, []byte(npyMagic))+128] ^= 0xff
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"not a zip", []byte("step,loss\n1,0.5\n"), "not a valid .npz (zip) archive"},
		{"empty file", nil, "not a valid .npz (zip) archive"},
		{"flipped data byte", flipped, "entry loop/step.npy: zip: checksum error"},
		{"entry not .npy", zipOf(t, [2]string{"a.npy", npy}, [2]string{"notes.txt", "hi"}), "entry notes.txt is not a .npy array"},
		{"entry twice", zipOf(t, [2]string{"a.npy", npy}, [2]string{"a.npy", npy}), "entry a.npy appears twice"},
		{"bad .npy entry", zipOf(t, [2]string{"a.npy", npy}, [2]string{"b.npy", "\x93NUMPY\x01\x00garbage"}), "entry b.npy: the .npy header claims"},
		{"unsafe name", zipOf(t, [2]string{"../a.npy", npy}), `entry ../a.npy: array name "../a" has an empty, '.' or '..' part`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, strings.ReplaceAll(tt.name, " ", "-")+".npz")
			if err := os.WriteFile(path, tt.file, 0o644); err != nil {
				t.Fatal(err)
			}
			_, err := Load(path)
			wantError(t, err, "checkpoint "+path+": "+tt.want)
		})
	}
	// Every truncation is rejected, none panics.
	path := filepath.Join(dir, "truncated.npz")
	for n := 0; n < len(valid); n += 7 {
		if err := os.WriteFile(path, valid[:n], 0o644); err != nil {
			t.Fatal(err)
		}
		if _, err := Load(path); err == nil {
			t.Fatalf("Load of the first %d of %d bytes succeeded", n, len(valid))
		}
	}
	_, err = Load(filepath.Join(dir, "missing.npz"))
	wantError(t, err, "checkpoint: open "+filepath.Join(dir, "missing.npz")+": no such file or directory")
}

func TestCheckFinite(t *testing.T) {
	if err := sample().CheckFinite(); err == nil {
		t.Fatal("sample() holds NaN and ±Inf, CheckFinite accepted it")
	} else {
		wantError(t, err, `checkpoint: array "param/layer1/W" holds NaN at index 2 of 6; the file is damaged`)
	}
	a := NewArchive()
	a.SetFloat64("bn/mean", []int{2}, []float64{0, math.Inf(-1)})
	a.SetFloat64("param/W", []int{2}, []float64{math.MaxFloat64, -math.SmallestNonzeroFloat64})
	a.SetInt64("loop/step", []int{1}, []int64{math.MaxInt64})
	wantError(t, a.CheckFinite(), `array "bn/mean" holds -Inf at index 1 of 2`)
	a.SetFloat64("bn/mean", []int{2}, []float64{0, 1})
	if err := a.CheckFinite(); err != nil {
		t.Errorf("finite extremes: %v", err)
	}
}
