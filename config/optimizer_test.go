package config

import (
	"math"
	"strings"
	"testing"
)

// TestOptimizerKindKeys checks the keys of the line-search methods, the
// averaging keys and the train keys that go with them.
func TestOptimizerKindKeys(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string // "" means valid
	}{
		{"cg with its keys", func(c *Config) {
			c.Optimizer.Kind, c.Optimizer.CGVariant, c.Optimizer.RestartEvery, c.Optimizer.LineSearch = "cg", "hs", 50, "backtracking"
		}, ""},
		{"unknown cg variant", func(c *Config) { c.Optimizer.Kind, c.Optimizer.CGVariant = "cg", "prp" },
			`optimizer.cg_variant: want one of fr, pr, pr+, hs; got "prp" (did you mean "pr"?)`},
		{"cg_variant under lbfgs", func(c *Config) { c.Optimizer.Kind, c.Optimizer.CGVariant = "lbfgs", "fr" },
			"optimizer.cg_variant: fr applies only to optimizer.kind cg, not lbfgs"},
		{"memory under cg", func(c *Config) { c.Optimizer.Kind, c.Optimizer.Memory = "cg", 5 },
			"optimizer.memory: 5 applies only to optimizer.kind lbfgs, not cg"},
		{"zero memory", func(c *Config) { c.Optimizer.Kind, c.Optimizer.Memory = "lbfgs", 0 },
			"optimizer.memory: want an integer ≥ 1 (the (s, y) pairs L-BFGS keeps), got 0"},
		{"negative memory", func(c *Config) { c.Optimizer.Kind, c.Optimizer.Memory = "lbfgs", -2 },
			"optimizer.memory: want an integer ≥ 1, got -2"},
		{"zero memory's default", func(c *Config) { c.Optimizer.Kind, c.Optimizer.Memory = "lbfgs", 0 },
			"(L-BFGS would read 0 as its default 10; write that out)"},
		{"infinite damping", func(c *Config) { c.Optimizer.Kind, c.Optimizer.Damping = "newton", math.Inf(1) },
			"optimizer.damping: want a number ≥ 0, got +Inf"},
		{"negative max_dense_params", func(c *Config) { c.Optimizer.Kind, c.Optimizer.MaxDenseParams = "bfgs", -1 },
			"optimizer.max_dense_params: want an integer ≥ 0, got -1"},
		{"line search under sgd", func(c *Config) { c.Optimizer.LineSearch = "wolfe" },
			"optimizer.line_search: wolfe applies only to optimizer.kind cg or bfgs or lbfgs or newton or newton-cg or bcd, not sgd"},
		{"weight decay under cg", func(c *Config) { c.Optimizer.Kind, c.Optimizer.WeightDecay = "cg", 1e-4 },
			"optimizer.weight_decay: 0.0001 applies only to optimizer.kind sgd or adam, not cg"},
		{"negative damping", func(c *Config) { c.Optimizer.Kind, c.Optimizer.Damping = "newton", -1 },
			"optimizer.damping: want a number ≥ 0, got -1"},
		{"max_inner under newton", func(c *Config) { c.Optimizer.Kind, c.Optimizer.MaxInner = "newton", 10 },
			"optimizer.max_inner: 10 applies only to optimizer.kind newton-cg, not newton"},
		{"random bcd", func(c *Config) { c.Optimizer.Kind, c.Optimizer.BlockOrder = "bcd", "random" }, ""},
		{"shuffled bcd", func(c *Config) { c.Optimizer.Kind, c.Optimizer.BlockOrder = "bcd", "shuffled" },
			`optimizer.block_order: want one of cyclic, random; got "shuffled"`},
		{"polyak on lbfgs", func(c *Config) {
			c.Optimizer.Kind, c.Optimizer.Average, c.Optimizer.AverageStart = "lbfgs", "polyak", 100
		}, ""},
		{"ema on adam", func(c *Config) {
			c.Optimizer.Kind, c.Optimizer.Average, c.Optimizer.EMADecay, c.Optimizer.EMADebias = "adam", "ema", 0.99, false
		}, ""},
		{"average_start without polyak", func(c *Config) { c.Optimizer.Average, c.Optimizer.AverageStart = "ema", 10 },
			"optimizer.average_start: 10 applies only to optimizer.average polyak, not ema; leave it at its default or set optimizer.average to polyak"},
		{"ema_decay without ema", func(c *Config) { c.Optimizer.EMADecay = 0.9 },
			"optimizer.ema_decay: 0.9 applies only to optimizer.average ema, not none"},
		{"ema_decay of one", func(c *Config) { c.Optimizer.Average, c.Optimizer.EMADecay = "ema", 1 },
			"optimizer.ema_decay: want a number in (0, 1), got 1"},
		{"ema_decay of zero", func(c *Config) { c.Optimizer.Average, c.Optimizer.EMADecay = "ema", 0 },
			"optimizer.ema_decay: want a number in (0, 1), got 0 (the average would read 0 as its default 0.999; write that out)"},
		{"adam beta1 of zero", func(c *Config) { c.Optimizer.Kind, c.Optimizer.Beta1 = "adam", 0 },
			"optimizer.beta1: want a number in (0, 1), got 0 (Adam would read 0 as its default 0.9; write that out; for Adam without momentum set a tiny β1 such as 1e-12, whose first-moment estimate is then the gradient to 12 digits)"},
		{"adam beta2 of zero", func(c *Config) { c.Optimizer.Kind, c.Optimizer.Beta2 = "adam", 0 },
			"optimizer.beta2: want a number in (0, 1), got 0 (Adam would read 0 as its default 0.999; write that out; for a second-moment estimate that is the latest squared gradient set a tiny β2 such as 1e-12)"},
		{"adam tiny beta1", func(c *Config) { c.Optimizer.Kind, c.Optimizer.Beta1, c.Optimizer.Beta2 = "adam", 1e-12, 1e-12 }, ""},
		{"adam eps of zero", func(c *Config) { c.Optimizer.Kind, c.Optimizer.Eps = "adam", 0 },
			"optimizer.eps: want a number > 0, got 0 (Adam would read 0 as its default 1e-08; write that out)"},
		{"unknown average", func(c *Config) { c.Optimizer.Average = "swa" },
			`optimizer.average: want one of none, polyak, ema; got "swa"`},
		{"negative average_start", func(c *Config) { c.Optimizer.Average, c.Optimizer.AverageStart = "polyak", -1 },
			"optimizer.average_start: want an integer ≥ 0 (0 averages every iterate), got -1"},
		{"zero hold_batch", func(c *Config) { c.Train.HoldBatch = 0 },
			"train.hold_batch: want an integer ≥ 1 (the steps each minibatch is held for), got 0"},
		{"negative bn_reestimate", func(c *Config) { c.Train.BNReestimate = -1 },
			"train.bn_reestimate: want an integer ≥ 0 (0 re-estimates on one pass over the training set), got -1"},
		{"unknown eval_bn", func(c *Config) { c.Train.EvalBN = "recompute" },
			`train.eval_bn: want one of running, reestimate; got "recompute"`},
		{"negative max_grad_evals", func(c *Config) { c.Train.MaxGradEvals = -5 },
			"train.max_grad_evals: want an integer ≥ 0 (0 means no limit), got -5"},
		{"negative eval_every_grad_evals", func(c *Config) { c.Train.EvalEveryGradEvals = -1 },
			"train.eval_every_grad_evals: want an integer ≥ 0 (0 disables it), got -1"},
		{"divergence factor of 1", func(c *Config) { c.Train.DivergenceFactor = 1 },
			"train.divergence_factor: want a factor above 1 (the loss may grow to that many times its first value), or 0 to turn the check off, got 1"},
		{"negative divergence factor", func(c *Config) { c.Train.DivergenceFactor = -5 }, "train.divergence_factor: want a factor above 1"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.change(&c)
			err := c.Validate()
			switch {
			case tt.want == "" && err != nil:
				t.Errorf("Validate() = %v, want nil", err)
			case tt.want != "" && (err == nil || !strings.Contains(err.Error(), tt.want)):
				t.Errorf("Validate() = %v\nwant it to contain %q", err, tt.want)
			}
		})
	}
}

// TestLineSearchKeysFromYAML loads a CG configuration from YAML, a key of
// another kind included, and checks the values and the line of the problem.
func TestLineSearchKeysFromYAML(t *testing.T) {
	path := writeConfig(t, "cg.yaml", "optimizer:\n  kind: cg\n  cg_variant: fr\n  line_search: wolfe\n  average: polyak\ntrain: {hold_batch: 3, eval_bn: reestimate, bn_reestimate: 0}\n")
	c, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	o := c.Optimizer
	if o.Kind != "cg" || o.CGVariant != "fr" || o.LineSearch != "wolfe" || o.Average != "polyak" || c.Train.HoldBatch != 3 || c.Train.EvalBN != "reestimate" || c.Train.BNReestimate != 0 {
		t.Errorf("Load = %+v %+v, want cg, fr, wolfe, polyak, hold_batch 3, eval_bn reestimate, bn_reestimate 0", o, c.Train)
	}
	_, err = Load(path, []string{"optimizer.memory=4"})
	if err == nil || !strings.Contains(err.Error(), "optimizer.memory (from --set optimizer.memory=4): applies only to optimizer.kind lbfgs, not cg") {
		t.Errorf("memory under cg: Load = %v, want a problem naming the --set", err)
	}
}
