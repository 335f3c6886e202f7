package stage

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"deepopt/config"
	"deepopt/experiment"
	"deepopt/internal/configtest"
	"deepopt/internal/traintest"
	"deepopt/rundir"
	"deepopt/train"
)

// fixture is a run of three stages on the MNIST fixture: a one-layer
// network, the two-layer network grown from it with its first layer
// frozen, and the whole network trained on.
const fixture = `data: {dir: ../testdata/mnist}
model: {hidden: [8, 6], batchnorm: true}
train: {batch_size: 50, eval_batch: 250, steps: 4, eval_every: 2, checkpoint_every: 3}
stages:
  - {name: one, set: ["model.hidden=[8]", "train.steps=5"]}
  - {name: two, set: ["init.include=[fc1.*, bn1.*]", "train.freeze=[fc1.*, bn1.*]", "train.steps=6"]}
  - {name: all, set: ["schedule.lr=0.05"]}
`

// stop is where a run is interrupted: after step Step of stage Stage (from
// 0), or, with Step −1, at the boundary before stage Stage begins.
type stop struct{ Stage, Step int }

// interrupt makes r cancel ctx at s.
func interrupt(r *Run, s stop, cancel context.CancelFunc) {
	r.OnStage(func(b Boundary) error {
		switch {
		case b.Index == s.Stage && s.Step < 0:
			cancel()
		case b.Index == s.Stage:
			b.Run.Trainer.OnStep(train.PriorityDefault, func(t *train.Trainer) error {
				if t.Step() == s.Step {
					cancel()
				}
				return nil
			})
		}
		return nil
	})
}

// TestInterruptedRunOfStagesResumesExactly: a run of stages interrupted at
// the last step of a stage (so between two stages), at the boundary before
// a stage, at a stage's first step and inside the last stage, and resumed
// each time, writes every stage's metrics, stages.csv and checkpoints as
// the run that was never interrupted.
func TestInterruptedRunOfStagesResumesExactly(t *testing.T) {
	straight := checkResumesExactly(t, fixture, []stop{{0, 5}, {1, -1}, {1, 1}, {2, -1}, {2, 2}})
	want := traintest.RowsWithoutWall(t, filepath.Join(straight, ViewFile))
	// Rows at steps 2, 4, 5 of stage one, 2, 4, 6 of two, 2, 4 of all.
	var steps []string
	for _, row := range want[1:] {
		steps = append(steps, row[0]+":"+row[1]+":"+row[2])
	}
	if w := []string{"1:one:2", "1:one:4", "1:one:5", "2:two:7", "2:two:9", "2:two:11", "3:all:13", "3:all:15"}; !slices.Equal(steps, w) {
		t.Errorf("stages.csv rows (stage:name:run_step) %v, want %v", steps, w)
	}
}

