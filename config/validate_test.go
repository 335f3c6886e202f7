package config

import (
	"errors"
	"math"
	"strings"
	"testing"
)

// validConfig is a valid Config built in Go.
func validConfig() Config {
	c := Default()
	c.Name = "go"
	return c
}

// wantValidate validates validConfig after change and wants no error (want
// nil) or an error containing every one of want.
func wantValidate(t *testing.T, change func(*Config), want []string) {
	t.Helper()
	c := validConfig()
	change(&c)
	err := c.Validate()
	if want == nil {
		if err != nil {
			t.Fatalf("Validate() = %v, want nil", err)
		}
		return
	}
	if err == nil {
		t.Fatalf("Validate() = nil, want %q", want)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Validate() = %v\nwant it to contain %q", err, w)
		}
	}
}

func TestValidateConfigBuiltInGo(t *testing.T) {
	tests := []struct {
		name   string
		change func(*Config)
		want   string // "" means valid
	}{
		{"adam with sgd's default momentum", func(c *Config) { c.Optimizer.Kind = "adam" }, ""},
		{"beta1 changed under sgd", func(c *Config) { c.Optimizer.Beta1 = 0.5 },
			"optimizer.beta1: 0.5 applies only to optimizer.kind adam, not sgd; leave it at its default or set optimizer.kind to adam"},
		{"momentum under adam", func(c *Config) { c.Optimizer.Kind, c.Optimizer.Momentum = "adam", 0.9 },
			"optimizer.momentum: 0.9 applies only to optimizer.kind sgd, not adam"},
		{"conv under mlp", func(c *Config) { c.Model.Conv = []ConvLayer{DefaultConvLayer()} },
			"model.conv: a list of 1 applies only to model.kind cnn, not mlp"},
		{"empty conv list under mlp", func(c *Config) { c.Model.Conv = []ConvLayer{} }, ""},
		{"unknown kind", func(c *Config) { c.Optimizer.Kind, c.Optimizer.Beta1 = "adamw", 0.5 },
			`optimizer.kind: want one of sgd, adam, cg, bfgs, lbfgs, newton, newton-cg, bcd; got "adamw"`},
		{"infinite lr", func(c *Config) { c.Schedule.LR = math.Inf(1) }, "schedule.lr: want a number > 0, got +Inf"},
		{"zero bn momentum", func(c *Config) { c.Model.BNMomentum = 0 }, "model.bn_momentum: want a number in (0, 1], got 0"},
		{"negative l2", func(c *Config) { c.Model.L2 = -0.1 }, "model.l2: want a number ≥ 0, got -0.1"},
		{"bn momentum one", func(c *Config) { c.Model.BNMomentum = 1 }, ""},
		{"init_std unused by he", func(c *Config) { c.Model.Init, c.Model.InitStd = "he", 0 }, ""},
		{"zero init_std", func(c *Config) { c.Model.InitStd = 0 }, "model.init_std: want a number > 0, got 0"},
		{"negative weight decay", func(c *Config) { c.Optimizer.WeightDecay = -1 }, "optimizer.weight_decay: want a number ≥ 0, got -1"},
		{"zero gamma", func(c *Config) { c.Schedule.Gamma = 0 }, "schedule.gamma: want a number in (0, 1], got 0"},
		{"negative train_limit", func(c *Config) { c.Data.TrainLimit = -1 },
			"data.train_limit: want an integer from 0 to 60000 (0 uses all 60000 mnist training examples), got -1"},
		{"batch larger than the data", func(c *Config) { c.Data.TrainLimit, c.Train.BatchSize = 50, 60 },
			"train.batch_size: 60 exceeds the 50 training examples left after holding out data.validation; want at most 50"},
		{"padding past the kernel", func(c *Config) {
			c.Model.Kind, c.Model.Conv = "cnn", []ConvLayer{{Channels: 1, Kernel: 3, Stride: 1, Padding: 3}}
		}, "model.conv.0.padding: want an integer from 0 to 2 (padding beyond kernel − 1 sees only zeros), got 3"},
		{"negative log_every", func(c *Config) { c.Train.LogEvery = -1 }, "train.log_every: want an integer ≥ 0 (0 logs at each evaluation), got -1"},
		{"zero width", func(c *Config) { c.Model.Hidden = []int{10, 0} }, "model.hidden.1: want an integer ≥ 1 (a layer width), got 0"},
		{"softmax regression", func(c *Config) { c.Model.Hidden = nil }, ""},
		{"dropout one", func(c *Config) { c.Model.Dropout = 1 }, "model.dropout: want a number in [0, 1), got 1"},
		{"negative input dropout", func(c *Config) { c.Model.InputDropout = -0.2 }, "model.input_dropout: want a number in [0, 1), got -0.2"},
		{"Hinton's dropout and jitter", func(c *Config) { c.Model.InputDropout, c.Model.Dropout, c.Data.Jitter = 0.2, 0.5, 2 }, ""},
		{"negative jitter", func(c *Config) { c.Data.Jitter = -1 },
			"data.jitter: want an integer from 0 to 27 (pixels of translation within the 28×28 images; 0 disables it), got -1"},
		{"jitter of the image side", func(c *Config) { c.Data.Jitter = 28 }, "data.jitter: want an integer from 0 to 27"},
		{"aux head", func(c *Config) { c.Model.AuxHeads = []AuxHead{{At: "act1", Weight: 0.3, Until: 100, Decay: true}} }, ""},
		{"negative aux weight", func(c *Config) { c.Model.AuxHeads = []AuxHead{{At: "act1", Weight: -0.3}} },
			"model.aux_heads.0.weight: want a number ≥ 0, got -0.3"},
		{"aux decay without until", func(c *Config) { c.Model.AuxHeads = []AuxHead{{At: "act1", Weight: 0.3, Decay: true}} },
			"model.aux_heads.0.decay: true needs until > 0"},
		{"aux head at no node", func(c *Config) { c.Model.AuxHeads = []AuxHead{{Weight: 0.3}} }, "model.aux_heads.0.at: name the node"},
		{"label noise of one", func(c *Config) { c.Data.LabelNoise = 1 }, "data.label_noise: want a number in [0, 1), got 1"},
		{"negative label noise", func(c *Config) { c.Data.LabelNoise = -0.2 }, "data.label_noise: want a number in [0, 1), got -0.2"},
		{"label noise", func(c *Config) { c.Data.LabelNoise = 0.4 }, ""},
		{"curriculum on mnist by random scores", func(c *Config) { c.Curriculum.Kind, c.Curriculum.Scores = "sample", "random" }, ""},
		{"curriculum a = 0", func(c *Config) { c.Curriculum.Kind, c.Curriculum.Scores, c.Curriculum.A = "sample", "random", 0 }, "curriculum.a: want a number > 0, got 0"},
		{"curriculum b = 0", func(c *Config) { c.Curriculum.Kind, c.Curriculum.Scores, c.Curriculum.B = "stochastic", "random", 0 }, "curriculum.b: want a number in (0, 1], got 0"},
		{"weight curriculum", func(c *Config) { c.Curriculum.Kind, c.Curriculum.Scores = "weight", "random" }, ""},
		{"weight curriculum b = 0", func(c *Config) { c.Curriculum.Kind, c.Curriculum.Scores, c.Curriculum.B = "weight", "random", 0 }, "curriculum.b: want a number in (0, 1], got 0"},
		{"curriculum b above 1", func(c *Config) { c.Curriculum.Kind, c.Curriculum.Scores, c.Curriculum.B = "sample", "random", 1.5 }, "curriculum.b: want a number in (0, 1], got 1.5"},
		{"mnist has no difficulty", func(c *Config) { c.Curriculum.Kind = "sample" }, "curriculum.scores: difficulty needs a data set with its own difficulty scores"},
		{"score file without a path", func(c *Config) { c.Curriculum.Kind, c.Curriculum.Scores = "sample", "file" }, "curriculum.from: curriculum.scores file needs curriculum.from"},
		{"pacing without a curriculum", func(c *Config) { c.Curriculum.Pacing = "exp" }, "curriculum.pacing: exp applies only to curriculum.kind sample or stochastic or weight, not none"},
		{"shapes without a folder", func(c *Config) { c.Data.Dataset = "shapes" },
			"data.dir: data.dataset shapes has no default copy: write one with `train shapes --set basic --out DIR` and set data.dir to DIR"},
		{"shapes", func(c *Config) { c.Data.Dataset, c.Data.Dir, c.Data.Validation = "shapes", "x", 70000 }, ""},
		{"union of two shape sets", func(c *Config) { c.Data.Dataset, c.Data.Dir, c.Data.Also = "shapes", "geom", []string{"basic"} }, ""},
		{"empty folder in data.also", func(c *Config) { c.Data.Also = []string{"x", ""} }, "data.also: entry 1 is empty"},
		{"shapes with a conv stack of 32×32 inputs", func(c *Config) {
			c.Data.Dataset, c.Data.Dir = "shapes", "x"
			c.Model.Kind, c.Model.Conv = "cnn", []ConvLayer{{Channels: 1, Kernel: 5, Stride: 1, Pool: 2}, {Channels: 1, Kernel: 5, Stride: 1, Pool: 2}, {Channels: 1, Kernel: 5, Stride: 1, Pool: 2}}
		}, "the 32×32 input shrinks to nothing here (32 → conv 28 → pool 14 → conv 10 → pool 5 → conv 1 → pool 0)"},
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

func TestValidateReportsEveryProblem(t *testing.T) {
	c := validConfig()
	c.DType, c.Train.Steps, c.Schedule.LR = "float16", 0, 0
	var e *Error
	if !errors.As(c.Validate(), &e) {
		t.Fatalf("Validate() = %v, want an *Error", c.Validate())
	}
	var keys []string
	for _, p := range e.Problems {
		keys = append(keys, p.Key)
	}
	if got, want := strings.Join(keys, " "), "dtype schedule.lr train.steps"; got != want {
		t.Errorf("problem keys = %s, want %s", got, want)
	}
	if !strings.HasPrefix(e.Error(), "config: 3 problems:\n  dtype: ") {
		t.Errorf("Error() = %q, want a count and one problem per line", e.Error())
	}
}

// TestValidateReportsEveryLibraryProblem: a library's problems reported
// together behind its package's prefix are each reported under their key.
func TestValidateReportsEveryLibraryProblem(t *testing.T) {
	wantValidate(t, func(c *Config) {
		c.Curriculum.Kind, c.Curriculum.Scores, c.Curriculum.A, c.Curriculum.B = "sample", "random", 0, 0
	},
		[]string{"curriculum.a: want a number > 0, got 0", "curriculum.b: want a number in (0, 1], got 0"})
}
