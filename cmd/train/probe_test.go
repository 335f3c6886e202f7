package main

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strings"
	"testing"

	"deepopt/landscape"
)

// TestProbeDuringTrainingAndOnCheckpoint trains with probe.every set, which
// writes landscape.csv, then probes the checkpoint from the command line: the
// one-off probe of the last step must equal the training run's last row.
func TestProbeDuringTrainingAndOnCheckpoint(t *testing.T) {
	cfg := writeConfig(t, "probe:\n  every: 15\n  batches: 2\n")
	out := filepath.Join(t.TempDir(), "run")
	if err := execute([]string{"--config", cfg, "--out", out}); err != nil {
		t.Fatal(err)
	}
	recs, err := landscape.ReadCSV(filepath.Join(out, landscape.File))
	if err != nil {
		t.Fatal(err)
	}
	if len(recs) != 3 || recs[0].Step != 15 || recs[2].Step != 40 {
		t.Fatalf("landscape.csv has %d rows, want steps 15, 30 and 40", len(recs))
	}

	var buf bytes.Buffer
	root := newRootCommand()
	root.SetArgs([]string{"probe", "--checkpoint", out})
	root.SetOut(&buf)
	if err := root.Execute(); err != nil {
		t.Fatal(err)
	}
	text := buf.String()
	last := recs[2]
	fmtG := func(v float64) string { return fmt.Sprintf("%.6g", v) }
	for _, want := range []string{"(step 40)", "effective β-smoothness " + fmtG(last.BetaSmoothness), "fc1", "out",
		"loss range [" + fmtG(last.LossMin) + ", " + fmtG(last.LossMax) + "]"} {
		if !strings.Contains(text, want) {
			t.Errorf("probe output lacks %q:\n%s", want, text)
		}
	}
	err = execute([]string{"probe", "--checkpoint", out, "--set", "probe.batch=train", "--set", "probe.batches=1"})
	if err == nil || !strings.Contains(err.Error(), "probe.batch=fixed") {
		t.Fatalf("probe.batch train on a checkpoint gave %v", err)
	}
}
