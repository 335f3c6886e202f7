package data

import (
	"math/rand/v2"
	"slices"
	"testing"
)

// drawEpoch draws one epoch's batches, copying each.
func drawEpoch(s *Batcher) [][]int {
	batches := make([][]int, s.BatchesPerEpoch())
	for i := range batches {
		batches[i] = slices.Clone(s.Next(0))
	}
	return batches
}

// TestBatcherFollowsTheDocumentedPermutation checks the contract that lets
// other code reproduce a run: epoch e's batches are consecutive slices of the
// identity shuffled by rand.New(rand.NewPCG(seed, e)).
func TestBatcherFollowsTheDocumentedPermutation(t *testing.T) {
	const n, b, seed = 23, 5, 42
	s, err := NewBatcher(n, b, seed)
	if err != nil {
		t.Fatal(err)
	}
	for epoch := range 3 {
		perm := sequence(n)
		rand.New(rand.NewPCG(seed, uint64(epoch))).Shuffle(n, func(i, j int) { perm[i], perm[j] = perm[j], perm[i] })
		for k, batch := range drawEpoch(s) {
			if !slices.Equal(batch, perm[k*b:(k+1)*b]) {
				t.Fatalf("epoch %d batch %d = %v, want %v", epoch, k, batch, perm[k*b:(k+1)*b])
			}
		}
	}
}

// TestBatcherEpochsVisitDistinctExamples checks full batches, distinct
// indices within an epoch, and that the dropped left-overs change between
// epochs.
func TestBatcherEpochsVisitDistinctExamples(t *testing.T) {
	const n, b = 10, 3
	s, err := NewBatcher(n, b, 1)
	if err != nil {
		t.Fatal(err)
	}
	if s.BatchesPerEpoch() != 3 {
		t.Fatalf("BatchesPerEpoch = %d, want floor(10/3) = 3", s.BatchesPerEpoch())
	}
	dropped := map[int]bool{}
	for epoch := range 8 {
		seen := map[int]bool{}
		for _, batch := range drawEpoch(s) {
			if len(batch) != b {
				t.Fatalf("batch of %d, want %d", len(batch), b)
			}
			for _, i := range batch {
				if i < 0 || i >= n || seen[i] {
					t.Fatalf("epoch %d: index %d repeated or out of range", epoch, i)
				}
				seen[i] = true
			}
		}
		for i := range n {
			if !seen[i] {
				dropped[i] = true
			}
		}
	}
	if len(dropped) < 2 {
		t.Errorf("over 8 epochs only examples %v were dropped: the left-over does not change", dropped)
	}
}

func TestBatcherSeeds(t *testing.T) {
	first, _ := NewBatcher(100, 10, 3)
	same, _ := NewBatcher(100, 10, 3)
	other, _ := NewBatcher(100, 10, 4)
	a, b, c := drawEpoch(first), drawEpoch(same), drawEpoch(other)
	for k := range a {
		if !slices.Equal(a[k], b[k]) {
			t.Fatalf("same seed, batch %d differs: %v vs %v", k, a[k], b[k])
		}
	}
	if slices.EqualFunc(a, c, slices.Equal) {
		t.Error("seeds 3 and 4 give the same epoch")
	}
	if slices.EqualFunc(a, drawEpoch(first), slices.Equal) {
		t.Error("epochs 0 and 1 are in the same order")
	}
}

// TestBatcherRestoreContinuesExactly saves the state mid-epoch, and checks
// that a fresh Batcher restored to it draws the same batches as the original,
// across the epoch boundary.
func TestBatcherRestoreContinuesExactly(t *testing.T) {
	const n, b, seed = 50, 7, 9
	original, _ := NewBatcher(n, b, seed)
	for range 11 { // epoch 1, position 4
		original.Next(0)
	}
	state := original.State()
	if !slices.Equal(state, []int64{1, 4}) {
		t.Fatalf("state after 11 batches of 7 per epoch = %+v, want {1 4}", state)
	}
	if got, want := original.Epoch(), 1+4.0/7; got != want {
		t.Errorf("Epoch() = %v, want %v", got, want)
	}
	restored, _ := NewBatcher(n, b, seed)
	if err := restored.Restore(state); err != nil {
		t.Fatal(err)
	}
	for k := range 20 {
		if want, got := slices.Clone(original.Next(0)), restored.Next(0); !slices.Equal(got, want) {
			t.Fatalf("batch %d after restore = %v, want %v", k, got, want)
		}
	}
	for _, bad := range [][]int64{{-1, 0}, {0, -1}, {0, 8}, {1}} {
		if err := restored.Restore(bad); err == nil {
			t.Errorf("Restore(%+v) with 7 batches per epoch succeeded", bad)
		}
	}
}

func TestBatcherEpochProgress(t *testing.T) {
	s, _ := NewBatcher(8, 4, 0)
	want := []float64{0.5, 1, 1.5, 2}
	for _, w := range want {
		s.Next(0)
		if s.Epoch() != w {
			t.Errorf("Epoch() = %v, want %v", s.Epoch(), w)
		}
	}
	var zero Batcher
	if batch, epoch := zero.Next(0), zero.Epoch(); batch != nil || epoch != 0 {
		t.Errorf("zero Batcher gives batch %v at epoch %v, want nil at 0", batch, epoch)
	}
	for _, bad := range [][2]int{{5, 0}, {5, 6}, {0, 1}} {
		if _, err := NewBatcher(bad[0], bad[1], 0); err == nil {
			t.Errorf("NewBatcher(%d, %d) succeeded", bad[0], bad[1])
		}
	}
}

func TestEvaluationBatchesCoverEveryExampleOnce(t *testing.T) {
	for _, c := range [][2]int{{10, 4}, {12, 4}, {3, 5}, {1, 1}} {
		n, b := c[0], c[1]
		batches, err := EvaluationBatches(n, b)
		if err != nil {
			t.Fatal(err)
		}
		if len(batches) != (n+b-1)/b {
			t.Errorf("n=%d b=%d: %d batches, want ceil = %d", n, b, len(batches), (n+b-1)/b)
		}
		var counted []int
		for _, batch := range batches {
			if len(batch.Indices) != b {
				t.Fatalf("n=%d b=%d: batch of %d", n, b, len(batch.Indices))
			}
			for _, i := range batch.Indices {
				if i < 0 || i >= n {
					t.Fatalf("n=%d b=%d: index %d out of range", n, b, i)
				}
			}
			counted = append(counted, batch.Indices[:batch.Count]...)
		}
		if !slices.Equal(counted, sequence(n)) {
			t.Errorf("n=%d b=%d: counted indices %v, want 0..%d in order", n, b, counted, n-1)
		}
	}
	batches, _ := EvaluationBatches(10, 4)
	if last := batches[2]; !slices.Equal(last.Indices, []int{8, 9, 0, 1}) || last.Count != 2 {
		t.Errorf("last batch %+v, want [8 9 0 1] with Count 2", last)
	}
	if _, err := EvaluationBatches(0, 4); err == nil {
		t.Error("EvaluationBatches(0, 4) succeeded")
	}
}
