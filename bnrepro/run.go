// Package bnrepro reproduces Figure 1 of Ioffe & Szegedy (2015), "Batch
// Normalization", on MNIST: the 784-100-100-100-10 sigmoid network trained
// with and without batch normalization at the same learning rate and seed,
// (a) test accuracy against training steps and (b, c) the 15th, 50th and
// 85th percentiles of one last-hidden-layer sigmoid's input over training,
// without and with BN.
//
// Run trains both configurations (configs/mnist-nobn.yaml and
// configs/mnist-bn.yaml, whose record section makes train.Recorder follow
// act3.in) for one or more seeds, each in its own run directory under the
// report directory (an existing run is resumed, a finished one reused), then
// reads their metrics.csv and activations.csv and writes the figures, the
// CSVs behind them and report.md. `make repro-bn` runs it on the full 50,000
// steps; a shortened run is part of the test suite.
package bnrepro

import (
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"sync"

	"deepopt/config"
	"deepopt/experiment"
	"deepopt/train"
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
	// Log receives progress lines (nil: none).
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
	if o.NoBN == "" {
		o.NoBN = "configs/mnist-nobn.yaml"
	}
	if o.BN == "" {
		o.BN = "configs/mnist-bn.yaml"
	}
	if len(o.Seeds) == 0 {
		o.Seeds = []int{1}
	}
	if o.DriftFrom == 0 {
		o.DriftFrom = 500
	}
	if o.Parallel < 1 {
		o.Parallel = 1
	}
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// runDir is the directory of one network's run at one seed.
func runDir(dir, network string, seed int) string {
	return filepath.Join(dir, network+"-seed"+strconv.Itoa(seed))
}

// Run trains (or resumes, or reuses) every run of o, then writes the report
// into o.Dir and returns its numbers.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	if o.Dir == "" {
		return nil, errors.New("bnrepro: no report directory; set Options.Dir (e.g. runs/repro-bn)")
	}
	type job struct {
		network, path string
		seed          int
	}
	var jobs []job
	for _, seed := range o.Seeds {
		jobs = append(jobs, job{NoBN, o.NoBN, seed}, job{BN, o.BN, seed})
	}
	errs := make([]error, len(jobs))
	sem := make(chan struct{}, o.Parallel)
	var wg sync.WaitGroup
	var logMu sync.Mutex
	for i, j := range jobs {
		wg.Add(1)
		go func() {
			defer wg.Done()
			sem <- struct{}{}
			defer func() { <-sem }()
			log := &prefixWriter{prefix: fmt.Sprintf("[%s seed %d] ", j.network, j.seed), w: o.Log, mu: &logMu}
			errs[i] = trainOne(ctx, j.path, runDir(o.Dir, j.network, j.seed), j.seed, o.Sets, log)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	rep, err := summarize(o)
	if err != nil {
		return nil, err
	}
	return rep, rep.write(o)
}

// trainOne brings the run in dir to its last step: a new run of the config
// at path with the seed and sets, or the continuation of the run already in
// dir.
func trainOne(ctx context.Context, path, dir string, seed int, sets []string, log io.Writer) error {
	sets = append([]string{"seed=" + strconv.Itoa(seed)}, sets...)
	var run *experiment.Run
	var err error
	if experiment.CheckFresh(dir) == nil {
		cfg, lerr := config.Load(path, sets)
		if lerr != nil {
			return lerr
		}
		if len(cfg.Record.Nodes) == 0 {
			return fmt.Errorf("bnrepro: %s records no node; add a record section, e.g. record: {nodes: [act3.in], every: 250}", path)
		}
		run, err = experiment.New(cfg, dir, log)
	} else {
		fmt.Fprintf(log, "continuing the run in %s\n", dir)
		run, err = experiment.Resume(dir, sets, log)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if _, err := run.Start(ctx); errors.Is(err, train.ErrInterrupted) {
		return fmt.Errorf("%s: interrupted after step %d (checkpoint saved); run the same command again to continue", dir, run.Trainer.Step())
	} else if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	return nil
}

// prefixWriter prefixes every write (one progress line) with the run's name,
// so that runs training at once stay apart in one log.
type prefixWriter struct {
	prefix string
	w      io.Writer
	mu     *sync.Mutex
}

func (p *prefixWriter) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if _, err := io.WriteString(p.w, p.prefix); err != nil {
		return 0, err
	}
	return p.w.Write(b)
}

var _ io.Writer = (*prefixWriter)(nil)
