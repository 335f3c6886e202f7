// Package optimizers trains one network with several optimization methods
// for the same budget of gradient evaluations and reports them side by side:
// one CSV of every method's metrics rows, figures of training loss and test
// accuracy against gradient evaluations and against wall time, and
// report.md. It is what `make compare-optim` runs. It reproduces no single
// figure: it sets the methods of Goodfellow, Bengio & Courville (2016),
// "Deep Learning", chapter 8 (§8.3 SGD and momentum, §8.5 Adam, §8.6
// Newton's method, conjugate gradients and L-BFGS) side by side at equal
// cost, as Le et al., "On Optimization Methods for Deep Learning" (ICML
// 2011), compared SGD, L-BFGS and CG with minibatches held for several
// steps. Each method is one run of a repro.Study, configured by --set
// overrides on a shared base configuration, so a method here is exactly
// what `go run ./cmd/train --config BASE --set …` would train. The methods
// train one at a time, so that their wall times compare.
package optimizers

import (
	"context"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"

	"deepopt/repro"
	"deepopt/rundir"
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
	// Command is the command line that reproduces the comparison, for
	// report.md (default: the make target).
	Command string
	// Log receives a line as each method starts and ends; each run's
	// progress goes to its own train.log.
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

// Run trains every method for the budget, then writes compare.csv, the
// figures and report.md into Out. It returns the results in the order of
// the methods. A method that stops early (a line search that cannot
// progress, a non-finite loss) keeps the rows it wrote.
func Run(ctx context.Context, opts Options) ([]Result, error) {
	if opts.Budget < 1 {
		return nil, fmt.Errorf("optimizers: budget of %d gradient evaluations; want at least 1", opts.Budget)
	}
	if opts.Methods == nil {
		opts.Methods = DefaultMethods()
	}
	points := opts.Points
	if points <= 0 {
		points = 20
	}
	if _, err := os.Stat(filepath.Join(opts.Out, CSVFile)); err == nil {
		return nil, fmt.Errorf("optimizers: %s already holds a comparison; remove it or choose another output folder", opts.Out)
	}
	study := repro.Study{Dir: opts.Out, Tolerate: true, Log: opts.Log}
	for _, m := range opts.Methods {
		if m.Name == "" || strings.ContainsAny(m.Name, `/\`) {
			return nil, fmt.Errorf("optimizers: method name %q; want a name without path separators (it names a run directory)", m.Name)
		}
		sets := append(append([]string{}, opts.Sets...), m.Sets...)
		sets = append(sets,
			"name="+m.Name,
			// Every step makes at least one gradient evaluation, so the
			// budget ends the run before train.steps does.
			"train.steps="+strconv.Itoa(opts.Budget),
			"train.max_grad_evals="+strconv.Itoa(opts.Budget),
			"train.eval_every_grad_evals="+strconv.Itoa(max(opts.Budget/points, 1)),
			"train.eval_every=0",
			"train.checkpoint_every=0")
		study.Runs = append(study.Runs, repro.Run{Name: m.Name, Config: opts.Base, Sets: sets})
	}
	if _, err := study.Train(ctx); err != nil {
		return nil, fmt.Errorf("optimizers: %w", err)
	}
	var results []Result
	for _, m := range opts.Methods {
		rows, err := rundir.ReadMetrics(filepath.Join(study.RunDir(m.Name), rundir.MetricsFile))
		if err != nil {
			return nil, err
		}
		results = append(results, Result{Method: m.Name, Rows: rows})
	}
	if err := writeCSV(filepath.Join(opts.Out, CSVFile), results); err != nil {
		return results, err
	}
	return results, writeReport(opts, results)
}

// writeCSV writes every method's rows into one table.
func writeCSV(path string, results []Result) error {
	var rows [][]string
	for _, res := range results {
		for _, r := range res.Rows {
			rows = append(rows, []string{res.Method, strconv.Itoa(r.Step), strconv.Itoa(r.GradEvals), strconv.Itoa(r.FuncEvals),
				strconv.Itoa(r.Examples), strconv.FormatFloat(r.WallSeconds, 'f', 3, 64), repro.G(r.TrainLoss), repro.G(r.TestLoss), repro.G(r.TestAcc)})
		}
	}
	return rundir.WriteCSV(path, Columns, rows)
}
