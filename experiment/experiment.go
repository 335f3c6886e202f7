// Package experiment assembles a complete training run from a configuration:
// it loads the data, builds the model, the optimizer and the schedule, wires
// them into a train.Trainer and manages the run directory (the resolved
// config, metrics, checkpoint, resume). The CLI is a thin shell over it, and
// library users who start from YAML use it directly; users who build their
// pieces in Go use train.Trainer instead.
package experiment

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"deepopt/checkpoint"
	"deepopt/config"
	"deepopt/data"
	"deepopt/footprint"
	"deepopt/internal/atomicfile"
	"deepopt/internal/memory"
	"deepopt/model"
	"deepopt/rundir"
	"deepopt/train"
	"deepopt/transfer"
)

// Run is a training run assembled from a configuration.
type Run struct {
	Config  *config.Config
	Dir     string
	Trainer *train.Trainer
}

// New assembles a run of cfg writing into dir ("" writes nothing). Progress
// and notices (such as an MNIST download) go to log. Nothing is written until
// Start, and every check that needs the data comes first: a batch larger
// than the training set, and a model whose parameters, activations and
// optimizer state cannot fit into the memory available (refused with the
// estimate, the figure and the key to change, rather than by the runtime's
// out-of-memory crash). With an init section the model starts from the
// parameters it loads from another run.
func New(cfg *config.Config, dir string, log io.Writer) (*Run, error) {
	r, err := assemble(cfg, dir, log)
	if err != nil {
		return nil, err
	}
	if err := r.initialise(log); err != nil {
		return nil, err
	}
	return r, nil
}

// initialise loads the parameters of the init section, if any, into the
// model of a run at step 0.
func (r *Run) initialise(log io.Writer) error {
	if r.Config.Init.From == "" {
		return nil
	}
	theta, err := transfer.Load(r.Config.Init, r.Trainer.Model, log)
	r.Trainer.Theta0 = theta
	return err
}

// assemble builds the run of cfg in dir at its fresh initialisation.
func assemble(cfg *config.Config, dir string, log io.Writer) (*Run, error) {
	if cfg.Staged() {
		return nil, fmt.Errorf("%s is a run of stages (a stages list or a pretrain section); run it with package stage (the train command does), each stage a run of its own in a subdirectory", cfg.Name)
	}
	trainSet, testSet, err := LoadData(cfg, log)
	if err != nil {
		return nil, err
	}
	if n := trainSet.Len(); cfg.Train.BatchSize > n {
		return nil, fmt.Errorf("train.batch_size: %d exceeds the %d training examples (after data.train_limit and data.validation); lower train.batch_size to at most %d", cfg.Train.BatchSize, n, n)
	}
	if err := footprint.Check(footprint.Estimate(cfg, trainSet), cfg, memory.Query()); err != nil {
		return nil, err
	}
	spec := modelSpec(cfg, trainSet)
	if err := addDistillation(cfg, &spec, log); err != nil {
		return nil, err
	}
	m, err := model.New(spec)
	if err != nil {
		return nil, err
	}
	trainable, err := m.Trainable(cfg.Train.Freeze)
	if err != nil {
		return nil, err
	}
	opt, err := newOptimizer(cfg, m, trainable)
	if err != nil {
		return nil, err
	}
	lr, err := newSchedule(cfg)
	if err != nil {
		return nil, err
	}
	t := &train.Trainer{
		Model: m, Optimizer: opt, LR: lr, Train: trainSet, Test: testSet,
		Seed: uint64(cfg.Seed), Steps: cfg.Train.Steps,
		EvalEvery: cfg.Train.EvalEvery, LogEvery: cfg.Train.LogEvery, CheckpointEvery: cfg.Train.CheckpointEvery,
		Jitter: cfg.Data.Jitter, HoldBatch: cfg.Train.HoldBatch, BNReestimate: cfg.Train.BNReestimate,
		ReestimateBN: cfg.Train.EvalBN == "reestimate", ResetOnNewBatch: cfg.Optimizer.ResetOnNewBatch,
		MaxGradEvals: cfg.Train.MaxGradEvals, EvalEveryGradEvals: cfg.Train.EvalEveryGradEvals,
		DivergenceFactor: divergenceFactor(cfg.Train.DivergenceFactor), Architecture: architecture(cfg), Trainable: trainable, Dir: dir, Progress: log,
	}
	if err := addContinuation(cfg, t); err != nil {
		return nil, err
	}
	if err := addRecorder(cfg, t); err != nil {
		return nil, err
	}
	if err := addProbe(cfg, t); err != nil {
		return nil, err
	}
	if err := addCurriculum(cfg, t, log); err != nil {
		return nil, err
	}
	return &Run{Config: cfg, Dir: dir, Trainer: t}, nil
}

