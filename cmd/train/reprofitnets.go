package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"deepopt/repro"
	"deepopt/repro/fitnets"

	"github.com/spf13/cobra"
)

// newReproFitNetsCommand reproduces Romero et al.'s (2015) FitNets MNIST
// comparison (package repro/fitnets).
func newReproFitNetsCommand() *cobra.Command {
	var o fitnets.Options
	o.Command = repro.CommandLine(invocation, os.Args[1:])
	cmd := &cobra.Command{
		Use:   "repro-fitnets [--seeds 1,2] [--out DIR] [--set key=value ...] [--student-set key=value ...]",
		Short: "Reproduce Romero et al. (2015) §4.3: FitNets on MNIST, standard backprop vs KD vs hints + KD",
		Long: `repro-fitnets trains configs/mnist-fitnets-teacher.yaml (the wide teacher) for
every seed, then the thin, deep student of configs/mnist-fitnets.yaml three
ways for the same number of minibatches: by standard backprop, by knowledge
distillation from that seed's teacher alone, and by hints then knowledge
distillation (the config's two stages); each run in DIR/<network>-seed<k> (an
interrupted run is resumed, a finished one reused). It writes into DIR:
errors.csv, accuracy.png and report.md, the test errors beside the paper's.`,
		Example: `  go run ./cmd/train repro-fitnets
  go run ./cmd/train repro-fitnets --seeds 1,2,3 --student-set train.steps=5000 --student-set distill.until=5000 --out runs/repro-fitnets-long`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Log = os.Stderr
			rep, err := fitnets.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			fmt.Printf("test error: teacher %.2f%%, standard %.2f%%, KD %.2f%%, hints + KD %.2f%%; report: %s\n",
				100*rep.Error(fitnets.Teacher).Mean, 100*rep.Error(fitnets.Standard).Mean, 100*rep.Error(fitnets.KD).Mean,
				100*rep.Error(fitnets.Hints).Mean, filepath.Join(o.Dir, repro.ReportFile))
			return nil
		},
	}
	f := cmd.Flags()
	f.IntSliceVar(&o.Seeds, "seeds", []int{1, 2}, "seeds of every network")
	f.StringVarP(&o.Dir, "out", "o", "runs/repro-fitnets", "report directory (the runs live in subdirectories)")
	f.StringArrayVar(&o.Sets, "set", nil, "override a config key of every run, teachers included, e.g. --set train.eval_every=250 (repeatable)")
	f.StringArrayVar(&o.StudentSets, "student-set", nil, "override a config key of the students alone, e.g. --student-set train.steps=1000 (the kd stage's length; repeatable)")
	f.IntVar(&o.Parallel, "parallel", runtime.NumCPU(), "runs trained at once (each uses about one core)")
	return cmd
}
