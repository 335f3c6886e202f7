package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// writeConfig writes a small config on the checked-in MNIST fixture.
func writeConfig(t *testing.T, extra string) string {
	t.Helper()
	path := filepath.Join(t.TempDir(), "tiny.yaml")
	text := `data:
  dir: ../../testdata/mnist
model:
  hidden: [32]
  batchnorm: true
schedule:
  lr: 0.5
train:
  steps: 40
  eval_every: 20
  eval_batch: 250
  checkpoint_every: 20
` + extra
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return path
}

func readLines(t *testing.T, path string) []string {
	t.Helper()
	text, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(text)), "\n")
}

// TestTrainResumeEval drives the CLI as a user would: a short run with
// --set and --out, an extension of the finished run with --resume, and eval
// on its checkpoint.
func TestTrainResumeEval(t *testing.T) {
	cfg := writeConfig(t, "")
	out := filepath.Join(t.TempDir(), "run")
	if err := execute([]string{"--config", cfg, "--set", "train.steps=20", "--out", out}); err != nil {
		t.Fatal(err)
	}
	for _, f := range []string{"config.yaml", "metrics.csv", "checkpoint.npz"} {
		if _, err := os.Stat(filepath.Join(out, f)); err != nil {
			t.Fatalf("run directory lacks %s: %v", f, err)
		}
	}
	if !strings.Contains(strings.Join(readLines(t, filepath.Join(out, "config.yaml")), "\n"), "steps: 20") {
		t.Fatal("the resolved config does not hold the --set value")
	}
	if err := execute([]string{"--resume", out, "--set", "train.steps=40"}); err != nil {
		t.Fatal(err)
	}
	rows := readLines(t, filepath.Join(out, "metrics.csv"))
	if len(rows) != 3 || !strings.HasPrefix(rows[1], "20,") || !strings.HasPrefix(rows[2], "40,") {
		t.Fatalf("metrics after resume:\n%s", strings.Join(rows, "\n"))
	}
	if err := execute([]string{"eval", "--checkpoint", filepath.Join(out, "checkpoint.npz")}); err != nil {
		t.Fatal(err)
	}
	// A second run into the same directory must not overwrite the first.
	err := execute([]string{"--config", cfg, "--out", out})
	if err == nil || !strings.Contains(err.Error(), "`go run ./cmd/train --resume "+out+"`") {
		t.Fatalf("want a refusal that points at --resume, got %v", err)
	}
}

func TestBadInputIsReportedBeforeAnythingIsWritten(t *testing.T) {
	dir := t.TempDir()
	cases := []struct {
		args []string
		want string
	}{
		{[]string{"--config", filepath.Join(dir, "missing.yaml")}, "missing.yaml"},
		{[]string{"--config", writeConfig(t, "  stpes: 3\n"), "--out", filepath.Join(dir, "a")}, `did you mean "steps"`},
		{[]string{"--config", writeConfig(t, ""), "--set", "train.batch_size=1", "--out", filepath.Join(dir, "b")}, "batch_size"},
		{[]string{"--config", writeConfig(t, ""), "--set", "data.dir=/nonexistent", "--out", filepath.Join(dir, "c")}, "data.dir"},
		{[]string{"--resume", filepath.Join(dir, "none")}, "none"},
		{[]string{"eval", "--checkpoint", filepath.Join(dir, "none")}, "run directory " + filepath.Join(dir, "none") + " does not exist"},
		{[]string{"eval", "--checkpoint", dir}, dir + " holds no run"},
		{[]string{"probe", "--checkpoint", filepath.Join(dir, "none", "checkpoint.npz")}, "does not exist"},
		{[]string{"--confg", "x"}, "unknown flag --confg; did you mean --config?"},
		{[]string{"--stes", "3"}, "--set train.steps=VALUE"},
		{[]string{"eval", "--chekpoint", "x"}, "did you mean --checkpoint?"},
		{[]string{"evl", "--checkpoint", "x"}, `unknown command "evl"; did you mean "eval"?`},
		{[]string{"--config", "x", "evl"}, `unknown command "evl"; did you mean "eval"?`},
		{[]string{}, "--config"},
		{[]string{"shapes", "circles", "--out", filepath.Join(dir, "d")}, "valid: basic"},
		{[]string{"shapes", "basic"}, "--out DIR is required"},
		{[]string{"shapes", "geom", "--train", "2", "--out", filepath.Join(dir, "e")}, "2 examples are too few: want at least 3, one per class (training set)"},
		{[]string{"shapes", "geom", "--test", "0", "--out", filepath.Join(dir, "f")}, "(test set)"},
	}
	for _, c := range cases {
		err := execute(c.args)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: want an error mentioning %q, got %v", c.args, c.want, err)
		}
	}
	for _, args := range [][]string{{"help"}, {"help", "eval"}, {"completion", "bash"}} {
		if err := execute(args); err != nil {
			t.Errorf("%v: %v", args, err)
		}
	}
	for _, sub := range []string{"a", "b", "c", "d", "e", "f"} {
		if _, err := os.Stat(filepath.Join(dir, sub)); err == nil {
			t.Errorf("a failed run created its directory %s", sub)
		}
	}
}

// TestShapesThenTrain writes a shape set with the shapes subcommand and
// trains on it through data.dir.
func TestShapesThenTrain(t *testing.T) {
	dir := t.TempDir()
	shapes := filepath.Join(dir, "basic")
	if err := execute([]string{"shapes", "basic", "--out", shapes, "--train", "300", "--test", "90"}); err != nil {
		t.Fatal(err)
	}
	cfg := writeConfig(t, "")
	if err := execute([]string{"--config", cfg, "--set", "data.dataset=shapes", "--set", "data.dir=" + shapes,
		"--set", "train.eval_batch=90", "--set", "train.steps=4", "--out", filepath.Join(dir, "run")}); err != nil {
		t.Fatal(err)
	}
	if err := execute([]string{"shapes", "geom", "--out", shapes}); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("writing over a set: error %v, want a refusal", err)
	}
}
