// Package repro is the roof of deepopt's reproductions: a study runner that
// trains a set of named runs side by side, resuming what an interruption
// left and reusing what is finished, and a report kit that reads their
// metrics back, folds seeds into a mean with a min–max band, draws the
// standard figures through package plots and writes CSVs and report.md.
// Each reproduction (repro/bn, repro/landscape, repro/optimizers) is a short
// description of its runs, its figures and its tables on top of it.
package repro

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	"deepopt/config"
	"deepopt/experiment"
	"deepopt/stage"
	"deepopt/train"
)

// LogFile is the progress log of each run of a study, inside its run
// directory, so that runs training at once do not interleave their lines.
const LogFile = "train.log"

// Run is one training run of a study: the configuration file it starts
// from and its --set overrides. Name is its directory inside the study's.
// A config with a stages list or a pretrain section is a run of stages
// (package stage), trained stage by stage in that directory.
type Run struct {
	Name, Config string
	Sets         []string
	// Stages, when set, train the run in stages: with Sets and then
	// Stages[0] until that stage's train.steps, then continued from its
	// checkpoint with Sets and Stages[1], and so on. Each stage must raise
	// train.steps; a stage may change what a resume allows, such as the
	// data (Bengio et al.'s (2009) switch from BasicShapes to GeomShapes
	// continues the same network, optimizer state and step count).
	Stages [][]string
}

// Seeded returns one Run of config per seed, named name-seed<k>, with
// seed=k set before sets.
func Seeded(name, config string, sets []string, seeds []int) []Run {
	runs := make([]Run, len(seeds))
	for i, s := range seeds {
		runs[i] = Run{Name: SeedName(name, s), Config: config, Sets: append([]string{"seed=" + strconv.Itoa(s)}, sets...)}
	}
	return runs
}

// SeedName is the name of the run of name at seed k.
func SeedName(name string, seed int) string { return name + "-seed" + strconv.Itoa(seed) }

// Study is a set of runs trained into Dir/<run name>.
type Study struct {
	Dir  string
	Runs []Run
	// Parallel is how many runs train at once (default 1). Each run uses
	// about one core, so up to one per core shortens the wall time; a study
	// that compares wall times trains one run at a time.
	Parallel int
	// Tolerate keeps a run that stops with an error (a line search that
	// cannot progress, a non-finite loss) in the study with the rows it
	// wrote; otherwise that error fails the study.
	Tolerate bool
	// Log receives one line as each run starts and ends (nil: none).
	Log io.Writer
}

// Dir is the run directory of the named run.
func (s *Study) RunDir(name string) string { return filepath.Join(s.Dir, name) }

// Train brings every run to its last step: a run whose directory holds no
// run starts, an interrupted one continues from its checkpoint and a
// finished one is reused as it is. Ctrl-C (ctx cancelled) stops every run
// at its next step with a checkpoint, and the error says how to continue.
// The runs whose training failed are reported in failed when Tolerate is
// set.
func (s *Study) Train(ctx context.Context) (failed map[string]error, err error) {
	if s.Dir == "" {
		return nil, errors.New("repro: the study has no directory")
	}
	log := s.Log
	if log == nil {
		log = io.Discard
	}
	errs := make([]error, len(s.Runs))
	stopped := make([]bool, len(s.Runs))
	sem := make(chan struct{}, max(s.Parallel, 1))
	var wg sync.WaitGroup
	var logMu sync.Mutex
	say := func(format string, args ...any) {
		logMu.Lock()
		defer logMu.Unlock()
		fmt.Fprintf(log, format, args...)
	}
	for i, r := range s.Runs {
		wg.Add(1)
		sem <- struct{}{} // runs start in their order
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			if ctx.Err() != nil {
				errs[i] = ctx.Err()
				return
			}
			stopped[i], errs[i] = s.trainOne(ctx, r, say)
		}()
	}
	wg.Wait()
	failed = map[string]error{}
	for i, r := range s.Runs {
		switch {
		case errs[i] == nil:
		case errors.Is(errs[i], train.ErrInterrupted) || errors.Is(errs[i], context.Canceled):
			return nil, fmt.Errorf("interrupted; every run saved a checkpoint: run the same command again to continue")
		case stopped[i] && s.Tolerate:
			failed[r.Name] = errs[i]
		default:
			err = errors.Join(err, errs[i])
		}
	}
	return failed, err
}

// trainOne brings one run to its last step, stage by stage; stopped
// reports an error that came from training rather than from setting the
// run up.
func (s *Study) trainOne(ctx context.Context, r Run, say func(string, ...any)) (stopped bool, err error) {
	dir := s.RunDir(r.Name)
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return false, err
	}
	logFile, err := os.OpenFile(filepath.Join(dir, LogFile), os.O_CREATE|os.O_WRONLY|os.O_APPEND, 0o644)
	if err != nil {
		return false, err
	}
	defer logFile.Close()
	if staged, err := openStaged(r, dir, logFile); err != nil || staged != nil {
		if err != nil {
			return false, fmt.Errorf("%s: %w", dir, err)
		}
		say("%s: training %s, %d stages (progress in %s)\n", dir, r.Config, len(staged.Stages), logFile.Name())
		if _, err := staged.Start(ctx); err != nil {
			say("%s: stopped: %v\n", dir, err)
			return true, fmt.Errorf("%s: %w", dir, err)
		}
		say("%s: done\n", dir)
		return false, nil
	}
	stages := r.Stages
	if len(stages) == 0 {
		stages = [][]string{nil}
	}
	for k, stage := range stages {
		name := dir
		if len(r.Stages) > 0 {
			name = fmt.Sprintf("%s (stage %d of %d)", dir, k+1, len(stages))
		}
		run, err := experiment.Open(r.Config, dir, slices.Concat(r.Sets, stage), logFile)
		if err != nil {
			return false, fmt.Errorf("%s: %w", name, err)
		}
		// A later stage's checkpoint lies at or beyond this stage's end.
		if run.Trainer.Done() || run.Trainer.Step() >= run.Trainer.Steps {
			say("%s: finished earlier, reused\n", name)
			continue
		}
		say("%s: training %s from step %d (progress in %s)\n", name, r.Config, run.Trainer.Step(), logFile.Name())
		if _, err := run.Start(ctx); err != nil {
			say("%s: stopped at step %d: %v\n", name, run.Trainer.Step(), err)
			return true, fmt.Errorf("%s: %w", name, err)
		}
		say("%s: done\n", name)
	}
	return false, nil
}

// openStaged returns the run r as a run of stages (package stage) when its
// config has a stages list or a pretrain section: the run dir holds,
// continued where it stopped (a finished one does nothing more), or a new
// one. It returns nil for a run of one stage.
func openStaged(r Run, dir string, log io.Writer) (*stage.Run, error) {
	if stage.IsStaged(dir) {
		return stage.Resume(dir, log)
	}
	if len(r.Stages) > 0 {
		return nil, nil
	}
	cfg, err := config.Load(r.Config, r.Sets)
	if err != nil || !cfg.Staged() {
		return nil, nil // a run of one stage; experiment.Open reports the error
	}
	return stage.New(cfg, dir, log)
}
