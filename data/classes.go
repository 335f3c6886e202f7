package data

import (
	"fmt"
	"math/rand/v2"
	"slices"
)

// KeepClasses returns the examples of the listed classes, in d's order,
// relabelled by their position in the list (classes[i] becomes i), so that a
// model of len(classes) outputs can learn them: the new label set of a
// transfer experiment (digits 5–9 as 0–4). A class outside [0, Classes) or
// listed twice is refused.
func (d *Dataset) KeepClasses(classes []int) (*Dataset, error) {
	label := make([]int, d.Classes)
	for i := range label {
		label[i] = -1
	}
	for i, c := range classes {
		if c < 0 || c >= d.Classes {
			return nil, fmt.Errorf("class %d is unknown; the data set's classes are 0 to %d", c, d.Classes-1)
		}
		if label[c] >= 0 {
			return nil, fmt.Errorf("class %d is listed twice; list each class once", c)
		}
		label[c] = i
	}
	if len(classes) < 2 {
		return nil, fmt.Errorf("%d classes listed; a classifier needs at least 2", len(classes))
	}
	var idx []int
	for i, y := range d.Y {
		if label[y] >= 0 {
			idx = append(idx, i)
		}
	}
	sub, err := d.Subset(idx)
	if err != nil {
		return nil, err
	}
	for i, y := range sub.Y {
		sub.Y[i] = label[y]
	}
	sub.Classes = len(classes)
	return sub, nil
}

// perClassStream is the PCG stream of PerClass, distinct from the others of
// the package.
const perClassStream = 0x7065725f636c // "per_cl"

// PerClass returns at most n examples of each class, chosen at random (by
// seed) among that class's examples and kept in d's order: the labelled set
// of a low-label regime. n must be at least 1.
func (d *Dataset) PerClass(n int, seed uint64) (*Dataset, error) {
	if n < 1 {
		return nil, fmt.Errorf("a limit of %d examples per class; want at least 1", n)
	}
	byClass := make([][]int, d.Classes)
	for i, y := range d.Y {
		byClass[y] = append(byClass[y], i)
	}
	r := rand.New(rand.NewPCG(seed, perClassStream))
	var idx []int
	for _, members := range byClass {
		r.Shuffle(len(members), func(i, j int) { members[i], members[j] = members[j], members[i] })
		idx = append(idx, members[:min(n, len(members))]...)
	}
	slices.Sort(idx)
	return d.Subset(idx)
}

// OmitClasses returns the examples of every class but the listed ones, in
// d's order and with their labels: a transfer set that never shows the
// omitted classes (Hinton et al. 2015, §3, omit every 3), while the model
// keeps all Classes outputs. A class outside [0, Classes), and a list that
// leaves no example, are refused.
func (d *Dataset) OmitClasses(classes []int) (*Dataset, error) {
	omit := make([]bool, d.Classes)
	for _, c := range classes {
		if c < 0 || c >= d.Classes {
			return nil, fmt.Errorf("class %d is unknown; the data set's classes are 0 to %d", c, d.Classes-1)
		}
		omit[c] = true
	}
	var idx []int
	for i, y := range d.Y {
		if !omit[y] {
			idx = append(idx, i)
		}
	}
	if len(idx) == 0 {
		return nil, fmt.Errorf("omitting classes %v leaves no training example; omit fewer classes", classes)
	}
	return d.Subset(idx)
}
