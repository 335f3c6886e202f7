package config

import "testing"

// TestValidateDistill: every bad distill value (τ ≤ 0, λ < 0, decay without
// until, a class listed twice or negative, keys set without a teacher) is
// reported with its key, and valid sections pass.
func TestValidateDistill(t *testing.T) {
	on := func(c *Config) { c.Distill.Teacher = "runs/teacher" }
	tests := []struct {
		name   string
		change func(*Config)
		want   []string // nil means valid
	}{
		{"off", func(c *Config) {}, nil},
		{"Hinton's MNIST setting", on, nil},
		{"FitNets' unscaled, decayed", func(c *Config) {
			on(c)
			c.Distill.Temperature, c.Distill.Weight, c.Distill.ScaleT2, c.Distill.Until, c.Distill.Decay = 3, 4, false, 800, true
		}, nil},
		{"omitting the 3s", func(c *Config) { on(c); c.Distill.OmitClasses = []int{3} }, nil},
		{"zero temperature", func(c *Config) { on(c); c.Distill.Temperature = 0 },
			[]string{"distill.temperature: want a number > 0, got 0"}},
		{"negative temperature", func(c *Config) { on(c); c.Distill.Temperature = -2 },
			[]string{"distill.temperature: want a number > 0, got -2"}},
		{"negative weight", func(c *Config) { on(c); c.Distill.Weight = -1 },
			[]string{"distill.weight: want a number ≥ 0, got -1"}},
		{"decay without until", func(c *Config) { on(c); c.Distill.Decay = true },
			[]string{"distill.decay: true needs until > 0"}},
		{"a class twice", func(c *Config) { on(c); c.Distill.OmitClasses = []int{3, 5, 3} },
			[]string{"distill.omit_classes.2: class 3 is listed twice"}},
		{"a negative class", func(c *Config) { on(c); c.Distill.OmitClasses = []int{-1} },
			[]string{"distill.omit_classes.0: want an integer ≥ 0 (a class label), got -1"}},
		{"no teacher", func(c *Config) { c.Distill.Temperature = 4 },
			[]string{"distill.teacher: the distill section is set but has no teacher"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantValidate(t, tt.change, tt.want)
		})
	}
}
