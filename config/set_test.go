package config

import (
	"reflect"
	"testing"
)

const setBase = `model:
  hidden: [100, 100]
  kind: cnn
  conv:
    - {channels: 8}
    - {channels: 16, kernel: 3, padding: 1}
optimizer:
  momentum: 0.9
train:
  steps: 100
`

func TestSetOverridesFile(t *testing.T) {
	path := writeConfig(t, "base.yaml", setBase)
	got, err := Load(path, []string{
		"train.steps=3000",                    // scalar in the file
		"train.batch_size=32",                 // scalar not in the file
		"model.hidden=[200, 200, 50]",         // list
		"model.conv.1.channels=64",            // list entry
		"model.batchnorm=true",                // bool
		"schedule.lr=2.5e-2",                  // section not in the file
		"data.dir=",                           // empty string
		"name=override",                       // top level
		"train.steps=4000",                    // later sets win
		"optimizer.nesterov=true",             // depends on the file's momentum
		"model.conv.0={channels: 4, pool: 0}", // whole entry: defaults for the rest
	})
	if err != nil {
		t.Fatal(err)
	}
	want := Default()
	want.Name = "override"
	want.Train.Steps = 4000
	want.Train.BatchSize = 32
	want.Model.Kind = "cnn"
	want.Model.Hidden = []int{200, 200, 50}
	want.Model.BatchNorm = true
	want.Model.Conv = []ConvLayer{
		{Channels: 4, Kernel: 5, Stride: 1, Padding: 2, Pool: 0},
		{Channels: 64, Kernel: 3, Stride: 1, Padding: 1, Pool: 2},
	}
	want.Optimizer.Momentum = 0.9
	want.Optimizer.Nesterov = true
	want.Schedule.LR = 0.025
	if !reflect.DeepEqual(got, &want) {
		t.Errorf("Load with sets =\n%+v\nwant\n%+v", got, want)
	}
}

func TestSetKindMakesKeysApply(t *testing.T) {
	path := writeConfig(t, "base.yaml", "train: {steps: 10}\n")
	got, err := Load(path, []string{"optimizer.kind=adam", "optimizer.beta2=0.98", "schedule.kind=step", "schedule.gamma=0.5"})
	if err != nil {
		t.Fatal(err)
	}
	if got.Optimizer.Beta2 != 0.98 || got.Schedule.Gamma != 0.5 {
		t.Errorf("beta2, gamma = %v, %v; want 0.98, 0.5", got.Optimizer.Beta2, got.Schedule.Gamma)
	}
}

func TestSetProblems(t *testing.T) {
	tests := []struct {
		name string
		text string // "" is setBase
		sets []string
		want []string
	}{
		{"unknown key with suggestion", "", []string{"train.stpes=5"},
			[]string{`train.stpes (from --set train.stpes=5): unknown key "stpes"; did you mean "steps"? valid keys in train: batch_size, steps`}},
		{"unknown section", "", []string{"optimiser.kind=adam"},
			[]string{`optimiser (from --set optimiser.kind=adam): unknown key "optimiser"; did you mean "optimizer"?`}},
		{"key in the wrong section", "", []string{"optimizer.lr=0.5"},
			[]string{`it belongs at schedule.lr`}},
		{"bad value", "", []string{"train.steps=abc"},
			[]string{`train.steps (from --set train.steps=abc): want an integer, got "abc"`}},
		{"bad list element", "", []string{"model.hidden=[10, ten]"},
			[]string{`model.hidden.1 (from --set model.hidden=[10, ten]): want an integer, got "ten"`}},
		{"out of range", "", []string{"optimizer.momentum=1"},
			[]string{`optimizer.momentum (from --set optimizer.momentum=1): want a number in [0, 1), got 1`}},
		{"invalid YAML", "", []string{"model.hidden=[1, 2"},
			[]string{`model.hidden (from --set model.hidden=[1, 2): value "[1, 2" is not valid YAML`}},
		{"no equals sign", "", []string{"train.steps"},
			[]string{`train.steps (from --set train.steps): want key=value, e.g. --set train.steps=3000`}},
		{"empty key", "", []string{"=5"}, []string{`want key=value`}},
		{"index out of range", "", []string{"model.conv.2.channels=4"},
			[]string{`model.conv has 2 entries; want an index from 0 to 1, got "2"`}},
		{"index not a number", "", []string{"model.conv.first.channels=4"},
			[]string{`model.conv has 2 entries; want an index from 0 to 1, got "first"`}},
		{"list not in the file", "train: {steps: 10}\n", []string{"model.hidden.0=5"},
			[]string{`model.hidden is not in the file, so it has no entry 0; set the whole list instead, e.g. --set model.hidden=[...]`}},
		{"key below a scalar", "", []string{"train.steps.max=5"},
			[]string{`train.steps is an integer, not a section: it has no key "max"`}},
		{"kind change strands a file key", "", []string{"optimizer.kind=adam"},
			[]string{`line 8: optimizer.momentum: applies only to optimizer.kind sgd, not adam`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := tt.text
			if text == "" {
				text = setBase
			}
			wantAll(t, loadError(t, text, tt.sets...), tt.want...)
		})
	}
}
