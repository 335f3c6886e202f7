package optimizers

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestRunOnFixture compares every default method on the checked-in MNIST
// fixture with a tiny budget: each run stops at the first step that reaches
// the budget, and the table and the figures are written.
func TestRunOnFixture(t *testing.T) {
	dir := t.TempDir()
	base := filepath.Join(dir, "base.yaml")
	text := "name: fixture\nseed: 2\ndata: {dir: ../../testdata/mnist}\nmodel: {hidden: [16], batchnorm: true}\ntrain: {batch_size: 100, eval_batch: 250}\n"
	if err := os.WriteFile(base, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	const budget = 12
	out := filepath.Join(dir, "out")
	results, err := Run(context.Background(), Options{Base: base, Budget: budget, Points: 3, Out: out})
	if err != nil {
		t.Fatal(err)
	}
	if len(results) != len(DefaultMethods()) {
		t.Fatalf("%d results, want one per default method (%d)", len(results), len(DefaultMethods()))
	}
	lines := 1
	for _, res := range results {
		if len(res.Rows) == 0 {
			t.Fatalf("%s: no metrics rows", res.Method)
		}
		lines += len(res.Rows)
		last := res.Rows[len(res.Rows)-1]
		if last.GradEvals < budget {
			t.Errorf("%s: stopped at %d gradient evaluations, before the budget of %d", res.Method, last.GradEvals, budget)
		}
		if res.Method == "sgd" && (last.GradEvals != budget || last.Step != budget || len(res.Rows) != 3) {
			t.Errorf("sgd (one evaluation per step): stopped at step %d with %d evaluations and %d rows; want %d, %d and 3 (one per %d)",
				last.Step, last.GradEvals, len(res.Rows), budget, budget, budget/3)
		}
		for i := 1; i < len(res.Rows); i++ {
			if res.Rows[i].GradEvals <= res.Rows[i-1].GradEvals {
				t.Errorf("%s: grad_evals not increasing: %d then %d", res.Method, res.Rows[i-1].GradEvals, res.Rows[i].GradEvals)
			}
		}
	}
	table, err := os.ReadFile(filepath.Join(out, CSVFile))
	if err != nil {
		t.Fatal(err)
	}
	rows := strings.Split(strings.TrimSpace(string(table)), "\n")
	if len(rows) != lines || rows[0] != strings.Join(Columns, ",") || !strings.HasPrefix(rows[len(rows)-1], "newton-cg,") {
		t.Errorf("compare.csv has %d lines (want %d), header %q, last %q", len(rows), lines, rows[0], rows[len(rows)-1])
	}
	for _, name := range Figures {
		if info, err := os.Stat(filepath.Join(out, name)); err != nil || info.Size() == 0 {
			t.Errorf("figure %s: %v", name, err)
		}
	}
	if _, err := Run(context.Background(), Options{Base: base, Budget: budget, Out: out}); err == nil || !strings.Contains(err.Error(), "already holds a comparison") {
		t.Errorf("second Run into the same folder: err = %v, want a refusal", err)
	}
}
