package schedule

import (
	"errors"
	"fmt"
	"math"

	"deepopt/internal/bounds"
)

// Pacing is a curriculum's pace (Wu, Dyer & Neyshabur 2021, section 2):
// Available gives g(t), the number of the easiest training examples that
// step t, counted from 0, may draw from, between 1 and the size of the
// training set and non-decreasing in t. Like the learning-rate schedules, a
// Pacing is a pure function of the step, so a resumed run continues it
// exactly.
//
// A Pacing is also the Scalar λ(t) = g(t)/N ∈ (0, 1], the fraction of the
// training set available: the λ of the lecture's sequence of training
// distributions Q_λ, which reaches 1 when every example is.
type Pacing interface {
	Scalar
	Available(step int) int
}

var (
	_ Pacing = WuPacing{}
	_ Pacing = Switch{}
)

// PacingFamily is one of the six pacing functions of Wu et al. (2021,
// section 2 and their Figure 2).
type PacingFamily int

// The pacing families. With N examples, T steps, the starting fraction b and
// the fraction a of the run at which the whole set is reached, u = t/(aT):
const (
	// LinearPacing: g(t) = bN + (N − bN)·u.
	LinearPacing PacingFamily = iota + 1
	// QuadraticPacing: g(t) = bN + (N − bN)·u².
	QuadraticPacing
	// RootPacing: g(t) = bN + (N − bN)·√u.
	RootPacing
	// StepPacing: g(t) = bN + N·⌊u⌋, all N from t = aT on.
	StepPacing
	// ExponentialPacing: g(t) = bN + (N − bN)·(e^{cu} − 1)/(e^c − 1), c = 10.
	ExponentialPacing
	// LogarithmicPacing: g(t) = bN + (N − bN)·(1 + ln(u + e^{−c})/c), c = 10.
	LogarithmicPacing
)

// pacingC is the constant c of the exponential and logarithmic families, 10
// in Wu et al.'s code.
const pacingC = 10

// pacingNames are the families' names as ParsePacingFamily accepts them,
// those of Wu et al.'s code.
var pacingNames = [...]string{LinearPacing: "linear", QuadraticPacing: "quad", RootPacing: "root", StepPacing: "step", ExponentialPacing: "exp", LogarithmicPacing: "log"}

// String returns the family's name: linear, quad, root, step, exp or log.
func (f PacingFamily) String() string {
	if f >= LinearPacing && f <= LogarithmicPacing {
		return pacingNames[f]
	}
	return fmt.Sprintf("PacingFamily(%d)", int(f))
}

// ParsePacingFamily returns the family named linear, quad, root, step, exp
// or log.
func ParsePacingFamily(name string) (PacingFamily, error) {
	for f := LinearPacing; f <= LogarithmicPacing; f++ {
		if pacingNames[f] == name {
			return f, nil
		}
	}
	return 0, fmt.Errorf("schedule: pacing %q is unknown; valid: linear, quad, root, step, exp, log", name)
}

// WuPacing is one of Wu et al.'s pacing functions over N examples and a run
// of Steps steps. It computes g(t) in the same floating-point operations as
// their code (get_pacing_function in utils/utils.py of
// google-research/understanding-curricula), truncates it to an integer as
// Python's int does and caps it at N, where their loader's slice
// order[:g] stops. Their loader also raises g to at least 256 examples;
// CheckMinibatch refuses instead a pacing that starts below one minibatch.
//
// Their loader re-reads g only when it has gone through the examples
// available at the last reading (a "dynamic epoch"); a sampler that consults
// Available at every step follows the same curve more closely.
type WuPacing struct {
	// Family is the shape of the curve.
	Family PacingFamily
	// A is the fraction of the run at which the whole set is available,
	// > 0; above 1 it is never fully reached.
	A float64
	// B is the fraction of the set available at step 0, in (0, 1].
	B float64
	// Steps is the number of training steps T, ≥ 1.
	Steps int
	// N is the number of training examples, ≥ 1.
	N int
}

// Available returns g(step), between ⌊bN⌋ and N.
func (p WuPacing) Available(step int) int {
	t := float64(max(step, 0))
	n := float64(p.N)
	start := p.B * n
	scale := p.A * float64(p.Steps) // the step at which g reaches N
	var g float64
	// The explicit float64 conversions keep the compiler from fusing a
	// multiply and an add, so every operation rounds as in the reference.
	switch p.Family {
	case LinearPacing:
		rate := (n - start) / scale
		g = float64(rate*t) + start
	case QuadraticPacing:
		rate := (n - start) / float64(scale*scale)
		g = float64(rate*float64(t*t)) + start
	case RootPacing:
		rate := (n - start) / math.Sqrt(scale)
		g = float64(rate*math.Sqrt(t)) + start
	case StepPacing:
		g = float64(n*math.Floor(t/scale)) + start
	case ExponentialPacing:
		rate := (n - start) / (math.Exp(pacingC) - 1)
		e := math.Exp(t * float64(pacingC/scale))
		if math.IsInf(e, 1) {
			return p.N
		}
		g = float64(rate*(e-1)) + start
	case LogarithmicPacing:
		g = float64((n-start)*(1+float64((1.0/pacingC)*math.Log(t/scale+math.Exp(-pacingC))))) + start
	}
	if g >= n {
		return p.N
	}
	return int(g)
}