// Resume reopens the run in dir: its resolved config with sets applied on
// top (e.g. "train.steps=60000" to extend a finished run) and its checkpoint.
// A run stopped before its first checkpoint starts again from step 0, in
// its own directory with its own config (loading its init section's
// parameters again); a run with a checkpoint never reads init.from again.
func Resume(dir string, sets []string, log io.Writer) (*Run, error) {
	if err := rundir.CheckRun(dir); err != nil {
		return nil, err
	}
	cfg, err := config.Load(filepath.Join(dir, rundir.ConfigFile), sets)
	if err != nil {
		return nil, err
	}
	if cfg.Staged() {
		return nil, stagedError(dir)
	}
	r, err := assemble(cfg, dir, log)
	if err != nil {
		return nil, err
	}
	path := filepath.Join(dir, rundir.CheckpointFile)
	if _, err := os.Lstat(path); errors.Is(err, os.ErrNotExist) {
		if log != nil {
			fmt.Fprintf(log, "%s has no checkpoint yet: the run starts again from step 0\n", dir)
		}
		if err := r.initialise(log); err != nil {
			return nil, err
		}
		r.Trainer.Continue()
		return r, nil
	}
	a, err := checkpoint.Load(path)
	if err != nil {
		return nil, fmt.Errorf("resume %s: %w", dir, err)
	}
	if err := r.Trainer.Restore(a); err != nil {
		return nil, fmt.Errorf("resume %s: %w", dir, err)
	}
	return r, nil
}

// Start writes the resolved config into the run directory and trains. A new
// run writes it when the run starts, once the trainer holds the directory;
// a continued run writes it only once its first step has succeeded (first
// of the step's handlers, so before its next checkpoint, which a resume
// reads with it), so that a resume that cannot start, such as one refused
// by its metrics file, or that is interrupted at once, leaves the directory
// as it was.
func (r *Run) Start(ctx context.Context) (train.Result, error) {
	if r.Dir != "" {
		text, err := r.Config.Marshal()
		if err != nil {
			return train.Result{}, err
		}
		write := writeOnce(filepath.Join(r.Dir, rundir.ConfigFile), text)
		if r.continues() {
			r.Trainer.OnStep(train.PriorityFirst, func(*train.Trainer) error { return write() })
		} else {
			r.Trainer.OnStart(train.PriorityDefault, func(*train.Trainer) error { return write() })
		}
	}
	return r.Trainer.Run(ctx)
}

// continues reports that the run continues one already in its directory.
func (r *Run) continues() bool {
	holds, err := rundir.Holds(r.Dir)
	return err == nil && holds
}

// writeOnce returns a function that writes text to path atomically on its
// first call and does nothing on later ones.
func writeOnce(path string, text []byte) func() error {
	written := false
	return func() error {
		if written {
			return nil
		}
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			return err
		}
		written = true
		return atomicfile.Write(path, func(w io.Writer) error {
			_, err := w.Write(text)
			return err
		})
	}
}

// stagedError explains that dir holds a run of stages, whose stages are
// the run directories to use, naming those begun.
func stagedError(dir string) error {
	var stages []string
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if e.IsDir() && rundir.CheckRun(filepath.Join(dir, e.Name())) == nil {
			stages = append(stages, filepath.Join(dir, e.Name()))
		}
	}
	return fmt.Errorf("%s holds a run of stages, and each stage is a run directory of its own (%s): use one of them, such as the last, or continue the whole run with `go run ./cmd/train --resume %s`", dir, strings.Join(stages, ", "), dir)
}

