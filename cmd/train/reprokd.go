package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"deepopt/repro"
	"deepopt/repro/kd"

	"github.com/spf13/cobra"
)

// newReproKDCommand reproduces Hinton et al.'s (2015) MNIST distillation
// (package repro/kd).
func newReproKDCommand() *cobra.Command {
	var o kd.Options
	o.Command = repro.CommandLine(invocation, os.Args[1:])
	cmd := &cobra.Command{
		Use:   "repro-kd [--seeds 1,2] [--out DIR] [--set key=value ...]",
		Short: "Reproduce Hinton et al. (2015) §3: knowledge distillation on MNIST, with and without 3s",
		Long: `repro-kd trains configs/mnist-kd-teacher.yaml (784-1200-1200-10, dropout,
±2-pixel jitter) and configs/mnist-kd-student.yaml (784-800-800-10 on the
hard labels) for every seed, then configs/mnist-kd.yaml (the same student
distilled at T = 20 from that seed's teacher), once on the whole training set
and once without any 3; each run in DIR/<network>-seed<k> (an interrupted run
is resumed, a finished one reused). It counts the test errors of every
network, chooses the bias shift of the 3 on held-out examples, and writes
into DIR: errors.csv, accuracy.png and report.md.`,
		Example: `  go run ./cmd/train repro-kd
  go run ./cmd/train repro-kd --seeds 1,2,3 --set train.steps=12000 --out runs/repro-kd-long`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Log = os.Stderr
			rep, err := kd.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Printf("test errors: teacher %.1f, student %.1f, distilled %.1f; report: %s\n",
				rep.Errors(kd.Teacher, false, false, 0).Mean, rep.Errors(kd.Student, false, false, 0).Mean,
				rep.Errors(kd.Distilled, false, false, 0).Mean, filepath.Join(o.Dir, repro.ReportFile))
			return nil
		},
	}
	f := cmd.Flags()
	f.IntSliceVar(&o.Seeds, "seeds", []int{1, 2}, "seeds of every network")
	f.StringVarP(&o.Dir, "out", "o", "runs/repro-kd", "report directory (the runs live in subdirectories)")
	f.StringArrayVar(&o.Sets, "set", nil, "override a config key of every run, e.g. --set train.steps=3000 (repeatable)")
	f.IntVar(&o.Validation, "validation", 5000, "training examples the student without 3s holds out to choose the bias shift on")
	f.IntVar(&o.Parallel, "parallel", runtime.NumCPU(), "runs trained at once (each uses about one core)")
	return cmd
}
