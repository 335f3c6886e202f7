// Package fitnets reproduces the MNIST comparison of Romero et al. (2015),
// "FitNets: Hints for Thin Deep Nets", §4.3: a thin, deep student trained
// by standard backprop, by knowledge distillation alone, and by hints then
// knowledge distillation (the paper's two stages), each for the same number
// of minibatches, beside the wide teacher it learns from. The paper's test
// errors: standard backprop 1.90%, KD 0.65%, hints + KD 0.51%, teacher
// 0.55%.
//
// The student's config (configs/mnist-fitnets.yaml) is the hints + KD run
// of stages; the other arms are overlays of it: KD alone is the run without
// its stages list, trained for the stages' steps together with λ annealed
// over them, and standard backprop is that run without the distill section.
// Run trains every seed's teacher and standard-backprop student as one
// repro.Study, then the distilled students of each seed's teacher as a
// second, and writes errors.csv, accuracy.png and report.md. `make
// repro-fitnets` runs it at the budget its README section states; a
// shortened run on the fixture is part of the test suite.
package fitnets

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"
	"slices"
	"strconv"

	"deepopt/config"
	"deepopt/data"
	"deepopt/experiment"
	"deepopt/repro"
	"deepopt/stage"
)

// Options describe a reproduction.
type Options struct {
	// Teacher and Student are the configuration files (defaults:
	// configs/mnist-fitnets-teacher.yaml and configs/mnist-fitnets.yaml, a
	// run of stages whose distill.teacher is replaced by each seed's
	// teacher).
	Teacher, Student string
	// Seeds are the seeds of every network (default [1, 2]).
	Seeds []int
	// Sets are --set overrides applied to every run; StudentSets to the
	// students alone (e.g. "train.steps=1000", the kd stage's length).
	Sets, StudentSets []string
	// Dir is the report directory; the runs live in Dir/<arm>-seed<k>.
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
	Teacher  = "teacher"
	Standard = "standard"
	KD       = "kd"
	Hints    = "hints"
)

// Network is one network of the study with the paper's test error.
type Network struct {
	Key, Label string
	// Paper is the paper's MNIST test error, a fraction.
	Paper float64
}

// Networks lists the study's networks with the paper's test errors
// (Romero et al. 2015, Table 3).
var Networks = []Network{
	{Teacher, "teacher (wide)", 0.0055},
	{Standard, "student, standard backprop", 0.0190},
	{KD, "student, KD", 0.0065},
	{Hints, "student, hints + KD", 0.0051},
}

func (o *Options) defaults() {
	o.Teacher = cmp.Or(o.Teacher, "configs/mnist-fitnets-teacher.yaml")
	o.Student = cmp.Or(o.Student, "configs/mnist-fitnets.yaml")
	if len(o.Seeds) == 0 {
		o.Seeds = []int{1, 2}
	}
	o.Command = cmp.Or(o.Command, "make repro-fitnets")
}

// Budget returns the minibatches of the student's run of stages (the sum
// of its stages' train.steps) and those of its first stage, the hint
// stage.
func Budget(student *config.Config) (total, hint int, err error) {
	if len(student.Stages) < 2 {
		return 0, 0, fmt.Errorf("fitnets: %s has %d stages; want the hint stage and the kd stage as a stages list", student.Name, len(student.Stages))
	}
	for i := range student.Stages {
		c, err := student.StageConfig(student.Stages, i, "the stage before")
		if err != nil {
			return 0, 0, err
		}
		total += c.Train.Steps
		if i == 0 {
			hint = c.Train.Steps
		}
	}
	return total, hint, nil
}

// Run trains (or resumes, or reuses) every run of o, then writes the report
// into o.Dir and returns its numbers.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	if o.Dir == "" {
		return nil, errors.New("fitnets: no report directory; set Options.Dir (e.g. runs/repro-fitnets)")
	}
	teacherCfg, err := config.Load(o.Teacher, o.Sets)
	if err != nil {
		return nil, err
	}
	studentSets := slices.Concat(o.Sets, o.StudentSets)
	student, err := config.Load(o.Student, studentSets)
	if err != nil {
		return nil, err
	}
	total, hint, err := Budget(student)
	if err != nil {
		return nil, err
	}
	// KD alone and standard backprop: one stage of the whole budget, λ
	// annealed over it as the kd stage anneals it over its own steps.
	single := slices.Concat(studentSets, []string{"stages=[]", "train.steps=" + strconv.Itoa(total)})
	first := repro.Study{Dir: o.Dir, Parallel: o.Parallel, Log: o.Log}
	second := first
	for _, seed := range o.Seeds {
		first.Runs = append(first.Runs, repro.Seeded(Teacher, o.Teacher, o.Sets, []int{seed})...)
		first.Runs = append(first.Runs, repro.Seeded(Standard, o.Student, append(slices.Clone(single), "distill={}"), []int{seed})...)
		teacher := "distill.teacher=" + first.RunDir(repro.SeedName(Teacher, seed))
		second.Runs = append(second.Runs, repro.Seeded(KD, o.Student, append(slices.Clone(single), teacher, "distill.until="+strconv.Itoa(total)), []int{seed})...)
		second.Runs = append(second.Runs, repro.Seeded(Hints, o.Student, append(slices.Clone(studentSets), teacher), []int{seed})...)
	}
	for _, s := range []repro.Study{first, second} {
		if _, err := s.Train(ctx); err != nil {
			return nil, err
		}
	}
	hintCfg, err := student.StageConfig(student.Stages, 0, "")
	if err != nil {
		return nil, err
	}
	rep := &Report{Seeds: o.Seeds, Budget: total, Hint: hint, BatchSize: student.Train.BatchSize,
		TeacherHidden: teacherCfg.Model.Hidden, StudentHidden: student.Model.Hidden, LR: student.Schedule.LR, HintLR: hintCfg.Schedule.LR}
	if err := rep.summarize(o); err != nil {
		return nil, err
	}
	if err := rep.countDead(o, student); err != nil {
		return nil, err
	}
	return rep, rep.write(o)
}