// checkResumesExactly runs the run of stages of the config text straight,
// then again interrupted at every stop in turn and resumed each time, and
// wants every stage's metrics and final parameters and stages.csv of the
// two runs to agree bit for bit (wall_s aside). It returns the straight
// run's directory.
func checkResumesExactly(t *testing.T, text string, stops []stop) string {
	t.Helper()
	straight := filepath.Join(t.TempDir(), "run")
	r, err := New(configtest.LoadConfig(t, text), straight, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(t.TempDir(), "run")
	for i, s := range stops {
		var r *Run
		if i == 0 {
			r, err = New(configtest.LoadConfig(t, text), dir, nil)
		} else {
			r, err = Resume(dir, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		interrupt(r, s, cancel)
		if _, err := r.Start(ctx); !errors.Is(err, train.ErrInterrupted) {
			t.Fatalf("stop %+v: want ErrInterrupted, got %v", s, err)
		}
		cancel()
	}
	r, err = Resume(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}

	for i := range r.Stages {
		sub := filepath.Base(r.StageDir(i))
		want, got := traintest.RowsWithoutWall(t, filepath.Join(straight, sub, rundir.MetricsFile)), traintest.RowsWithoutWall(t, filepath.Join(dir, sub, rundir.MetricsFile))
		if !reflect.DeepEqual(want, got) {
			t.Errorf("%s: metrics differ:\nstraight %v\nresumed  %v", sub, want, got)
		}
		a, b := traintest.Params(t, filepath.Join(straight, sub)), traintest.Params(t, filepath.Join(dir, sub))
		if !reflect.DeepEqual(a, b) {
			t.Errorf("%s: the final parameters differ", sub)
		}
	}
	want, got := traintest.RowsWithoutWall(t, filepath.Join(straight, ViewFile)), traintest.RowsWithoutWall(t, filepath.Join(dir, ViewFile))
	if !reflect.DeepEqual(want, got) {
		t.Errorf("stages.csv differs:\nstraight %v\nresumed  %v", want, got)
	}
	return straight
}

// TestStageHandsOverParameters: a stage starts from the bits its
// predecessor's checkpoint holds of the parameters it includes, and those
// it freezes end the stage with the same bits.
func TestStageHandsOverParameters(t *testing.T) {
	r, theta0 := runStraight(t, fixture)
	one, two := traintest.Params(t, r.StageDir(0)), traintest.Params(t, r.StageDir(1))
	for _, name := range []string{"fc1.W", "fc1.b", "bn1.gamma", "bn1.beta"} {
		if !slices.Equal(one[name], two[name]) {
			t.Errorf("%s: frozen in stage two, but not the bits stage one ended with", name)
		}
	}
	if theta0 == nil || !slices.Equal(theta0[:len(one["fc1.W"])], one["fc1.W"]) {
		t.Error("stage two did not start from stage one's fc1.W")
	}
}

// runStraight runs the run of stages of the config text without
// interruption and returns it with the parameters its second stage
// started from.
func runStraight(t *testing.T, text string) (*Run, []float64) {
	t.Helper()
	r, err := New(configtest.LoadConfig(t, text), filepath.Join(t.TempDir(), "run"), nil)
	if err != nil {
		t.Fatal(err)
	}
	var theta0 []float64
	r.OnStage(func(b Boundary) error {
		if b.Index == 1 {
			theta0 = slices.Clone(b.Run.Trainer.Theta0)
		}
		return nil
	})
	if _, err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return r, theta0
}

// TestStagesRefuseBadInput: stages that cannot run are refused before
// anything is written, naming the stage and the problem.
func TestStagesRefuseBadInput(t *testing.T) {
	tests := []struct {
		name, stages string
		want         []string
	}{
		{"unknown key", `[{name: a, set: ["train.stpes=3"]}]`, []string{"stages.0.set: config stage 1 (a): train.stpes (from --set train.stpes=3): unknown key", `did you mean "steps"`}},
		{"nested", `[{name: a, set: ["stages=[]"]}]`, []string{"stages.0.set: config stage 1 (a): stages=[]: a stage is one run; stages do not nest"}},
		{"init.from after the first", `[{name: a}, {name: b, set: ["init.from=runs/x"]}]`, []string{"stage 2 (b): init.from=runs/x: a stage after the first starts from the stage before it"}},
		{"same name", `[{name: a}, {name: a}]`, []string{`stages.1.name: "a" names an earlier stage too`}},
		{"path in name", `[{name: a/b}]`, []string{`stages.0.name: want a stage name without path separators`}},
		{"freeze of a layer not grown", `[{name: a, set: ["model.hidden=[8]"]}, {name: b, set: ["train.freeze=[fc2.*]", "model.hidden=[8]"]}]`,
			[]string{`stage 2 (b): train.freeze: "fc2.*" matches no parameter`}},
		{"handing over a new layer", `[{name: a, set: ["model.hidden=[8]"]}, {name: b}]`,
			[]string{"stage 2 (b): init.from:", "is a run of another architecture", "not in its checkpoint: fc2.W, fc2.b, bn2.gamma, bn2.beta"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			text := "data: {dir: ../testdata/mnist}\nmodel: {hidden: [8, 6], batchnorm: true}\ntrain: {batch_size: 50, steps: 2}\nstages: " + tt.stages + "\n"
			path := filepath.Join(t.TempDir(), "staged.yaml")
			if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
				t.Fatal(err)
			}
			dir := filepath.Join(t.TempDir(), "run")
			cfg, err := config.Load(path, nil)
			if err == nil {
				_, err = New(cfg, dir, nil)
			}
			if err == nil {
				t.Fatal("the stages were accepted")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("error %v\nwant it to contain %q", err, w)
				}
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the refused run wrote %s", dir)
			}
		})
	}
}

// TestEveryShippedRunOfStagesTrains runs every run of stages in configs/
// on the checked-in fixture, each stage one step long. A student's teacher,
// runs/<name> in its distill section, is configs/<name>.yaml trained for
// one step on the fixture first.
func TestEveryShippedRunOfStagesTrains(t *testing.T) {
	paths, err := filepath.Glob("../configs/*.yaml")
	if err != nil {
		t.Fatal(err)
	}
	staged := 0
	for _, path := range paths {
		cfg, err := config.Load(path, nil)
		if err != nil || !cfg.Staged() {
			continue
		}
		staged++
		fixture := []string{"data.dir=../testdata/mnist", "train.batch_size=50", "train.eval_batch=250", "train.eval_every=1"}
		sets := slices.Clone(fixture)
		if cfg.Pretrain.StepsPerLayer > 0 {
			sets = append(sets, "pretrain.steps_per_layer=1", "pretrain.finetune_steps=1")
		}
		if teacher := cfg.Distill.Teacher; teacher != "" {
			dir := filepath.Join(t.TempDir(), "teacher")
			tc, err := config.Load(filepath.Join("../configs", filepath.Base(teacher)+".yaml"), append(fixture, "train.steps=1"))
			if err != nil {
				t.Fatal(err)
			}
			run, err := experiment.New(tc, dir, nil)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := run.Start(context.Background()); err != nil {
				t.Fatal(err)
			}
			sets = append(sets, "distill.teacher="+dir)
		}
		cfg, err = config.Load(path, sets)
		if err != nil {
			t.Errorf("%v", err)
			continue
		}
		for i, s := range cfg.Stages {
			cfg.Stages[i].Set = append(slices.Clone(s.Set), "train.steps=1")
		}
		r, err := New(cfg, filepath.Join(t.TempDir(), "run"), nil)
		if err != nil {
			t.Errorf("%s: %v", path, err)
			continue
		}
		if res, err := r.Start(context.Background()); err != nil || res.Steps != 1 {
			t.Errorf("%s: %d steps in the last stage, err %v", path, res.Steps, err)
		}
	}
	if staged == 0 {
		t.Error("configs/ holds no run of stages")
	}
}

// TestStagesAreTheRunDirectories: a run of stages is no run directory for
// the commands that read one (eval, a teacher, reference scores); the
// error names its stages' folders, which are. A new run refuses its folder
// as a run of stages to resume.
func TestStagesAreTheRunDirectories(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "run")
	r, err := New(configtest.LoadConfig(t, fixture), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	_, err = experiment.Resume(dir, nil, nil)
	if want := dir + " holds a run of stages, and each stage is a run directory of its own (" + r.StageDir(0) + ", " + r.StageDir(1) + ", " + r.StageDir(2) + ")"; err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("Resume of a run of stages: %v\nwant %q", err, want)
	}
	if err := experiment.CheckFresh(dir); err == nil || !strings.Contains(err.Error(), dir+" already holds a run of stages; continue it with `go run ./cmd/train --resume "+dir+"`") {
		t.Errorf("CheckFresh of a run of stages: %v", err)
	}
	last, err := experiment.Resume(r.StageDir(2), nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if !last.Trainer.Done() {
		t.Error("the last stage's run is not done")
	}
}

// fitnets is FitNets' two stages (Romero et al. 2015) on the fixture, for a
// teacher in the folder %s: a thin, deep student whose stage hint trains
// fc1, fc2 and the linear regressor on the hint term alone (the main and kd
// terms at weight 0, the layers above the guided act2 frozen), and whose
// stage kd trains the whole student by knowledge distillation, λ = 4 decayed
// linearly to 0 at τ = 3 unscaled, as the paper's MNIST setting.
const fitnets = `data: {dir: ../testdata/mnist}
model: {hidden: [6, 6, 6, 6], activation: relu, init: he}
train: {batch_size: 50, eval_batch: 250, steps: 6, eval_every: 2, checkpoint_every: 3}
distill: {teacher: %s, temperature: 3, weight: 4, scale_t2: false, until: 6, decay: true}
stages:
  - name: hint
    set: ["model.main_weight=0", "distill.weight=0", "distill.hint={teacher: act1.in, student: act2, regressor: linear}",
          "train.freeze=[fc3.*, fc4.*, out.*]", "train.steps=5"]
  - {name: kd}
`

// TestFitNetsStages runs FitNets' two stages straight and interrupted at the
// hint stage's last step, at the boundary and inside the kd stage, and wants
// the same numbers (checkResumesExactly). The hint stage trains fc1, fc2 and
// the regressor and leaves the layers above the guided node with their
// initial bits; the kd stage starts from the hint stage's final parameters
// and has no regressor (it is discarded); its rows report loss_kd and no
// loss_hint.
func TestFitNetsStages(t *testing.T) {
	text := fmt.Sprintf(fitnets, fitnetsTeacher(t))
	dir := checkResumesExactly(t, text, []stop{{0, 5}, {1, -1}, {1, 3}})
	r, err := Resume(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	hint, kd := traintest.Params(t, r.StageDir(0)), traintest.Params(t, r.StageDir(1))
	first, err := r.stageConfig(0)
	if err != nil {
		t.Fatal(err)
	}
	start, err := experiment.New(first, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	theta := start.Trainer.Model.Params(nil)
	for _, b := range start.Trainer.Model.Blocks() {
		frozen := !strings.HasPrefix(b.Name, "fc1.") && !strings.HasPrefix(b.Name, "fc2.") && !strings.HasPrefix(b.Name, "hint_r.")
		if kept := slices.Equal(theta[b.Start:b.End], hint[b.Name]); kept != frozen {
			t.Errorf("hint stage: %s kept its initial bits: %v; want %v", b.Name, kept, frozen)
		}
	}
	if hint["hint_r.W"] == nil {
		t.Error("the hint stage has no regressor")
	}
	if kd["hint_r.W"] != nil {
		t.Error("the kd stage kept the regressor")
	}
	if _, theta0 := runStraight(t, text); theta0 == nil || !slices.Equal(theta0[:len(hint["fc1.W"])], hint["fc1.W"]) {
		t.Error("the kd stage did not start from the hint stage's fc1.W")
	}
	view := traintest.RowsWithoutWall(t, filepath.Join(dir, ViewFile))
	kdCol, hintCol := slices.Index(view[0], "loss_kd"), slices.Index(view[0], "loss_hint")
	for _, row := range view[1:] {
		if hinted := row[1] == "hint"; (row[hintCol] != "") != hinted || row[kdCol] == "" {
			t.Errorf("stages.csv row %v: want loss_kd, and loss_hint in the hint stage alone", row)
		}
	}
}

// fitnetsTeacher trains the teacher of the fitnets config, 784-16-16-10,
// for 10 steps on the fixture and returns its folder.
func fitnetsTeacher(t *testing.T) string {
	t.Helper()
	teacher := filepath.Join(t.TempDir(), "teacher")
	run, err := experiment.New(configtest.LoadConfig(t, "data: {dir: ../testdata/mnist}\nmodel: {hidden: [16, 16], activation: relu, init: he}\ntrain: {batch_size: 50, eval_batch: 250, steps: 10}\n"), teacher, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return teacher
}

// TestFitNetsStagesRefuseBadHints: a hint stage whose teacher node does not
// exist, or whose nodes the conv regressor cannot map, is refused before
// anything is written, naming the stage, the key and the fix.
func TestFitNetsStagesRefuseBadHints(t *testing.T) {
	text := fmt.Sprintf(fitnets, fitnetsTeacher(t))
	for _, tc := range []struct{ hint, want string }{
		{"{teacher: act9, student: act2}", `stage 1 (hint): distill.hint.teacher: the teacher `},
		{"{teacher: act9, student: act2}", `no node named "act9"; valid: fc1, act1.in, act1, fc2, act2.in, act2, out`},
		{"{teacher: act1, student: act2, regressor: conv}", "stage 1 (hint): model: loss term hint: distill.hint.regressor: a conv regressor maps a feature map to a feature map, and the student's act2 is dense (6 units) and the teacher's act1 dense (16 units); use regressor linear"},
	} {
		bad := strings.Replace(text, "{teacher: act1.in, student: act2, regressor: linear}", tc.hint, 1)
		dir := filepath.Join(t.TempDir(), "run")
		_, err := New(configtest.LoadConfig(t, bad), dir, nil)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("hint %s: error %v; want one containing %q", tc.hint, err, tc.want)
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("hint %s: the refused run wrote %s", tc.hint, dir)
		}
	}
}
