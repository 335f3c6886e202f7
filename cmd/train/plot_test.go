package main

import (
	"image/png"
	"os"
	"path/filepath"
	"reflect"
	"strconv"
	"strings"
	"testing"

	"deepopt/rundir"
)

// TestPlotOverlaysAndFoldsRuns trains three short runs (seeds 1 and 2 of one
// config, and the same config with another learning rate), then plots them
// one curve each and with the seeds folded.
func TestPlotOverlaysAndFoldsRuns(t *testing.T) {
	cfg := writeConfig(t, "")
	root := t.TempDir()
	runs := map[string][]string{
		"a-seed1": {"--set", "seed=1"},
		"a-seed2": {"--set", "seed=2"},
		"b":       {"--set", "schedule.lr=0.1"},
	}
	var dirs []string
	for _, name := range []string{"a-seed1", "a-seed2", "b"} {
		dir := filepath.Join(root, name)
		args := append([]string{"--config", cfg, "--set", "train.steps=20", "--set", "train.eval_every=10", "--out", dir}, runs[name]...)
		if err := execute(args); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, dir)
	}
	out := filepath.Join(root, "acc.png")
	if err := execute(append(append([]string{"plot"}, dirs...), "--y", "test_acc", "--x", "examples", "--out", out)); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(out)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if _, err := png.Decode(f); err != nil {
		t.Fatalf("%s is no PNG: %v", out, err)
	}

	groups, err := plotGroups(dirs, true)
	if err != nil {
		t.Fatal(err)
	}
	var labels []string
	for _, g := range groups {
		labels = append(labels, g.Label)
	}
	if want := []string{"a (2 seeds, min–max)", "b"}; !reflect.DeepEqual(labels, want) {
		t.Errorf("folded groups %v, want %v", labels, want)
	}
	if err := execute(append(append([]string{"plot"}, dirs...), "--y", "test_acc", "--fold-seeds", "--out", filepath.Join(root, "f.png"))); err != nil {
		t.Fatal(err)
	}

	// Two runs' wall-clock times can coincide at the resolution metrics.csv
	// keeps; shift the second seed's so that they cannot.
	shiftWallTimes(t, filepath.Join(dirs[1], rundir.MetricsFile))
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"plot", dirs[0]}, "--y COLUMN is required"},
		{[]string{"plot", dirs[0], "--y", "tst_acc"}, `no column "tst_acc"`},
		{[]string{"plot", root, "--y", "test_acc"}, "holds no metrics.csv"},
		{[]string{"plot", dirs[0], dirs[1], "--y", "test_acc", "--x", "wall_s", "--fold-seeds"}, "must share"},
	} {
		if err := execute(c.args); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%v: want an error containing %q, got %v", c.args, c.want, err)
		}
	}
}

// shiftWallTimes adds an hour to every wall_s of the metrics file at path.
func shiftWallTimes(t *testing.T, path string) {
	t.Helper()
	tab, err := rundir.ReadCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	c, err := tab.Column("wall_s")
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range tab.Rows {
		v, err := strconv.ParseFloat(row[c], 64)
		if err != nil {
			t.Fatal(err)
		}
		row[c] = strconv.FormatFloat(v+3600, 'f', -1, 64)
	}
	if err := rundir.WriteCSV(path, tab.Header, tab.Rows); err != nil {
		t.Fatal(err)
	}
}
