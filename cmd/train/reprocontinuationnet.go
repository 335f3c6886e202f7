package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"deepopt/repro"
	"deepopt/repro/continuation/network"

	"github.com/spf13/cobra"
)

// newReproContinuationNetCommand trains a badly started deep sigmoid
// network with and without weight-noise continuation (package
// repro/continuation/network).
func newReproContinuationNetCommand() *cobra.Command {
	var o network.Options
	o.Command = repro.CommandLine(invocation, os.Args[1:])
	cmd := &cobra.Command{
		Use:   "repro-continuation-net [--seeds 1,2,3] [--config FILE] [--set key=value ...] [--out DIR]",
		Short: "Train a badly started deep sigmoid MLP with and without Gaussian weight-noise continuation",
		Long: `repro-continuation-net trains configs/continuation-deep-sigmoid.yaml (eight
sigmoid layers started on a plateau) as it is, with weight-noise continuation,
and with continuation.sigma=0, for every seed, each in DIR/<arm>-seed<k> (an
interrupted run is resumed, a finished one reused), and writes into DIR:
report.md (final test accuracy and training loss, mean and min–max over the
seeds, and the step at which each run first reached 50% test accuracy),
outcomes.csv, accuracy.png and train-loss.png (the training curves).`,
		Example: `  go run ./cmd/train repro-continuation-net
  go run ./cmd/train repro-continuation-net --set train.steps=4000 --set continuation.steps=2000 --out runs/continuation-net-short`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Log = os.Stderr
			rep, err := network.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			for _, arm := range network.Arms {
				b := rep.Accuracy[arm]
				fmt.Printf("%-12s test accuracy at step %.0f: %s\n", arm, b.X[len(b.X)-1], b.Final().Percent())
			}
			fmt.Printf("report: %s\n", filepath.Join(o.Dir, repro.ReportFile))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Dir, "out", "o", "runs/repro-continuation-net", "report directory (the runs live in subdirectories)")
	f.StringVar(&o.Config, "config", "configs/continuation-deep-sigmoid.yaml", "configuration with a continuation section")
	f.StringArrayVar(&o.Sets, "set", nil, "override a config key of both arms (repeatable)")
	f.IntSliceVar(&o.Seeds, "seeds", []int{1, 2, 3}, "seeds of each arm")
	f.IntVar(&o.Parallel, "parallel", runtime.NumCPU(), "runs trained at once (each uses about one core)")
	return cmd
}
