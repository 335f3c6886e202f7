package data

import "fmt"

// EvaluationBatch is one batch of an evaluation pass: Indices has the
// graph's fixed batch size, and only its first Count entries are examples
// seen for the first time in the pass; the rest pad the last batch.
type EvaluationBatch struct {
	Indices []int
	Count   int
}

// EvaluationBatches covers the examples 0, 1, …, n-1 in order with
// ceil(n/b) full batches of size b, for evaluating on a graph with a fixed
// batch size. Unlike the training Batcher it drops nothing: the last batch
// is padded by wrapping around to example 0, and its Count says how many of
// its results to keep.
func EvaluationBatches(n, b int) ([]EvaluationBatch, error) {
	if n < 1 || b < 1 {
		return nil, fmt.Errorf("evaluation batches: %d examples in batches of %d: both must be at least 1", n, b)
	}
	batches := make([]EvaluationBatch, (n+b-1)/b)
	indices := make([]int, len(batches)*b)
	for i := range indices {
		indices[i] = i % n
	}
	for k := range batches {
		batches[k] = EvaluationBatch{Indices: indices[k*b : (k+1)*b], Count: min(b, n-k*b)}
	}
	return batches, nil
}
