package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"

	"deepopt/repro"
	"deepopt/repro/bn"

	"github.com/spf13/cobra"
)

// newReproBNCommand reproduces Ioffe & Szegedy (2015) Figure 1 (package
// repro/bn).
func newReproBNCommand() *cobra.Command {
	var o bn.Options
	o.Command = repro.CommandLine(invocation, os.Args[1:])
	var seeds string
	cmd := &cobra.Command{
		Use:   "repro-bn [--seeds \"1 2 3\"] [--out DIR] [--set key=value ...]",
		Short: "Reproduce Ioffe & Szegedy (2015) Figure 1: MNIST with and without batch normalization",
		Long: `repro-bn trains configs/mnist-nobn.yaml and configs/mnist-bn.yaml (the
784-100-100-100-10 sigmoid network without and with BN) for every seed, each
in DIR/<network>-seed<k> (an interrupted run is resumed, a finished one
reused), and writes into DIR: accuracy.png (test accuracy vs step),
percentiles-nobn.png and percentiles-bn.png (15/50/85th percentiles of a
last-hidden-layer sigmoid's input), the CSVs behind them and report.md.`,
		Example: `  go run ./cmd/train repro-bn
  go run ./cmd/train repro-bn --seeds "1 2 3" --out runs/repro-bn
  go run ./cmd/train repro-bn --set train.steps=5000 --out runs/repro-bn-short`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			for _, f := range strings.FieldsFunc(seeds, func(r rune) bool { return r == ' ' || r == ',' }) {
				s, err := strconv.Atoi(f)
				if err != nil {
					return fmt.Errorf("--seeds: %q is not an integer; give seeds like \"1 2 3\"", f)
				}
				o.Seeds = append(o.Seeds, s)
			}
			ctx := cmd.Context()
			o.Log = os.Stderr
			rep, err := bn.Run(ctx, o)
			if err != nil {
				return err
			}
			without, with := rep.Accuracy[bn.NoBN], rep.Accuracy[bn.BN]
			last := len(without.Mean) - 1
			fmt.Printf("step %.0f: test accuracy %.2f%% without BN, %.2f%% with BN; report: %s\n",
				without.X[last], 100*without.Mean[last], 100*with.Mean[last], filepath.Join(o.Dir, repro.ReportFile))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&seeds, "seeds", "1", "seeds to train each network with, separated by spaces or commas")
	f.StringVarP(&o.Dir, "out", "o", "runs/repro-bn", "report directory (the runs live in subdirectories)")
	f.StringVar(&o.NoBN, "nobn", "configs/mnist-nobn.yaml", "configuration of the network without BN")
	f.StringVar(&o.BN, "bn", "configs/mnist-bn.yaml", "configuration of the network with BN")
	f.StringArrayVar(&o.Sets, "set", nil, "override a config key of both networks, e.g. --set train.steps=5000 (repeatable)")
	f.IntVar(&o.Unit, "unit", 0, "the recorded unit drawn in the percentile figures")
	f.IntVar(&o.DriftFrom, "drift-from", 500, "first step of the drift measurements")
	f.IntVar(&o.Parallel, "parallel", runtime.NumCPU(), "runs trained at once (each uses about one core)")
	return cmd
}