// CheckFresh reports an error when dir already holds a run, with or
// without a checkpoint, so that a new run never overwrites one by accident.
func CheckFresh(dir string) error {
	holds, err := rundir.Holds(dir)
	switch {
	case err != nil:
		return err
	case !holds:
		return nil
	}
	if cfg, err := config.Load(filepath.Join(dir, rundir.ConfigFile), nil); err == nil && cfg.Staged() {
		return fmt.Errorf("%s already holds a run of stages; continue it with `go run ./cmd/train --resume %s`, or choose another --out", dir, dir)
	}
	if _, err := os.Lstat(filepath.Join(dir, rundir.CheckpointFile)); errors.Is(err, os.ErrNotExist) {
		return fmt.Errorf("%s already holds a run, stopped before its first checkpoint; continue it from step 0 with `go run ./cmd/train --resume %s`, or choose another --out", dir, dir)
	}
	return fmt.Errorf("%s already holds a run; continue it with `go run ./cmd/train --resume %s`, or choose another --out", dir, dir)
}

// LoadData loads the data section's training and test sets as a run of cfg
// sees them: with data.validation the held-out examples are the test set,
// and the training set is the transfer set of distill.omit_classes.
func LoadData(cfg *config.Config, log io.Writer) (trainSet, testSet *data.Dataset, err error) {
	load := data.LoadMNIST
	switch cfg.Data.Dataset {
	case "mnist":
	case "shapes":
		load = data.LoadShapes
	default:
		return nil, nil, fmt.Errorf("data.dataset: %q is not supported; valid: mnist, shapes", cfg.Data.Dataset)
	}
	if trainSet, testSet, err = load(cfg.Data.Dir, log); err != nil {
		return nil, nil, err
	}
	for _, dir := range cfg.Data.Also {
		more, _, err := load(dir, log)
		if err != nil {
			return nil, nil, fmt.Errorf("data.also: %w", err)
		}
		if trainSet, err = trainSet.Concat(more); err != nil {
			return nil, nil, fmt.Errorf("data.also %s: %w", dir, err)
		}
	}
	if classes := cfg.Data.Classes; len(classes) > 0 {
		if trainSet, err = trainSet.KeepClasses(classes); err != nil {
			return nil, nil, fmt.Errorf("data.classes: %w", err)
		}
		if testSet, err = testSet.KeepClasses(classes); err != nil {
			return nil, nil, fmt.Errorf("data.classes: %w", err)
		}
	}
	if n := cfg.Data.PerClass; n > 0 {
		if trainSet, err = trainSet.PerClass(n, uint64(cfg.Seed)); err != nil {
			return nil, nil, fmt.Errorf("data.per_class: %w", err)
		}
	}
	if n := cfg.Data.TrainLimit; n > 0 {
		if n > trainSet.Len() {
			return nil, nil, fmt.Errorf("data.train_limit: %d exceeds the %d training examples", n, trainSet.Len())
		}
		if trainSet, err = trainSet.Head(n); err != nil {
			return nil, nil, fmt.Errorf("data.train_limit: %w", err)
		}
	}
	if n := cfg.Data.Validation; n > 0 {
		// The held-out examples replace the test set in the metrics, so model
		// selection never looks at the test set.
		if trainSet, testSet, err = trainSet.SplitValidation(n, uint64(cfg.Seed)); err != nil {
			return nil, nil, fmt.Errorf("data.validation: %w", err)
		}
	}
	if p := cfg.Data.LabelNoise; p > 0 {
		flipped, err := data.FlipLabels(trainSet, p, uint64(cfg.Seed))
		if err != nil {
			return nil, nil, fmt.Errorf("data.label_noise: %w", err)
		}
		if log != nil {
			fmt.Fprintf(log, "label noise: %d of %d training labels changed to another class (seed %d)\n", len(flipped), trainSet.Len(), cfg.Seed)
		}
	}
	if omit := cfg.Distill.OmitClasses; len(omit) > 0 {
		// After the validation split, so that held-out data keeps every class.
		if trainSet, err = trainSet.OmitClasses(omit); err != nil {
			return nil, nil, fmt.Errorf("distill.omit_classes: %w", err)
		}
	}
	return trainSet, testSet, nil
}
