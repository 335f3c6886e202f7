package main

import (
	"fmt"
	"os"
	"path/filepath"

	"deepopt/repro"
	"deepopt/repro/landscape"

	"github.com/spf13/cobra"
)

// newReproLandscapeCommand reproduces Santurkar et al.'s landscape probes on
// the Ioffe & Szegedy MNIST networks (package repro/landscape).
func newReproLandscapeCommand() *cobra.Command {
	var o landscape.Options
	o.Command = repro.CommandLine(invocation, os.Args[1:])
	cmd := &cobra.Command{
		Use:   "repro-landscape [--steps N] [--every N] [--batches N] [--out DIR] [--set key=value ...]",
		Short: "Reproduce Santurkar et al. (2018) landscape probes on MNIST with and without batch normalization",
		Long: `repro-landscape trains configs/mnist-nobn.yaml and configs/mnist-bn.yaml at once,
each in DIR/nobn and DIR/bn (an interrupted run is continued, a finished one
reused), probing both every --every steps on the same fixed probe set, and
writes into DIR: loss_landscape.png, gradient_predictiveness.png (min–max
bands over the step sizes), beta_smoothness.png, ics.png and report.md.`,
		Example: `  go run ./cmd/train repro-landscape
  go run ./cmd/train repro-landscape --steps 3000 --every 100 --out runs/repro-landscape-short`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			o.Log = os.Stderr
			if _, err := landscape.Run(ctx, o); err != nil {
				return err
			}
			fmt.Printf("report: %s\n", filepath.Join(o.Dir, repro.ReportFile))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Dir, "out", "o", "runs/repro-landscape", "report directory (the runs live in its nobn and bn subdirectories)")
	f.StringVar(&o.NoBN, "nobn", "configs/mnist-nobn.yaml", "configuration of the network without BN")
	f.StringVar(&o.BN, "bn", "configs/mnist-bn.yaml", "configuration of the network with BN")
	f.IntVar(&o.Steps, "steps", 10000, "training steps of each network")
	f.IntVar(&o.Every, "every", 250, "probing cadence in steps")
	f.IntVar(&o.Batches, "batches", 10, "training minibatches in the fixed probe set")
	f.StringArrayVar(&o.Sets, "set", nil, "override a config key of both networks (repeatable)")
	return cmd
}
