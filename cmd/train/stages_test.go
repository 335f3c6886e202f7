package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
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
}
