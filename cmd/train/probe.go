package main

import (
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"text/tabwriter"

	"deepopt/experiment"
	"deepopt/landscape"
	"deepopt/rundir"

	"github.com/spf13/cobra"
)

// newProbeCommand probes the loss landscape of a saved model once (package
// landscape).
func newProbeCommand() *cobra.Command {
	var dir string
	var sets []string
	cmd := &cobra.Command{
		Use:   "probe --checkpoint RUN_DIR [--set probe.key=value ...]",
		Short: "Probe the loss landscape of a saved model along its gradient (Santurkar et al. 2018)",
		Long: `probe restores the checkpoint of RUN_DIR and measures, on the run's fixed
probe set (probe.batches minibatches of the training set, seeded by the run's
seed) and for every step size η of probe.etas: the loss L(θ − ηg), the
gradient change ‖∇L(θ − ηg) − ∇L(θ)‖ and its ratio to ‖ηg‖, their ranges, the
effective β-smoothness, and each layer's internal covariate shift after the
earlier layers take a step of probe.ics_lr (0: the run's learning rate). The
probe section of the run's config applies, with --set on top.`,
		Example: `  go run ./cmd/train probe --checkpoint runs/mnist-bn
  go run ./cmd/train probe --checkpoint runs/mnist-bn --set probe.batches=10 --set "probe.etas=[0.1, 0.5, 1]"`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return errors.New("--checkpoint RUN_DIR is required")
			}
			dir = strings.TrimSuffix(dir, "/"+rundir.CheckpointFile)
			run, err := experiment.Resume(dir, sets, os.Stderr)
			if err != nil {
				return err
			}
			if run.Config.Probe.Batch == "train" {
				return errors.New("probe.batch train probes the minibatch of a training step, which a checkpoint does not hold; use --set probe.batch=fixed")
			}
			h, err := experiment.NewProbe(run.Config, run.Trainer)
			if err != nil {
				return err
			}
			rec, err := h.Measure(run.Trainer)
			if err != nil {
				return err
			}
			out := cmd.OutOrStdout()
			fmt.Fprintf(out, "%s (step %d), probe set: %d minibatches of %d training examples (seed %d)\n\n",
				dir, rec.Step, run.Config.Probe.Batches, run.Config.Train.BatchSize, run.Config.Seed)
			return printRecord(out, rec)
		},
	}
	cmd.Flags().StringVar(&dir, "checkpoint", "", "run directory (or its checkpoint.npz) to probe")
	cmd.Flags().StringArrayVar(&sets, "set", nil, "override a key of the run's config, e.g. --set probe.batches=10 (repeatable)")
	return cmd
}

// printRecord writes a probe as three tables: along the gradient, the
// summary, and ICS per layer.
func printRecord(w io.Writer, r landscape.Record) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "η\tL(θ − ηg)\t‖∇L(θ − ηg) − ∇L(θ)‖\t… / ‖ηg‖\t\n")
	fmt.Fprintf(tw, "0\t%.6g\t0\t\t\n", r.Loss)
	for j, eta := range r.Etas {
		fmt.Fprintf(tw, "%g\t%.6g\t%.6g\t%.6g\t\n", eta, r.Losses[j], r.GradChanges[j], r.GradChanges[j]/(eta*r.GradNorm))
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	fmt.Fprintf(w, "\n‖∇L(θ)‖ = %.6g\nloss range [%.6g, %.6g]\ngradient change range [%.6g, %.6g]\neffective β-smoothness %.6g\n\n",
		r.GradNorm, r.LossMin, r.LossMax, r.GradChangeMin, r.GradChangeMax, r.BetaSmoothness)
	fmt.Fprintf(w, "internal covariate shift, the earlier layers stepped by lr = %g:\n", r.LR)
	fmt.Fprintf(tw, "layer\t‖G − G'‖\tcos∠(G, G')\t\n")
	for _, s := range r.ICS {
		fmt.Fprintf(tw, "%s\t%.6g\t%.6g\t\n", s.Layer, s.L2, s.Cos)
	}
	return tw.Flush()
}
