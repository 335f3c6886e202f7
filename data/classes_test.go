package data

import (
	"slices"
	"strings"
	"testing"
)

// tiny is a data set of one-value examples whose value is their index, with
// the labels y over 4 classes.
func tiny(y []int) *Dataset {
	d := &Dataset{Shape: []int{1}, Y: y, Classes: 4}
	for i := range y {
		d.X = append(d.X, float32(i))
	}
	return d
}

func TestKeepClasses(t *testing.T) {
	d := tiny([]int{0, 3, 1, 3, 2, 1})
	got, err := d.KeepClasses([]int{3, 1})
	if err != nil {
		t.Fatal(err)
	}
	// Examples 1, 2, 3, 5 (labels 3, 1, 3, 1) relabelled 3→0, 1→1.
	if got.Classes != 2 || !slices.Equal(got.X, []float32{1, 2, 3, 5}) || !slices.Equal(got.Y, []int{0, 1, 0, 1}) {
		t.Errorf("KeepClasses([3 1]) = X %v Y %v over %d classes; want X [1 2 3 5] Y [0 1 0 1] over 2", got.X, got.Y, got.Classes)
	}
	for classes, want := range map[string][]int{
		"class 4 is unknown; the data set's classes are 0 to 3": {1, 4},
		"class 1 is listed twice":                               {1, 2, 1},
		"needs at least 2":                                      {2},
	} {
		if _, err := d.KeepClasses(want); err == nil || !strings.Contains(err.Error(), classes) {
			t.Errorf("KeepClasses(%v) = %v, want an error containing %q", want, err, classes)
		}
	}
}

func TestOmitClasses(t *testing.T) {
	d := tiny([]int{0, 3, 1, 3, 2, 1})
	got, err := d.OmitClasses([]int{3, 1})
	if err != nil {
		t.Fatal(err)
	}
	// Examples 0 and 4 (labels 0 and 2) keep their labels and the 4 classes.
	if got.Classes != 4 || !slices.Equal(got.X, []float32{0, 4}) || !slices.Equal(got.Y, []int{0, 2}) {
		t.Errorf("OmitClasses([3 1]) = X %v Y %v over %d classes; want X [0 4] Y [0 2] over 4", got.X, got.Y, got.Classes)
	}
	for classes, want := range map[string][]int{
		"class 4 is unknown; the data set's classes are 0 to 3": {1, 4},
		"leaves no training example":                            {0, 1, 2, 3},
	} {
		if _, err := d.OmitClasses(want); err == nil || !strings.Contains(err.Error(), classes) {
			t.Errorf("OmitClasses(%v) = %v, want an error containing %q", want, err, classes)
		}
	}
}

func TestPerClass(t *testing.T) {
	y := []int{0, 1, 0, 1, 0, 2, 0, 1}
	d := tiny(y)
	got, err := d.PerClass(2, 5)
	if err != nil {
		t.Fatal(err)
	}
	count := map[int]int{}
	for i, label := range got.Y {
		count[label]++
		if j := int(got.X[i]); y[j] != label || (i > 0 && got.X[i] <= got.X[i-1]) {
			t.Fatalf("example %d: value %v with label %d; want d's examples, labels kept, in d's order", i, got.X[i], label)
		}
	}
	if count[0] != 2 || count[1] != 2 || count[2] != 1 || count[3] != 0 {
		t.Errorf("per-class counts %v; want 2, 2, 1 (all there are), 0", count)
	}
	again, _ := d.PerClass(2, 5)
	if !slices.Equal(again.X, got.X) {
		t.Errorf("the same seed chose %v, then %v", got.X, again.X)
	}
	differs := false
	for seed := uint64(6); seed < 16 && !differs; seed++ {
		other, _ := d.PerClass(2, seed)
		differs = !slices.Equal(other.X, got.X)
	}
	if !differs {
		t.Error("ten other seeds all chose the same examples")
	}
}
