package experiment

import (
	"deepopt/config"
	"deepopt/schedule"
	"deepopt/smooth"
	"deepopt/train"
)

// noiseStream separates the weight noise's random streams from the other
// users of the run's seed (initialisation, dropout).
const noiseStream = 0x5e0f_0000_0000_0000

// sigmaSchedule is σ over the steps as the continuation section describes
// it: linear from sigma to 0 at step steps, or the geometric levels
// sigma·ratio^k, k < levels, each steps/levels steps long (the k-th ends
// at step ⌊(k+1)·steps/levels⌋), then 0.
func sigmaSchedule(c config.Continuation) (schedule.Scalar, error) {
	if c.Kind == "linear" {
		return schedule.Linear{From: c.Sigma, Steps: c.Steps}, nil
	}
	levels, err := schedule.GeometricLevels(c.Sigma, c.Ratio, c.Levels)
	if err != nil {
		return nil, err
	}
	boundaries := make([]int, c.Levels)
	for k := range boundaries {
		boundaries[k] = (k + 1) * c.Steps / c.Levels
	}
	return schedule.Piecewise{Values: levels, Boundaries: boundaries}, nil
}

// addContinuation smooths t's objective with annealed Gaussian weight noise
// when continuation.sigma is set. With BN, each evaluation ends at θ itself
// (smooth.Gaussian.EndAtTheta), so that the running statistics, which the
// evaluations use with θ, fold θ's batch statistics rather than those of a
// network perturbed by noise that evaluation never sees; the noise would
// inflate them, most at the start, where σ is largest.
func addContinuation(cfg *config.Config, t *train.Trainer) error {
	c := cfg.Continuation
	if c.Sigma == 0 {
		return nil
	}
	sigma, err := sigmaSchedule(c)
	if err != nil {
		return err
	}
	g := &smooth.Gaussian{Samples: c.Samples, Antithetic: c.Antithetic, Seed: uint64(cfg.Seed) ^ noiseStream,
		EndAtTheta: cfg.Model.BatchNorm}
	t.Wrappers = append(t.Wrappers, g)
	t.Hooks = append(t.Hooks, &train.Continuation{Smoothing: g, Sigma: sigma})
	return nil
}
