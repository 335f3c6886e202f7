package experiment

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"deepopt/train"
)

// cnnSets make the fixture network a small CNN.
var cnnSets = []string{"model.kind=cnn", "model.conv=[{channels: 2, kernel: 3, padding: 1, pool: 2}]", "model.hidden=[6]"}

// TestDistilledRunResumesExactly distils an MLP teacher (dropout and
// jitter, as Hinton et al.'s) into a CNN student trained with SGD on
// jittered minibatches, and a CNN teacher into an MLP student trained with
// L-BFGS on minibatches held for 3 steps. Each metrics row's train_loss (one
// step per row) is loss_main + λ·loss_kd, the kd column is there and no
// head accuracy is made up for it; a run interrupted after step 7 (inside a
// held minibatch) and resumed ends with the uninterrupted run's metrics and
// parameters bit for bit.
func TestDistilledRunResumesExactly(t *testing.T) {
	mlpTeacher := finishedRun(t, "model.batchnorm=false", "model.dropout=0.5", "model.input_dropout=0.2", "data.jitter=2", "train.steps=6")
	cnnTeacher := finishedRun(t, cnnSets...)
	for _, tc := range []struct {
		name string
		sets []string
	}{
		{"cnn student of an mlp teacher", append(slices.Clone(cnnSets), "distill.teacher="+mlpTeacher, "data.jitter=2", "distill.weight=0.6")},
		{"mlp student of a cnn teacher", []string{"distill.teacher=" + cnnTeacher, "distill.temperature=3", "distill.weight=2", "distill.scale_t2=false",
			"dtype=float64", "optimizer.kind=lbfgs", "schedule.lr=1", "train.hold_batch=3"}},
	} {
		rows := checkResumesExactly(t, append(tc.sets, "train.steps=12", "train.eval_every=1", "train.checkpoint_every=4"), 7, nil)
		col := func(name string) int { return slices.Index(rows[0], name) }
		if col("loss_kd") < 0 || col("loss_main") < 0 || col("test_acc_kd") >= 0 {
			t.Fatalf("%s: metrics columns %v; want loss_main and loss_kd, no test_acc_kd (a term is no head)", tc.name, rows[0])
		}
		lambda := fixtureConfig(t, tc.sets...).Distill.Weight
		for _, row := range rows[1:] {
			v := func(name string) float64 {
				f, err := strconv.ParseFloat(row[col(name)], 64)
				if err != nil {
					t.Fatal(err)
				}
				return f
			}
			if loss, sum := v("train_loss"), v("loss_main")+lambda*v("loss_kd"); math.Abs(loss-sum) > 1e-6*math.Abs(loss) || !(v("loss_kd") > 0) {
				t.Errorf("%s step %s: train_loss %v, loss_main + λ·loss_kd %v (loss_kd %v)", tc.name, row[col("step")], loss, sum, v("loss_kd"))
			}
		}
	}
}

// TestDistillBadInput checks that a missing teacher run, an unfinished one,
// a teacher of other classes or another input size, and an omitted class
// the data set lacks are refused when the run is assembled, naming the key
// and the fix, before the student's directory is created.
func TestDistillBadInput(t *testing.T) {
	teacher := finishedRun(t)
	unfinished := filepath.Join(t.TempDir(), "unfinished")
	run, err := New(fixtureConfig(t, "train.steps=8", "train.checkpoint_every=2"), unfinished, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(t.Context())
	run.Trainer.Hooks = append(run.Trainer.Hooks, stopAt{step: 2, cancel: cancel})
	if _, err := run.Start(ctx); !errors.Is(err, train.ErrInterrupted) {
		t.Fatalf("want an interrupted teacher, got %v", err)
	}
	fewer := finishedRun(t, "data.classes=[0, 1, 2, 3, 4]")
	missing := filepath.Join(t.TempDir(), "none")
	for _, tt := range []struct {
		sets []string
		want []string
	}{
		{[]string{"distill.teacher=" + missing}, []string{"distill.teacher: run directory " + missing + " does not exist", "train the teacher first"}},
		{[]string{"distill.teacher=" + unfinished}, []string{"distill.teacher: " + unfinished + " has not finished (step 2 of 8)", "--resume " + unfinished}},
		{[]string{"distill.teacher=" + fewer}, []string{"distill.teacher: " + fewer + " has 5 classes and the student 10"}},
		{[]string{"distill.teacher=" + teacher, "data.classes=[0, 1, 2, 3, 4]"}, []string{"distill.teacher: " + teacher + " has 10 classes and the student 5"}},
		{[]string{"distill.teacher=" + teacher, "distill.omit_classes=[12]"}, []string{"distill.omit_classes: class 12 is unknown; the data set's classes are 0 to 9"}},
		{[]string{"distill.teacher=" + teacher, "distill.hint={teacher: act9, student: act1}"},
			[]string{`distill.hint.teacher: the teacher ` + teacher + `: model: no node named "act9"; valid: fc1, bn1, act1.in, act1, fc2, bn2, act2.in, act2, out`}},
		{[]string{"distill.teacher=" + teacher, "distill.hint={teacher: act1, student: act9}"},
			[]string{`distill.hint.student: model: term hint reads unknown node "act9"; valid nodes: fc1, bn1, act1.in, act1, fc2, bn2, act2.in, act2, out`}},
		{[]string{"distill.teacher=" + teacher, "distill.hint={teacher: act1, student: act1, regressor: conv}"},
			[]string{"a conv regressor maps a feature map to a feature map, and the student's act1 is dense (8 units) and the teacher's act1 dense (8 units); use regressor linear"}},
	} {
		dir := filepath.Join(t.TempDir(), "student")
		_, err := New(fixtureConfig(t, tt.sets...), dir, nil)
		for _, w := range tt.want {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%v: error %v; want one containing %q", tt.sets, err, w)
			}
		}
		if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
			t.Errorf("%v: the student's directory was created", tt.sets)
		}
	}
}