// Report holds the numbers of a reproduction.
type Report struct {
	Seeds []int
	// Budget is every student's minibatches, Hint those of the hint stage,
	// TeacherSteps the teacher's, each of BatchSize examples.
	Budget, Hint, TeacherSteps, BatchSize int
	// TeacherHidden and StudentHidden are the networks' hidden widths, LR
	// the students' learning rate and HintLR the hint stage's.
	TeacherHidden, StudentHidden []int
	LR, HintLR                   float64
	// Errors are each network's test errors (fractions), seed by seed, at
	// the run's last evaluation.
	Errors map[string][]float64
	// Curves are each network's test error in percent against the
	// minibatches of its whole run (the hints arm's over both stages),
	// folded over seeds.
	Curves map[string]repro.Band
	// Dead are each student's dead hidden units at its end, seed by seed
	// (deadUnits), and HintDead the hints arm's at the end of its hint
	// stage; Units is the student's number of hidden units and FirstUnits
	// its first layer's.
	Dead              map[string][]Dead
	HintDead          []Dead
	Units, FirstUnits int
}

// Dead counts a network's dead hidden units: in its first layer and in all.
type Dead struct{ First, All int }

func (d Dead) String() string { return fmt.Sprintf("%d/%d", d.First, d.All) }

// DeadProbe is the number of test examples on which deadUnits looks for a
// unit's output (the first ones of the test set).
const DeadProbe = 1000

// deadUnits counts the hidden units of the student's finished run in dir
// (act1 … actL) whose output is 0 on every one of the first DeadProbe test
// examples: dead ReLUs, which pass no gradient to their weights there.
func deadUnits(dir string, layers int, test *data.Dataset) (Dead, error) {
	idx := make([]int, min(DeadProbe, test.Len()))
	for i := range idx {
		idx[i] = i
	}
	m, err := experiment.FinishedModel(dir, len(idx), nil)
	if err != nil {
		return Dead{}, err
	}
	names := make([]string, layers)
	for k := range names {
		names[k] = fmt.Sprintf("act%d", k+1)
	}
	values, err := m.Nodes(test, idx, names)
	if err != nil {
		return Dead{}, err
	}
	var dead Dead
	for k, v := range values {
		width := len(v) / len(idx)
		for j := range width {
			alive := false
			for n := range idx {
				alive = alive || v[n*width+j] > 0
			}
			if !alive {
				dead.All++
				if k == 0 {
					dead.First++
				}
			}
		}
	}
	return dead, nil
}

// summarize reads every network's test accuracy curve.
func (rep *Report) summarize(o Options) error {
	rep.Errors, rep.Curves = map[string][]float64{}, map[string]repro.Band{}
	for _, nw := range Networks {
		var x []float64
		var runs [][]float64
		for _, seed := range o.Seeds {
			steps, acc, err := repro.Curve(filepath.Join(o.Dir, repro.SeedName(nw.Key, seed)), "test_acc")
			if err != nil {
				return err
			}
			if x != nil && !slices.Equal(x, steps) {
				return fmt.Errorf("fitnets: the %s runs evaluated at other steps from seed to seed; give them one train.eval_every", nw.Key)
			}
			x = steps
			errs := make([]float64, len(acc))
			for i, a := range acc {
				errs[i] = 100 * (1 - a)
			}
			runs = append(runs, errs)
			rep.Errors[nw.Key] = append(rep.Errors[nw.Key], 1-acc[len(acc)-1])
			if nw.Key == Teacher {
				rep.TeacherSteps = int(steps[len(steps)-1])
			}
		}
		rep.Curves[nw.Key] = repro.NewBand(x, runs)
	}
	return nil
}

// countDead counts the dead hidden units of every student at the end of its
// run, and of the hints arm at the end of its hint stage.
func (rep *Report) countDead(o Options, student *config.Config) error {
	_, test, err := experiment.LoadData(student, nil)
	if err != nil {
		return err
	}
	layers := len(student.Model.Hidden)
	for _, w := range student.Model.Hidden {
		rep.Units += w
	}
	rep.FirstUnits = student.Model.Hidden[0]
	rep.Dead = map[string][]Dead{}
	for _, nw := range Networks[1:] {
		for _, seed := range o.Seeds {
			dirs := []string{filepath.Join(o.Dir, repro.SeedName(nw.Key, seed))}
			if nw.Key == Hints {
				r, err := stage.Resume(dirs[0], nil)
				if err != nil {
					return err
				}
				dirs = []string{r.StageDir(0), r.StageDir(len(r.Stages) - 1)}
			}
			for i, d := range dirs {
				n, err := deadUnits(d, layers, test)
				if err != nil {
					return fmt.Errorf("%s: %w", d, err)
				}
				if i < len(dirs)-1 {
					rep.HintDead = append(rep.HintDead, n)
				} else {
					rep.Dead[nw.Key] = append(rep.Dead[nw.Key], n)
				}
			}
		}
	}
	return nil
}
