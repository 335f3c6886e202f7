// Package stage runs a training run made of stages, one after another: each
// stage is a run of its own (package experiment) in a subdirectory of the
// run directory, with its own config.yaml, metrics.csv and checkpoint,
// whose config is the run's config with the stage's overlay applied
// (config.Stage) and which starts from the parameters of the stage before,
// handed over by name at the exact bits of its last checkpoint (the init
// section's mechanism). The run directory holds the run's config.yaml and
// stages.csv, every stage's metrics in one table. Greedy layer-wise
// pretraining (package pretrain) is a run of stages, and so are FitNets'
// hint and distillation stages (Romero et al. 2015), a stages list whose
// first stage trains on the hint term alone (model.main_weight 0, a
// distill.hint) and whose second distils into the whole student.
// Continuation's σ levels are meant to be too, but are not expressible
// yet: a σ level needs a constant σ.
//
// A run interrupted (Ctrl-C) anywhere, in a stage or between two, continues
// with Resume at the stage and step it stopped at, with the numbers of an
// uninterrupted run: a finished stage is left as it is, an interrupted one
// resumes from its checkpoint, and a stage not begun starts from its
// predecessor's final checkpoint, which an uninterrupted run reads too.
package stage

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"

	"deepopt/config"
	"deepopt/experiment"
	"deepopt/internal/atomicfile"
	"deepopt/pretrain"
	"deepopt/rundir"
	"deepopt/train"
)

// Run is a training run made of stages.
type Run struct {
	Config *config.Config
	Dir    string
	// Stages are the run's stages: its stages list, or those its pretrain
	// section makes.
	Stages []config.Stage
	log    io.Writer
	// handlers run at every stage boundary (OnStage).
	handlers []func(Boundary) error
}

// Boundary is a stage about to run: the event OnStage handlers receive.
type Boundary struct {
	// Index is the stage's position, from 0, and Name its name.
	Index int
	Name  string
	// Run is the stage's run, assembled (and restored, when it continues)
	// but not started: a handler may attach hooks to its Trainer.
	Run *experiment.Run
}

// Plan returns the stages of cfg: its stages list, or the stages of its
// pretrain section.
func Plan(cfg *config.Config) ([]config.Stage, error) {
	if cfg.Pretrain.StepsPerLayer > 0 {
		return pretrain.Stages(cfg)
	}
	return cfg.Stages, nil
}

// New assembles the run of stages of cfg in dir. Before anything is
// written it builds every stage's config and model and checks that each
// stage can start from the one before (experiment.CheckStages), so a stage
// that cannot run is refused before the first one trains.
func New(cfg *config.Config, dir string, log io.Writer) (*Run, error) {
	stages, err := Plan(cfg)
	if err != nil {
		return nil, err
	}
	if len(stages) == 0 {
		return nil, fmt.Errorf("%s has no stages; run it with package experiment", cfg.Name)
	}
	r := &Run{Config: cfg, Dir: dir, Stages: stages, log: log}
	cfgs := make([]*config.Config, len(stages))
	names := make([]string, len(stages))
	for i, s := range stages {
		if cfgs[i], err = r.stageConfig(i); err != nil {
			return nil, err
		}
		names[i] = s.Name
	}
	if err := experiment.CheckStages(cfgs, names); err != nil {
		return nil, err
	}
	return r, nil
}

// Resume reopens the run of stages in dir with its config; Start continues
// it where it stopped.
func Resume(dir string, log io.Writer) (*Run, error) {
	cfg, err := config.Load(filepath.Join(dir, rundir.ConfigFile), nil)
	if err != nil {
		return nil, err
	}
	if !cfg.Staged() {
		return nil, fmt.Errorf("%s holds a run of one stage; resume it with package experiment", dir)
	}
	return New(cfg, dir, log)
}

// IsStaged reports whether dir holds a run of stages: the config it holds
// has a stages list or a pretrain section.
func IsStaged(dir string) bool {
	cfg, err := config.Load(filepath.Join(dir, rundir.ConfigFile), nil)
	return err == nil && cfg.Staged()
}

// OnStage registers fn to run at every stage boundary, before the stage
// starts (also before a resumed stage continues), in registration order;
// an error stops the run.
func (r *Run) OnStage(fn func(b Boundary) error) { r.handlers = append(r.handlers, fn) }

// StageDir is the folder of stage i: <run>/<i+1>-<name>.
func (r *Run) StageDir(i int) string {
	return filepath.Join(r.Dir, fmt.Sprintf("%d-%s", i+1, r.Stages[i].Name))
}

// stageConfig returns the config of stage i, which starts from stage i−1's
// folder.
func (r *Run) stageConfig(i int) (*config.Config, error) {
	from := ""
	if i > 0 {
		from = r.StageDir(i - 1)
	}
	return r.Config.StageConfig(r.Stages, i, from)
}

// open returns stage i's run: the run its folder holds, restored, or a new
// one.
func (r *Run) open(i int) (*experiment.Run, error) {
	dir := r.StageDir(i)
	holds, err := rundir.Holds(dir)
	if err != nil {
		return nil, err
	}
	if holds {
		return experiment.Resume(dir, nil, r.log)
	}
	cfg, err := r.stageConfig(i)
	if err != nil {
		return nil, err
	}
	return experiment.New(cfg, dir, r.log)
}

// Start runs the stages not finished yet, in order, each to its end, and
// returns the last stage's result (zero when every stage had finished
// already: then it writes nothing). It holds the run directory locked,
// writes the run's config.yaml when the run begins and keeps stages.csv
// current at every evaluation. Cancelling ctx stops the stage running (it
// saves its checkpoint) or the run between two stages, with
// train.ErrInterrupted.
func (r *Run) Start(ctx context.Context) (train.Result, error) {
	lock, err := rundir.Acquire(r.Dir)
	if err != nil {
		return train.Result{}, err
	}
	defer lock.Release()
	if err := r.writeConfig(); err != nil {
		return train.Result{}, err
	}
	var res train.Result
	ran := false
	for i, s := range r.Stages {
		if ctx.Err() != nil {
			return res, train.ErrInterrupted
		}
		run, err := r.open(i)
		if err != nil {
			return res, fmt.Errorf("stage %d (%s): %w", i+1, s.Name, err)
		}
		if run.Trainer.Finished() {
			continue
		}
		for _, fn := range r.handlers {
			if err := fn(Boundary{Index: i, Name: s.Name, Run: run}); err != nil {
				return res, err
			}
		}
		if r.log != nil {
			fmt.Fprintf(r.log, "stage %d of %d (%s): %s\n", i+1, len(r.Stages), s.Name, run.Dir)
		}
		t := run.Trainer
		t.OnEval(train.PriorityProgress, func(*train.Trainer, train.Report) error { return r.writeView() })
		t.OnEnd(train.PriorityProgress, func(*train.Trainer, error) error { return r.writeView() })
		ran = true
		if res, err = run.Start(ctx); err != nil {
			return res, err
		}
	}
	if !ran {
		return res, nil // a finished run: nothing to write
	}
	return res, r.writeView()
}

// writeConfig writes the run's config.yaml unless the folder holds it.
func (r *Run) writeConfig() error {
	path := filepath.Join(r.Dir, rundir.ConfigFile)
	if _, err := os.Lstat(path); !errors.Is(err, os.ErrNotExist) {
		return err
	}
	text, err := r.Config.Marshal()
	if err != nil {
		return err
	}
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(text)
		return err
	})
}
