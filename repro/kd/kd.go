// Package kd reproduces the MNIST experiments of Hinton, Vinyals & Dean
// (2015), "Distilling the Knowledge in a Neural Network", §3: a
// 784-1200-1200-10 ReLU teacher regularised by dropout and ±2-pixel jitter,
// a 784-800-800-10 student trained on the hard labels alone, the same
// student distilled from the teacher at temperature 20, and the distilled
// student of a transfer set without any 3, before and after raising the
// bias of the 3 by a shift chosen on held-out data. The paper's test errors
// (of 10,000): teacher 67, student 146, distilled 74; without 3s 206 (133 on
// 3s), after the bias shift 109 (14 on 3s).
//
// Run trains the teachers and hard-label students of every seed as one
// repro.Study, then the distilled students of each seed's teacher as a
// second, counts every network's test errors per class
// (distill.ShiftedErrors) and writes errors.csv, accuracy.png and
// report.md. `make repro-kd` runs it at the budget its README section
// states; a shortened run on the fixture is part of the test suite.
package kd

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"

	"deepopt/config"
	"deepopt/data"
	"deepopt/distill"
	"deepopt/experiment"
	"deepopt/repro"
	"deepopt/rundir"
)

// Options describe a reproduction.
type Options struct {
	// Teacher, Student and Distilled are the configuration files (defaults:
	// configs/mnist-kd-teacher.yaml, configs/mnist-kd-student.yaml,
	// configs/mnist-kd.yaml); Distilled's distill.teacher is replaced by
	// each seed's teacher.
	Teacher, Student, Distilled string
	// Seeds are the seeds of every network (default [1, 2]).
	Seeds []int
	// Sets are --set overrides applied to every run (e.g.
	// "train.steps=3000").
	Sets []string
	// Omitted is the class left out of the transfer set (default 3).
	Omitted int
	// Validation is the number of training examples the omitted-class
	// student holds out to choose the bias shift on (default 5000).
	Validation int
	// Shifts are the bias shifts tried on the held-out examples (default 0
	// to 10 in steps of 0.25).
	Shifts []float64
	// Dir is the report directory; the runs live in Dir/<network>-seed<k>.
	Dir string
	// Parallel is how many runs train at once (default 1).
	Parallel int
	// Command is the command line that reproduces the report (default: the
	// make target).
	Command string
	// Log receives a line as each run starts and ends (nil: none).
	Log io.Writer
}

// The networks of the study, in the order of every table.
const (
	Teacher   = "teacher"
	Student   = "student"
	Distilled = "distilled"
	Omitted   = "omitted"
)

// Network is one network of the study with the paper's numbers.
type Network struct {
	Key, Label string
	// Paper is the paper's test errors, and PaperOnClass those on the
	// omitted class (omitted student only).
	Paper, PaperOnClass int
}

// Networks lists the study's networks with the paper's test errors.
var Networks = []Network{
	{Teacher, "teacher 784-1200-1200-10, dropout + jitter", 67, 0},
	{Student, "student 784-800-800-10, hard labels", 146, 0},
	{Distilled, "student distilled at T = 20", 74, 0},
	{Omitted, "distilled without 3s in the transfer set", 206, 133},
}

func (o *Options) defaults() {
	o.Teacher = cmp.Or(o.Teacher, "configs/mnist-kd-teacher.yaml")
	o.Student = cmp.Or(o.Student, "configs/mnist-kd-student.yaml")
	o.Distilled = cmp.Or(o.Distilled, "configs/mnist-kd.yaml")
	if len(o.Seeds) == 0 {
		o.Seeds = []int{1, 2}
	}
	o.Omitted = cmp.Or(o.Omitted, 3)
	o.Validation = cmp.Or(o.Validation, 5000)
	if len(o.Shifts) == 0 {
		for s := 0.0; s <= 10; s += 0.25 {
			o.Shifts = append(o.Shifts, s)
		}
	}
	o.Command = cmp.Or(o.Command, "make repro-kd")
}

