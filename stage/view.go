package stage

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strconv"

	"deepopt/rundir"
)

// ViewFile is the run of stages' whole story in one table: every row of
// every stage's metrics.csv, in order, after three columns: stage (its
// position from 1), stage_name, and run_step (the step counted from the
// start of the run: the stage's step plus the steps of the stages before
// it). The stages' columns follow in the order they first appear; a stage
// without one of them leaves it empty.
const ViewFile = "stages.csv"

// writeView rewrites stages.csv from the metrics.csv files of the stages
// begun so far. It is derived from them alone, so it is the same however
// often the run was interrupted.
func (r *Run) writeView() error {
	header := []string{"stage", "stage_name", "run_step"}
	var rows [][]string
	offset := 0
	for i, s := range r.Stages {
		tab, err := rundir.ReadCSV(filepath.Join(r.StageDir(i), rundir.MetricsFile))
		if errors.Is(err, os.ErrNotExist) {
			break
		}
		if err != nil {
			return err
		}
		step, err := tab.Column("step")
		if err != nil {
			return err
		}
		for _, c := range tab.Header {
			if !slices.Contains(header, c) {
				header = append(header, c)
			}
		}
		last := 0
		for _, row := range tab.Rows {
			if last, err = strconv.Atoi(row[step]); err != nil {
				return err
			}
			out := append(make([]string, 0, len(header)), strconv.Itoa(i+1), s.Name, strconv.Itoa(offset+last))
			for _, c := range header[3:] {
				if j := slices.Index(tab.Header, c); j >= 0 {
					out = append(out, row[j])
				} else {
					out = append(out, "")
				}
			}
			rows = append(rows, out)
		}
		offset += last
	}
	for i := range rows {
		// A column first seen in a later stage extends the header.
		for len(rows[i]) < len(header) {
			rows[i] = append(rows[i], "")
		}
	}
	return rundir.WriteCSV(filepath.Join(r.Dir, ViewFile), header, rows)
}
