package config

import "testing"

// TestValidatePretrain: a pretrain section on a model it cannot grow, or
// with what it does not combine with, is refused naming what is supported.
func TestValidatePretrain(t *testing.T) {
	on := func(c *Config) { c.Pretrain.StepsPerLayer, c.Pretrain.FinetuneSteps = 100, 50 }
	tests := []struct {
		name   string
		change func(*Config)
		want   []string // nil means valid
	}{
		{"off", func(c *Config) {}, nil},
		{"on", on, nil},
		{"on without fine-tuning or freezing", func(c *Config) { on(c); c.Pretrain.FinetuneSteps, c.Pretrain.FreezeLower = 0, false }, nil},
		{"cnn", func(c *Config) {
			on(c)
			c.Model.Kind, c.Model.Conv = "cnn", []ConvLayer{{Channels: 4, Kernel: 5, Stride: 1, Padding: 2, Pool: 2}}
		}, nil},
		{"no hidden layer", func(c *Config) { on(c); c.Model.Hidden = []int{} }, []string{"pretrain: model.hidden is empty: softmax regression has no hidden layer to pretrain (supported: an mlp with at least one hidden layer, grown one layer per stage, or a cnn, grown one conv layer and then one hidden layer per stage)"}},
		{"aux heads", func(c *Config) { on(c); c.Model.AuxHeads = []AuxHead{{At: "act1", Weight: 0.3}} }, []string{"pretrain: does not combine with model.aux_heads"}},
		{"freeze", func(c *Config) { on(c); c.Train.Freeze = []string{"fc1.*"} }, []string{"pretrain: does not combine with train.freeze"}},
		{"stages", func(c *Config) { on(c); c.Stages = []Stage{{Name: "a"}} }, []string{"pretrain: does not combine with a stages list"}},
		{"negative steps", func(c *Config) { c.Pretrain.StepsPerLayer = -1 }, []string{"pretrain.steps_per_layer: want an integer ≥ 0"}},
		{"fine-tuning without pretraining", func(c *Config) { c.Pretrain.FinetuneSteps = 10 },
			[]string{"pretrain.finetune_steps: 10 applies only with pretrain.steps_per_layer > 0; set it or remove the pretrain section"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantValidate(t, tt.change, tt.want)
		})
	}
}
