package sparsecoding

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

	"deepopt/repro"
	"deepopt/rundir"
)

// TestStudyOnFixture runs the study on 60 digits of the test fixture: every
// file is written, trace.csv holds every iteration of every run, and J
// never rises along any run.
func TestStudyOnFixture(t *testing.T) {
	dir := t.TempDir()
	rep, err := Study(Options{Dir: dir, DataDir: "../../testdata/mnist", Examples: 60, Atoms: 9, Lambda: 1,
		Seeds: []uint64{1, 2}, BCDIterations: 5, PGIterations: 8})
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{repro.ReportFile, TraceCSV, IterationsFigure, TimeFigure, DictionaryBCD, DictionaryPG} {
		if info, err := os.Stat(filepath.Join(dir, file)); err != nil || info.Size() == 0 {
			t.Errorf("%s: %v", file, err)
		}
	}
	table, err := rundir.ReadCSV(filepath.Join(dir, TraceCSV))
	if err != nil {
		t.Fatal(err)
	}
	points := 0
	for _, run := range rep.Runs {
		points += len(run.Trace)
		for i := 1; i < len(run.Trace); i++ {
			if run.Trace[i].J > run.Trace[i-1].J*(1+1e-12) {
				t.Errorf("%s, seed %d: J rose at iteration %d", run.Method, run.Seed, i)
			}
		}
	}
	if len(rep.Runs) != 4 || len(table.Rows) != points {
		t.Errorf("%d runs, %d rows for %d points", len(rep.Runs), len(table.Rows), points)
	}
}

func TestStudyRefusesBadOptions(t *testing.T) {
	good := Options{Dir: t.TempDir(), DataDir: "../../testdata/mnist", Examples: 20, Atoms: 4, Lambda: 1, Seeds: []uint64{1}, BCDIterations: 1, PGIterations: 1}
	for _, bad := range []struct {
		change   func(*Options)
		fragment string
	}{
		{func(o *Options) { o.Dir = "" }, "set --out"},
		{func(o *Options) { o.Lambda = -0.5 }, "λ = -0.5"},
		{func(o *Options) { o.Atoms = 0 }, "dictionary of 0 atoms"},
		{func(o *Options) { o.Examples = 5000 }, "5000 examples asked for, the training set has 1000"},
		{func(o *Options) { o.Seeds = nil }, "no seeds"},
		{func(o *Options) { o.PGIterations = 0 }, "iterations"},
	} {
		o := good
		o.Dir = filepath.Join(good.Dir, "sub")
		bad.change(&o)
		if _, err := Study(o); err == nil || !strings.Contains(err.Error(), bad.fragment) {
			t.Errorf("error %v, want one mentioning %q", err, bad.fragment)
		} else if _, err := os.Stat(o.Dir); o.Dir != "" && err == nil {
			t.Errorf("%q: the report directory was created before the error", bad.fragment)
		}
	}
}
