package data

import (
	"slices"
	"strings"
	"testing"
)

// TestFlipLabels checks that exactly the requested share of labels changes,
// each to another class, that the new labels spread over the other classes,
// and that the seed fixes the choice.
func TestFlipLabels(t *testing.T) {
	const n, classes = 3000, 3
	clean := &Dataset{Shape: []int{1}, X: make([]float32, n), Y: make([]int, n), Classes: classes}
	for i := range clean.Y {
		clean.Y[i] = i % classes
	}
	noisy, _ := clean.Subset(sequence(n))
	flipped, err := FlipLabels(noisy, 0.4, 7)
	if err != nil {
		t.Fatal(err)
	}
	if len(flipped) != 1200 {
		t.Fatalf("%d labels flipped, want 1200", len(flipped))
	}
	changed := 0
	// moves[k] counts labels moved by k classes forward (mod classes).
	moves := make([]int, classes)
	for i := range n {
		if noisy.Y[i] != clean.Y[i] {
			changed++
			moves[(noisy.Y[i]-clean.Y[i]+classes)%classes]++
			if _, found := slices.BinarySearch(flipped, i); !found {
				t.Fatalf("example %d changed but is not among the flipped", i)
			}
		}
	}
	if changed != 1200 {
		t.Errorf("%d labels differ from the clean ones, want all 1200 flipped", changed)
	}
	// Each of the two other classes is chosen with probability ½: 600 ± 3σ
	// (σ = √(1200/4) ≈ 17).
	if moves[1] < 548 || moves[1] > 652 {
		t.Errorf("flips by one class: %d of 1200, want about 600", moves[1])
	}
	again, _ := clean.Subset(sequence(n))
	if f, _ := FlipLabels(again, 0.4, 7); !slices.Equal(f, flipped) || !slices.Equal(again.Y, noisy.Y) {
		t.Error("the same seed flips different labels")
	}
	other, _ := clean.Subset(sequence(n))
	if f, _ := FlipLabels(other, 0.4, 8); slices.Equal(f, flipped) {
		t.Error("another seed flips the same labels")
	}
	zero, _ := clean.Subset(sequence(n))
	if f, _ := FlipLabels(zero, 0, 7); len(f) != 0 || !slices.Equal(zero.Y, clean.Y) {
		t.Error("fraction 0 changed labels")
	}
	for _, bad := range []float64{-0.1, 1, 1.5} {
		if _, err := FlipLabels(zero, bad, 7); err == nil || !strings.Contains(err.Error(), "[0, 1)") {
			t.Errorf("fraction %v: error %v", bad, err)
		}
	}
}
