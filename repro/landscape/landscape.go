// Package landscape reproduces the landscape measurements of Santurkar et
// al., "How Does Batch Normalization Help Optimization?" (NeurIPS 2018,
// Figure 4 and §2.1), on the MNIST networks of Ioffe & Szegedy
// (2015, Figure 1): the 784-100-100-100-10 sigmoid MLP with and without batch
// normalization, trained by plain SGD at the same learning rate and seed
// (configs/mnist-bn.yaml, configs/mnist-nobn.yaml), probed every few hundred
// steps on one fixed probe set. Run trains both as a repro.Study, each in
// its own run directory, then draws every quantity against the step as a
// min–max band over the step sizes per network, and writes report.md.
// `make repro-landscape` runs it.
package landscape

import (
	"context"
	"errors"
	"io"
	"path/filepath"
	"strconv"

	probe "deepopt/landscape"
	"deepopt/repro"
)

// Options describe a reproduction. The zero value of every field but Dir
// has a default.
type Options struct {
	// Dir is the report directory; the runs live in Dir/bn and Dir/nobn.
	Dir string
	// BN and NoBN are the configuration files (defaults configs/mnist-bn.yaml
	// and configs/mnist-nobn.yaml).
	BN, NoBN string
	// Steps is the length of both runs (default 10,000).
	Steps int
	// Every is the probing cadence in steps (default 250).
	Every int
	// Batches is the number of training minibatches in the fixed probe set
	// (default 10, i.e. 600 examples).
	Batches int
	// Sets are further --set overrides applied to both configurations.
	Sets []string
	// Command is the command line that reproduces the report, for
	// report.md (default: the make target).
	Command string
	// Log receives a line as each run starts and ends (nil: none); each
	// run's progress goes to its own train.log.
	Log io.Writer
}

func (o *Options) defaults() {
	if o.BN == "" {
		o.BN = "configs/mnist-bn.yaml"
	}
	if o.NoBN == "" {
		o.NoBN = "configs/mnist-nobn.yaml"
	}
	if o.Steps == 0 {
		o.Steps = 10000
	}
	if o.Every == 0 {
		o.Every = 250
	}
	if o.Batches == 0 {
		o.Batches = 10
	}
	if o.Command == "" {
		o.Command = "make repro-landscape"
	}
}

// Network is one trained network's probes.
type Network struct {
	// Key names the run directory ("bn", "nobn"), Label the figures.
	Key, Label string
	// Records are the probes, in step order.
	Records []probe.Record
	// WallSeconds is the run's training time, probes included.
	WallSeconds float64
	// TestAccuracy is the final test accuracy.
	TestAccuracy float64
}

// Report holds both networks, without BN first.
type Report struct {
	Options  Options
	Networks []Network
}

// Run trains (or continues, or reuses) both runs at once, then writes the
// figures and report.md into o.Dir and returns the numbers.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	if o.Dir == "" {
		return nil, errors.New("landscape: no report directory; set Options.Dir (e.g. runs/repro-landscape)")
	}
	rep := &Report{Options: o, Networks: []Network{{Key: "nobn", Label: "Without BN"}, {Key: "bn", Label: "With BN"}}}
	sets := append([]string{"train.steps=" + strconv.Itoa(o.Steps), "probe.every=" + strconv.Itoa(o.Every),
		"probe.batches=" + strconv.Itoa(o.Batches), "probe.batch=fixed"}, o.Sets...)
	study := repro.Study{Dir: o.Dir, Parallel: 2, Log: o.Log,
		Runs: []repro.Run{{Name: "nobn", Config: o.NoBN, Sets: sets}, {Name: "bn", Config: o.BN, Sets: sets}}}
	if _, err := study.Train(ctx); err != nil {
		return nil, err
	}
	for i := range rep.Networks {
		n := &rep.Networks[i]
		dir := study.RunDir(n.Key)
		cols, err := repro.Column(dir, "test_acc", "wall_s")
		if err != nil {
			return nil, err
		}
		last := len(cols[0]) - 1
		n.TestAccuracy, n.WallSeconds = cols[0][last], cols[1][last]
		if n.Records, err = probe.ReadCSV(filepath.Join(dir, probe.File)); err != nil {
			return nil, err
		}
	}
	return rep, rep.write()
}
