package main

import (
	"fmt"
	"os"
	"path/filepath"
	"runtime"

	"deepopt/repro"
	"deepopt/repro/curriculum"

	"github.com/spf13/cobra"
)

// newReproCurriculumCommand reproduces Bengio et al.'s (2009) switch
// experiment and Wu, Dyer & Neyshabur's (2021) comparison of orderings at
// small scale (package repro/curriculum).
func newReproCurriculumCommand() *cobra.Command {
	var o curriculum.Options
	o.Command = repro.CommandLine(invocation, os.Args[1:])
	cmd := &cobra.Command{
		Use:   "repro-curriculum [--out DIR] [--switch-seeds 1,2,3,4,5] [--wu-seeds 1,2,3] [--shapes-set key=value ...] [--mnist-set key=value ...]",
		Short: "Reproduce Bengio et al.'s (2009) curriculum switch on shapes and Wu et al.'s (2021) orderings on MNIST",
		Long: `repro-curriculum writes BasicShapes and GeomShapes into DIR/data, trains
configs/curriculum-shapes.yaml on BasicShapes until a switch point (0, 1/4, 1/2,
3/4 of the budget) and then on GeomShapes, and on the union of both, for every
--switch-seeds seed (in DIR/switch); then configs/curriculum-mnist.yaml on MNIST
with standard training, with curriculum, anti-curriculum and random
orderings and with the curriculum applied as example weights (scored by the
standard run's per-example loss, each ordering at the pacing of a sweep at
--sweep-seed with the best accuracy on --validation held-out training
examples, the weighted curriculum at the curriculum's), at the full budget, a tenth of it and with
40% label noise, for every --wu-seeds seed (in DIR/wu). Finished runs are
reused, interrupted ones resumed. It writes report.md, switch.csv, wu.csv,
sweep.csv, switch.png and wu-full.png, wu-tenth.png, wu-noisy.png.`,
		Example: `  go run ./cmd/train repro-curriculum
  go run ./cmd/train repro-curriculum --mnist-set train.steps=1000 --out runs/curriculum-short`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Log = os.Stderr
			rep, err := curriculum.Run(cmd.Context(), o)
			if err != nil {
				return err
			}
			for _, arm := range rep.Switch.Arms {
				fmt.Printf("shapes %-10s GeomShapes test error %s\n", arm, repro.SpreadOf(rep.Switch.Error[arm]).Percent())
			}
			for _, setting := range curriculum.Settings {
				for _, arm := range append([]string{curriculum.Standard}, curriculum.Arms...) {
					fmt.Printf("mnist %-5s %-10s test accuracy %s\n", setting, arm, repro.SpreadOf(rep.Wu.Accuracy[setting][arm]).Percent())
				}
			}
			fmt.Printf("report: %s\n", filepath.Join(o.Dir, repro.ReportFile))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Dir, "out", "o", "runs/repro-curriculum", "report directory (the data and the runs live in subdirectories)")
	f.StringVar(&o.ShapesConfig, "shapes-config", "configs/curriculum-shapes.yaml", "configuration of the switch experiment")
	f.StringVar(&o.MNISTConfig, "mnist-config", "configs/curriculum-mnist.yaml", "configuration of the MNIST comparison")
	f.StringArrayVar(&o.ShapesSets, "shapes-set", nil, "override a key of the shapes config, e.g. --shapes-set train.steps=2000 (repeatable)")
	f.StringArrayVar(&o.MNISTSets, "mnist-set", nil, "override a key of the MNIST config (repeatable)")
	f.IntVar(&o.ShapesTrain, "shapes-train", 10000, "training images of each shape set")
	f.IntVar(&o.ShapesTest, "shapes-test", 5000, "test images of each shape set")
	f.IntSliceVar(&o.SwitchSeeds, "switch-seeds", []int{1, 2, 3, 4, 5}, "seeds of the switch experiment")
	f.IntSliceVar(&o.WuSeeds, "wu-seeds", []int{1, 2, 3}, "seeds of the MNIST comparison")
	f.IntVar(&o.SweepSeed, "sweep-seed", 0, "seed of the pacing sweep (kept apart from the reported seeds)")
	f.IntVar(&o.Validation, "validation", 5000, "MNIST training examples the sweep holds out to choose the pacings on")
	f.IntVar(&o.Parallel, "parallel", runtime.NumCPU(), "runs trained at once (each uses about one core)")
	return cmd
}
