package train

import (
	"context"
	"errors"
	"math/rand/v2"
	"slices"
	"testing"

	"deepopt/optim"
)

// pacedSampler draws minibatches of size b from the first half of n
// examples for the first 30 steps and from all of them after, as a
// curriculum's pace would; each draw is seeded by the number of draws so
// far, its whole state.
type pacedSampler struct {
	n, b  int
	draws int64
	steps []int
	batch []int
}

func (s *pacedSampler) Next(step int) []int {
	s.steps = append(s.steps, step)
	limit := s.n
	if step < 30 {
		limit = s.n / 2
	}
	s.batch = rand.New(rand.NewPCG(uint64(s.draws), 17)).Perm(limit)[:s.b]
	s.draws++
	return s.batch
}

func (s *pacedSampler) Epoch() float64 { return float64(s.draws*int64(s.b)) / float64(s.n) }

func (s *pacedSampler) State() []int64 { return []int64{s.draws} }

func (s *pacedSampler) Restore(state []int64) error {
	if len(state) != 1 {
		return errors.New("want one number")
	}
	s.draws = state[0]
	return nil
}

// pull adds the term (λ/2)·‖θ‖² with λ = 10⁻³·draw to the objective it
// wraps; its state is draw, which a hook raises every 10 steps, as a
// continuation or an annealed loss weight would change.
type pull struct {
	inner optim.Objective
	draw  float64
}

func (p *pull) Wrap(inner optim.Objective) { p.inner = inner }

func (p *pull) Dim() int { return p.inner.Dim() }

func (p *pull) Eval(theta, grad []float64) (float64, error) {
	loss, err := p.inner.Eval(theta, grad)
	lambda := 1e-3 * p.draw
	for i, v := range theta {
		loss += lambda / 2 * v * v
		if grad != nil {
			grad[i] += lambda * v
		}
	}
	return loss, err
}

func (p *pull) State() optim.State { return optim.State{"draw": {p.draw}} }

func (p *pull) SetState(s optim.State) error {
	if len(s["draw"]) != 1 {
		return errors.New("want draw")
	}
	p.draw = s["draw"][0]
	return nil
}

// TestSamplerAndWrapperResume: a run with its own sampler and a stateful
// objective wrapper, interrupted and resumed, ends where the uninterrupted
// run ends, because both keep their state in the checkpoint.
func TestSamplerAndWrapperResume(t *testing.T) {
	testResume(t, func(tr *Trainer) {
		p := &pull{}
		tr.Sampler = &pacedSampler{n: tr.Train.Len(), b: tr.Model.Spec().BatchSize}
		tr.Wrappers = []ObjectiveWrapper{p}
		tr.OnStep(PriorityDefault, func(t *Trainer) error {
			if t.Step()%10 == 0 {
				p.draw++
			}
			return nil
		})
	})
}

// TestSamplerSeesTheStep: a sampler is asked for a minibatch at the step
// that starts it, every HoldBatch steps, and the optimizer sees the wrapped
// objective (its loss includes the wrapper's term).
func TestSamplerSeesTheStep(t *testing.T) {
	tr := newTrainer(t, "", 9, 0.1)
	s := &pacedSampler{n: tr.Train.Len(), b: tr.Model.Spec().BatchSize}
	p := &pull{draw: 1e6}
	tr.Sampler, tr.HoldBatch, tr.Wrappers = s, 3, []ObjectiveWrapper{p}
	// At lr 0.1 the term's λ = 1000 multiplies θ by −99 each step: the run
	// diverges on purpose, so the divergence check is off.
	tr.DivergenceFactor = -1
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(s.steps, []int{0, 3, 6}) {
		t.Errorf("Next was asked for steps %v, want [0 3 6]", s.steps)
	}
	// λ = 1000 makes the term dominate: the mean training loss is far above
	// the cross-entropy's ln 10 at the start.
	if res.TrainLoss < 10 {
		t.Errorf("train loss %v; the wrapper's term of λ = 1000 is missing", res.TrainLoss)
	}
}
