package fitnets

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"testing"

	"deepopt/config"
	"deepopt/data"
	"deepopt/distill"
	"deepopt/experiment"
	"deepopt/repro"
	"deepopt/rundir"
	"deepopt/stage"
)

// fixtureDir is the checked-in MNIST fixture: 1000 training and 500 test
// digits.
const fixtureDir = "../../testdata/mnist"

// writeConfigs writes a small teacher (784-64-64-10 ReLU) and a thin, deep
// student 784-8×4-10 on the fixture, the student a run of two stages: 40
// hint steps (its act2 guided by the teacher's act1, the hint layer's
// output after its ReLU) and 80 KD steps at τ = 3, λ = 4 unscaled and
// annealed; minibatches of 50.
func writeConfigs(t *testing.T) (teacher, student string) {
	t.Helper()
	dir := t.TempDir()
	common := "data: {dir: " + fixtureDir + "}\noptimizer: {kind: sgd, momentum: 0.9}\nschedule: {kind: cosine, lr: 0.02}\n"
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(common+text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	teacher = write("teacher.yaml", "model: {hidden: [64, 64], activation: relu, init: he}\ntrain: {batch_size: 50, eval_batch: 250, steps: 120, eval_every: 40}\n")
	student = write("student.yaml", `model: {hidden: [8, 8, 8, 8], activation: relu, init: he}
train: {batch_size: 50, eval_batch: 250, steps: 80, eval_every: 40}
distill: {teacher: set-by-the-study, temperature: 3, weight: 4, scale_t2: false, until: 80, decay: true}
stages:
  - name: hint
    set: ["model.main_weight=0", "distill.weight=0", "distill.hint={teacher: act1, student: act2}",
          "train.freeze=[fc3.*, fc4.*, out.*]", "train.steps=40", "schedule.lr=0.005"]
  - {name: kd}
`)
	return teacher, student
}

// TestShortenedStudy runs the whole study on the fixture at seed 1 and
// checks what holds at any budget: every student spends the same 120
// minibatches (the hints arm 40 in its hint stage and 80 by KD, the others
// 120 in one run, KD alone with λ annealed over all of them); the standard
// student has no teacher's term, the KD student no hint; each network's
// test error in the report is the one counted afresh from its finished
// model on the test set (distill.ShiftedErrors at shift 0); every student
// has a count of dead units; and the report and its files are written.
func TestShortenedStudy(t *testing.T) {
	teacher, student := writeConfigs(t)
	o := Options{Teacher: teacher, Student: student, Seeds: []int{1}, Dir: t.TempDir(), Parallel: 2}
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	if rep.Budget != 120 || rep.Hint != 40 {
		t.Errorf("budget %d minibatches, %d of them hints; want 120 and 40", rep.Budget, rep.Hint)
	}
	_, test, err := data.LoadMNIST(fixtureDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	for _, nw := range Networks {
		dir := filepath.Join(o.Dir, repro.SeedName(nw.Key, 1))
		steps, _, err := repro.Curve(dir, "test_acc")
		if err != nil {
			t.Fatal(err)
		}
		if want := map[string]float64{Teacher: 120, Standard: 120, KD: 120, Hints: 120}[nw.Key]; steps[len(steps)-1] != want {
			t.Errorf("%s: last evaluation at step %v, want %v", nw.Key, steps[len(steps)-1], want)
		}
		if nw.Key == Hints {
			dir = filepath.Join(dir, "2-kd")
		}
		cfg, err := config.Load(filepath.Join(dir, rundir.ConfigFile), nil)
		if err != nil {
			t.Fatal(err)
		}
		switch {
		case nw.Key == Standard && cfg.Distill.Teacher != "":
			t.Errorf("the standard student learns from %s", cfg.Distill.Teacher)
		case nw.Key == KD && (cfg.Distill.Teacher == "" || cfg.Distill.Until != 120 || cfg.Distill.Hint.On() || cfg.Staged()):
			t.Errorf("the KD student's distill section %+v; want a teacher, λ annealed to step 120 and no hint, in one run", cfg.Distill)
		}
		m, err := experiment.FinishedModel(dir, cfg.Train.EvalBatch, nil)
		if err != nil {
			t.Fatal(err)
		}
		errs, err := distill.ShiftedErrors(m, test, 0, []float64{0})
		if err != nil {
			t.Fatal(err)
		}
		n := 0
		for _, e := range errs[0] {
			n += e
		}
		if got, want := rep.Errors[nw.Key][0], float64(n)/float64(test.Len()); math.Abs(got-want) > 1e-9 {
			t.Errorf("%s: the report's test error %v, counted afresh %v", nw.Key, got, want)
		}
	}
	if rep.Units != 32 || rep.FirstUnits != 8 || len(rep.HintDead) != 1 {
		t.Errorf("%d hidden units, %d in the first layer, dead units after the hint stage %v; want 32, 8 and one count", rep.Units, rep.FirstUnits, rep.HintDead)
	}
	for _, nw := range Networks[1:] {
		if d := rep.Dead[nw.Key]; len(d) != 1 || d[0].First < 0 || d[0].First > 8 || d[0].All < d[0].First || d[0].All > rep.Units {
			t.Errorf("%s: dead units %v; want one count, from 0 to 8 in the first layer, at most 32 in all", nw.Key, d)
		}
	}
	view, err := rundir.ReadCSV(filepath.Join(o.Dir, repro.SeedName(Hints, 1), stage.ViewFile))
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(view.Header, "loss_hint") {
		t.Errorf("the hints arm's stages.csv has no loss_hint: %v", view.Header)
	}
	for _, f := range []string{repro.ReportFile, ErrorsCSV, ErrorPNG} {
		if _, err := os.Stat(filepath.Join(o.Dir, f)); err != nil {
			t.Error(err)
		}
	}
}