// TestOmitClasses checks that distill.omit_classes removes every 3 from the
// student's training set, and only there: the test set keeps them.
func TestOmitClasses(t *testing.T) {
	teacher := finishedRun(t)
	all, err := New(fixtureConfig(t, "distill.teacher="+teacher), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	run, err := New(fixtureConfig(t, "distill.teacher="+teacher, "distill.omit_classes=[3]"), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	count := func(y []int, c int) (n int) {
		for _, v := range y {
			if v == c {
				n++
			}
		}
		return n
	}
	threes := count(all.Trainer.Train.Y, 3)
	if threes == 0 {
		t.Fatal("the fixture has no 3")
	}
	if got := run.Trainer.Train; count(got.Y, 3) != 0 || got.Len() != all.Trainer.Train.Len()-threes || got.Classes != 10 {
		t.Errorf("transfer set of %d examples, %d of them 3s, %d classes; want %d, none, 10", got.Len(), count(got.Y, 3), got.Classes, all.Trainer.Train.Len()-threes)
	}
	if count(run.Trainer.Test.Y, 3) == 0 {
		t.Error("the test set lost its 3s")
	}
}

// TestHintRun trains the fixture MLP on FitNets' hint alone
// (model.main_weight 0, distill.weight 0, a linear regressor from the
// student's act1 to the teacher's act1.in): every metrics row's train_loss
// is its loss_hint; the layers above the guided node (fc2, bn2, out), which
// only the main and kd terms read, end with their initial bits while fc1
// and the regressor move; and a run interrupted at step 5 resumes to the
// uninterrupted run's metrics and parameters bit for bit.
func TestHintRun(t *testing.T) {
	teacher := finishedRun(t, "model.hidden=[12]")
	sets := []string{"distill.teacher=" + teacher, "distill.weight=0", "model.main_weight=0",
		"distill.hint={teacher: act1.in, student: act1, regressor: linear}", "train.steps=10", "train.eval_every=1"}
	rows := checkResumesExactly(t, sets, 5, nil)
	col := func(name string) int { return slices.Index(rows[0], name) }
	if col("loss_hint") < 0 {
		t.Fatalf("metrics columns %v; want loss_hint", rows[0])
	}
	for _, row := range rows[1:] {
		if row[col("train_loss")] != row[col("loss_hint")] {
			t.Errorf("step %s: train_loss %s, loss_hint %s; want equal", row[col("step")], row[col("train_loss")], row[col("loss_hint")])
		}
	}
	run, err := New(fixtureConfig(t, sets...), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	start := run.Trainer.Model.Params(nil)
	if _, err := run.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	end := run.Trainer.Theta()
	for _, b := range run.Trainer.Model.Blocks() {
		above := strings.HasPrefix(b.Name, "fc2.") || strings.HasPrefix(b.Name, "bn2.") || strings.HasPrefix(b.Name, "out.")
		if same := slices.Equal(start[b.Start:b.End], end[b.Start:b.End]); same != above {
			t.Errorf("%s kept its bits: %v; want %v", b.Name, same, above)
		}
	}
}
