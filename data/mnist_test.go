package data

import (
	"bytes"
	"compress/gzip"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
)

// fixtureDir is the MNIST subset at the repository root.
const fixtureDir = "../testdata/mnist"

// The first ten labels of the MNIST training and test sets, as published
// (e.g. in every MNIST tutorial's first printout), independent of this code.
var (
	firstTrainLabels = []int{5, 0, 4, 1, 9, 2, 1, 3, 1, 4}
	firstTestLabels  = []int{7, 2, 1, 0, 4, 1, 4, 9, 5, 9}
)

// checkMNISTSet checks the invariants of an MNIST set of n examples.
func checkMNISTSet(t *testing.T, name string, d *Dataset, n int, firstLabels []int) {
	t.Helper()
	if d.Len() != n || !slices.Equal(d.Shape, []int{1, 28, 28}) || d.Dim() != 784 || d.Classes != 10 {
		t.Fatalf("%s: %d examples of shape %v, %d classes; want %d of [1 28 28], 10", name, d.Len(), d.Shape, d.Classes, n)
	}
	if err := d.Validate(); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if d.X != nil || len(d.Pixels) != n*784 {
		t.Fatalf("%s: %d float32 values and %d grey levels, want the %d images' grey levels alone", name, len(d.X), len(d.Pixels), n)
	}
	values := d.Values()
	low, high := slices.Min(values), slices.Max(values)
	if low != 0 || high != 1 {
		t.Errorf("%s: pixels in [%v, %v], want exactly [0, 1]", name, low, high)
	}
	counts := make([]int, 10)
	for _, y := range d.Y {
		counts[y]++
	}
	for digit, c := range counts {
		if c < n/20 {
			t.Errorf("%s: only %d examples of digit %d among %d", name, c, digit, n)
		}
	}
	if !slices.Equal(d.Y[:10], firstLabels) {
		t.Errorf("%s: first labels %v, want %v", name, d.Y[:10], firstLabels)
	}
}

func TestLoadMNISTFixture(t *testing.T) {
	var log bytes.Buffer
	train, test, err := LoadMNIST(fixtureDir, &log)
	if err != nil {
		t.Fatal(err)
	}
	checkMNISTSet(t, "fixture train", train, 1000, firstTrainLabels)
	checkMNISTSet(t, "fixture test", test, 500, firstTestLabels)
	if !strings.Contains(log.String(), "1000 training and 500 test") {
		t.Errorf("log %q does not report the counts", log.String())
	}
	// The first training image is a 5; its top rows are blank and its
	// centre rows are not.
	image := train.Values()[:784]
	if top := slices.Max(image[:28*3]); top != 0 {
		t.Errorf("top rows of the first image have ink %v", top)
	}
	if centre := slices.Max(image[28*12 : 28*16]); centre < 0.9 {
		t.Errorf("centre rows of the first image have at most %v ink", centre)
	}
}

