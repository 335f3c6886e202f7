// Package activations follows the distribution of chosen units of a network
// over training, the measurement behind Ioffe & Szegedy (2015, Figure 1 b, c):
// Recorder is a train.Hook that writes the units' percentiles over fixed
// examples to activations.csv in the run directory.
package activations

import (
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"

	"deepopt/data"
	"deepopt/internal/bounds"
	"deepopt/internal/stats"
	"deepopt/model"
	"deepopt/rundir"
	"deepopt/train"
)

// File is the Recorder's CSV inside a run directory.
const File = "activations.csv"

// DefaultPercentiles are the percentiles Ioffe & Szegedy (2015, Figure 1 b, c)
// plot: the 15th, 50th and 85th.
var DefaultPercentiles = []float64{15, 50, 85}

// Recorder is a train.Hook that follows how the values of chosen units of named
// evaluation-path nodes (model.Model.NodeNames, e.g. "act3.in", the input of
// the last hidden nonlinearity) are distributed over a fixed set of examples
// as training goes on, the measurement behind Ioffe & Szegedy (2015, Figure 1
// b, c). Every Every steps, and at the last step, it runs the evaluation path
// (BN in inference mode; nothing in the model changes) on Examples and
// appends to activations.csv in the run directory one row per node and unit:
// the step, the node, the unit and the unit's Percentiles over the examples
// (Percentile's definition, NumPy's default).
//
// Like metrics.csv, the file survives a resume exactly: rows after the
// checkpoint's step are dropped when the resumed run starts, and recomputed.
type Recorder struct {
	// Examples are the fixed examples, e.g. the first 1000 of the test set.
	Examples *data.Dataset
	// Nodes are the node names to record.
	Nodes []string
	// Units are the units recorded of every node (indices into one
	// example's values at the node, C·H·W order for feature maps); nil
	// records every unit.
	Units []int
	// Percentiles are the percentiles of each row, ascending within
	// [0, 100]; nil means DefaultPercentiles.
	Percentiles []float64
	// Every is the cadence in steps.
	Every int

	path  string
	idx   []int
	units [][]int // per node
}

var _ train.Hook = (*Recorder)(nil)

// Columns are the columns of activations.csv: step, node, unit and one
// column per percentile named "p" and the percentile ("p15", "p2.5").
func (r *Recorder) Columns() []string {
	cols := []string{"step", "node", "unit"}
	for _, p := range r.percentiles() {
		cols = append(cols, "p"+strconv.FormatFloat(p, 'g', -1, 64))
	}
	return cols
}

func (r *Recorder) percentiles() []float64 {
	if r.Percentiles == nil {
		return DefaultPercentiles
	}
	return r.Percentiles
}

// Validate reports, each as a *bounds.Error naming its field, the settings
// that are invalid whatever the model: a negative unit, an empty list of
// percentiles, percentiles outside stats.PercentileRange or not ascending
// (each names a column of activations.csv) and a cadence below 1 step.
// Check calls it; package config calls it on the record section's values.
func (r *Recorder) Validate() error {
	var errs []error
	for i, u := range r.Units {
		if u < 0 {
			errs = append(errs, &bounds.Error{Field: fmt.Sprintf("Recorder.Units[%d]", i), Value: u, Want: "an integer ≥ 0 (a unit index)"})
		}
	}
	ps := r.Percentiles
	if ps != nil && len(ps) == 0 {
		errs = append(errs, &bounds.Error{Field: "Recorder.Percentiles", Problem: "want at least one percentile, e.g. [15, 50, 85]",
			Hint: "nil selects DefaultPercentiles"})
	}
	for i, p := range ps {
		field := fmt.Sprintf("Recorder.Percentiles[%d]", i)
		switch {
		case !stats.PercentileRange.Contains(p):
			errs = append(errs, &bounds.Error{Field: field, Value: p, Want: "a percentile " + stats.PercentileRange.String()})
		case i > 0 && !(p > ps[i-1]):
			errs = append(errs, &bounds.Error{Field: field, Problem: fmt.Sprintf("want percentiles in ascending order without repeats, got %v after %v", p, ps[i-1])})
		}
	}
	if r.Every < 1 {
		errs = append(errs, &bounds.Error{Field: "Recorder.Every", Value: r.Every, Want: "an integer ≥ 1 (the recording cadence in steps)"})
	}
	return errors.Join(errs...)
}

// Check validates the recorder against the model it will observe: the node
// names, the units, the percentiles, the cadence and the examples. The
// experiment calls it before training so a bad record section fails before
// anything is written.
func (r *Recorder) Check(m *model.Model) error {
	var errs []error
	found, _ := bounds.Errors(r.Validate())
	for _, e := range found {
		errs = append(errs, fmt.Errorf("record: %w", e))
	}
	if r.Examples == nil || r.Examples.Len() == 0 {
		errs = append(errs, errors.New("record: no examples to record the nodes on"))
	}
	if len(r.Nodes) == 0 {
		errs = append(errs, errors.New("record: no nodes to record"))
	}
	r.units = r.units[:0]
	for _, name := range r.Nodes {
		size, err := m.NodeSize(name)
		if err != nil {
			errs = append(errs, fmt.Errorf("record: %w", err))
			continue
		}
		units := r.Units
		if units == nil {
			units = make([]int, size)
			for i := range units {
				units[i] = i
			}
		}
		for _, u := range units {
			if u >= size { // Validate reported negative units
				errs = append(errs, fmt.Errorf("record: unit %d of node %s is outside 0..%d (the node has %d units per example)", u, name, size-1, size))
			}
		}
		r.units = append(r.units, units)
	}
	return errors.Join(errs...)
}

// Attach implements train.Hook: the recorder prepares activations.csv when the run
// starts, keeping the rows up to the step the run starts from, and records
// at its cadence.
func (r *Recorder) Attach(t *train.Trainer) error {
	t.OnStart(train.PriorityDefault, r.start)
	t.OnStep(train.PriorityDefault, r.record)
	return nil
}

func (r *Recorder) start(t *train.Trainer) error {
	if t.Dir == "" {
		return errors.New("record: the recorder writes activations.csv into the run directory; set Trainer.Dir")
	}
	if err := r.Check(t.Model); err != nil {
		return err
	}
	r.idx = make([]int, r.Examples.Len())
	for i := range r.idx {
		r.idx[i] = i
	}
	r.path = filepath.Join(t.Dir, File)
	_, err := rundir.PrepareCSV(r.path, r.Columns(), t.Step())
	return err
}

func (r *Recorder) record(t *train.Trainer) error {
	step := t.Step()
	if step%r.Every != 0 && step != t.Steps {
		return nil
	}
	values, err := t.Model.NodesAt(t.Theta(), r.Examples, r.idx, r.Nodes)
	if err != nil {
		return fmt.Errorf("record: step %d: %w", step, err)
	}
	n := len(r.idx)
	column := make([]float64, n)
	for i, name := range r.Nodes {
		size := len(values[i]) / n
		for _, u := range r.units[i] {
			for e := range column {
				column[e] = values[i][e*size+u]
			}
			slices.Sort(column)
			row := []string{strconv.Itoa(step), name, strconv.Itoa(u)}
			for _, p := range r.percentiles() {
				v, err := stats.Percentile(column, p)
				if err != nil {
					return fmt.Errorf("record: %w", err)
				}
				row = append(row, strconv.FormatFloat(v, 'g', 10, 64))
			}
			if err := rundir.AppendCSV(r.path, row); err != nil {
				return err
			}
		}
	}
	return nil
}
