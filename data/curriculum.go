package data

import (
	"fmt"
	"math/rand/v2"
)

// Pace is how many of the easiest examples step t may draw from, g(t):
// non-decreasing, between a minibatch and the training set's size.
// schedule.Pacing is one.
type Pace interface {
	Available(step int) int
}

// CurriculumMode is how a CurriculumSampler applies its pace.
type CurriculumMode int

// The curriculum modes.
const (
	// SampleMode draws every minibatch uniformly, without repetition within
	// the batch, from the g(t) easiest examples (Wu, Dyer & Neyshabur 2021).
	SampleMode CurriculumMode = iota + 1
	// StochasticMode is Bengio et al.'s (2009) stochastic curriculum: every
	// minibatch mixes easy examples, the g(0) easiest, with hard ones, the
	// rest, each of its places hard with probability (g(t) − g(0))/N, so the
	// share of hard examples grows from 0 to their share of the set, where
	// every example is equally likely.
	StochasticMode
)

// curriculumStream is the PCG stream of the curriculum samplers.
const curriculumStream = 0x6375727269 // "curri"

// CurriculumSampler draws minibatches from examples ordered from easy to
// hard, at a pace. The batch of step t is drawn from a generator seeded with
// (seed, t), so it depends on the step alone: the state is only the number
// of batches drawn (for Epoch), and a resumed run draws the same batches.
// A draw costs about one random number per place while g(t) is well above
// the batch size (rejection keeps the places distinct), so O(batch size),
// however large the training set.
type CurriculumSampler struct {
	mode   CurriculumMode
	order  []int
	pace   Pace
	seed   uint64
	batch  []int
	drawn  int64
	chosen map[int]bool
}

var _ Sampler = (*CurriculumSampler)(nil)

// NewCurriculumSampler returns a sampler of minibatches of size b over the
// examples order (a permutation of the training set, easiest first) at
// pace p. It refuses a pace that starts below one minibatch.
func NewCurriculumSampler(mode CurriculumMode, order []int, p Pace, b int, seed uint64) (*CurriculumSampler, error) {
	if mode != SampleMode && mode != StochasticMode {
		return nil, fmt.Errorf("curriculum: mode %d is unknown; use SampleMode or StochasticMode", mode)
	}
	if b < 1 || b > len(order) {
		return nil, fmt.Errorf("curriculum: batch size %d for %d examples: it must be in [1, %d]", b, len(order), max(len(order), 1))
	}
	if first := p.Available(0); first < b || first > len(order) {
		return nil, fmt.Errorf("curriculum: the pace starts with %d examples; it must start with one minibatch (%d) to all %d", first, b, len(order))
	}
	return &CurriculumSampler{mode: mode, order: order, pace: p, seed: seed, batch: make([]int, b), chosen: make(map[int]bool, b)}, nil
}

// Next returns the minibatch of step step: b distinct examples.
func (s *CurriculumSampler) Next(step int) []int {
	rng := rand.New(rand.NewPCG(s.seed^curriculumStream, uint64(step)))
	n := len(s.order)
	g := min(max(s.pace.Available(step), len(s.batch)), n)
	easy := s.pace.Available(0)
	clear(s.chosen)
	hardTaken := 0
	for i := range s.batch {
		lo, hi := 0, g // SampleMode: ranks [0, g)
		if s.mode == StochasticMode {
			lo, hi = 0, easy
			// A hard place while hard examples are left; the easy part holds
			// at least b, so it never runs out.
			if hardTaken < n-easy && rng.Float64() < float64(g-easy)/float64(n) {
				lo, hi = easy, n
				hardTaken++
			}
		}
		// Rejection keeps the batch's examples distinct: about one draw per
		// place while the part is much larger than the batch.
		for {
			rank := lo + rng.IntN(hi-lo)
			if !s.chosen[rank] {
				s.chosen[rank] = true
				s.batch[i] = s.order[rank]
				break
			}
		}
	}
	s.drawn++
	return s.batch
}

// Epoch is the number of examples drawn over the training set's size.
func (s *CurriculumSampler) Epoch() float64 {
	return float64(s.drawn) * float64(len(s.batch)) / float64(len(s.order))
}

// State is the number of batches drawn.
func (s *CurriculumSampler) State() []int64 { return []int64{s.drawn} }

// Restore sets the number of batches drawn.
func (s *CurriculumSampler) Restore(state []int64) error {
	if len(state) != 1 || state[0] < 0 {
		return fmt.Errorf("curriculum sampler: state %v; want one count of batches ≥ 0", state)
	}
	s.drawn = state[0]
	return nil
}
