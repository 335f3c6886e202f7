package main

import (
	"errors"
	"fmt"
	"path/filepath"
	"regexp"
	"strings"

	"deepopt/config"
	"deepopt/plots"
	"deepopt/repro"
	"deepopt/rundir"

	"github.com/spf13/cobra"
)

// newPlotCommand overlays a metrics column of several runs in one figure,
// with the study kit of the reproductions (package repro).
func newPlotCommand() *cobra.Command {
	var x, y, out string
	var fold, logY bool
	cmd := &cobra.Command{
		Use:   "plot RUN_DIR... --y COLUMN [--x step|examples|grad_evals|wall_s] [--out FILE] [--fold-seeds]",
		Short: "Overlay a metrics column of several runs in one figure",
		Long: `plot draws one column of the metrics.csv of every run directory against
another (the step by default) into a PNG file, one curve per run, labelled
with the run's directory name. With --fold-seeds, runs whose configurations
differ in their seed alone become one curve: the mean over the seeds, with a
shaded band from their minimum to their maximum (they must then share their
x values: fold against step, examples or, for one-gradient-per-step methods,
grad_evals). A run of stages (a pretrain section or a stages list) is drawn
whole from its stages.csv, against the step counted from the start of the
run.`,
		Example: `  go run ./cmd/train plot runs/mnist-bn runs/mnist-nobn --y test_acc
  go run ./cmd/train plot runs/compare-optim/* --y train_loss --x grad_evals --log-y --out loss.png
  go run ./cmd/train plot runs/repro-bn/*-seed* --y test_acc --fold-seeds`,
		Args: cobra.MinimumNArgs(1),
		RunE: func(cmd *cobra.Command, dirs []string) error {
			if y == "" {
				return fmt.Errorf("--y COLUMN is required: a column of metrics.csv (%s)", strings.Join(rundir.Columns, ", "))
			}
			groups, err := plotGroups(dirs, fold)
			if err != nil {
				return err
			}
			if out == "" {
				out = y + "_vs_" + x + ".png"
			}
			fig := plots.Figure{Title: repro.AxisLabel(y) + " against " + repro.AxisLabel(x), LogY: logY}
			if err := repro.Curves(out, fig, x, y, groups); err != nil {
				return err
			}
			fmt.Println("wrote", out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVar(&y, "y", "", "metrics column to draw, e.g. test_acc, train_loss, test_loss")
	f.StringVar(&x, "x", "step", "metrics column of the horizontal axis: step, examples, grad_evals or wall_s")
	f.StringVarP(&out, "out", "o", "", "PNG file to write (default <y>_vs_<x>.png)")
	f.BoolVar(&fold, "fold-seeds", false, "fold runs that differ only in their seed into a mean with a min–max band")
	f.BoolVar(&logY, "log-y", false, "logarithmic vertical axis")
	return cmd
}

// seedSuffix is the suffix the reproductions give a seed's run directory.
var seedSuffix = regexp.MustCompile(`-seed[0-9]+$`)

// plotGroups makes one curve per run, or with fold one per configuration
// up to its seed, in the order the runs were given.
func plotGroups(dirs []string, fold bool) ([]repro.Group, error) {
	var groups []repro.Group
	index := map[string]int{}
	for _, d := range dirs {
		label := filepath.Base(filepath.Clean(d))
		if !fold {
			groups = append(groups, repro.Group{Label: label, Dirs: []string{d}})
			continue
		}
		cfg, err := config.Load(filepath.Join(d, rundir.ConfigFile), nil)
		if err != nil {
			return nil, err
		}
		cfg.Seed = 0
		key, err := cfg.Marshal()
		if err != nil {
			return nil, err
		}
		i, ok := index[string(key)]
		if !ok {
			i, index[string(key)] = len(groups), len(groups)
			groups = append(groups, repro.Group{Label: seedSuffix.ReplaceAllString(label, "")})
		}
		groups[i].Dirs = append(groups[i].Dirs, d)
	}
	for i, g := range groups {
		if len(g.Dirs) > 1 {
			groups[i].Label = fmt.Sprintf("%s (%d seeds, min–max)", g.Label, len(g.Dirs))
		}
	}
	if len(groups) == 0 {
		return nil, errors.New("no run directories")
	}
	return groups, nil
}
