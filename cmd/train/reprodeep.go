package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"deepopt/repro"
	"deepopt/repro/deep"

	"github.com/spf13/cobra"
)

// newReproDeepCommand compares auxiliary heads, batch normalization and
// greedy pretraining with plain SGD on a deep sigmoid MLP, the CNN with and
// without heads, and transfer with few labels (package repro/deep).
func newReproDeepCommand() *cobra.Command {
	var o deep.Options
	o.Command = repro.CommandLine(invocation, os.Args[1:])
	cmd := &cobra.Command{
		Use:   "repro-deep [--seeds 1,2,3] [--budgets 250,500,1000,2000] [--set key=value ...] [--out DIR]",
		Short: "Compare auxiliary heads, BN and greedy pretraining with plain SGD on a deep sigmoid MLP, and transfer with few labels",
		Long: `repro-deep tunes plain SGD's learning rate on configs/mnist-deep-sigmoid-dsn.yaml
without its heads (held-out training examples), then trains that network at
the tuned rate plainly, with its auxiliary heads, with batch normalization and
by greedy supervised pretraining plus fine-tuning, for every seed, up to the
largest budget; records the per-layer gradient norms of the first steps with
and without the heads; trains configs/mnist-cnn-dsn.yaml with and without its
heads; and transfers configs/mnist-bn.yaml from digits 0–4 to 5–9 with few
labels (frozen features and a new head, full fine-tuning, from scratch). Every
run lives in DIR/<arm>-seed<k> (an interrupted run is resumed, a finished one
reused); DIR gets report.md, accuracy.png, gradnorm-plain.png,
gradnorm-dsn.png and the CSVs behind them.`,
		Example: `  go run ./cmd/train repro-deep
  go run ./cmd/train repro-deep --budgets 1000,2000,4000 --out runs/repro-deep-long`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Log = os.Stderr
			rep, err := deep.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			for _, arm := range deep.Arms {
				b := rep.Accuracy[arm]
				fmt.Printf("%-9s test accuracy after %.0f examples: %s\n", arm, b.X[len(b.X)-1], b.Final().Percent())
			}
			fmt.Printf("report: %s\n", filepath.Join(o.Dir, repro.ReportFile))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Dir, "out", "o", "runs/repro-deep", "report directory (the runs live in subdirectories)")
	f.StringArrayVar(&o.Sets, "set", nil, "override a config key of every run (repeatable)")
	f.IntSliceVar(&o.Seeds, "seeds", []int{1, 2, 3}, "seeds of every arm")
	f.IntSliceVar(&o.Budgets, "budgets", []int{250, 500, 1000, 2000}, "training steps at which the deep MLP's arms are compared, each a multiple of the first")
	f.IntSliceVar(&o.CNNSeeds, "cnn-seeds", []int{1, 2, 3}, "seeds of the CNN with and without heads")
	f.IntVar(&o.CNNSteps, "cnn-steps", 500, "steps of the CNN with and without heads")
	f.IntVar(&o.Parallel, "parallel", runtime.NumCPU(), "runs trained at once (each uses about one core)")
	return cmd
}
