package main

import (
	"errors"
	"fmt"
	"os"
	"strings"

	"deepopt/experiment"

	"github.com/spf13/cobra"
)

func newStripHeadsCommand() *cobra.Command {
	var out string
	cmd := &cobra.Command{
		Use:   "strip-heads RUN_DIR --out DIR",
		Short: "Write a finished run's model without its auxiliary heads",
		Long: `strip-heads writes the finished run in RUN_DIR without its auxiliary heads
(model.aux_heads), as they are discarded once training is complete: DIR gets
the run's config.yaml without the heads and a model-only checkpoint.npz, the
network's parameters at the weights the run reports and the BN statistics it
evaluates them with, and no optimizer state. train eval on DIR gives the test
accuracy of the run's main head; DIR can be distilled from or loaded into a
new run, not resumed.`,
		Example: "  go run ./cmd/train strip-heads runs/mnist-deep-sigmoid-dsn --out runs/mnist-deep-sigmoid-dsn-stripped",
		Args:    cobra.MaximumNArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			if len(args) == 0 || out == "" {
				return errors.New("name the run and the output directory: strip-heads RUN_DIR --out DIR")
			}
			src := strings.TrimSuffix(args[0], "/")
			s, err := experiment.StripHeads(src, out, os.Stderr)
			if err != nil {
				return err
			}
			run, err := experiment.Resume(out, nil, os.Stderr)
			if err != nil {
				return err
			}
			ev, err := run.Trainer.Evaluate(run.Trainer.Test)
			if err != nil {
				return err
			}
			fmt.Printf("%s: the network of %s at step %d, %d parameters (heads %s and their %d parameters dropped); test loss %.4f, test accuracy %.2f%% on %d examples\n",
				out, src, run.Trainer.Step(), s.Kept, strings.Join(s.Heads, ", "), s.Dropped, ev.Loss, 100*ev.Accuracy, run.Trainer.Test.Len())
			return nil
		},
	}
	cmd.Flags().StringVarP(&out, "out", "o", "", "new directory for the model without heads")
	return cmd
}
