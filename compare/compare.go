// Package compare trains one network with several optimization methods for
// the same budget of gradient evaluations and reports them side by side: one
// CSV of every method's metrics rows and figures of training loss and test
// accuracy against gradient evaluations and against wall time. It is what
// `make compare-optim` runs; each method is a run of package experiment,
// configured by --set overrides on a shared base configuration, so a method
// here is exactly what `train --config BASE --set …` would train.
package compare

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"deepopt/config"
	"deepopt/experiment"
	"deepopt/internal/atomicfile"
	"deepopt/rundir"
	"deepopt/train"
)

// Method is one contender: a name (its run directory and legend entry) and
// the config overrides that select it.
type Method struct {
	Name string
	Sets []string
}

// LineSearchHold is how many steps the line-search methods hold each
// minibatch (Le et al., ICML 2011); first-order methods draw a new one every
// step.
const LineSearchHold = "train.hold_batch=4"

// DefaultMethods are SGD, heavy-ball momentum, Adam, CG (PR+), L-BFGS
// (forgetting its pairs at each new minibatch, as configs/mnist-lbfgs.yaml)
// and Newton-CG. All share the base configuration's minibatch size, so every
// gradient evaluation costs the same; the first-order learning rates are
// for minibatches of 1000 with BN (SGD 1.0; momentum 0.9 with 0.1, the same
// effective rate; Adam 0.003).
func DefaultMethods() []Method {
	return []Method{
		{"sgd", []string{"optimizer.kind=sgd", "schedule.lr=1"}},
		{"momentum", []string{"optimizer.kind=sgd", "optimizer.momentum=0.9", "schedule.lr=0.1"}},
		{"adam", []string{"optimizer.kind=adam", "schedule.lr=0.003"}},
		{"cg", []string{"optimizer.kind=cg", "optimizer.cg_variant=pr+", "schedule.lr=0.1", LineSearchHold}},
		{"lbfgs", []string{"optimizer.kind=lbfgs", "optimizer.reset_on_new_batch=true", "schedule.lr=0.1", LineSearchHold}},
		{"newton-cg", []string{"optimizer.kind=newton-cg", "optimizer.max_inner=10", "schedule.lr=1", LineSearchHold}},
	}
}

// Options configure a comparison.
type Options struct {
	// Base is the configuration file every method starts from, and Sets
	// overrides applied to it before each method's own.
	Base string
	Sets []string
	// Methods are the contenders (nil: DefaultMethods).
	Methods []Method
	// Budget is the number of gradient evaluations each method gets.
	Budget int
	// Points is the number of evaluations per run, one every
	// Budget/Points gradient evaluations (0: 20).
	Points int
	// Out is the output folder: one run directory per method, plus
	// compare.csv and the figures. It must not hold a comparison already.
	Out string
	// Log receives each run's progress.
	Log io.Writer
}

// Columns of compare.csv: the method, then a subset of metrics.csv.
var Columns = []string{"method", "step", "grad_evals", "func_evals", "examples", "wall_s", "train_loss", "test_loss", "test_acc"}

// CSVFile is the combined table inside Options.Out.
const CSVFile = "compare.csv"

// Result is one method's metrics rows.
type Result struct {
	Method string
	Rows   []rundir.Row
}

// Run trains every method for the budget, then writes compare.csv and the
// figures into Out. It returns the results in the order of the methods.
func Run(ctx context.Context, opts Options) ([]Result, error) {
	if opts.Budget < 1 {
		return nil, fmt.Errorf("compare: budget of %d gradient evaluations; want at least 1", opts.Budget)
	}
	if opts.Methods == nil {
		opts.Methods = DefaultMethods()
	}
	points := opts.Points
	if points <= 0 {
		points = 20
	}
	if _, err := os.Stat(filepath.Join(opts.Out, CSVFile)); err == nil {
		return nil, fmt.Errorf("compare: %s already holds a comparison; remove it or choose another output folder", opts.Out)
	}
	log := opts.Log
	if log == nil {
		log = io.Discard
	}
	var results []Result
	for _, m := range opts.Methods {
		if err := ctx.Err(); err != nil {
			return results, err
		}
		rows, err := runMethod(ctx, opts, m, points, log)
		if err != nil {
			return results, fmt.Errorf("compare: %s: %w", m.Name, err)
		}
		results = append(results, Result{Method: m.Name, Rows: rows})
	}
	if err := writeCSV(filepath.Join(opts.Out, CSVFile), results); err != nil {
		return results, err
	}
	return results, writeFigures(opts.Out, results, opts.Budget)
}

// runMethod trains one method until its budget is spent and returns its
// metrics rows.
func runMethod(ctx context.Context, opts Options, m Method, points int, log io.Writer) ([]rundir.Row, error) {
	if m.Name == "" || strings.ContainsAny(m.Name, `/\`) {
		return nil, fmt.Errorf("method name %q; want a name without path separators (it names a run directory)", m.Name)
	}
	sets := append(append([]string{}, opts.Sets...), m.Sets...)
	sets = append(sets,
		"name="+m.Name,
		// Every step makes at least one gradient evaluation, so the budget
		// ends the run before train.steps does.
		"train.steps="+strconv.Itoa(opts.Budget),
		"train.max_grad_evals="+strconv.Itoa(opts.Budget),
		"train.eval_every_grad_evals="+strconv.Itoa(max(opts.Budget/points, 1)),
		"train.eval_every=0",
		"train.checkpoint_every=0")
	cfg, err := config.Load(opts.Base, sets)
	if err != nil {
		return nil, err
	}
	dir := filepath.Join(opts.Out, m.Name)
	if err := experiment.CheckFresh(dir); err != nil {
		return nil, err
	}
	fmt.Fprintf(log, "== %s (%s)\n", m.Name, strings.Join(m.Sets, " "))
	run, err := experiment.New(cfg, dir, log)
	if err != nil {
		return nil, err
	}
	if _, err := run.Start(ctx); err != nil {
		if errors.Is(err, train.ErrInterrupted) {
			return nil, err
		}
		// A method that fails (a line search that cannot progress, a
		// non-finite loss) still has the rows it wrote.
		fmt.Fprintf(log, "%s stopped: %v\n", m.Name, err)
	}
	return rundir.ReadMetrics(filepath.Join(dir, rundir.MetricsFile))
}

// writeCSV writes every method's rows into one table.
func writeCSV(path string, results []Result) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		if _, err := fmt.Fprintln(w, strings.Join(Columns, ",")); err != nil {
			return err
		}
		g := func(v float64) string { return strconv.FormatFloat(v, 'g', 8, 64) }
		for _, res := range results {
			for _, r := range res.Rows {
				fields := []string{res.Method, strconv.Itoa(r.Step), strconv.Itoa(r.GradEvals), strconv.Itoa(r.FuncEvals),
					strconv.Itoa(r.Examples), strconv.FormatFloat(r.WallSeconds, 'f', 3, 64), g(r.TrainLoss), g(r.TestLoss), g(r.TestAcc)}
				if _, err := fmt.Fprintln(w, strings.Join(fields, ",")); err != nil {
					return err
				}
			}
		}
		return nil
	})
}
