package data

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"sync"

	"deepopt/internal/parallel"
)

// Dataset is a labelled set of examples held in memory, either as float32
// values (X) or, for images read from files, as their grey levels (Pixels),
// a quarter of the memory: MNIST's 70,000 images take 55 MB instead of
// 219 MB as float32 (and 439 MB as float64). Gather converts a minibatch into
// float64 buffers. The zero value is an empty set.
type Dataset struct {
	// X holds Len() examples of Dim() values each, row-major (N×D); nil
	// when Pixels holds them.
	X []float32
	// Pixels, when X is nil, holds the examples as grey levels, row-major
	// like X: level k stands for the value k/255 rounded to float32
	// (PixelValue), exactly what X would hold.
	Pixels []uint8
	// Shape is one example's shape, e.g. [1 28 28] (channels, height, width)
	// for MNIST; Dim() is its product.
	Shape []int
	// Y holds one class label in [0, Classes) per example.
	Y []int
	// Classes is the number of classes.
	Classes int
	// Difficulty is an optional per-example difficulty score for curriculum
	// learning (Bengio et al. 2009); nil when unknown.
	Difficulty []float64
}

// Dim is the number of values of one example, the product of Shape; 0 for an
// empty Shape.
func (d *Dataset) Dim() int {
	if len(d.Shape) == 0 {
		return 0
	}
	dim := 1
	for _, s := range d.Shape {
		dim *= s
	}
	return dim
}

// Len is the number of examples, len(Y).
func (d *Dataset) Len() int { return len(d.Y) }

// pixelValues maps a grey level to its value, PixelValue's table.
var pixelValues = func() (v [256]float32) {
	for k := range v {
		v[k] = float32(float64(k) / 255)
	}
	return v
}()

// PixelValue is the value of grey level k, k/255 rounded to float32: the
// value X holds for a pixel of level k.
func PixelValue(k uint8) float32 { return pixelValues[k] }

// Values returns the examples' values, row-major: X itself when the set
// holds float32 values, else a new slice of Pixels' values.
func (d *Dataset) Values() []float32 {
	if d.X != nil {
		return d.X
	}
	v := make([]float32, len(d.Pixels))
	for i, k := range d.Pixels {
		v[i] = pixelValues[k]
	}
	return v
}

// SameInputs reports whether d and e hold the same examples' values in the
// same order, whichever way each stores them.
func (d *Dataset) SameInputs(e *Dataset) bool {
	if !slices.Equal(d.Shape, e.Shape) || d.Len() != e.Len() {
		return false
	}
	if d.X == nil && e.X == nil {
		return slices.Equal(d.Pixels, e.Pixels)
	}
	return slices.Equal(d.Values(), e.Values())
}

// values is the number of values stored, len(X) or len(Pixels).
func (d *Dataset) values() int {
	if d.X != nil {
		return len(d.X)
	}
	return len(d.Pixels)
}

// Validate checks that the fields agree: X or Pixels (not both) holds
// Len()×Dim() values, labels in
// [0, Classes), Difficulty nil or of length Len(). Constructors in this
// package return valid sets; call it on a Dataset built by hand.
func (d *Dataset) Validate() error {
	dim := d.Dim()
	for i, s := range d.Shape {
		if s <= 0 {
			return fmt.Errorf("dataset: Shape[%d] is %d in %v: every extent must be at least 1", i, s, d.Shape)
		}
	}
	if d.X != nil && d.Pixels != nil {
		return fmt.Errorf("dataset: both X (%d values) and Pixels (%d) are set: hold the examples in one of them", len(d.X), len(d.Pixels))
	}
	if d.values() != len(d.Y)*dim {
		name := "X"
		if d.X == nil && d.Pixels != nil {
			name = "Pixels"
		}
		return fmt.Errorf("dataset: len(%s) is %d but %d labels of shape %v need %d values", name, d.values(), len(d.Y), d.Shape, len(d.Y)*dim)
	}
	if d.Classes < 1 {
		return fmt.Errorf("dataset: Classes is %d: it must be at least 1", d.Classes)
	}
	for i, y := range d.Y {
		if y < 0 || y >= d.Classes {
			return fmt.Errorf("dataset: label %d of example %d is outside [0, %d)", y, i, d.Classes)
		}
	}
	if d.Difficulty != nil && len(d.Difficulty) != len(d.Y) {
		return fmt.Errorf("dataset: len(Difficulty) is %d but there are %d examples: give one score per example or none", len(d.Difficulty), len(d.Y))
	}
	return nil
}

