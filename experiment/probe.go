package experiment

import (
	"fmt"

	"deepopt/config"
	"deepopt/landscape"
	"deepopt/train"
)

// NewProbe builds the landscape probe the probe section describes for the
// run of t: its cadence, step sizes and ICS step, and for batch fixed the
// seeded probe set of probe.batches minibatches of t's training set. The
// `train probe` command uses it on a restored run whatever probe.every says.
func NewProbe(cfg *config.Config, t *train.Trainer) (*landscape.Hook, error) {
	c := cfg.Probe
	h := &landscape.Hook{Every: c.Every, Etas: c.Etas, LR: c.ICSLR}
	if c.Batch == "fixed" {
		var err error
		if h.Examples, err = landscape.ProbeSet(t.Train.Len(), t.Model.Spec().BatchSize, c.Batches, uint64(cfg.Seed)); err != nil {
			return nil, fmt.Errorf("probe.batches: %w", err)
		}
	}
	return h, nil
}

// addProbe attaches the probe to t when probe.every is set.
func addProbe(cfg *config.Config, t *train.Trainer) error {
	if cfg.Probe.Every == 0 {
		return nil
	}
	h, err := NewProbe(cfg, t)
	if err != nil {
		return err
	}
	t.Hooks = append(t.Hooks, h)
	return nil
}
