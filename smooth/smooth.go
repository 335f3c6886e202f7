// Package smooth is Gaussian smoothing of objectives: the Gaussian homotopy
// g(θ; σ) = E_ε f(θ + σε), ε ~ N(0, I), of Mobahi & Fisher (2015, "On the
// link between Gaussian homotopy continuation and convex envelopes", eq. 1),
// the convolution of f with the Gaussian kernel of width σ.
//
// Gaussian wraps any optim.Objective and estimates g and its gradient
// E_ε ∇f(θ + σε) by Monte Carlo from a fixed set of noise vectors (common
// random numbers), so a line search sees one deterministic function; the
// set changes only when the caller asks for a new draw, and each draw is a
// function of the seed and the draw's number, so a resumed run repeats it
// exactly. A problem that knows its smoothing in closed form implements
// Exact, and Gaussian uses it instead of sampling. RBFMixture and Rastrigin
// are two such problems, the test problems of continuation methods.
package smooth

import (
	"fmt"
	"math"
	"math/rand/v2"

	"deepopt/internal/bounds"
	"deepopt/optim"
)

// Exact is an objective whose Gaussian smoothing is known in closed form.
type Exact interface {
	optim.Objective
	// EvalSmoothed returns g(θ; σ) = E f(θ + σε) and, when grad is non-nil,
	// writes ∇g(θ; σ) into it, for σ ≥ 0 (σ = 0 gives f).
	EvalSmoothed(sigma float64, theta, grad []float64) (float64, error)
}

var _ optim.Objective = (*Gaussian)(nil)

// Gaussian is the Gaussian smoothing g(θ; σ) of Objective at width Sigma.
// Its zero value (with Objective set) evaluates f itself: σ = 0 needs no
// samples.
//
// For σ > 0 it returns the exact smoothing when Objective implements Exact
// (unless MonteCarlo is set), and otherwise the mean of f(θ + σε_k) and
// ∇f(θ + σε_k) over the Samples noise vectors ε_1 … ε_K of the current
// draw; with Antithetic each ε_k is paired with −ε_k, which cancels the odd
// part of f around θ (the whole gradient noise of a quadratic) at twice the
// evaluations. The noise vectors stay the same until Resample, so every
// evaluation in between (an optimizer's step with its line search, or a
// whole level of a continuation) sees one smooth function.
type Gaussian struct {
	// Objective is f.
	Objective optim.Objective
	// Sigma is the smoothing width σ ≥ 0.
	Sigma float64
	// Samples is the number K ≥ 1 of noise vectors per evaluation (ignored
	// for σ = 0 and for exact smoothing).
	Samples int
	// Antithetic evaluates each noise vector ε and its mirror −ε.
	Antithetic bool
	// MonteCarlo samples even when Objective implements Exact, to check or
	// to study the estimate.
	MonteCarlo bool
	// Seed selects the noise; with the draw number it fixes every ε.
	Seed uint64
	// EndAtTheta ends every Monte-Carlo evaluation with one of f at θ
	// itself, value only, whose result is discarded: an objective that
	// keeps what its last evaluation saw (a network's BN batch statistics,
	// which a training loop folds into the running statistics) then keeps
	// θ's rather than those of the last perturbed point θ ± σε_K. It costs
	// one function evaluation per K samples.
	EndAtTheta bool

	draw uint64
	// Scratch of sample: the noise vector, the point θ ± σε, the gradient
	// there, its mean over an antithetic pair, the gradient's squared
	// deviations; the standard errors of the last estimate.
	eps, point, gradK, gradPair, gradM2 []float64
	stdErr                              float64
	gradStdErr                          []float64
}

// Dim implements optim.Objective.
func (g *Gaussian) Dim() int { return g.Objective.Dim() }

// Draw is the number of the current set of noise vectors, counted from 0;
// save it with a checkpoint and restore it with SetDraw.
func (g *Gaussian) Draw() uint64 { return g.draw }

// SetDraw makes draw the current set of noise vectors, as when resuming.
func (g *Gaussian) SetDraw(draw uint64) { g.draw = draw }

// Resample moves to the next set of noise vectors.
func (g *Gaussian) Resample() { g.draw++ }

// Wrap makes inner the smoothed objective f, so that a Gaussian is a
// training loop's objective wrapper (train.ObjectiveWrapper).
func (g *Gaussian) Wrap(inner optim.Objective) { g.Objective = inner }

// State is the draw number, for a checkpoint (train.Stateful); σ is not
// part of it, since whoever anneals σ sets it from the step.
func (g *Gaussian) State() optim.State { return optim.State{"draw": {float64(g.draw)}} }

// SetState restores the draw number saved by State.
func (g *Gaussian) SetState(s optim.State) error {
	d := s["draw"]
	if len(d) != 1 || !(d[0] >= 0) || d[0] != math.Trunc(d[0]) {
		return fmt.Errorf("smooth: the saved state's draw is %v; want one whole number ≥ 0 (was the checkpoint written by a Gaussian smoothing?)", d)
	}
	g.draw = uint64(d[0])
	return nil
}