// checkIndices reports the first index outside [0, Len()).
func (d *Dataset) checkIndices(idx []int) error {
	for i, j := range idx {
		if j < 0 || j >= d.Len() {
			return fmt.Errorf("dataset: index %d (position %d) is outside [0, %d)", j, i, d.Len())
		}
	}
	return nil
}

// Subset returns a new Dataset with the examples idx, in that order; indices
// may repeat. It copies, so the subset does not alias d.
func (d *Dataset) Subset(idx []int) (*Dataset, error) {
	if err := d.checkIndices(idx); err != nil {
		return nil, err
	}
	dim := d.Dim()
	sub := &Dataset{
		Shape:   slices.Clone(d.Shape),
		Y:       make([]int, len(idx)),
		Classes: d.Classes,
	}
	if d.Difficulty != nil {
		sub.Difficulty = make([]float64, len(idx))
	}
	if d.X != nil {
		sub.X = make([]float32, len(idx)*dim)
	} else {
		sub.Pixels = make([]uint8, len(idx)*dim)
	}
	for i, j := range idx {
		if d.X != nil {
			copy(sub.X[i*dim:(i+1)*dim], d.X[j*dim:(j+1)*dim])
		} else {
			copy(sub.Pixels[i*dim:(i+1)*dim], d.Pixels[j*dim:(j+1)*dim])
		}
		sub.Y[i] = d.Y[j]
		if d.Difficulty != nil {
			sub.Difficulty[i] = d.Difficulty[j]
		}
	}
	return sub, nil
}

// Concat returns a new Dataset holding d's examples followed by e's, for a
// union of training sets (config key data.also). Both must have the same
// example shape and number of classes; the union keeps difficulty scores
// only when both sets have them, and the grey levels only when both hold
// them (else the union holds float32 values).
func (d *Dataset) Concat(e *Dataset) (*Dataset, error) {
	if !slices.Equal(d.Shape, e.Shape) || d.Classes != e.Classes {
		return nil, fmt.Errorf("dataset: cannot append examples of shape %v with %d classes to examples of shape %v with %d classes; join sets of one kind", e.Shape, e.Classes, d.Shape, d.Classes)
	}
	u := &Dataset{
		Shape:   slices.Clone(d.Shape),
		Y:       slices.Concat(d.Y, e.Y),
		Classes: d.Classes,
	}
	if d.X == nil && e.X == nil {
		u.Pixels = slices.Concat(d.Pixels, e.Pixels)
	} else {
		u.X = slices.Concat(d.Values(), e.Values())
	}
	if d.Difficulty != nil && e.Difficulty != nil {
		u.Difficulty = slices.Concat(d.Difficulty, e.Difficulty)
	}
	return u, nil
}

// Head returns a copy of the first n examples, 1 ≤ n ≤ Len().
func (d *Dataset) Head(n int) (*Dataset, error) {
	if n < 1 || n > d.Len() {
		return nil, fmt.Errorf("dataset: head of %d examples: n must be in [1, %d]", n, d.Len())
	}
	return d.Subset(sequence(n))
}

// splitStream is the PCG stream of SplitValidation, distinct from the
// Batcher's streams (the epoch numbers) so that a split and a shuffle with the
// same seed are unrelated.
const splitStream = 0x73706c6974 // "split"

// SplitValidation holds out a seeded random set of n examples,
// 1 ≤ n < Len(), as val and returns the rest as train. Both keep d's order,
// so the split depends only on (Len(), n, seed).
func (d *Dataset) SplitValidation(n int, seed uint64) (train, val *Dataset, err error) {
	if n < 1 || n >= d.Len() {
		return nil, nil, fmt.Errorf("dataset: validation split of %d examples: n must be in [1, %d) so that both parts are non-empty", n, d.Len())
	}
	perm := sequence(d.Len())
	rand.New(rand.NewPCG(seed, splitStream)).Shuffle(len(perm), func(i, j int) {
		perm[i], perm[j] = perm[j], perm[i]
	})
	valIdx, trainIdx := perm[:n], perm[n:]
	slices.Sort(valIdx)
	slices.Sort(trainIdx)
	if val, err = d.Subset(valIdx); err != nil {
		return nil, nil, err
	}
	if train, err = d.Subset(trainIdx); err != nil {
		return nil, nil, err
	}
	return train, val, nil
}

// Gather copies the examples idx into x (len(idx)×Dim() values, row-major)
// and their labels into y (len(idx) values; nil skips labels). It does not
// allocate, so a training loop can fill the same input buffers every step.
func (d *Dataset) Gather(idx []int, x []float64, y []int) error { return gather(d, idx, x, y) }

