package config

import (
	"deepopt/internal/bounds"
	"deepopt/schedule"
	"deepopt/smooth"
	"deepopt/train"
)

// Continuation smooths the training objective with Gaussian weight noise,
// J_σ(θ) = E_ε J(θ + σε), whose width σ falls to 0 over the run (Gaussian
// homotopy continuation, Mobahi & Fisher 2015; the lecture's Algorithm 4):
// linear falls from sigma at step 0 to 0 at step steps; geometric holds
// sigma·ratio^k for level k = 0 … levels−1, each steps/levels steps long,
// and 0 from step steps on. σ reaches 0 at step steps, which must come
// before train.steps so that the run ends on J itself; it is not forced to.
// Off while sigma is 0.
type Continuation struct {
	// Sigma is the starting width σ₀ of the weight noise; 0 turns
	// continuation off.
	Sigma float64 `yaml:"sigma"`
	// Kind is the shape of σ's fall to 0.
	Kind string `yaml:"kind" choices:"linear|geometric"`
	// Steps is the step from which σ = 0, below train.steps.
	Steps int `yaml:"steps"`
	// Levels is the number of smoothed levels before σ = 0.
	Levels int `yaml:"levels" kinds:"geometric"`
	// Ratio is the factor in (0, 1) between successive levels' widths.
	Ratio float64 `yaml:"ratio" kinds:"geometric"`
	// Samples is the number K ≥ 1 of noise vectors per evaluation.
	Samples int `yaml:"samples"`
	// Antithetic evaluates each noise vector ε and its mirror −ε (2K
	// gradient evaluations per evaluation).
	Antithetic bool `yaml:"antithetic"`
}

// DefaultContinuation is the continuation section's default: off; when
// switched on, one noise vector per evaluation, and for geometric three
// levels each half as wide as the last.
func DefaultContinuation() Continuation {
	return Continuation{Kind: "linear", Levels: 3, Ratio: 0.5, Samples: 1}
}

// validate checks the continuation section against the run's length and
// minibatch holding.
func (c *Continuation) validate(p *problems, t Train) {
	if !bounds.NonNegative.Contains(c.Sigma) {
		p.add("continuation.sigma", "want a finite width ≥ 0 of the weight noise at step 0 (0 turns continuation off), got %v", c.Sigma)
	}
	if !(c.Sigma > 0) {
		return
	}
	p.library("continuation", smooth.CheckSamples(c.Samples), map[string]string{"Gaussian.Samples": "samples"})
	if c.Steps < 1 || c.Steps >= t.Steps {
		p.add("continuation.steps", "want the step from which σ = 0, from 1 to train.steps − 1 = %d, so that the run ends on the loss itself (σ is not forced to 0 at the end), got %d", t.Steps-1, c.Steps)
	}
	if c.Kind == "geometric" {
		p.library("continuation", schedule.CheckGeometricLevels(c.Ratio, c.Levels), map[string]string{"GeometricLevels.n": "levels", "GeometricLevels.ratio": "ratio"})
		if c.Levels >= 1 && c.Steps >= 1 && c.Steps < c.Levels {
			p.add("continuation.steps", "%d steps cannot hold %d levels of at least one step each; raise continuation.steps or lower continuation.levels", c.Steps, c.Levels)
		}
	}
	p.library("", train.CheckHold(t.HoldBatch), map[string]string{"Trainer.HoldBatch": "train.hold_batch", "Continuation.Sigma": "continuation.sigma"})
}
