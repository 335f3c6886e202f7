// Command train trains deepopt models from YAML configurations, resumes
// interrupted runs and evaluates saved checkpoints. See `train --help`.
package main

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"runtime/debug"
	"slices"
	"strings"

	"deepopt/config"
	"deepopt/experiment"
	"deepopt/rundir"
	"deepopt/stage"
	"deepopt/train"

	"github.com/spf13/cobra"
	"github.com/spf13/pflag"
)

// version is set at build time with -ldflags "-X main.version=...".
var version = "dev"

// invocation is how the README runs the command, from the repository's root;
// help and hints name it so that what they print works as typed.
const invocation = "go run ./cmd/train"

func main() {
	if os.Getenv("GOGC") == "" {
		// A run's heap is mostly its data set (MNIST's grey levels,
		// 55 MB) and the graph's buffers, which hold no pointers, so a
		// collection costs little; Go's default GOGC=100 lets the heap
		// grow to twice the live heap before collecting (measured on
		// make run: 175 MB peak resident instead of 130 MB, for the same
		// CPU time).
		debug.SetGCPercent(20)
	}
	err := execute(os.Args[1:])
	var stopped interruption
	switch {
	case errors.As(err, &stopped):
		if stopped.err != nil {
			fmt.Fprintln(os.Stderr, "train:", stopped.err)
		}
		os.Exit(stopped.exitCode())
	case err != nil:
		fmt.Fprintln(os.Stderr, "train:", err)
		os.Exit(1)
	}
}

// execute runs the CLI on args; panics inside become errors so that none
// crosses the command line. A command stopped by a signal (stopSignals)
// returns an interruption, whatever else it reported.
func execute(args []string) (err error) {
	defer func() {
		if p := recover(); p != nil {
			err = fmt.Errorf("internal error: %v", p)
		}
	}()
	root := newRootCommand()
	root.InitDefaultHelpCmd()
	root.InitDefaultCompletionCmd()
	// A first word that names no subcommand is a mistyped one: say so before
	// the flags meant for it are blamed instead.
	if cmd, rest, err := root.Find(args); err == nil && cmd == root && len(rest) > 0 && !strings.HasPrefix(rest[0], "-") {
		return unknownCommand(root, rest[:1])
	}
	root.SetArgs(args)
	ctx, release := stopContext()
	defer release()
	err = root.ExecuteContext(ctx)
	if stopped, ok := context.Cause(ctx).(interruption); ok {
		if !errors.Is(err, train.ErrInterrupted) {
			stopped.err = err
		}
		return stopped
	}
	return err
}

// unknownCommand is the root's argument check: train takes no arguments, so
// a word is a subcommand it does not know; it suggests the nearest one.
func unknownCommand(cmd *cobra.Command, args []string) error {
	if len(args) == 0 {
		return nil
	}
	var names []string
	for _, c := range cmd.Commands() {
		if c.IsAvailableCommand() && c.Name() != "completion" && c.Name() != "help" {
			names = append(names, c.Name())
		}
	}
	msg := fmt.Sprintf("unknown command %q", args[0])
	if near, ok := config.Closest(args[0], names); ok {
		msg += fmt.Sprintf("; did you mean %q?", near)
	}
	return fmt.Errorf("%s (commands: %s)", msg, strings.Join(names, ", "))
}

// flagError explains a flag the command does not know: it suggests the
// nearest flag of the command, or the --set that changes a config key of
// that name (--stes: --set train.steps=…), and lists the valid flags.
func flagError(cmd *cobra.Command, err error) error {
	name, ok := strings.CutPrefix(err.Error(), "unknown flag: --")
	if !ok {
		return err
	}
	var flags []string
	cmd.Flags().VisitAll(func(f *pflag.Flag) { flags = append(flags, f.Name) })
	list := "--" + strings.Join(flags, ", --")
	if near, ok := config.Closest(name, flags); ok {
		return fmt.Errorf("unknown flag --%s; did you mean --%s? (flags of %s: %s)", name, near, cmd.Name(), list)
	}
	keys := config.Keys()
	leaves := make([]string, len(keys))
	for i, k := range keys {
		leaves[i] = k[strings.LastIndex(k, ".")+1:]
	}
	if near, ok := config.Closest(name, leaves); ok && cmd.Flags().Lookup("set") != nil {
		key := keys[slices.Index(leaves, near)]
		return fmt.Errorf("unknown flag --%s; config keys change with --set, e.g. --set %s=VALUE (flags of %s: %s)", name, key, cmd.Name(), list)
	}
	return fmt.Errorf("unknown flag --%s (flags of %s: %s)", name, cmd.Name(), list)
}

