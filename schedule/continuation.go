package schedule

import (
	"errors"
	"fmt"
	"math"

	"deepopt/internal/bounds"
	"deepopt/optim"
)

// Levels is the smoothing sequence t₀ > t₁ > … > t_N = 0 of a continuation
// (Mobahi & Fisher 2015; Algorithm 4 of the lecture): the widths of the
// Gaussian smoothings g(·; t_k) minimised one after the other, the last
// being f itself.
type Levels []float64

// GeometricLevels returns the n widths start·ratio^k, k = 0 … n−1, followed
// by 0: n + 1 levels, the last one f itself.
func GeometricLevels(start, ratio float64, n int) (Levels, error) {
	if err := CheckGeometricLevels(ratio, n); err != nil {
		return nil, fmt.Errorf("schedule: %w", err)
	}
	levels := make(Levels, n+1)
	for k := range n {
		levels[k] = start * math.Pow(ratio, float64(k))
	}
	return levels, levels.Validate()
}

// CheckGeometricLevels reports, each as a *bounds.Error naming the argument
// of GeometricLevels, fewer than 1 smoothed level and a ratio outside
// (0, 1). GeometricLevels calls it; package config calls it on
// continuation.levels and continuation.ratio.
func CheckGeometricLevels(ratio float64, n int) error {
	var levels error
	if n < 1 {
		levels = &bounds.Error{Field: "GeometricLevels.n", Value: n, Want: "an integer ≥ 1 (the smoothed levels before σ = 0)"}
	}
	return errors.Join(levels, bounds.Check("GeometricLevels.ratio", ratio, bounds.Open, "the factor between successive widths"))
}

// LinearLevels returns the n + 1 widths start·(1 − k/n), k = 0 … n, from
// start down to 0 in equal steps.
func LinearLevels(start float64, n int) (Levels, error) {
	if n < 1 {
		return nil, fmt.Errorf("schedule: %d linear steps; want at least 1 step from the first width to σ = 0", n)
	}
	levels := make(Levels, n+1)
	for k := range n {
		levels[k] = start * float64(n-k) / float64(n)
	}
	return levels, levels.Validate()
}

// Validate reports an empty sequence, widths that are not finite and ≥ 0,
// a sequence that does not strictly decrease, and a last width other than
// 0. The last level is not forced to 0: a sequence that stops short of f
// itself is refused rather than silently extended.
func (l Levels) Validate() error {
	if len(l) == 0 {
		return errors.New("schedule: no continuation levels; give widths t₀ > t₁ > … > 0, ending at 0")
	}
	for k, sigma := range l {
		switch {
		case !bounds.NonNegative.Contains(sigma):
			return fmt.Errorf("schedule: continuation level %d has σ = %v; want a finite width ≥ 0", k, sigma)
		case k > 0 && sigma >= l[k-1]:
			return fmt.Errorf("schedule: continuation levels %v do not decrease at level %d (σ = %v after %v); want t₀ > t₁ > … > 0", []float64(l), k, sigma, l[k-1])
		}
	}
	if last := l[len(l)-1]; last != 0 {
		return fmt.Errorf("schedule: continuation levels %v end at σ = %v; append 0 so the last level minimises f itself (it is not added for you)", []float64(l), last)
	}
	return nil
}

// Continuation minimises a sequence of smoothed objectives g(·; t_k), each
// from the previous level's solution: Algorithm 4 of the lecture, after
// Mobahi & Fisher (2015). The first level is minimised locally from the
// given start; Algorithm 4 asks for its global minimiser, which a wide
// enough t₀ makes the only one.
type Continuation struct {
	// Levels is the sequence of widths, ending at 0.
	Levels Levels
	// Method returns the local minimiser of a level, a fresh one for each
	// (what CG or L-BFGS remembers of one level describes another function).
	Method func(level int) optim.Optimizer
	// Settings is the stop rule of the local minimisation: one for every
	// level, or one per level; none means optim's defaults.
	Settings []optim.Settings
}

// Level is one level's outcome: its width and the local minimisation's
// result (its solution Theta, the smoothed value F there, evaluations and
// stop reason).
type Level struct {
	Sigma float64
	optim.Result
}

// Validate reports bad levels, a missing Method, and a number of Settings
// other than 0, 1 or one per level.
func (c Continuation) Validate() error {
	if err := c.Levels.Validate(); err != nil {
		return err
	}
	if c.Method == nil {
		return errors.New("schedule: Continuation.Method is nil; set the local minimiser of each level (for example L-BFGS)")
	}
	if n := len(c.Settings); n > 1 && n != len(c.Levels) {
		return fmt.Errorf("schedule: Continuation has %d settings for %d levels; give one for every level or one per level", n, len(c.Levels))
	}
	return nil
}

// Minimize runs the continuation from theta (left unchanged): at each level
// k it minimises smoothed(t_k) with Method(k) under its Settings, starting
// from the previous level's solution. A level whose line search fails
// hands on the best point it reached (its Status says so); any other error
// stops the run, returning the levels finished so far. The last level's
// Theta is the answer.
func (c Continuation) Minimize(smoothed func(sigma float64) optim.Objective, theta []float64) ([]Level, error) {
	if err := c.Validate(); err != nil {
		return nil, err
	}
	levels := make([]Level, 0, len(c.Levels))
	for k, sigma := range c.Levels {
		var settings optim.Settings
		switch len(c.Settings) {
		case 0:
		case 1:
			settings = c.Settings[0]
		default:
			settings = c.Settings[k]
		}
		result, err := optim.Minimize(smoothed(sigma), theta, c.Method(k), settings)
		levels = append(levels, Level{Sigma: sigma, Result: result})
		if err != nil && result.Status != optim.LineSearchFailed {
			return levels, fmt.Errorf("schedule: continuation level %d (σ = %v): %w", k, sigma, err)
		}
		theta = result.Theta
	}
	return levels, nil
}
