// Package network measures Gaussian weight-noise continuation on a network
// that plain training gets stuck on: configs/continuation-deep-sigmoid.yaml,
// eight sigmoid layers started from tiny weights (a plateau), trained for
// the same steps with continuation (σ annealed to 0 over the first half)
// and without it (continuation.sigma=0, otherwise identical: seed,
// initial weights, minibatches), for several seeds. It writes the training
// curves (test accuracy and training loss, mean with the min–max band over
// seeds), a CSV of each run's outcome and report.md.
package network

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"deepopt/config"
	"deepopt/plots"
	"deepopt/repro"
	"deepopt/rundir"
)

// Options describe the study; the CLI's defaults are given in brackets.
type Options struct {
	// Dir is the report directory; the runs live in Dir/<arm>-seed<k>.
	Dir string
	// Config is the network's configuration, with a continuation section
	// (configs/continuation-deep-sigmoid.yaml); Sets are --set overrides of
	// both arms (none).
	Config string
	Sets   []string
	// Seeds are the seeds of each arm (1, 2, 3).
	Seeds []int
	// Parallel is how many runs train at once (1).
	Parallel int
	// Command is the command line that reproduces the report, quoted in it.
	Command string
	// Log receives a line as each run starts and ends (nil: none).
	Log io.Writer
}

// The arms: the config as it is, and with continuation.sigma=0.
const (
	Continuation = "continuation"
	Plain        = "plain"
)

// Arms are the arms in report order.
var Arms = []string{Plain, Continuation}

// Files written into the report directory besides report.md.
const (
	OutcomesCSV = "outcomes.csv"
	AccuracyPNG = "accuracy.png"
	LossPNG     = "train-loss.png"
)

// Threshold is the test accuracy whose first reaching step the report
// gives: a run at it has left the plateau, where every input gets about the
// same prediction (about 11% on MNIST).
const Threshold = 0.5

// Report holds the study's numbers.
type Report struct {
	Options Options
	Config  *config.Config
	// Accuracy and Loss are each arm's test accuracy and training loss
	// against the step, over the seeds.
	Accuracy, Loss map[string]repro.Band
}

// Run trains (or resumes, or reuses) both arms at every seed, then writes
// the report into o.Dir.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Dir == "" {
		return nil, errors.New("repro-continuation-net: no report directory; set --out (e.g. runs/repro-continuation-net)")
	}
	if o.Config == "" {
		o.Config = "configs/continuation-deep-sigmoid.yaml"
	}
	if len(o.Seeds) == 0 {
		o.Seeds = []int{1, 2, 3}
	}
	if o.Command == "" {
		o.Command = "make repro-continuation-net"
	}
	cfg, err := config.Load(o.Config, o.Sets)
	if err != nil {
		return nil, err
	}
	if cfg.Continuation.Sigma <= 0 {
		return nil, fmt.Errorf("repro-continuation-net: %s has continuation.sigma %g; the study compares σ > 0 with σ = 0, so give it a continuation section with sigma > 0", o.Config, cfg.Continuation.Sigma)
	}
	study := repro.Study{Dir: o.Dir, Parallel: o.Parallel, Log: o.Log}
	for _, seed := range o.Seeds {
		study.Runs = append(study.Runs, repro.Seeded(Plain, o.Config, append(slices.Clone(o.Sets), "continuation.sigma=0"), []int{seed})...)
		study.Runs = append(study.Runs, repro.Seeded(Continuation, o.Config, o.Sets, []int{seed})...)
	}
	if _, err := study.Train(ctx); err != nil {
		return nil, err
	}
	rep := &Report{Options: o, Config: cfg, Accuracy: map[string]repro.Band{}, Loss: map[string]repro.Band{}}
	for _, arm := range Arms {
		dirs := rep.dirs(arm)
		if rep.Accuracy[arm], err = repro.Fold(dirs, "step", "test_acc"); err != nil {
			return nil, err
		}
		if rep.Loss[arm], err = repro.Fold(dirs, "step", "train_loss"); err != nil {
			return nil, err
		}
	}
	return rep, rep.write()
}

// dirs are an arm's run directories, one per seed.
func (r *Report) dirs(arm string) []string {
	dirs := make([]string, len(r.Options.Seeds))
	for i, s := range r.Options.Seeds {
		dirs[i] = filepath.Join(r.Options.Dir, repro.SeedName(arm, s))
	}
	return dirs
}

