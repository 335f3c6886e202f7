package config

import (
	"fmt"
	"slices"

	"deepopt/activations"
)

// Record chooses what the activation recorder follows during training
// (activations.Recorder): for each unit of each named node, the percentiles of its
// value over a fixed set of examples, every few steps, written to
// activations.csv in the run directory. It is the measurement of Ioffe &
// Szegedy (2015, Figure 1 b, c): the 15th, 50th and 85th percentiles of a
// last-hidden-layer sigmoid's input (node act3.in) over training. Recording
// is off while nodes is empty.
type Record struct {
	// Nodes are names of evaluation-path nodes: a layer's output under the
	// layer's name (fc1, bn1, act1, …, out; conv1, bnc1, actc1, pool1,
	// flatten for a cnn) or an activation's input as "<activation>.in"
	// (act3.in: the last hidden sigmoid's input in the 3-layer MLP).
	Nodes []string `yaml:"nodes,omitempty"`
	// Units are the recorded units of every node (indices into one
	// example's values, C·H·W order for feature maps); [] records every
	// unit.
	Units []int `yaml:"units,omitempty"`
	// Percentiles are computed over the examples for each unit, in
	// ascending order within [0, 100], by linear interpolation (NumPy's
	// default).
	Percentiles []float64 `yaml:"percentiles"`
	// Every is the recording cadence in steps; the last step is always
	// recorded.
	Every int `yaml:"every"`
	// Examples is how many examples to record on: the first Examples of
	// the test set (of the validation set when data.validation > 0).
	Examples int `yaml:"examples"`
}

// DefaultRecord is the record section's default: off (no nodes), the
// paper's percentiles, every 500 steps, on 1000 examples.
func DefaultRecord() Record {
	return Record{Percentiles: slices.Clone(activations.DefaultPercentiles), Every: 500, Examples: 1000}
}

// validate checks the record section. Whether the model has the named nodes
// and units is checked when the model is built (experiment.New), which
// lists the valid names.
func (r *Record) validate(p *problems) {
	for i, n := range r.Nodes {
		if n == "" {
			p.add(fmt.Sprintf("record.nodes.%d", i), "want a node name such as act3.in, fc1 or bn2, got an empty one")
		}
	}
	percentiles := r.Percentiles
	if percentiles == nil {
		percentiles = []float64{} // a config lists its percentiles; nil is DefaultPercentiles only in Go
	}
	recorder := activations.Recorder{Units: r.Units, Percentiles: percentiles, Every: r.Every}
	p.library("record", recorder.Validate(), map[string]string{"Recorder.Units": "units", "Recorder.Percentiles": "percentiles", "Recorder.Every": "every"})
	p.atLeast("record.examples", r.Examples, 1, "the examples to record on")
}
