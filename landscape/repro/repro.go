// Package repro reproduces the landscape measurements of Santurkar et al.
// (NeurIPS 2018, Figure 4 and §2.1) on the MNIST networks of Ioffe & Szegedy
// (2015, Figure 1): the 784-100-100-100-10 sigmoid MLP with and without batch
// normalization, trained by plain SGD at the same learning rate and seed
// (configs/mnist-bn.yaml, configs/mnist-nobn.yaml), probed every few hundred
// steps on one fixed probe set. Run trains both, each in its own run
// directory (an interrupted run is continued, a finished one reused), then
// draws every quantity against the step as a min–max band over the step
// sizes per network, and writes report.md. `make repro-landscape` runs it.
package repro

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"sync"
	"time"

	"deepopt/experiment"
	"deepopt/landscape"
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
	// Log receives progress lines (nil: none).
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
	if o.Log == nil {
		o.Log = io.Discard
	}
}

// LogFile is the progress log of each run, inside its run directory.
const LogFile = "train.log"

// Network is one trained network's probes.
type Network struct {
	// Key names the run directory ("bn", "nobn"), Label the figures.
	Key, Label string
	// Records are the probes, in step order.
	Records []landscape.Record
	// WallSeconds is the run's training time, probes included (0 when the
	// run was reused from an earlier invocation).
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
		return nil, errors.New("repro: no report directory; set Options.Dir (e.g. runs/repro-landscape)")
	}
	rep := &Report{Options: o, Networks: []Network{{Key: "nobn", Label: "Without BN"}, {Key: "bn", Label: "With BN"}}}
	paths := []string{o.NoBN, o.BN}
	sets := append([]string{"train.steps=" + strconv.Itoa(o.Steps), "probe.every=" + strconv.Itoa(o.Every),
		"probe.batches=" + strconv.Itoa(o.Batches), "probe.batch=fixed"}, o.Sets...)
	errs := make([]error, len(paths))
	var wg sync.WaitGroup
	for i := range paths {
		wg.Add(1)
		go func() {
			defer wg.Done()
			errs[i] = trainOne(ctx, paths[i], sets, &rep.Networks[i], o)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return rep, rep.write()
}

// trainOne brings one network's run to its last step and reads its probes.
func trainOne(ctx context.Context, path string, sets []string, n *Network, o Options) error {
	dir := filepath.Join(o.Dir, n.Key)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	// Each run logs into its own directory, so the two runs training at
	// once do not interleave their progress lines.
	log, err := os.OpenFile(filepath.Join(dir, LogFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return err
	}
	defer log.Close()
	fmt.Fprintf(o.Log, "training %s into %s (progress in %s)\n", path, dir, log.Name())
	run, err := experiment.Open(path, dir, sets, log)
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	start := time.Now()
	wasDone := run.Trainer.Step() >= run.Config.Train.Steps
	res, err := run.Start(ctx)
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if !wasDone {
		n.WallSeconds = time.Since(start).Seconds()
	}
	n.TestAccuracy = res.Test.Accuracy
	if wasDone {
		ev, err := run.Trainer.Model.Evaluate(run.Trainer.Test)
		if err != nil {
			return err
		}
		n.TestAccuracy = ev.Accuracy
	}
	fmt.Fprintf(o.Log, "%s: step %d, test accuracy %.2f%%\n", dir, run.Trainer.Step(), 100*n.TestAccuracy)
	n.Records, err = landscape.ReadCSV(filepath.Join(dir, landscape.File))
	return err
}
