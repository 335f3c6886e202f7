package main

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"deepopt/repro"
	"deepopt/rundir"
)

// TestPretrainRunOfStages drives a pretraining run through the CLI: --config
// runs its stages, --resume of the finished run writes nothing, --set on
// it is refused, a new run into its folder points at --resume, and eval
// reads a stage's folder.
func TestPretrainRunOfStages(t *testing.T) {
	cfg := writeConfig(t, "pretrain: {steps_per_layer: 4, finetune_steps: 2}\n")
	out := filepath.Join(t.TempDir(), "run")
	if err := execute([]string{"--config", cfg, "--set", "model.hidden=[8, 6]", "--set", "train.eval_every=2", "--out", out}); err != nil {
		t.Fatal(err)
	}
	rows := readLines(t, filepath.Join(out, "stages.csv"))
	if len(rows) != 6 || !strings.HasPrefix(rows[0], "stage,stage_name,run_step,step,") || !strings.HasPrefix(rows[5], "3,finetune,10,2,") {
		t.Fatalf("stages.csv:\n%s", strings.Join(rows, "\n"))
	}
	before, err := os.ReadFile(filepath.Join(out, "stages.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if err := execute([]string{"--resume", out}); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(filepath.Join(out, "stages.csv")); string(after) != string(before) {
		t.Error("resuming the finished run rewrote stages.csv")
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"--resume", out, "--set", "train.steps=9"}, "is a run of stages, which resumes with the config it started with; --set does not apply"},
		{[]string{"--config", cfg, "--out", out}, out + " already holds a run of stages; continue it with `go run ./cmd/train --resume " + out + "`"},
		{[]string{"eval", "--checkpoint", out}, "each stage is a run directory of its own"},
	} {
		if err := execute(c.args); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: want an error mentioning %q, got %v", c.args, c.want, err)
		}
	}
	if err := execute([]string{"eval", "--checkpoint", filepath.Join(out, "3-finetune")}); err != nil {
		t.Error(err)
	}
	testPlotRunOfStages(t, out)
}

// testPlotRunOfStages plots the run of stages in out whole: its metrics
// against the step counted from the start of the run (TestPretrainRunOfStages
// evaluates every 2 steps of stages of 4, 4 and 2 steps), a counter that
// restarts with every stage refused, and a column that only some stages
// have read from their rows alone.
func testPlotRunOfStages(t *testing.T, out string) {
	cols, err := repro.Column(out, "step", "test_acc")
	if err != nil || !reflect.DeepEqual(cols[0], []float64{2, 4, 6, 8, 10}) {
		t.Errorf("test_acc against step: %v, %v; want the steps 2, 4, 6, 8, 10 of the whole run", cols, err)
	}
	if err := execute([]string{"plot", out, "--y", "test_acc", "--out", filepath.Join(t.TempDir(), "acc.png")}); err != nil {
		t.Error(err)
	}
	want := "whose examples starts again in every stage"
	if err := execute([]string{"plot", out, "--y", "test_acc", "--x", "examples"}); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("plot against examples: want an error containing %q, got %v", want, err)
	}

	dir := t.TempDir()
	cfg, err := os.ReadFile(filepath.Join(out, rundir.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	view := "stage,stage_name,run_step,step,loss_hint\n1,hint,5,5,\n1,hint,10,10,\n2,kd,15,5,0.25\n2,kd,20,10,0.125\n"
	if err := os.WriteFile(filepath.Join(dir, rundir.ConfigFile), cfg, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "stages.csv"), []byte(view), 0o644); err != nil {
		t.Fatal(err)
	}
	if cols, err := repro.Column(dir, "step", "loss_hint"); err != nil || !reflect.DeepEqual(cols, [][]float64{{15, 20}, {0.25, 0.125}}) {
		t.Errorf("a column of the second stage alone: %v, %v; want steps 15, 20 and values 0.25, 0.125", cols, err)
	}
}