func newRootCommand() *cobra.Command {
	var configPath, out, resume string
	var sets []string
	root := &cobra.Command{
		Use:   "train --config FILE [--set key=value ...] [--out DIR] | --resume DIR [--set key=value ...]",
		Short: "Train a deepopt model from a YAML configuration",
		Long: `train builds the model, data, optimizer and schedule a YAML configuration
describes, trains it and writes a run directory: the resolved config.yaml,
metrics.csv (one row per evaluation) and checkpoint.npz (everything needed to
resume exactly; a NumPy archive). Ctrl-C saves a checkpoint and stops; resume
with --resume. A config with a stages list or a pretrain section runs its
stages one after another, each a run directory in a folder of the run's
(1-layer1, 2-layer2, ...), and writes stages.csv, all their metrics in one
table.`,
		Example: `  go run ./cmd/train --config configs/mnist-bn.yaml
  go run ./cmd/train --config configs/mnist-bn.yaml --set train.steps=3000 --set schedule.lr=0.5 --out runs/short
  go run ./cmd/train --resume runs/short --set train.steps=6000
  go run ./cmd/train eval --checkpoint runs/short`,
		Annotations:   map[string]string{cobra.CommandDisplayNameAnnotation: invocation},
		SilenceUsage:  true,
		SilenceErrors: true,
		Args:          unknownCommand,
		RunE: func(cmd *cobra.Command, _ []string) error {
			ctx := cmd.Context()
			var run *experiment.Run
			var err error
			switch {
			case resume != "" && configPath != "":
				return errors.New("--config and --resume exclude each other: a resumed run uses the config saved in its directory (override keys with --set)")
			case resume != "":
				if out != "" {
					return errors.New("--out does not apply with --resume: the run continues in its own directory")
				}
				if stage.IsStaged(resume) {
					if len(sets) > 0 {
						return fmt.Errorf("%s is a run of stages, which resumes with the config it started with; --set does not apply (each stage's config is in its folder)", resume)
					}
					staged, err := stage.Resume(resume, os.Stderr)
					if err != nil {
						return err
					}
					return startStages(ctx, staged)
				}
				run, err = experiment.Resume(resume, sets, os.Stderr)
			case configPath != "":
				cfg, lerr := config.Load(configPath, sets)
				if lerr != nil {
					return lerr
				}
				if out == "" {
					out = filepath.Join("runs", cfg.Name)
				}
				if err := experiment.CheckFresh(out); err != nil {
					return err
				}
				if cfg.Staged() {
					staged, err := stage.New(cfg, out, os.Stderr)
					if err != nil {
						return err
					}
					return startStages(ctx, staged)
				}
				run, err = experiment.New(cfg, out, os.Stderr)
			default:
				return errors.New("say what to train: --config FILE (a new run) or --resume DIR (continue one); see --help")
			}
			if err != nil {
				return err
			}
			// Give the buffers that loading the data went through back to
			// the system before training.
			debug.FreeOSMemory()
			switch {
			case run.Trainer.ModelOnly(): // Start refuses it, saying why
			case run.Trainer.Finished():
				return reportFinished(run)
			default:
				fmt.Fprintf(os.Stderr, "run directory: %s\n", run.Dir)
			}
			res, err := run.Start(ctx)
			if errors.Is(err, train.ErrInterrupted) {
				fmt.Fprintf(os.Stderr, "\ninterrupted after step %d; checkpoint saved. Continue with: %s --resume %s\n", run.Trainer.Step(), invocation, run.Dir)
				return err
			}
			if err != nil {
				return err
			}
			if res.BudgetSpent {
				fmt.Printf("stopped at step %d of %d: %d gradient evaluations reached train.max_grad_evals\n",
					res.Steps, run.Trainer.Steps, res.GradEvals)
			}
			fmt.Printf("step %d: train loss %.4f, test loss %.4f, test accuracy %.2f%% (%.1f s)\n",
				res.Steps, res.TrainLoss, res.Test.Loss, 100*res.Test.Accuracy, res.WallSeconds)
			return nil
		},
	}
	f := root.Flags()
	f.StringVarP(&configPath, "config", "c", "", "YAML configuration of a new run (see configs/ and the README's config reference)")
	f.StringArrayVar(&sets, "set", nil, "override a config key by its dotted path, e.g. --set train.steps=3000 (repeatable; values are YAML)")
	f.StringVarP(&out, "out", "o", "", "run directory of a new run (default runs/<name>)")
	f.StringVar(&resume, "resume", "", "continue the run in this directory from its checkpoint")
	root.SetFlagErrorFunc(flagError)
	root.AddCommand(newEvalCommand(), newVersionCommand(), newReproBNCommand(), newProbeCommand(), newReproLandscapeCommand(), newPlotCommand(), newReproContinuationCommand(), newReproSparseCodingCommand(), newReproKDCommand(), newReproFitNetsCommand(), newReproCurriculumCommand(), newReproContinuationNetCommand(), newShapesCommand(), newStripHeadsCommand(), newReproDeepCommand())
	return root
}

