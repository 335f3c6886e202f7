package config

import (
	"errors"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
)

// loadError loads text (as run.yaml) with sets and returns the error text;
// it fails the test when Load succeeds.
func loadError(t *testing.T, text string, sets ...string) string {
	t.Helper()
	path := writeConfig(t, "run.yaml", text)
	_, err := Load(path, sets)
	if err == nil {
		t.Fatalf("Load(%q, %q) succeeded, want an error", text, sets)
	}
	return err.Error()
}

// wantAll fails unless msg contains every part.
func wantAll(t *testing.T, msg string, parts ...string) {
	t.Helper()
	for _, part := range parts {
		if !strings.Contains(msg, part) {
			t.Errorf("error %q\n  lacks %q", msg, part)
		}
	}
}

func TestLoadReportsProblemsWithLineKeyAndValue(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string
	}{
		{"unknown key with suggestion", "seed: 3\ntrain:\n  stpes: 10\n",
			[]string{`line 3: train.stpes: unknown key "stpes"; did you mean "steps"?`, "valid keys in train: batch_size, steps, eval_every"}},
		{"unknown top-level key", "trian:\n  steps: 10\n",
			[]string{`line 1: trian: unknown key "trian"; did you mean "train"?`, "valid top-level keys: name, seed, dtype"}},
		{"unknown key without a close one", "model:\n  residual: true\n",
			[]string{`line 2: model.residual: unknown key "residual"; valid keys in model: kind, hidden`}},
		{"key in the wrong section", "optimizer:\n  lr: 0.5\n",
			[]string{`line 2: optimizer.lr: unknown key "lr" here; it belongs at schedule.lr`}},
		{"wrong type: string for integer", "seed: 1\ntrain:\n  batch_size: 60\n  steps: abc\n",
			[]string{`line 4: train.steps: want an integer, got "abc"`}},
		{"wrong type: quoted number", "train:\n  steps: \"3000\"\n",
			[]string{`line 2: train.steps: want an integer, got "3000" (quotes make a string; remove them)`}},
		{"wrong type: fraction for integer", "train:\n  steps: 1.5\n",
			[]string{`line 2: train.steps: want an integer, got "1.5"`}},
		{"wrong type: empty value for integer", "train:\n  steps:\n",
			[]string{`line 2: train.steps: want an integer, got an empty value`}},
		{"wrong type: bool", "model:\n  batchnorm: maybe\n",
			[]string{`line 2: model.batchnorm: want true or false, got "maybe"`}},
		{"wrong type: number", "schedule:\n  lr: fast\n",
			[]string{`line 2: schedule.lr: want a number, got "fast"`}},
		{"wrong type: scalar for list", "model:\n  hidden: 100\n",
			[]string{`line 2: model.hidden: want a list of integers, got "100"`}},
		{"wrong type: list element", "model:\n  hidden: [100,\n    x]\n",
			[]string{`line 3: model.hidden.1: want an integer, got "x"`}},
		{"wrong type: scalar for section", "train: 5\n",
			[]string{`line 1: train: want a mapping with keys batch_size, steps`, `got "5"`}},
		{"wrong type: list for string", "dtype: [float32]\n",
			[]string{`line 1: dtype: want a string, got a list`}},
		{"empty string", "name:\n",
			[]string{`line 1: name: want a string, got an empty value; write "" for an empty one`}},
		{"repeated key", "seed: 1\nseed: 2\n",
			[]string{`line 2: seed: repeated key (first given at line 1)`}},
		{"invalid choice", "model:\n  activation: relu6\n",
			[]string{`line 2: model.activation: want one of sigmoid, tanh, relu; got "relu6" (did you mean "relu"?)`}},
		{"invalid dtype", "dtype: float16\n",
			[]string{`line 1: dtype: want one of float32, float64; got "float16"`}},
		{"out of range float", "optimizer:\n  momentum: 1.5\n",
			[]string{`line 2: optimizer.momentum: want a number in [0, 1), got 1.5`}},
		{"not a number", "schedule:\n  lr: .nan\n",
			[]string{`line 2: schedule.lr: want a number > 0, got NaN`}},
		{"out of range integer", "train:\n  steps: 0\n",
			[]string{`line 2: train.steps: want an integer ≥ 1 (the number of steps), got 0`}},
		{"key of another kind", "optimizer:\n  kind: sgd\n  beta1: 0.8\n",
			[]string{`line 3: optimizer.beta1: applies only to optimizer.kind adam, not sgd; remove it or set optimizer.kind: adam`}},
		{"key of another default kind", "schedule:\n  gamma: 0.5\n",
			[]string{`line 2: schedule.gamma: applies only to schedule.kind step or exponential, not constant`}},
		{"conv for mlp", "model:\n  conv: [{channels: 8}]\n",
			[]string{`line 2: model.conv: applies only to model.kind cnn, not mlp`}},
		{"cnn without conv", "model:\n  kind: cnn\n",
			[]string{`model.conv: model.kind cnn needs at least one conv layer, got none`}},
		{"conv entry out of range", "model:\n  kind: cnn\n  conv:\n    - channels: 0\n",
			[]string{`line 4: model.conv.0.channels: want an integer ≥ 1 (the number of output channels), got 0`}},
		{"conv entry unknown key", "model:\n  kind: cnn\n  conv:\n    - {channels: 8, kernal: 3}\n",
			[]string{`line 4: model.conv.0.kernal: unknown key "kernal"; did you mean "kernel"?`}},
		{"conv stack too deep", "model:\n  kind: cnn\n  conv:\n    - {channels: 8}\n    - {channels: 8}\n    - {channels: 8, kernel: 9, padding: 0}\n",
			[]string{`line 6: model.conv.2: the 28×28 input shrinks to nothing here (28 → conv 28 → pool 14 → conv 14 → pool 7 → conv 0)`}},
		{"batch norm with one example", "model:\n  batchnorm: true\ntrain:\n  batch_size: 1\n",
			[]string{`line 4: train.batch_size: want at least 2 with model.batchnorm: true`, "got 1"}},
		{"nesterov without momentum", "optimizer:\n  nesterov: true\n",
			[]string{`line 2: optimizer.nesterov: true needs optimizer.momentum > 0`, "got momentum 0"}},
		{"validation beyond the training set", "data:\n  train_limit: 1000\n  validation: 1000\n",
			[]string{`line 3: data.validation: want an integer from 0 to 999 (fewer than the 1000 training examples in use), got 1000`}},
		{"warmup longer than the run", "schedule:\n  warmup_steps: 50\ntrain:\n  steps: 50\n",
			[]string{`line 2: schedule.warmup_steps: want an integer from 0 to 49 (fewer than train.steps), got 50`}},
		{"min_lr above lr", "schedule:\n  kind: cosine\n  lr: 0.1\n  min_lr: 0.2\n",
			[]string{`line 4: schedule.min_lr: want a number in [0, schedule.lr] = [0, 0.1], got 0.2`}},
		{"path separator in name", "name: a/b\n",
			[]string{`line 1: name: want a run name without path separators`, `got "a/b"`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			msg := loadError(t, tt.text)
			wantAll(t, msg, append([]string{"run.yaml: "}, tt.want...)...)
		})
	}
}

