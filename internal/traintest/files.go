package traintest

import (
	"os"
	"path/filepath"
	"testing"

	"deepopt/checkpoint"
	"deepopt/config"
	"deepopt/rundir"
)

// LoadConfig writes text into a config file in a fresh folder and loads it
// with sets.
func LoadConfig(t testing.TB, text string, sets ...string) *config.Config {
	t.Helper()
	path := filepath.Join(t.TempDir(), "fixture.yaml")
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	cfg, err := config.Load(path, sets)
	if err != nil {
		t.Fatal(err)
	}
	return cfg
}

// FixtureConfig is a small BN network on the checked-in MNIST fixture, with
// sets, for the tests of a package one folder below the module's root.
func FixtureConfig(t testing.TB, sets ...string) *config.Config {
	t.Helper()
	return LoadConfig(t, "data: {dir: ../testdata/mnist}\nmodel: {hidden: [8, 6], batchnorm: true}\ntrain: {batch_size: 50, eval_batch: 250, steps: 4}\n", sets...)
}

// RowsWithoutWall reads the CSV file at path (a metrics.csv, stages.csv)
// with its wall_s column blanked, the only column a resumed run writes
// differently from an uninterrupted one: its header, then its rows.
func RowsWithoutWall(t testing.TB, path string) [][]string {
	t.Helper()
	tab, err := rundir.ReadCSV(path)
	if err != nil {
		t.Fatal(err)
	}
	wall, err := tab.Column("wall_s")
	if err != nil {
		t.Fatal(err)
	}
	for _, row := range tab.Rows {
		row[wall] = ""
	}
	return append([][]string{tab.Header}, tab.Rows...)
}

// Params reads the parameters of the checkpoint in the run directory dir,
// by name.
func Params(t testing.TB, dir string) map[string][]float64 {
	t.Helper()
	a, err := checkpoint.Load(filepath.Join(dir, rundir.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	return rundir.Floats(a, rundir.PrefixParam)
}