// startStages runs the stages of a run of stages not finished yet and
// reports the last one's result.
func startStages(ctx context.Context, r *stage.Run) error {
	fmt.Fprintf(os.Stderr, "run directory: %s (%d stages; stages.csv holds their metrics in one table)\n", r.Dir, len(r.Stages))
	res, err := r.Start(ctx)
	if errors.Is(err, train.ErrInterrupted) {
		fmt.Fprintf(os.Stderr, "\ninterrupted; checkpoint saved. Continue with: %s --resume %s\n", invocation, r.Dir)
		return err
	}
	if err != nil {
		return err
	}
	if res.Steps == 0 {
		fmt.Printf("%s is finished; nothing was written\n", r.Dir)
		return nil
	}
	fmt.Printf("last stage (%s), step %d: train loss %.4f, test loss %.4f, test accuracy %.2f%% (%.1f s)\n",
		r.Stages[len(r.Stages)-1].Name, res.Steps, res.TrainLoss, res.Test.Loss, 100*res.Test.Accuracy, res.WallSeconds)
	return nil
}

// reportFinished says that a resumed run has nothing left to do, with its
// final numbers (the last row of its metrics.csv), and how to extend it; it
// writes nothing.
func reportFinished(run *experiment.Run) error {
	t := run.Trainer
	limit := fmt.Sprintf("--set train.steps=%d", 2*t.Steps)
	reached := fmt.Sprintf("step %d of %d", t.Step(), t.Steps)
	if t.Step() < t.Steps {
		limit = fmt.Sprintf("--set train.max_grad_evals=%d", 2*t.MaxGradEvals)
		reached = fmt.Sprintf("step %d, where it spent its train.max_grad_evals of %d gradient evaluations", t.Step(), t.MaxGradEvals)
	}
	numbers := ""
	if rows, err := rundir.ReadMetrics(filepath.Join(run.Dir, rundir.MetricsFile)); err == nil && len(rows) > 0 {
		last := rows[len(rows)-1]
		numbers = fmt.Sprintf(": train loss %.4f, test loss %.4f, test accuracy %.2f%% (%.1f s)", last.TrainLoss, last.TestLoss, 100*last.TestAcc, last.WallSeconds)
	}
	fmt.Printf("%s is finished at %s%s; nothing was written. Extend it with: %s --resume %s %s\n", run.Dir, reached, numbers, invocation, run.Dir, limit)
	return nil
}

func newEvalCommand() *cobra.Command {
	var dir string
	cmd := &cobra.Command{
		Use:     "eval --checkpoint RUN_DIR",
		Short:   "Report the test loss and accuracy of a saved model",
		Example: "  go run ./cmd/train eval --checkpoint runs/mnist-bn",
		Args:    cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			if dir == "" {
				return errors.New("--checkpoint RUN_DIR is required")
			}
			dir = strings.TrimSuffix(dir, "/"+rundir.CheckpointFile)
			run, err := experiment.Resume(dir, nil, os.Stderr)
			if err != nil {
				return err
			}
			ev, err := run.Trainer.Evaluate(run.Trainer.Test) // the averaged weights, when averaging; BN statistics as train.eval_bn says
			if err != nil {
				return err
			}
			fmt.Printf("%s (step %d): test loss %.4f, test accuracy %.2f%% on %d examples\n",
				dir, run.Trainer.Step(), ev.Loss, 100*ev.Accuracy, run.Trainer.Test.Len())
			return nil
		},
	}
	cmd.Flags().StringVar(&dir, "checkpoint", "", "run directory (or its checkpoint.npz) to evaluate")
	return cmd
}

func newVersionCommand() *cobra.Command {
	return &cobra.Command{
		Use:   "version",
		Short: "Print the version",
		Args:  cobra.NoArgs,
		Run:   func(cmd *cobra.Command, _ []string) { fmt.Println("deepopt train", version) },
	}
}
