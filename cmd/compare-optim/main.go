// Command compare-optim trains the Ioffe & Szegedy MNIST network with BN
// with SGD, momentum, Adam, CG, L-BFGS and Newton-CG for the same budget of
// gradient evaluations and writes compare.csv, report.md and figures of training loss
// and test accuracy against gradient evaluations and wall time (package
// repro/optimizers). `make compare-optim` runs it; see the README.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"strings"

	"deepopt/repro"
	"deepopt/repro/optimizers"
)

// sets collects repeated --set flags.
type sets []string

func (s *sets) String() string     { return strings.Join(*s, " ") }
func (s *sets) Set(v string) error { *s = append(*s, v); return nil }

func main() {
	var opts optimizers.Options
	var overrides sets
	flag.StringVar(&opts.Base, "config", "configs/compare-optim.yaml", "base configuration every method starts from")
	flag.Var(&overrides, "set", "override a key of the base configuration for every method (repeatable), e.g. --set data.train_limit=10000")
	flag.IntVar(&opts.Budget, "budget", 3000, "gradient evaluations per method")
	flag.IntVar(&opts.Points, "points", 20, "evaluations on the test set per method")
	flag.StringVar(&opts.Out, "out", "runs/compare-optim", "output folder (must not hold a comparison)")
	only := flag.String("methods", "", "comma-separated subset of sgd,momentum,adam,cg,lbfgs,newton-cg (default: all)")
	flag.Parse()
	opts.Sets, opts.Log = overrides, os.Stderr
	opts.Command = repro.CommandLine("go run ./cmd/compare-optim", os.Args[1:])
	methods, err := pick(*only)
	if err != nil {
		fail(err)
	}
	opts.Methods = methods
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt)
	defer stop()
	results, err := optimizers.Run(ctx, opts)
	if err != nil {
		fail(err)
	}
	fmt.Printf("%-10s %8s %6s %9s %11s %9s\n", "method", "grad_ev", "steps", "wall_s", "train_loss", "test_acc")
	for _, r := range results {
		if len(r.Rows) == 0 {
			fmt.Printf("%-10s (no rows)\n", r.Method)
			continue
		}
		last := r.Rows[len(r.Rows)-1]
		fmt.Printf("%-10s %8d %6d %9.1f %11.4f %8.2f%%\n", r.Method, last.GradEvals, last.Step, last.WallSeconds, last.TrainLoss, 100*last.TestAcc)
	}
	fmt.Printf("wrote %s/%s, %s and %s\n", opts.Out, optimizers.CSVFile, repro.ReportFile, strings.Join(optimizers.Figures, ", "))
}

// pick selects methods of optimizers.DefaultMethods by name.
func pick(names string) ([]optimizers.Method, error) {
	all := optimizers.DefaultMethods()
	if names == "" {
		return all, nil
	}
	var out []optimizers.Method
	for _, name := range strings.Split(names, ",") {
		found := false
		for _, m := range all {
			if m.Name == name {
				out, found = append(out, m), true
			}
		}
		if !found {
			var valid []string
			for _, m := range all {
				valid = append(valid, m.Name)
			}
			return nil, fmt.Errorf("--methods: unknown method %q; valid: %s", name, strings.Join(valid, ", "))
		}
	}
	return out, nil
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "compare-optim:", err)
	if errors.Is(err, context.Canceled) {
		os.Exit(130)
	}
	os.Exit(1)
}
