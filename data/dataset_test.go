package data

import (
	"math"
	"math/rand/v2"
	"runtime"
	"slices"
	"strings"
	"testing"
)

// rampDataset has n examples of shape [2]: example i is (i, -i), label i mod
// 3, difficulty i/10.
func rampDataset(n int) *Dataset {
	d := &Dataset{Shape: []int{2}, Classes: 3, X: make([]float32, 2*n), Y: make([]int, n), Difficulty: make([]float64, n)}
	for i := range n {
		d.X[2*i], d.X[2*i+1] = float32(i), -float32(i)
		d.Y[i] = i % 3
		d.Difficulty[i] = float64(i) / 10
	}
	return d
}

// exampleIDs recovers each example's original index from its first value.
func exampleIDs(d *Dataset) []int {
	ids := make([]int, d.Len())
	for i := range ids {
		ids[i] = int(d.X[i*d.Dim()])
	}
	return ids
}

func TestDatasetSubsetCopiesRows(t *testing.T) {
	d := rampDataset(5)
	sub, err := d.Subset([]int{4, 1, 1})
	if err != nil {
		t.Fatal(err)
	}
	wantX := []float32{4, -4, 1, -1, 1, -1}
	if !slices.Equal(sub.X, wantX) || !slices.Equal(sub.Y, []int{1, 1, 1}) || !slices.Equal(sub.Difficulty, []float64{0.4, 0.1, 0.1}) {
		t.Errorf("subset X %v Y %v difficulty %v, want %v [1 1 1] [0.4 0.1 0.1]", sub.X, sub.Y, sub.Difficulty, wantX)
	}
	if err := sub.Validate(); err != nil {
		t.Error(err)
	}
	sub.X[0], sub.Shape[0] = 99, 99
	if d.X[8] != 4 || d.Shape[0] != 2 {
		t.Error("the subset aliases its parent")
	}
	for _, bad := range [][]int{{5}, {-1}, {0, 7}} {
		if _, err := d.Subset(bad); err == nil {
			t.Errorf("Subset(%v) of 5 examples succeeded", bad)
		}
	}
}

func TestDatasetConcat(t *testing.T) {
	d, e := rampDataset(2), rampDataset(3)
	u, err := d.Concat(e)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(exampleIDs(u), []int{0, 1, 0, 1, 2}) || !slices.Equal(u.Y, []int{0, 1, 0, 1, 2}) || !slices.Equal(u.Difficulty, []float64{0, 0.1, 0, 0.1, 0.2}) {
		t.Errorf("union ids %v labels %v difficulty %v", exampleIDs(u), u.Y, u.Difficulty)
	}
	if err := u.Validate(); err != nil {
		t.Error(err)
	}
	u.X[0] = 99
	if d.X[0] != 0 {
		t.Error("the union aliases its first set")
	}
	e.Difficulty = nil
	if u, err := d.Concat(e); err != nil || u.Difficulty != nil {
		t.Errorf("union with a set without difficulty: difficulty %v, error %v; want none", u.Difficulty, err)
	}
	e.Classes = 4
	if _, err := d.Concat(e); err == nil || !strings.Contains(err.Error(), "4 classes") {
		t.Errorf("union of 3 and 4 classes: error %v", err)
	}
	e.Classes, e.Shape = 3, []int{1, 2}
	if _, err := d.Concat(e); err == nil || !strings.Contains(err.Error(), "shape [1 2]") {
		t.Errorf("union of shapes [2] and [1 2]: error %v", err)
	}
}

func TestDatasetHead(t *testing.T) {
	d := rampDataset(5)
	head, err := d.Head(2)
	if err != nil || !slices.Equal(head.X, []float32{0, 0, 1, -1}) || !slices.Equal(head.Y, []int{0, 1}) {
		t.Errorf("Head(2) = %+v, %v", head, err)
	}
	for _, n := range []int{0, 6, -1} {
		if _, err := d.Head(n); err == nil {
			t.Errorf("Head(%d) of 5 examples succeeded", n)
		}
	}
}