// Gather32 is Gather into float32 values, a float32 graph's input, which it
// fills without a float64 buffer in between; the values are float32
// already, so nothing is rounded.
func (d *Dataset) Gather32(idx []int, x []float32, y []int) error { return gather(d, idx, x, y) }

// gather is Gather and Gather32.
func gather[T float32 | float64](d *Dataset, idx []int, x []T, y []int) error {
	dim := d.Dim()
	if len(x) != len(idx)*dim {
		return fmt.Errorf("dataset: gather of %d examples of %d values needs len(x) == %d, got %d", len(idx), dim, len(idx)*dim, len(x))
	}
	if y != nil && len(y) != len(idx) {
		return fmt.Errorf("dataset: gather of %d examples needs len(y) == %d (or nil), got %d", len(idx), len(idx), len(y))
	}
	if err := d.checkIndices(idx); err != nil {
		return err
	}
	if len(x) < splitValues || !parallel.Idle() {
		gatherRows(d, idx, x, y, 0, len(idx))
		return nil
	}
	j := gatherJobs.Get().(*gatherJob)
	*j = gatherJob{d: d, idx: idx, y: y}
	switch x := any(x).(type) {
	case []float32:
		j.x32 = x
	case []float64:
		j.x64 = x
	}
	parallel.Do(j, 2)
	*j = gatherJob{}
	gatherJobs.Put(j)
	return nil
}

// splitValues is the number of values from which gather copies the two
// halves of a minibatch at once when internal/parallel's worker is idle,
// each example by itself.
var splitValues = 1 << 14

// gatherJob is a gather split for parallel.Do: part 0 copies the first half
// of the examples, part 1 the rest, into x32 or x64.
type gatherJob struct {
	d   *Dataset
	idx []int
	x32 []float32
	x64 []float64
	y   []int
}

func (j *gatherJob) Run(part int) {
	lo, hi := 0, len(j.idx)/2
	if part == 1 {
		lo, hi = hi, len(j.idx)
	}
	if j.x32 != nil {
		gatherRows(j.d, j.idx, j.x32, j.y, lo, hi)
	} else {
		gatherRows(j.d, j.idx, j.x64, j.y, lo, hi)
	}
}

// gatherJobs holds *gatherJob between gathers, so that a split allocates
// nothing.
var gatherJobs = sync.Pool{New: func() any { return new(gatherJob) }}

// gatherRows is gather's copy of the examples idx[lo:hi].
func gatherRows[T float32 | float64](d *Dataset, idx []int, x []T, y []int, lo, hi int) {
	dim := d.Dim()
	for i := lo; i < hi; i++ {
		j := idx[i]
		row := x[i*dim : (i+1)*dim]
		if d.X != nil {
			for k, v := range d.X[j*dim : (j+1)*dim] {
				row[k] = T(v)
			}
		} else {
			next := j
			if i+1 < hi {
				next = idx[i+1]
			}
			levels(row, d.Pixels[j*dim:(j+1)*dim], d.Pixels[next*dim:(next+1)*dim])
		}
		if y != nil {
			y[i] = d.Y[j]
		}
	}
}

// levels writes the values of the grey levels src into dst, for every
// pixel of every minibatch: float32 values 32 at a time on the AVX2
// kernel (levelsKernel), the rest four at a time on slices whose bounds
// the compiler has proved (about 5.5 instructions per value instead of 9,
// callgrind). The kernel first asks the processor to fetch next, the
// next example's levels (len(src) of them), into its cache: a minibatch's
// examples lie at random places of the data set, and each one's would
// otherwise wait on memory.
func levels[T float32 | float64](dst []T, src, next []uint8) {
	dst, v := dst[:len(src)], &pixelValues
	k := 0
	if d32, ok := any(dst).([]float32); ok && useLevelsKernel && len(src) >= 32 {
		k = len(src) &^ 31
		levelsKernel(&d32[0], &src[0], k, &next[0])
	}
	for ; k+4 <= len(src); k += 4 {
		s, o := src[k:k+4:k+4], dst[k:k+4:k+4]
		o[0], o[1], o[2], o[3] = T(v[s[0]]), T(v[s[1]]), T(v[s[2]]), T(v[s[3]])
	}
	for ; k < len(src); k++ {
		dst[k] = T(v[src[k]])
	}
}

// sequence returns [0, 1, …, n-1].
func sequence(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
