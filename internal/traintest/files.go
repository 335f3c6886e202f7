package traintest

import (
	"path/filepath"
	"testing"

	"deepopt/checkpoint"
	"deepopt/rundir"
)

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