// TestSplitValidationPartitions checks that the two parts are disjoint, cover
// the set, have the asked sizes, keep the original order, and depend on the
// seed and only on it.
func TestSplitValidationPartitions(t *testing.T) {
	d := rampDataset(100)
	train, val, err := d.SplitValidation(30, 7)
	if err != nil {
		t.Fatal(err)
	}
	trainIDs, valIDs := exampleIDs(train), exampleIDs(val)
	if len(trainIDs) != 70 || len(valIDs) != 30 {
		t.Fatalf("sizes %d and %d, want 70 and 30", len(trainIDs), len(valIDs))
	}
	if !slices.IsSorted(trainIDs) || !slices.IsSorted(valIDs) {
		t.Error("a part does not keep the original order")
	}
	all := slices.Sorted(slices.Values(append(slices.Clone(trainIDs), valIDs...)))
	if !slices.Equal(all, sequence(100)) {
		t.Errorf("the parts are not a partition of 0..99: %v", all)
	}
	for i, id := range valIDs {
		if val.Y[i] != id%3 || val.Difficulty[i] != float64(id)/10 {
			t.Fatalf("validation example %d lost its label or difficulty", id)
		}
	}
	if slices.Equal(valIDs, sequence(30)) {
		t.Error("the hold-out is the first 30 examples: not shuffled")
	}
	_, again, _ := d.SplitValidation(30, 7)
	_, other, _ := d.SplitValidation(30, 8)
	if !slices.Equal(exampleIDs(again), valIDs) {
		t.Error("same seed, different split")
	}
	if slices.Equal(exampleIDs(other), valIDs) {
		t.Error("seeds 7 and 8 give the same split")
	}
	for _, n := range []int{0, 100, -3} {
		if _, _, err := d.SplitValidation(n, 1); err == nil {
			t.Errorf("SplitValidation(%d) of 100 examples succeeded", n)
		}
	}
}

func TestGatherFillsBuffersWithoutAllocating(t *testing.T) {
	d := rampDataset(6)
	idx := []int{5, 0, 3}
	x := make([]float64, 6)
	y := make([]int, 3)
	if err := d.Gather(idx, x, y); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x, []float64{5, -5, 0, 0, 3, -3}) || !slices.Equal(y, []int{2, 0, 0}) {
		t.Errorf("Gather gives x %v y %v", x, y)
	}
	if allocs := testing.AllocsPerRun(100, func() { _ = d.Gather(idx, x, y) }); allocs != 0 {
		t.Errorf("Gather allocates %v times per call", allocs)
	}
	if err := d.Gather(idx, x, nil); err != nil {
		t.Errorf("Gather without labels: %v", err)
	}
	for _, bad := range []struct {
		idx []int
		x   []float64
		y   []int
	}{
		{idx, make([]float64, 5), y},
		{idx, x, make([]int, 2)},
		{[]int{0, 6, 1}, x, y},
	} {
		if err := d.Gather(bad.idx, bad.x, bad.y); err == nil {
			t.Errorf("Gather(%v, len %d, len %d) succeeded", bad.idx, len(bad.x), len(bad.y))
		}
	}
}

func TestValidateFindsInconsistencies(t *testing.T) {
	if err := rampDataset(4).Validate(); err != nil {
		t.Fatalf("a consistent set fails: %v", err)
	}
	for name, breakIt := range map[string]func(*Dataset){
		"short X":          func(d *Dataset) { d.X = d.X[:7] },
		"label too large":  func(d *Dataset) { d.Y[2] = 3 },
		"negative label":   func(d *Dataset) { d.Y[0] = -1 },
		"no classes":       func(d *Dataset) { d.Classes = 0 },
		"short difficulty": func(d *Dataset) { d.Difficulty = d.Difficulty[:3] },
		"zero extent":      func(d *Dataset) { d.Shape = []int{0} },
		"X and Pixels":     func(d *Dataset) { d.Pixels = make([]uint8, len(d.X)) },
		"short Pixels":     func(d *Dataset) { d.X, d.Pixels = nil, make([]uint8, 7) },
	} {
		d := rampDataset(4)
		breakIt(d)
		if err := d.Validate(); err == nil {
			t.Errorf("%s: Validate accepts it", name)
		}
	}
	var empty Dataset
	if empty.Len() != 0 || empty.Dim() != 0 {
		t.Errorf("zero Dataset has Len %d Dim %d", empty.Len(), empty.Dim())
	}
}

