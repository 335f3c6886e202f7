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
		{"FitNets' hint stage", func(c *Config) {
			on(c)
			c.Model.MainWeight, c.Distill.Weight = 0, 0
			c.Distill.Hint = Hint{Teacher: "act1.in", Student: "act3.in", Regressor: "linear", Weight: 1}
		}, nil},
		{"a hint without the student's node", func(c *Config) { on(c); c.Distill.Hint.Teacher = "act1.in" },
			[]string{`distill.hint: a hint needs both nodes: teacher (the teacher's hint node) and student (the student's guided node), e.g. {teacher: act1.in, student: act3.in}; got teacher "act1.in" and student ""`}},
		{"a negative hint weight", func(c *Config) {
			on(c)
			c.Distill.Hint = Hint{Teacher: "act1", Student: "act1", Regressor: "linear", Weight: -1}
		}, []string{"distill.hint.weight: want a number ≥ 0, got -1"}},
		{"a hint without a teacher", func(c *Config) { c.Distill.Hint.Teacher, c.Distill.Hint.Student = "act1", "act1" },
			[]string{"distill.teacher: the distill section is set but has no teacher"}},
		{"an unknown regressor", func(c *Config) {
			on(c)
			c.Distill.Hint = Hint{Teacher: "act1", Student: "act1", Regressor: "mlp", Weight: 1}
		}, []string{`distill.hint.regressor: want one of linear, conv; got "mlp"`}},
		{"a negative main weight", func(c *Config) { c.Model.MainWeight = -1 },
			[]string{"model.main_weight: want a number ≥ 0, got -1"}},
		{"main weight 0 without another term", func(c *Config) { c.Model.MainWeight = 0 },
			[]string{"model.main_weight: 0 leaves the objective without a term of positive weight; train on another term (distill.teacher with distill.hint, or model.aux_heads), or set a weight > 0"}},
		{"main weight 0, the soft term at weight 0 and no hint", func(c *Config) { on(c); c.Model.MainWeight, c.Distill.Weight = 0, 0 },
			[]string{"model.main_weight: 0 leaves the objective without a term of positive weight"}},
		{"main weight 0 and an aux head", func(c *Config) { c.Model.MainWeight, c.Model.AuxHeads = 0, []AuxHead{{At: "act1", Weight: 0.3}} }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantValidate(t, tt.change, tt.want)
		})
	}
}
