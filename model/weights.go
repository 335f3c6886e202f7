package model

import (
	"fmt"
	"math"
	"slices"
)

// SetExampleWeights weights the examples of the current minibatch: w holds
// one weight wₙ ≥ 0 per example, and every term computed against the labels
// (the main head's cross-entropy and each auxiliary head's) becomes the
// weighted mean
//
//	CE_w = Σₙ wₙ·ℓₙ / Σₙ wₙ,
//
// where ℓₙ is example n's cross-entropy; LossTerms, which see the
// minibatch through their own inputs, are not weighted. The weights hold
// until the next SetBatch, which sets them all to 1 (the plain mean); nil
// sets them to 1 too.
//
// Normalising by Σ wₙ makes CE_w the expectation of the loss under the
// minibatch's distribution Q(n) ∝ wₙ, as the lecture's curriculum
// Q_λ(x) ∝ W_λ(x)·P(x) asks: the loss stays on the scale of a plain mean
// whatever share of the batch carries weight (so the learning rate means
// the same thing all along a curriculum), and scaling every weight by the
// same factor changes nothing. A minibatch whose weights are all 0 has no
// distribution to take the expectation under: its label terms are then 0,
// with gradient 0, so that only the L2 penalty remains and a step on it
// does not move the network on the data.
//
// The weights live in the targets, not in a node of their own: row n of the
// target matrix is the one-hot label scaled by N·wₙ/Σw, so that the batch
// mean −(1/N)Σₙ Σₖ tₙₖ·log pₙₖ that the graph computes is CE_w. The graph is
// the same with and without weights, and all weights 1 write the plain
// one-hot targets bit for bit. Weights act on the loss only: BN layers still
// normalise by the statistics of the whole minibatch.
func (m *Model) SetExampleWeights(w []float64) error {
	if w == nil {
		m.weights = nil
		m.writeTargets()
		return nil
	}
	if len(w) != m.spec.BatchSize {
		return fmt.Errorf("model: %d example weights for a minibatch of %d examples (train.batch_size); give one weight per example", len(w), m.spec.BatchSize)
	}
	for i, v := range w {
		if !(v >= 0) || math.IsInf(v, 1) {
			return fmt.Errorf("model: the weight of example %d is %v; example weights must be finite and ≥ 0", i, v)
		}
	}
	m.weights = append(m.weights[:0], w...)
	m.writeTargets()
	return nil
}

// ExampleWeights returns the weights of the current minibatch's examples
// (all 1 unless SetExampleWeights set others).
func (m *Model) ExampleWeights() []float64 {
	if m.weights == nil {
		w := make([]float64, m.spec.BatchSize)
		for i := range w {
			w[i] = 1
		}
		return w
	}
	return slices.Clone(m.weights)
}

// writeTargets fills the target tensor from the labels and the example
// weights: the one-hot label of example n scaled by N·wₙ/Σw. The weights are
// first divided by their largest, so that the sum neither overflows nor
// underflows; uniform weights give the factor N·1/N = 1 exactly, and
// weights that are all 0 give zero targets.
func (m *Model) writeTargets() {
	n, k := m.spec.BatchSize, m.spec.Classes
	scale := func(int) float64 { return 1 }
	if m.weights != nil {
		top, sum := slices.Max(m.weights), 0.0
		if top > 0 {
			for _, v := range m.weights {
				sum += v / top
			}
		}
		scale = func(i int) float64 {
			if sum == 0 {
				return 0
			}
			return m.weights[i] / top * float64(n) / sum
		}
	}
	switch d32, d64 := floats(m.yT); {
	case d64 != nil:
		clear(d64)
		for i, c := range m.labels {
			d64[i*k+c] = scale(i)
		}
	case d32 != nil:
		clear(d32)
		for i, c := range m.labels {
			d32[i*k+c] = float32(scale(i))
		}
	}
}