// pixelDataset has n examples of shape [3] held as grey levels: example i is
// levels (i, 2i, 255−i), label i mod 3.
func pixelDataset(n int) *Dataset {
	d := &Dataset{Shape: []int{3}, Classes: 3, Pixels: make([]uint8, 3*n), Y: make([]int, n)}
	for i := range n {
		d.Pixels[3*i], d.Pixels[3*i+1], d.Pixels[3*i+2] = uint8(i), uint8(2*i), uint8(255-i)
		d.Y[i] = i % 3
	}
	return d
}

// A set of grey levels behaves as the set of their float32 values k/255:
// the same minibatches, subsets and unions, in a quarter of the memory.
func TestPixelsActAsTheirValues(t *testing.T) {
	d := pixelDataset(100)
	if err := d.Validate(); err != nil {
		t.Fatal(err)
	}
	values := d.Values()
	for i, k := range d.Pixels {
		if want := float32(float64(k) / 255); values[i] != want || PixelValue(k) != want {
			t.Fatalf("level %d has value %v (PixelValue %v), want %v", k, values[i], PixelValue(k), want)
		}
	}
	asX := &Dataset{Shape: d.Shape, Classes: d.Classes, X: values, Y: d.Y}
	idx := []int{7, 99, 0, 7}
	x, y := make([]float64, 12), make([]int, 4)
	wantX, wantY := make([]float64, 12), make([]int, 4)
	if err := d.Gather(idx, x, y); err != nil {
		t.Fatal(err)
	}
	if err := asX.Gather(idx, wantX, wantY); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(x, wantX) || !slices.Equal(y, wantY) {
		t.Errorf("Gather from grey levels gives %v %v, from their values %v %v", x, y, wantX, wantY)
	}
	sub, err := d.Subset(idx)
	if err != nil {
		t.Fatal(err)
	}
	if sub.X != nil || !slices.Equal(sub.Pixels, []uint8{7, 14, 248, 99, 198, 156, 0, 0, 255, 7, 14, 248}) {
		t.Errorf("subset holds X %v Pixels %v, want the grey levels of examples %v", sub.X, sub.Pixels, idx)
	}
	if !sub.SameInputs(&Dataset{Shape: d.Shape, X: sub.Values(), Y: sub.Y}) || sub.SameInputs(d) {
		t.Error("SameInputs does not compare the values")
	}
	both, err := d.Concat(sub)
	if err != nil {
		t.Fatal(err)
	}
	if both.X != nil || both.Len() != 104 || !slices.Equal(both.Pixels[300:], sub.Pixels) {
		t.Errorf("union of two sets of grey levels holds X %d, Pixels %d values", len(both.X), len(both.Pixels))
	}
	mixed, err := asX.Concat(sub)
	if err != nil {
		t.Fatal(err)
	}
	if mixed.Pixels != nil || !slices.Equal(mixed.X, slices.Concat(values, sub.Values())) || mixed.Validate() != nil {
		t.Errorf("union of float32 values and grey levels holds X %d, Pixels %d values", len(mixed.X), len(mixed.Pixels))
	}
}

// Gather32 gives Gather's values in float32, exactly (both stores hold
// float32 values), without allocating, and refuses what Gather refuses.
func TestGather32(t *testing.T) {
	idx := []int{5, 0, 3, 5}
	for _, d := range []*Dataset{rampDataset(6), pixelDataset(6)} {
		n := len(idx) * d.Dim()
		x64, x32 := make([]float64, n), make([]float32, n)
		y64, y32 := make([]int, len(idx)), make([]int, len(idx))
		if err := d.Gather(idx, x64, y64); err != nil {
			t.Fatal(err)
		}
		if err := d.Gather32(idx, x32, y32); err != nil {
			t.Fatal(err)
		}
		for i := range x64 {
			if float64(x32[i]) != x64[i] {
				t.Fatalf("value %d: Gather32 %v, Gather %v", i, x32[i], x64[i])
			}
		}
		if !slices.Equal(y32, y64) {
			t.Errorf("labels: Gather32 %v, Gather %v", y32, y64)
		}
		if allocs := testing.AllocsPerRun(100, func() { _ = d.Gather32(idx, x32, y32) }); allocs != 0 {
			t.Errorf("Gather32 allocates %v times per call", allocs)
		}
		if d.Gather32(idx, x32[:n-1], y32) == nil || d.Gather32([]int{0, 6}, x32[:2*d.Dim()], nil) == nil {
			t.Error("Gather32 accepts a short buffer or an index out of range")
		}
	}
}