func TestLoadReportsAllProblemsTogether(t *testing.T) {
	text := `seed: 1
model:
  activation: relu6
  hiden: [10]
optimizer:
  momentum: -0.1
train:
  steps: abc
  batch_size: 0
`
	path := writeConfig(t, "run.yaml", text)
	_, err := Load(path, []string{"schedule.lr=-1"})
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("Load error = %v (%T), want an *Error", err, err)
	}
	// In the order of the file (schema problems), then of the schema.
	want := []FieldError{
		{Key: "model.hiden", Line: 4},
		{Key: "train.steps", Line: 8},
		{Key: "model.activation", Line: 3},
		{Key: "optimizer.momentum", Line: 6},
		{Key: "schedule.lr", Set: "schedule.lr=-1"},
		{Key: "train.batch_size", Line: 9},
	}
	if len(e.Problems) != len(want) {
		t.Fatalf("got %d problems, want %d:\n%v", len(e.Problems), len(want), err)
	}
	for i, w := range want {
		p := e.Problems[i]
		if p.Key != w.Key || p.Line != w.Line || p.Set != w.Set {
			t.Errorf("problem %d = {%s line %d set %q}, want {%s line %d set %q}", i, p.Key, p.Line, p.Set, w.Key, w.Line, w.Set)
		}
	}
	wantAll(t, err.Error(), "config "+path+": 6 problems:\n  line 4: model.hiden:", `did you mean "hidden"?`)
}

func TestLoadFileProblems(t *testing.T) {
	missing := filepath.Join(t.TempDir(), "nope.yaml")
	_, err := Load(missing, nil)
	if err == nil {
		t.Fatal("Load of a missing file succeeded")
	}
	wantAll(t, err.Error(), missing, "no such file")

	folder := t.TempDir()
	_, err = Load(folder, nil)
	if err == nil {
		t.Fatal("Load of a folder succeeded")
	}
	wantAll(t, err.Error(), folder+" is a folder, not a regular file")
	fifo := filepath.Join(t.TempDir(), "fifo.yaml")
	if err := syscall.Mkfifo(fifo, 0o644); err == nil {
		// Reading a FIFO without a writer would block forever.
		_, err = Load(fifo, nil)
		if err == nil {
			t.Fatal("Load of a FIFO succeeded")
		}
		wantAll(t, err.Error(), fifo+" is a named pipe (FIFO), not a regular file")
	}

	tests := []struct {
		name, text string
		want       []string
	}{
		{"empty file", "", []string{"run.yaml: the file is empty"}},
		{"only comments", "# nothing yet\n\n", []string{"run.yaml: the file is empty"}},
		{"only null", "~\n", []string{"run.yaml: the file is empty"}},
		{"syntax error", "seed: 1\ntrain:\n  steps: [10\n", []string{"run.yaml: YAML syntax error: line 2: did not find expected ',' or ']'"}},
		{"bad indentation", "train:\n  steps: 10\n   eval_every: 5\n", []string{"run.yaml: YAML syntax error: line 3"}},
		{"top level is a list", "- seed: 1\n", []string{"run.yaml: line 1: want a mapping of keys (name, seed,", "got a list"}},
		{"two documents", "seed: 1\n---\nseed: 2\n", []string{"run.yaml: line 2: a second YAML document begins here"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			wantAll(t, loadError(t, tt.text), tt.want...)
		})
	}
}

func TestLoadAcceptsWholeFloatsForIntegers(t *testing.T) {
	c, err := Load(writeConfig(t, "run.yaml", "train:\n  steps: 5e4\n  batch_size: 100.0\n"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if c.Train.Steps != 50000 || c.Train.BatchSize != 100 {
		t.Errorf("steps, batch_size = %d, %d; want 50000, 100", c.Train.Steps, c.Train.BatchSize)
	}
}
