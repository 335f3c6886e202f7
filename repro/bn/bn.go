// Package bn reproduces Figure 1 of Ioffe & Szegedy (2015), "Batch
// Normalization: Accelerating Deep Network Training by Reducing Internal
// Covariate Shift", on MNIST: the 784-100-100-100-10 sigmoid network trained
// with and without batch normalization at the same learning rate and seed,
// (a) test accuracy against training steps and (b, c) the 15th, 50th and
// 85th percentiles of one last-hidden-layer sigmoid's input over training,
// without and with BN.
//
// Run trains both configurations (configs/mnist-nobn.yaml and
// configs/mnist-bn.yaml, whose record section makes activations.Recorder follow
// act3.in) for one or more seeds as a repro.Study, each run in
// <Dir>/<network>-seed<k>, then reads their metrics.csv and activations.csv
// and writes the figures, the CSVs behind them and report.md. `make
// repro-bn` runs it on the full 50,000 steps; a shortened run is part of the
// test suite.
package bn

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"

	"deepopt/config"
	"deepopt/repro"
)

// Options describe a reproduction.
type Options struct {
	// NoBN and BN are the two configuration files (both must record a node;
	// see config.Record). Defaults: configs/mnist-nobn.yaml and
	// configs/mnist-bn.yaml.
	NoBN, BN string
	// Seeds are the seeds to train each network with (default [1]); with
	// several, the accuracy is reported as the mean and min–max over seeds.
	Seeds []int
	// Sets are --set overrides applied to both configurations (e.g.
	// "train.steps=3000").
	Sets []string
	// Dir is the report directory; the runs live in Dir/<network>-seed<k>.
	Dir string
	// Unit is the recorded unit drawn in the percentile figures (default 0).
	Unit int
	// DriftFrom is the first step of the drift measurements (default 500):
	// the first few hundred steps move every network's inputs.
	DriftFrom int
	// Parallel is how many runs train at once (default 1). Each run is
	// single-threaded, so up to one per core shortens the wall time.
	Parallel int
	// Command is the command line that reproduces the report, for
	// report.md (default: the make target).
	Command string
	// Log receives a line as each run starts and ends (nil: none); each
	// run's progress goes to its own train.log.
	Log io.Writer
}

// Network names, in the order of every table and figure.
const (
	NoBN = "nobn"
	BN   = "bn"
)

// networks lists the networks with their display names.
var networks = []struct{ key, label string }{{NoBN, "Without BN"}, {BN, "With BN"}}

func (o *Options) defaults() {
	o.NoBN = cmp.Or(o.NoBN, "configs/mnist-nobn.yaml")
	o.BN = cmp.Or(o.BN, "configs/mnist-bn.yaml")
	if len(o.Seeds) == 0 {
		o.Seeds = []int{1}
	}
	o.DriftFrom = cmp.Or(o.DriftFrom, 500)
	o.Command = cmp.Or(o.Command, "make repro-bn")
}

func (o *Options) config(network string) string {
	if network == NoBN {
		return o.NoBN
	}
	return o.BN
}

// Run trains (or resumes, or reuses) every run of o, then writes the report
// into o.Dir and returns its numbers.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	if o.Dir == "" {
		return nil, errors.New("bn: no report directory; set Options.Dir (e.g. runs/repro-bn)")
	}
	study := repro.Study{Dir: o.Dir, Parallel: o.Parallel, Log: o.Log}
	for _, nw := range networks {
		path := o.config(nw.key)
		cfg, err := config.Load(path, o.Sets)
		if err != nil {
			return nil, err
		}
		if len(cfg.Record.Nodes) == 0 {
			return nil, fmt.Errorf("bn: %s records no node; add a record section, e.g. record: {nodes: [act3.in], every: 250}", path)
		}
	}
	// Seed by seed, so that the two networks of a seed train side by side.
	for _, seed := range o.Seeds {
		for _, nw := range networks {
			study.Runs = append(study.Runs, repro.Seeded(nw.key, o.config(nw.key), o.Sets, []int{seed})...)
		}
	}
	if _, err := study.Train(ctx); err != nil {
		return nil, err
	}
	rep, err := summarize(o)
	if err != nil {
		return nil, err
	}
	return rep, rep.write(o)
}