// A gather split in two halves (on two goroutines when internal/parallel's
// worker is free) gives the values and labels of one pass, for float32
// values and grey levels, into float32 and float64, without allocating.
func TestGatherSplit(t *testing.T) {
	defer func(n int) { splitValues = n }(splitValues)
	idx := []int{7, 0, 99, 3, 3, 50, 12, 80, 1, 64, 33}
	for _, procs := range []int{2, 1} {
		defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(procs))
		for _, d := range []*Dataset{rampDataset(100), pixelDataset(100)} {
			n := len(idx) * d.Dim()
			want32, want64, wantY := make([]float32, n), make([]float64, n), make([]int, len(idx))
			splitValues = math.MaxInt
			if d.Gather32(idx, want32, wantY) != nil || d.Gather(idx, want64, nil) != nil {
				t.Fatal("gather failed")
			}
			splitValues = 0
			x32, x64, y := make([]float32, n), make([]float64, n), make([]int, len(idx))
			for range 10 {
				if d.Gather32(idx, x32, y) != nil || d.Gather(idx, x64, nil) != nil {
					t.Fatal("split gather failed")
				}
				if !slices.Equal(x32, want32) || !slices.Equal(x64, want64) || !slices.Equal(y, wantY) {
					t.Fatalf("GOMAXPROCS=%d: split gather gives %v, %v, %v; one pass %v, %v, %v", procs, x32, x64, y, want32, want64, wantY)
				}
			}
			if allocs := testing.AllocsPerRun(100, func() { _ = d.Gather32(idx, x32, y) }); allocs != 0 {
				t.Errorf("GOMAXPROCS=%d: a split Gather32 allocates %v times per call", procs, allocs)
			}
		}
	}
}

// levels, on the kernel where the processor runs it, gives every grey
// level's float32 value k/255 bit for bit, at every length (the kernel's
// blocks of 32 and the Go loop's tails) and at every alignment.
func TestLevelsGiveTheValues(t *testing.T) {
	if !useLevelsKernel {
		t.Log("no AVX2: levels runs the Go loop alone")
	}
	src := make([]uint8, 1100)
	for i := range src {
		src[i] = uint8(i * 7) // every level, in an order that is not a ramp
	}
	for _, n := range []int{0, 1, 31, 32, 33, 63, 64, 95, 96, 100, 255, 256, 784, 1024} {
		for off := range 4 {
			s := src[off : off+n]
			d32, d64 := make([]float32, n+off)[off:], make([]float64, n)
			levels(d32, s, s)
			levels(d64, s, s)
			for i, k := range s {
				want := float32(float64(k) / 255)
				if math.Float32bits(d32[i]) != math.Float32bits(want) || d64[i] != float64(want) {
					t.Fatalf("level %d (value %d of %d, offset %d): float32 %v, float64 %v, want %v", k, i, n, off, d32[i], d64[i], want)
				}
			}
		}
	}
}

// BenchmarkGather32 gathers minibatches of 256 random examples from 60,000
// images of 784 grey levels (MNIST's training set), as a training step of
// the benchmark's MLP at batch 256 does; the examples' levels are read from
// memory at random places.
func BenchmarkGather32(b *testing.B) {
	n := 60000
	d := &Dataset{Shape: []int{784}, Classes: 10, Pixels: make([]uint8, n*784), Y: make([]int, n)}
	rng := rand.New(rand.NewPCG(1, 2))
	for i := range d.Pixels {
		d.Pixels[i] = uint8(rng.Uint32())
	}
	idx := make([]int, 256)
	x, y := make([]float32, 256*784), make([]int, 256)
	b.ResetTimer()
	for b.Loop() {
		for i := range idx {
			idx[i] = rng.IntN(n)
		}
		if err := d.Gather32(idx, x, y); err != nil {
			b.Fatal(err)
		}
	}
}
