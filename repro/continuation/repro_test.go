package continuation

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"deepopt/repro"
	"deepopt/rundir"
)

// TestRunWritesReport runs the study on 4 starts: every file is written,
// outcomes.csv has a row per problem, start and method, the summary agrees
// with it, and no run ends below the global minimum the study computed.
func TestRunWritesReport(t *testing.T) {
	dir := t.TempDir()
	rep, err := Run(Options{Dir: dir, Starts: 4, Seed: 3, Samples: []int{4}})
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{repro.ReportFile, OutcomesCSV, SummaryCSV, SmoothingCSV, SmoothingRBF, SmoothingRastr, FinalValuesRBF, FinalValuesRast} {
		if info, err := os.Stat(filepath.Join(dir, file)); err != nil || info.Size() == 0 {
			t.Errorf("%s: %v", file, err)
		}
	}
	table, err := rundir.ReadCSV(filepath.Join(dir, OutcomesCSV))
	if err != nil {
		t.Fatal(err)
	}
	if len(table.Rows) != 2*4*3 {
		t.Errorf("outcomes.csv has %d rows, want 24", len(table.Rows))
	}
	for _, o := range rep.Outcomes {
		var min float64
		for _, p := range rep.Problems {
			if p.Name == o.Problem {
				min = p.Min
			}
		}
		if o.F < min-1e-9 {
			t.Errorf("%s, %s, start %d ends at %v, below the global minimum %v", o.Problem, o.Method, o.Start, o.F, min)
		}
	}
	successes := 0
	for _, s := range rep.Summaries() {
		successes += s.Successes
		if s.Runs != 4 {
			t.Errorf("%s, %s: %d runs, want 4", s.Problem, s.Method, s.Runs)
		}
	}
	global := 0
	for _, row := range table.Rows {
		if row[4] == "true" {
			global++
		}
	}
	if global != successes {
		t.Errorf("outcomes.csv has %d runs at f*, the summary %d", global, successes)
	}
	report, _ := os.ReadFile(filepath.Join(dir, repro.ReportFile))
	if !strings.Contains(string(report), "continuation, Monte-Carlo smoothing, K = 4") {
		t.Errorf("report.md does not name the Monte-Carlo method:\n%s", report)
	}
}

func TestRunRefusesBadOptions(t *testing.T) {
	for _, bad := range []struct {
		o        Options
		fragment string
	}{
		{Options{Starts: 1}, "set --out"},
		{Options{Dir: t.TempDir()}, "0 starts"},
		{Options{Dir: t.TempDir(), Starts: 1, Samples: []int{0}}, "K = 0"},
	} {
		if _, err := Run(bad.o); err == nil || !strings.Contains(err.Error(), bad.fragment) {
			t.Errorf("%+v: error %v, want one mentioning %q", bad.o, err, bad.fragment)
		}
	}
}
