package config

import (
	"deepopt/internal/bounds"
	"deepopt/landscape"
)

// Probe chooses the loss-landscape probes of Santurkar et al. (2018), run
// during training by package landscape: at the current parameters θ, with
// g = ∇L(θ) on a probe batch and every step size η of etas, the range of
// L(θ − ηg), the range of ‖∇L(θ − ηg) − ∇L(θ)‖₂, the effective
// β-smoothness max_η ‖∇L(θ − ηg) − ∇L(θ)‖₂/‖ηg‖₂, and each layer's internal
// covariate shift (§2.1). Rows go to landscape.csv in the run directory.
// Probing is off while every is 0; it never changes the run's numbers.
type Probe struct {
	// Every is the probing cadence in steps (the last step is probed too);
	// 0 turns probing off.
	Every int `yaml:"every"`
	// Etas are the step sizes η > 0 along −g; the default is the paper's
	// range 0.05–0.4 in eight even steps.
	Etas []float64 `yaml:"etas"`
	// Batch is the batch the probe measures on: fixed (the same seeded
	// draw of batches×train.batch_size training examples at every probe, so
	// probes at different steps compare like with like) or train (the
	// minibatch of the step just taken, as the paper's definition of ICS
	// uses).
	Batch string `yaml:"batch" choices:"fixed|train"`
	// Batches is the number of minibatches of train.batch_size in the fixed
	// probe set; the loss and gradient are their means (each minibatch
	// through BN with its own statistics, as in training). It must be 1
	// with batch: train.
	Batches int `yaml:"batches"`
	// ICSLR is the step size of the update θ ← θ − ics_lr·g of the earlier layers
	// in the ICS measurement; 0 uses the run's learning rate at the probed
	// step.
	ICSLR float64 `yaml:"ics_lr"`
}

// DefaultProbe is the probe section's default: off, on the paper's step
// sizes, on one fixed minibatch, with the run's learning rate for ICS.
func DefaultProbe() Probe {
	return Probe{Etas: landscape.DefaultEtas(), Batch: "fixed", Batches: 1}
}

// validate checks the probe section.
func (pr *Probe) validate(p *problems) {
	p.atLeast("probe.every", pr.Every, 0, "0 turns probing off")
	etas := pr.Etas
	if etas == nil {
		etas = []float64{} // a config lists its step sizes; nil is DefaultEtas only in Go
	}
	p.library("probe", landscape.CheckEtas(etas), map[string]string{"Probe.Etas": "etas"})
	p.atLeast("probe.batches", pr.Batches, 1, "the minibatches of the fixed probe set")
	if pr.Batch == "train" && pr.Batches > 1 {
		p.add("probe.batches", "%d applies only to probe.batch fixed; the train batch is the step's one minibatch (leave batches at 1 or set batch: fixed)", pr.Batches)
	}
	p.interval("probe.ics_lr", pr.ICSLR, bounds.NonNegative)
}
