package data

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// Dataset is a labelled set of examples held in memory. Inputs are float32,
// the precision of the graphs that train on them, which halves the memory of
// float64 (MNIST's training images take 188 MB instead of 376 MB); Gather
// widens them exactly into float64 buffers. The zero value is an empty set.
type Dataset struct {
	// X holds Len() examples of Dim() values each, row-major (N×D).
	X []float32
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

// Validate checks that the fields agree: len(X) == Len()×Dim(), labels in
// [0, Classes), Difficulty nil or of length Len(). Constructors in this
// package return valid sets; call it on a Dataset built by hand.
func (d *Dataset) Validate() error {
	dim := d.Dim()
	for i, s := range d.Shape {
		if s <= 0 {
			return fmt.Errorf("dataset: Shape[%d] is %d in %v: every extent must be at least 1", i, s, d.Shape)
		}
	}
	if len(d.X) != len(d.Y)*dim {
		return fmt.Errorf("dataset: len(X) is %d but %d labels of shape %v need %d values", len(d.X), len(d.Y), d.Shape, len(d.Y)*dim)
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
		X:       make([]float32, len(idx)*dim),
		Shape:   slices.Clone(d.Shape),
		Y:       make([]int, len(idx)),
		Classes: d.Classes,
	}
	if d.Difficulty != nil {
		sub.Difficulty = make([]float64, len(idx))
	}
	for i, j := range idx {
		copy(sub.X[i*dim:(i+1)*dim], d.X[j*dim:(j+1)*dim])
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
// only when both sets have them.
func (d *Dataset) Concat(e *Dataset) (*Dataset, error) {
	if !slices.Equal(d.Shape, e.Shape) || d.Classes != e.Classes {
		return nil, fmt.Errorf("dataset: cannot append examples of shape %v with %d classes to examples of shape %v with %d classes; join sets of one kind", e.Shape, e.Classes, d.Shape, d.Classes)
	}
	u := &Dataset{
		X:       slices.Concat(d.X, e.X),
		Shape:   slices.Clone(d.Shape),
		Y:       slices.Concat(d.Y, e.Y),
		Classes: d.Classes,
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
func (d *Dataset) Gather(idx []int, x []float64, y []int) error {
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
	for i, j := range idx {
		for k, v := range d.X[j*dim : (j+1)*dim] {
			x[i*dim+k] = float64(v)
		}
		if y != nil {
			y[i] = d.Y[j]
		}
	}
	return nil
}

// sequence returns [0, 1, …, n-1].
func sequence(n int) []int {
	s := make([]int, n)
	for i := range s {
		s[i] = i
	}
	return s
}
