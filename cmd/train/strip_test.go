package main

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestStripHeadsThenEval strips the heads of a short run with the CLI,
// evaluates the result and refuses to resume it; bad arguments are refused
// before anything is written.
func TestStripHeadsThenEval(t *testing.T) {
	dir := t.TempDir()
	run, out := filepath.Join(dir, "run"), filepath.Join(dir, "stripped")
	cfg := writeConfig(t, "  freeze: [aux1_*]\n")
	if err := execute([]string{"--config", cfg, "--set", "model.aux_heads=[{at: act1, hidden: [4]}]", "--set", "train.steps=20", "--out", run}); err != nil {
		t.Fatal(err)
	}
	if err := execute([]string{"strip-heads", run + "/", "--out", out}); err != nil {
		t.Fatal(err)
	}
	if text := strings.Join(readLines(t, filepath.Join(out, "config.yaml")), "\n"); strings.Contains(text, "aux") {
		t.Errorf("the stripped run's config still names a head:\n%s", text)
	}
	if err := execute([]string{"eval", "--checkpoint", out}); err != nil {
		t.Fatal(err)
	}
	if err := execute([]string{"--resume", out}); err == nil || !strings.Contains(err.Error(), "holds a finished model without its training state") {
		t.Errorf("--resume of a stripped run: %v, want a refusal", err)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"strip-heads", run}, "strip-heads RUN_DIR --out DIR"},
		{[]string{"strip-heads", "--out", filepath.Join(dir, "a")}, "strip-heads RUN_DIR --out DIR"},
		{[]string{"strip-heads", out, "--out", filepath.Join(dir, "b")}, "has no auxiliary heads"},
		{[]string{"strip-heads", run, "--out", out}, "already exists and is not empty"},
	} {
		if err := execute(c.args); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: %v, want an error containing %q", c.args, err, c.want)
		}
	}
	for _, sub := range []string{"a", "b"} {
		if _, err := os.Stat(filepath.Join(dir, sub)); err == nil {
			t.Errorf("a refused strip-heads created %s", sub)
		}
	}
}