// Run trains (or resumes, or reuses) every run of o, then writes the report
// into o.Dir and returns its numbers.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	if o.Dir == "" {
		return nil, errors.New("kd: no report directory; set Options.Dir (e.g. runs/repro-kd)")
	}
	if !slices.Contains(o.Shifts, 0) {
		return nil, fmt.Errorf("kd: the bias shifts %v lack 0, the student as it was trained; add it", o.Shifts)
	}
	for _, path := range []string{o.Teacher, o.Student, o.Distilled} {
		if _, err := config.Load(path, o.Sets); err != nil {
			return nil, err
		}
	}
	first := repro.Study{Dir: o.Dir, Parallel: o.Parallel, Log: o.Log}
	second := first
	for _, seed := range o.Seeds {
		first.Runs = append(first.Runs, repro.Seeded(Teacher, o.Teacher, o.Sets, []int{seed})...)
		first.Runs = append(first.Runs, repro.Seeded(Student, o.Student, o.Sets, []int{seed})...)
		teacher := append(slices.Clone(o.Sets), "distill.teacher="+first.RunDir(repro.SeedName(Teacher, seed)))
		second.Runs = append(second.Runs, repro.Seeded(Distilled, o.Distilled, teacher, []int{seed})...)
		second.Runs = append(second.Runs, repro.Seeded(Omitted, o.Distilled, append(teacher,
			fmt.Sprintf("distill.omit_classes=[%d]", o.Omitted), fmt.Sprintf("data.validation=%d", o.Validation)), []int{seed})...)
	}
	for _, s := range []repro.Study{first, second} {
		if _, err := s.Train(ctx); err != nil {
			return nil, err
		}
	}
	rep, err := summarize(o)
	if err != nil {
		return nil, err
	}
	return rep, rep.write(o)
}

// Count is one network's test errors at one seed: in all, by class, and
// for the omitted-class student after the bias shift chosen on held-out
// data.
type Count struct {
	Seed    int
	Errors  int
	ByClass []int
	// Shift is the bias shift chosen on the held-out examples, and
	// Shifted and ShiftedByClass the test errors with it (omitted-class
	// student only).
	Shift          float64
	Shifted        int
	ShiftedByClass []int
}

// Report holds the numbers of a reproduction.
type Report struct {
	Seeds []int
	// Counts are each network's counts, seed by seed.
	Counts map[string][]Count
	// Steps, BatchSize are the runs' budget (of the first seed's teacher;
	// every run of the study shares them unless Sets made them differ).
	Steps, BatchSize, TestSize int
}

// summarize counts every network's test errors at its reported weights.
func summarize(o Options) (*Report, error) {
	rep := &Report{Seeds: o.Seeds, Counts: map[string][]Count{}}
	var test *data.Dataset
	for _, seed := range o.Seeds {
		for _, nw := range Networks {
			dir := filepath.Join(o.Dir, repro.SeedName(nw.Key, seed))
			cfg, err := config.Load(filepath.Join(dir, rundir.ConfigFile), nil)
			if err != nil {
				return nil, err
			}
			if test == nil {
				if _, test, err = experiment.LoadData(cfg, nil); err != nil {
					return nil, err
				}
				rep.Steps, rep.BatchSize, rep.TestSize = cfg.Train.Steps, cfg.Train.BatchSize, test.Len()
			}
			c, err := count(o, nw.Key, dir, cfg, test)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", dir, err)
			}
			c.Seed = seed
			rep.Counts[nw.Key] = append(rep.Counts[nw.Key], c)
		}
	}
	return rep, nil
}

// count rebuilds the finished run in dir and counts its test errors; for
// the omitted-class student it chooses the bias shift with the fewest errors
// on its held-out examples (the smallest among equals) and counts the test
// errors with it too.
func count(o Options, network, dir string, cfg *config.Config, test *data.Dataset) (Count, error) {
	evalBatch := cfg.Train.EvalBatch
	m, err := experiment.FinishedModel(dir, evalBatch, nil)
	if err != nil {
		return Count{}, err
	}
	shifts := []float64{0}
	var c Count
	if network == Omitted {
		_, held, err := experiment.LoadData(cfg, nil)
		if err != nil {
			return Count{}, err
		}
		errs, err := distill.ShiftedErrors(m, held, o.Omitted, o.Shifts)
		if err != nil {
			return Count{}, err
		}
		best := math.MaxInt
		for k, e := range errs {
			if n := total(e); n < best {
				best, c.Shift = n, o.Shifts[k]
			}
		}
		shifts = append(shifts, c.Shift)
	}
	errs, err := distill.ShiftedErrors(m, test, o.Omitted, shifts)
	if err != nil {
		return Count{}, err
	}
	c.ByClass, c.Errors = errs[0], total(errs[0])
	if network == Omitted {
		c.ShiftedByClass, c.Shifted = errs[1], total(errs[1])
	}
	return c, nil
}

func total(v []int) int {
	n := 0
	for _, x := range v {
		n += x
	}
	return n
}
