package config

import (
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
)

// writeConfig writes text to a file named name in a fresh folder and
// returns its path.
func writeConfig(t *testing.T, name, text string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), name)
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestDefaultIsValidOnceNamed(t *testing.T) {
	c := Default()
	if err := c.Validate(); err == nil || !strings.Contains(err.Error(), "name") {
		t.Errorf("Default() without a name: Validate() = %v, want a problem naming the key name", err)
	}
	c.Name = "default"
	if err := c.Validate(); err != nil {
		t.Errorf("Default() named: Validate() = %v, want nil", err)
	}
}

func TestLoadFullExample(t *testing.T) {
	got, err := Load("testdata/full.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	// Written from testdata/full.yaml by hand; conv.1 takes stride,
	// padding and pool from DefaultConvLayer.
	want := &Config{
		Name: "lenet-adamw", Seed: 7, DType: "float64",
		Data: Data{Dataset: "mnist", Dir: "/data/mnist", Also: []string{}, Validation: 5000, TrainLimit: 20000, Classes: []int{5, 6, 7, 8, 9}, PerClass: 3000},
		Model: Model{
			Kind: "cnn", Hidden: []int{500}, Activation: "relu", BatchNorm: true,
			BNMomentum: 0.05, BNEps: 0.001, Init: "he", InitStd: 0.02, MainWeight: 0.5,
			Conv: []ConvLayer{
				{Channels: 20, Kernel: 5, Stride: 1, Padding: 0, Pool: 2},
				{Channels: 50, Kernel: 3, Stride: 1, Padding: 2, Pool: 2},
			},
		},
		Optimizer: Optimizer{Kind: "adam", WeightDecay: 0.0005, Beta1: 0.8, Beta2: 0.99, Eps: 1e-6, Decoupled: true,
			CGVariant: "pr+", Memory: 10, LineSearch: "auto", BlockOrder: "cyclic", Average: "none", EMADecay: 0.999, EMADebias: true},
		Schedule:     Schedule{Kind: "cosine", LR: 0.001, WarmupSteps: 100, StepSize: 1000, Gamma: 0.1, MinLR: 1e-5},
		Train:        Train{BatchSize: 128, Steps: 3000, EvalEvery: 250, EvalBatch: 2000, CheckpointEvery: 0, LogEvery: 50, HoldBatch: 1, EvalBN: "running", BNReestimate: 100, Freeze: []string{"conv1.*"}, DivergenceFactor: 100},
		Record:       Record{Nodes: []string{"actc1.in", "act1.in"}, Units: []int{0, 5}, Percentiles: []float64{10, 50, 90}, Every: 100, Examples: 500},
		Curriculum:   Curriculum{Kind: "none", Scores: "difficulty", Ordering: "curriculum", Pacing: "linear", A: 0.8, B: 0.2},
		Probe:        Probe{Every: 200, Etas: []float64{0.1, 0.2, 0.4}, Batch: "fixed", Batches: 4, ICSLR: 0.05},
		Continuation: Continuation{Sigma: 0.02, Kind: "geometric", Steps: 400, Levels: 4, Ratio: 0.3, Samples: 2, Antithetic: true},
		Init:         Transfer{From: "runs/digits-0-4", Include: []string{"conv*"}, Exclude: []string{"out.*"}},
		Stages:       []Stage{},
		Pretrain:     DefaultPretrain(),
		Distill: Distill{Teacher: "runs/lenet-teacher", Temperature: 4, Weight: 0.5, Until: 2000, Decay: true, OmitClasses: []int{3},
			Hint: Hint{Teacher: "conv2", Student: "conv2", Regressor: "conv", Weight: 2}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Load(full.yaml) =\n%+v\nwant\n%+v", got, want)
	}
}

func TestLoadFillsDefaultsAndName(t *testing.T) {
	path := writeConfig(t, "short-run.yaml", "train: {steps: 10}\n")
	got, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Name = "short-run"
	want.Train.Steps = 10
	if !reflect.DeepEqual(got, &want) {
		t.Errorf("Load = %+v, want %+v", got, want)
	}
}

func TestEmptySectionKeepsDefaults(t *testing.T) {
	path := writeConfig(t, "run.yml", "model:\n  # every key commented out\ntrain: {steps: 5}\n")
	got, err := Load(path, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !reflect.DeepEqual(got.Model, Default().Model) {
		t.Errorf("model = %+v, want the default %+v", got.Model, Default().Model)
	}
}

func TestMarshalLoadRoundTrip(t *testing.T) {
	full, err := Load("testdata/full.yaml", nil)
	if err != nil {
		t.Fatal(err)
	}
	named := Default()
	named.Name = "default"
	stepDecay := Default()
	stepDecay.Name = "step-decay"
	stepDecay.Model.Hidden = []int{}
	stepDecay.Optimizer.Momentum, stepDecay.Optimizer.Nesterov, stepDecay.Optimizer.WeightDecay = 0.9, true, 1e-4
	stepDecay.Schedule = Schedule{Kind: "step", LR: 0.05, StepSize: 300, Gamma: 0.3}
	stepDecay.Model.BNEps = 1.0 / 3 // needs all 17 digits to round-trip
	for _, c := range []*Config{full, &named, &stepDecay} {
		text, err := c.Marshal()
		if err != nil {
			t.Fatal(err)
		}
		got, err := Load(writeConfig(t, "config.yaml", string(text)), nil)
		if err != nil {
			t.Fatalf("%s: Load(Marshal()) failed: %v\n%s", c.Name, err, text)
		}
		if len(c.Model.Hidden) == 0 {
			c.Model.Hidden = []int{} // [] decodes as an empty, non-nil list
		}
		if !reflect.DeepEqual(got, c) {
			t.Errorf("%s: Load(Marshal()) =\n%+v\nwant\n%+v\nYAML:\n%s", c.Name, got, c, text)
		}
	}
}

func TestMarshalLeavesOutKeysOfOtherKinds(t *testing.T) {
	c := Default()
	c.Name = "sgd"
	text, err := c.Marshal()
	if err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"\n  beta1:", "\n  beta2:", "\n  eps:", "\n  decoupled:", "\n  step_size:", "\n  gamma:", "\n  min_lr:", "\n  conv:"} {
		if strings.Contains(string(text), key) {
			t.Errorf("Marshal of an sgd/constant/mlp config contains %q:\n%s", key, text)
		}
	}
	for _, key := range []string{"\n  momentum: 0\n", "\n  nesterov: false\n", "\n  weight_decay: 0\n", "\n  hidden: [100, 100, 100]\n"} {
		if !strings.Contains(string(text), key) {
			t.Errorf("Marshal lacks %q:\n%s", key, text)
		}
	}
}

// Every kinds tag must name valid choices of its section's kind key, or the
// key could never be set.
func TestKindsTagsNameValidKinds(t *testing.T) {
	var walk func(typ reflect.Type, path string)
	walk = func(typ reflect.Type, path string) {
		fields := fieldsOf(typ)
		kind, hasKind := lookupField(fields, kindKey)
		for _, f := range fields {
			for _, k := range f.kinds {
				if !hasKind || !slices.Contains(kind.choices, k) {
					t.Errorf("%s: kinds tag names %q, not a choice of %s", join(path, f.name), k, join(path, kindKey))
				}
			}
			if f.typ.Kind() == reflect.Struct {
				walk(f.typ, join(path, f.name))
			}
		}
	}
	walk(reflect.TypeFor[Config](), "")
}
