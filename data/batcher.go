package data

import (
	"fmt"
	"math/rand/v2"
)

// Sampler chooses the examples of each training minibatch: the uniform
// shuffling Batcher, or a sampler whose distribution changes with the step
// (a curriculum's pace). Its whole state is State, integers a checkpoint
// stores, so that a resumed run draws the same batches.
type Sampler interface {
	// Next returns the indices of the minibatch of training step step (the
	// number of steps completed before it). The slice is reused by the
	// following call; copy it to keep it.
	Next(step int) []int
	// Epoch is the training progress in epochs, fractional within an epoch.
	Epoch() float64
	// State is the sampler's position in its sequence of batches.
	State() []int64
	// Restore moves the sampler to a position returned by State.
	Restore(state []int64) error
}

var _ Sampler = (*Batcher)(nil)

// Batcher draws full minibatches of size b from n examples, reshuffling every
// epoch.
//
// Epoch e visits the examples in the order of a permutation drawn by
// rand.New(rand.NewPCG(seed, uint64(e))).Shuffle from the identity, so any
// epoch's order is computable from (seed, e) alone and the state is just
// (epoch, position). Each epoch yields floor(n/b) batches of exactly b
// distinct examples; the n mod b examples left at the end of the
// permutation are skipped in that epoch (PyTorch's drop_last=True), and since
// the permutation changes every epoch, different examples are skipped each
// time. Batches are full because a model's graph has a fixed batch size.
//
// Create a Batcher with NewBatcher; the zero value has no examples and
// returns empty batches.
type Batcher struct {
	n, size   int
	seed      uint64
	epoch     int
	position  int
	permEpoch int // the epoch perm holds; -1 before the first draw
	perm      []int
	batch     []int
}

// NewBatcher returns a Batcher over n examples with batch size b,
// 1 ≤ b ≤ n, at the start of epoch 0.
func NewBatcher(n, b int, seed uint64) (*Batcher, error) {
	if b < 1 || b > n {
		return nil, fmt.Errorf("batcher: batch size %d for %d examples: it must be in [1, %d]; lower the batch size or use more examples", b, n, max(n, 1))
	}
	return &Batcher{n: n, size: b, seed: seed, permEpoch: -1, perm: make([]int, n), batch: make([]int, b)}, nil
}

// BatchesPerEpoch is floor(n/b), 0 for the zero Batcher.
func (s *Batcher) BatchesPerEpoch() int {
	if s.size == 0 {
		return 0
	}
	return s.n / s.size
}

// Next returns the indices of the next batch, moving to the next epoch after
// the last full batch of the current one, whatever the step. The slice is
// reused.
func (s *Batcher) Next(int) []int {
	if s.BatchesPerEpoch() == 0 {
		return nil
	}
	if s.position == s.BatchesPerEpoch() {
		s.epoch++
		s.position = 0
	}
	if s.permEpoch != s.epoch {
		for i := range s.perm {
			s.perm[i] = i
		}
		rand.New(rand.NewPCG(s.seed, uint64(s.epoch))).Shuffle(s.n, func(i, j int) {
			s.perm[i], s.perm[j] = s.perm[j], s.perm[i]
		})
		s.permEpoch = s.epoch
	}
	copy(s.batch, s.perm[s.position*s.size:(s.position+1)*s.size])
	s.position++
	return s.batch
}

// Epoch is epoch + position / BatchesPerEpoch(): 1.0 after the last batch of
// epoch 0.
func (s *Batcher) Epoch() float64 {
	if s.BatchesPerEpoch() == 0 {
		return float64(s.epoch)
	}
	return float64(s.epoch) + float64(s.position)/float64(s.BatchesPerEpoch())
}

// State returns the current position: the epoch and the batches drawn of it
// (0 ≤ position ≤ BatchesPerEpoch()).
func (s *Batcher) State() []int64 {
	return []int64{int64(s.epoch), int64(s.position)}
}

// Restore moves to a position returned by State of a Batcher with the same
// n, b and seed; the batches that follow are those the saved Batcher would
// have drawn.
func (s *Batcher) Restore(state []int64) error {
	if len(state) != 2 || state[0] < 0 || state[1] < 0 || state[1] > int64(s.BatchesPerEpoch()) {
		return fmt.Errorf("batcher: state %v: want [epoch ≥ 0, position in [0, %d]] for %d examples in batches of %d", state, s.BatchesPerEpoch(), s.n, s.size)
	}
	s.epoch, s.position = int(state[0]), int(state[1])
	return nil
}