// StdErr returns the standard error of the last Monte-Carlo estimate of g
// and of each coordinate of its gradient (over the K samples, or the K
// antithetic pairs' means), or 0 and nil after an exact evaluation. The
// slice is reused by the next evaluation.
func (g *Gaussian) StdErr() (value float64, grad []float64) { return g.stdErr, g.gradStdErr }

// Validate reports a missing objective, a σ that is negative or not finite,
// and a number of samples below 1 when sampling is needed (CheckSamples).
func (g *Gaussian) Validate() error {
	switch {
	case g.Objective == nil:
		return fmt.Errorf("smooth: Gaussian.Objective is nil; set the objective to smooth")
	case !bounds.NonNegative.Contains(g.Sigma):
		return fmt.Errorf("smooth: Gaussian.Sigma = %v; want a finite smoothing width ≥ 0", g.Sigma)
	case g.Sigma > 0 && !g.exact():
		if err := CheckSamples(g.Samples); err != nil {
			return fmt.Errorf("smooth: %w", err)
		}
	}
	return nil
}

// CheckSamples reports, as a *bounds.Error naming Gaussian.Samples, a
// number K of noise vectors per evaluation below 1. Gaussian.Validate calls
// it when the smoothing samples; package config calls it on
// continuation.samples.
func CheckSamples(k int) error {
	if k < 1 {
		return &bounds.Error{Field: "Gaussian.Samples", Value: k, Want: "an integer ≥ 1 (the noise vectors per evaluation)"}
	}
	return nil
}

// exact reports whether the smoothing is taken in closed form.
func (g *Gaussian) exact() bool {
	_, ok := g.Objective.(Exact)
	return ok && !g.MonteCarlo
}

// Eval implements optim.Objective: g(θ; σ) and ∇g(θ; σ), exact or
// estimated from the current draw; see Gaussian.
func (g *Gaussian) Eval(theta, grad []float64) (float64, error) {
	if err := g.Validate(); err != nil {
		return math.NaN(), err
	}
	g.stdErr, g.gradStdErr = 0, g.gradStdErr[:0]
	if g.Sigma == 0 {
		return g.Objective.Eval(theta, grad)
	}
	if exact, ok := g.Objective.(Exact); ok && !g.MonteCarlo {
		return exact.EvalSmoothed(g.Sigma, theta, grad)
	}
	return g.sample(theta, grad)
}

// sample is the Monte-Carlo estimate of Eval. It draws the K noise vectors
// of the current draw afresh from (Seed, draw) instead of storing them, so
// its memory does not grow with K.
func (g *Gaussian) sample(theta, grad []float64) (float64, error) {
	n := len(theta)
	rng := rand.New(rand.NewPCG(g.Seed, g.draw))
	g.eps, g.point = resize(g.eps, n), resize(g.point, n)
	var gradK, gradPair []float64
	if grad != nil {
		g.gradK, g.gradPair, g.gradM2 = resize(g.gradK, n), resize(g.gradPair, n), resize(g.gradM2, n)
		g.gradStdErr = resize(g.gradStdErr, n)
		gradK, gradPair = g.gradK, g.gradPair
		clear(grad)
		clear(g.gradM2)
	}
	signs := []float64{1}
	if g.Antithetic {
		signs = []float64{1, -1}
	}
	// Welford's running mean and sum of squared deviations over the
	// samples (or antithetic pairs): grad holds the gradient's running mean
	// and gradM2 its squared deviations.
	mean, m2 := 0.0, 0.0
	for k := range g.Samples {
		for i := range g.eps {
			g.eps[i] = rng.NormFloat64()
		}
		value := 0.0
		clear(gradPair)
		for _, sign := range signs {
			for i, e := range g.eps {
				g.point[i] = theta[i] + sign*g.Sigma*e
			}
			f, err := g.Objective.Eval(g.point, gradK)
			if err != nil {
				return f, fmt.Errorf("smooth: evaluating f at sample %d of draw %d: %w", k, g.draw, err)
			}
			value += f / float64(len(signs))
			for i, d := range gradK {
				gradPair[i] += d / float64(len(signs))
			}
		}
		count := float64(k + 1)
		delta := value - mean
		mean += delta / count
		m2 += delta * (value - mean)
		for i, d := range gradPair {
			delta := d - grad[i]
			grad[i] += delta / count
			g.gradM2[i] += delta * (d - grad[i])
		}
	}
	g.stdErr = standardError(m2, g.Samples)
	for i := range g.gradStdErr {
		g.gradStdErr[i] = standardError(g.gradM2[i], g.Samples)
	}
	if g.EndAtTheta {
		if _, err := g.Objective.Eval(theta, nil); err != nil {
			return math.NaN(), fmt.Errorf("smooth: evaluating f at θ after draw %d: %w", g.draw, err)
		}
	}
	return mean, nil
}

// standardError is √(s²/K) for the sum of squared deviations m2 of K
// samples, s² = m2/(K − 1); 0 for one sample.
func standardError(m2 float64, samples int) float64 {
	if samples < 2 {
		return 0
	}
	return math.Sqrt(m2 / float64(samples-1) / float64(samples))
}

// resize returns s with length n, reusing its storage when large enough.
func resize(s []float64, n int) []float64 {
	if cap(s) < n {
		return make([]float64, n)
	}
	return s[:n]
}
