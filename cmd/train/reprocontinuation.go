package main

import (
	"fmt"
	"os"
	"path/filepath"

	"deepopt/repro"
	"deepopt/repro/continuation"

	"github.com/spf13/cobra"
)

// newReproContinuationCommand compares continuation with plain local
// minimisation on problems with closed-form smoothing (package
// repro/continuation).
func newReproContinuationCommand() *cobra.Command {
	var o continuation.Options
	o.Command = repro.CommandLine(invocation, os.Args[1:])
	cmd := &cobra.Command{
		Use:   "repro-continuation [--starts N] [--seed S] [--samples 16,256] [--out DIR]",
		Short: "Reproduce continuation (Mobahi & Fisher 2015) against plain L-BFGS on an RBF mixture and Rastrigin",
		Long: `repro-continuation minimises a 2-D mixture of Gaussian wells and 10-D Rastrigin
from --starts random starts each, by L-BFGS alone and by continuation (L-BFGS
on Gaussian smoothings of widths 2, 1, …, 0.0625, then f), the smoothing exact
or estimated by Monte Carlo from K antithetic pairs for each K of --samples,
and writes into DIR: report.md (share of starts reaching the global minimum,
final values, evaluations), outcomes.csv, summary.csv, smoothing.csv, the
smoothed 1-D functions smoothing-rbf.png and smoothing-rastrigin.png, and
the sorted final values final-values-rbf.png and final-values-rastrigin.png.`,
		Example: `  train repro-continuation
  train repro-continuation --starts 20 --samples 64 --out runs/continuation-short`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Log = os.Stderr
			rep, err := continuation.Run(o)
			if err != nil {
				return err
			}
			for _, s := range rep.Summaries() {
				fmt.Printf("%-18s %-46s reached f* %3d/%d, mean final f %.4g, mean evaluations %.0f\n",
					s.Problem, continuation.Describe(s.Method), s.Successes, s.Runs, s.MeanF, s.MeanEvals)
			}
			fmt.Printf("report: %s\n", filepath.Join(o.Dir, repro.ReportFile))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Dir, "out", "o", "runs/repro-continuation", "report directory")
	f.IntVar(&o.Starts, "starts", 100, "random starts per problem")
	f.Uint64Var(&o.Seed, "seed", 1, "seed of the mixture, the starts and the Monte-Carlo noise")
	f.IntSliceVar(&o.Samples, "samples", []int{16, 256}, "antithetic pairs K per Monte-Carlo evaluation, one continuation per K")
	return cmd
}