// At returns λ = g(step)/N.
func (p WuPacing) At(step int) float64 { return float64(p.Available(step)) / float64(p.N) }

// Validate reports a family out of range, fewer than one step or example,
// and then every setting out of range (*bounds.Error): a ≤ 0, b outside
// (0, 1]. CheckMinibatch checks the start against the batch size.
func (p WuPacing) Validate() error {
	switch {
	case p.Family < LinearPacing || p.Family > LogarithmicPacing:
		return fmt.Errorf("schedule: %v is not a pacing family; valid: linear, quad, root, step, exp, log", p.Family)
	case p.Steps < 1:
		return fmt.Errorf("schedule: pacing over %d steps; want at least 1", p.Steps)
	case p.N < 1:
		return fmt.Errorf("schedule: pacing over %d examples; want at least 1", p.N)
	}
	if err := errors.Join(
		bounds.Check("WuPacing.A", p.A, bounds.Positive, "the fraction of the run at which every example is available; 1 = at the last step"),
		bounds.Check("WuPacing.B", p.B, bounds.Fraction, "the fraction of the examples available at the start"),
	); err != nil {
		return fmt.Errorf("schedule: %w", err)
	}
	return nil
}

// CheckMinibatch refuses a pacing that starts with fewer examples than one
// minibatch of batchSize, which would leave the first batches without
// enough distinct examples; every pacing is non-decreasing, so step 0 is
// its least. (Wu et al.'s loader instead raises g to at least 256 examples
// without a word; we refuse, so that the pace is the one asked for.)
func CheckMinibatch(p Pacing, n, batchSize int) error {
	if first := p.Available(0); first < batchSize {
		return fmt.Errorf("schedule: the pacing starts with %d of %d examples, fewer than one minibatch of %d; start with at least %d (pacing b ≥ %.4g) or lower the batch size",
			first, n, batchSize, batchSize, float64(batchSize)/float64(n))
	}
	return nil
}

// Switch is the two-stage curriculum of Bengio et al. (2009, section 5):
// the Easy easiest of N examples until step Step, all of them from Step on.
type Switch struct {
	// Easy is the number of easy examples, in [1, N].
	Easy int
	// N is the number of training examples.
	N int
	// Step is the step of the switch, ≥ 0; 0 trains on everything from the
	// start.
	Step int
}

// Available returns Easy before step Step and N from Step on.
func (s Switch) Available(step int) int {
	if step < s.Step {
		return s.Easy
	}
	return s.N
}

// At returns λ = g(step)/N.
func (s Switch) At(step int) float64 { return float64(s.Available(step)) / float64(s.N) }

// Validate reports an easy set outside [1, N] and a negative switch step;
// CheckMinibatch checks the easy set against the batch size.
func (s Switch) Validate() error {
	switch {
	case s.N < 1:
		return fmt.Errorf("schedule: switch over %d examples; want at least 1", s.N)
	case s.Easy < 1 || s.Easy > s.N:
		return fmt.Errorf("schedule: switch with %d easy examples of %d; want from 1 to all of them", s.Easy, s.N)
	case s.Step < 0:
		return fmt.Errorf("schedule: switch at step %d; want a step ≥ 0", s.Step)
	}
	return nil
}

// CurriculumWeights are the example weights W_λ(x) of Bengio et al. (2009)
// for a curriculum over an order of the training set (easiest first) at a
// pace: at step t, 1 for the g(t) easiest examples and 0 for the rest. With
// λ = g(t)/N, W_λ grows with λ and W_1 = 1, and the training distribution
// Q_λ ∝ W_λ·P has entropy ln g(t) for the uniform empirical P, growing with
// λ: a curriculum in the lecture's sense. Q_λ is then the distribution the
// sample curriculum draws its minibatches from, so weighting uniformly drawn
// minibatches by W_λ and sampling from the g(t) easiest are two estimates
// of the same expected loss. Weights costs O(len(idx)) per call, whatever
// the size of the training set, and depends on its arguments alone, so a
// resumed run weights its minibatches as the uninterrupted run did.
type CurriculumWeights struct {
	rank []int
	pace Pacing
}

// NewCurriculumWeights returns the weights of the curriculum over order (a
// permutation of the training set's indices, easiest first) at pace p.
func NewCurriculumWeights(order []int, p Pacing) (*CurriculumWeights, error) {
	rank := make([]int, len(order))
	for i := range rank {
		rank[i] = -1
	}
	for r, i := range order {
		if i < 0 || i >= len(order) || rank[i] >= 0 {
			return nil, fmt.Errorf("schedule: the curriculum order is not a permutation of 0..%d (index %d at rank %d)", len(order)-1, i, r)
		}
		rank[i] = r
	}
	return &CurriculumWeights{rank: rank, pace: p}, nil
}

// Weights writes into w[i] the weight W_λ of example idx[i] at step: 1 when
// it is among the g(step) easiest, else 0.
func (c *CurriculumWeights) Weights(idx []int, step int, w []float64) error {
	if len(w) != len(idx) {
		return fmt.Errorf("schedule: %d weights for %d examples", len(w), len(idx))
	}
	available := c.pace.Available(step)
	for k, i := range idx {
		if i < 0 || i >= len(c.rank) {
			return fmt.Errorf("schedule: example %d of a training set of %d", i, len(c.rank))
		}
		w[k] = 0
		if c.rank[i] < available {
			w[k] = 1
		}
	}
	return nil
}