// label describes an arm.
func (r *Report) label(arm string) string {
	if arm == Plain {
		return "plain SGD (σ = 0)"
	}
	c := r.Config.Continuation
	return fmt.Sprintf("continuation (σ %g → 0 by step %d, %s)", c.Sigma, c.Steps, c.Kind)
}

func (r *Report) write() error {
	dir := r.Options.Dir
	var rows [][]string
	for _, arm := range Arms {
		acc, loss := r.Accuracy[arm], r.Loss[arm]
		reach := acc.Reach(Threshold)
		for i, seed := range r.Options.Seeds {
			n := len(acc.X) - 1
			rows = append(rows, []string{arm, strconv.Itoa(seed), repro.G(acc.X[n]), repro.G(acc.Runs[i][n]), repro.G(loss.Runs[i][n]), repro.G(reach[i])})
		}
	}
	if err := rundir.WriteCSV(filepath.Join(dir, OutcomesCSV), []string{"arm", "seed", "steps", "test_acc", "train_loss", "first_step_at_50pct"}, rows); err != nil {
		return err
	}
	seeds := fmt.Sprintf(", seeds %s (mean; shaded: min–max)", repro.JoinInts(r.Options.Seeds, ", "))
	acc := plots.Figure{Title: "Test accuracy" + seeds, XLabel: "training step", YLabel: "test accuracy (%)"}
	loss := plots.Figure{Title: "Training loss" + seeds, XLabel: "training step", YLabel: repro.AxisLabel("train_loss")}
	for _, arm := range Arms {
		acc.Series = append(acc.Series, r.Accuracy[arm].Scaled(100).Series(r.label(arm)))
		loss.Series = append(loss.Series, r.Loss[arm].Series(r.label(arm)))
	}
	if err := plots.Lines(filepath.Join(dir, AccuracyPNG), acc); err != nil {
		return err
	}
	if err := plots.Lines(filepath.Join(dir, LossPNG), loss); err != nil {
		return err
	}
	return repro.WriteFile(filepath.Join(dir, repro.ReportFile), r.markdown())
}

func (r *Report) markdown() []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	o, c := r.Options, r.Config
	w("# Gaussian weight-noise continuation on a deep sigmoid network\n\n")
	w("`%s`", o.Config)
	if len(o.Sets) > 0 {
		w(" with `%s`", strings.Join(o.Sets, "`, `"))
	}
	w(": %d %s layers (%s units), weights N(0, %g²), SGD at %g, minibatches of %d, %d steps. ",
		len(c.Model.Hidden), c.Model.Activation, repro.JoinInts(c.Model.Hidden, "-"), c.Model.InitStd, c.Schedule.LR, c.Train.BatchSize, c.Train.Steps)
	w("Continuation descends the loss smoothed by Gaussian weight noise, E J(θ + σε), σ from %g to 0 by step %d (%s, %d noise vector(s) per step), then the loss itself; ",
		c.Continuation.Sigma, c.Continuation.Steps, c.Continuation.Kind, c.Continuation.Samples)
	w("plain training is the same config with `continuation.sigma=0`: the same seed, initial weights and minibatches. Seeds %s; runs in `<arm>-seed<k>/`.\n\n", repro.JoinInts(o.Seeds, ", "))
	w("![test accuracy](%s)\n\n![training loss](%s)\n\n", AccuracyPNG, LossPNG)
	w("| training | test accuracy at step %d, mean [min–max] | training loss (mean of the last %d steps) | first step at ≥ %.0f%% test accuracy (per seed) |\n|---|---:|---:|---|\n",
		int(r.Accuracy[Plain].X[len(r.Accuracy[Plain].X)-1]), c.Train.EvalEvery, 100*Threshold)
	for _, arm := range Arms {
		l, acc := r.Loss[arm].Final(), r.Accuracy[arm]
		w("| %s | %s | %.4f [%.4f–%.4f] | %s |\n", r.label(arm), acc.Final().Percent(), l.Mean, l.Min, l.Max, repro.ReachText(acc.Reach(Threshold)))
	}
	w("\nWhile σ > 0 the continuation arm's training loss is that of its perturbed weights θ + σε, the objective it descends. ")
	w("Test accuracy after every %d steps in `<arm>-seed<k>/metrics.csv` (with the `sigma` column); `%s` holds each run's outcome.\n\n", c.Train.EvalEvery, OutcomesCSV)
	var dirs []string
	for _, arm := range Arms {
		dirs = append(dirs, r.dirs(arm)...)
	}
	w("%s", repro.Provenance(o.Command, dirs))
	return b.Bytes()
}