// copyFixture writes the fixture's four files into a new folder, un-gzipped
// when plain is set, and returns the folder.
func copyFixture(t *testing.T, plain bool) string {
	t.Helper()
	dir := t.TempDir()
	for _, base := range mnistFiles {
		content, err := os.ReadFile(filepath.Join(fixtureDir, base+".gz"))
		if err != nil {
			t.Fatal(err)
		}
		name := base + ".gz"
		if plain {
			zr, err := gzip.NewReader(bytes.NewReader(content))
			if err != nil {
				t.Fatal(err)
			}
			var out bytes.Buffer
			if _, err := out.ReadFrom(zr); err != nil {
				t.Fatal(err)
			}
			content, name = out.Bytes(), base
		}
		if err := os.WriteFile(filepath.Join(dir, name), content, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	return dir
}

func TestLoadMNISTPlainFiles(t *testing.T) {
	train, test, err := LoadMNIST(copyFixture(t, true), nil)
	if err != nil {
		t.Fatal(err)
	}
	zipped, _, err := LoadMNIST(fixtureDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if train.Len() != 1000 || test.Len() != 500 || !slices.Equal(train.Values(), zipped.Values()) {
		t.Errorf("plain files give %d/%d examples or different pixels", train.Len(), test.Len())
	}
}

// writeIDXFile writes m, plain, into dir/name.
func writeIDXFile(t *testing.T, dir, name string, m *IDX) {
	t.Helper()
	var buf bytes.Buffer
	if err := WriteIDX(&buf, m); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, name), buf.Bytes(), 0o644); err != nil {
		t.Fatal(err)
	}
}

// TestLoadMNISTRejectsInconsistentFiles replaces one file of the fixture at
// a time and checks the error names the problem and the fix.
func TestLoadMNISTRejectsInconsistentFiles(t *testing.T) {
	tests := []struct {
		name, file, want string
		m                *IDX
	}{
		{"label count", "train-labels-idx1-ubyte", "999 labels", &IDX{Type: UnsignedByte, Dims: []int{999}, Data: make([]byte, 999)}},
		{"label not a digit", "t10k-labels-idx1-ubyte", "label 10 of example 499", &IDX{Type: UnsignedByte, Dims: []int{500}, Data: append(make([]byte, 499), 10)}},
		{"image size", "t10k-images-idx3-ubyte", "dims [500 27 29]", &IDX{Type: UnsignedByte, Dims: []int{500, 27, 29}, Data: make([]byte, 500*27*29)}},
		{"image type", "t10k-images-idx3-ubyte", "images of short", &IDX{Type: Short, Dims: []int{500, 28, 28}, Data: make([]byte, 2*500*784)}},
	}
	for _, tt := range tests {
		dir := copyFixture(t, false)
		if err := os.Remove(filepath.Join(dir, tt.file+".gz")); err != nil {
			t.Fatal(err)
		}
		writeIDXFile(t, dir, tt.file, tt.m)
		_, _, err := LoadMNIST(dir, nil)
		if err == nil || !strings.Contains(err.Error(), tt.want) || !strings.Contains(err.Error(), "data.dir") {
			t.Errorf("%s: error %v, want one mentioning %q and data.dir", tt.name, err, tt.want)
		}
	}
	dir := copyFixture(t, false)
	if err := os.Remove(filepath.Join(dir, "t10k-images-idx3-ubyte.gz")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadMNIST(dir, nil); err == nil || !strings.Contains(err.Error(), "neither t10k-images-idx3-ubyte.gz nor t10k-images-idx3-ubyte") {
		t.Errorf("missing file: error %v", err)
	}
}

// A folder or a FIFO where an IDX file should be is named as what it is,
// at once (a FIFO would otherwise block the read forever).
func TestLoadMNISTRefusesNonRegularFiles(t *testing.T) {
	dir := copyFixture(t, false)
	images := filepath.Join(dir, "t10k-images-idx3-ubyte.gz")
	if err := os.Remove(images); err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(images, 0o755); err != nil {
		t.Fatal(err)
	}
	if _, _, err := LoadMNIST(dir, nil); err == nil || !strings.Contains(err.Error(), images+" is a folder, not an IDX file") {
		t.Errorf("folder: error %v", err)
	}
	fifo := filepath.Join(t.TempDir(), "images-idx3-ubyte")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	if _, err := ReadIDXFile(fifo); err == nil || !strings.Contains(err.Error(), fifo+" is a named pipe (FIFO), not a regular file") {
		t.Errorf("FIFO: error %v", err)
	}
}

// TestLoadFullMNISTFromModuleCache loads the real MNIST when the GoMNIST
// module is already in the module cache (`make mnist` puts it there); it
// never downloads. It checks the published sizes and that the fixture is the
// head of the real set.
func TestLoadFullMNISTFromModuleCache(t *testing.T) {
	if testing.Short() {
		t.Skip("-short: skipping the 55 MB full MNIST load")
	}
	dir, ok := cachedMNISTDir()
	if !ok {
		t.Skipf("%s@%s is not in the module cache (run `make mnist`); this test never downloads", MNISTModule, MNISTModuleVersion)
	}
	train, test, err := LoadMNIST(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	checkMNISTSet(t, "MNIST train", train, 60000, firstTrainLabels)
	checkMNISTSet(t, "MNIST test", test, 10000, firstTestLabels)
	fixtureTrain, fixtureTest, err := LoadMNIST(fixtureDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	// The loader keeps grey levels (checkMNISTSet), so comparing them compares the values.
	if !slices.Equal(fixtureTrain.Pixels, train.Pixels[:len(fixtureTrain.Pixels)]) || !slices.Equal(fixtureTrain.Y, train.Y[:1000]) ||
		!slices.Equal(fixtureTest.Pixels, test.Pixels[:len(fixtureTest.Pixels)]) || !slices.Equal(fixtureTest.Y, test.Y[:500]) {
		t.Error("the fixture is not the head of the real MNIST: regenerate it with go generate ./data")
	}
}
