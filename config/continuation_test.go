package config

import "testing"

// TestValidateContinuation: every bad continuation value is reported with
// its key, and a valid section passes.
func TestValidateContinuation(t *testing.T) {
	on := func(c *Config) { c.Continuation.Sigma, c.Continuation.Steps = 0.05, 500 }
	tests := []struct {
		name   string
		change func(*Config)
		want   []string // nil means valid
	}{
		{"linear to 0 by step 500 of 1000", on, nil},
		{"geometric", func(c *Config) { on(c); c.Continuation.Kind, c.Continuation.Levels = "geometric", 5 }, nil},
		{"off, other keys untouched", func(c *Config) {}, nil},
		{"negative sigma", func(c *Config) { c.Continuation.Sigma = -0.1 },
			[]string{"continuation.sigma: want a finite width ≥ 0 of the weight noise at step 0 (0 turns continuation off), got -0.1"}},
		{"no samples", func(c *Config) { on(c); c.Continuation.Samples = 0 },
			[]string{"continuation.samples: want an integer ≥ 1 (the noise vectors per evaluation), got 0"}},
		{"not reaching 0 before the end", func(c *Config) { on(c); c.Continuation.Steps = 1000 },
			[]string{"continuation.steps: want the step from which σ = 0, from 1 to train.steps − 1 = 999, so that the run ends on the loss itself (σ is not forced to 0 at the end), got 1000"}},
		{"steps unset", func(c *Config) { on(c); c.Continuation.Steps = 0 }, []string{"continuation.steps:"}},
		{"ratio 1", func(c *Config) { on(c); c.Continuation.Kind, c.Continuation.Ratio = "geometric", 1 },
			[]string{"continuation.ratio: want a number in (0, 1), got 1"}},
		{"more levels than steps", func(c *Config) {
			on(c)
			c.Continuation.Kind, c.Continuation.Levels, c.Continuation.Steps = "geometric", 8, 4
		}, []string{"continuation.steps: 4 steps cannot hold 8 levels"}},
		{"levels under linear", func(c *Config) { on(c); c.Continuation.Levels = 6 },
			[]string{"continuation.levels: 6 applies only to continuation.kind geometric, not linear"}},
		{"held minibatch", func(c *Config) { on(c); c.Train.HoldBatch = 3 },
			[]string{"train.hold_batch: 3 with continuation"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantValidate(t, tt.change, tt.want)
		})
	}
}
