package distill_test

import (
	"context"
	"fmt"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"deepopt/checkpoint"
	"deepopt/distill"
	"deepopt/experiment"
	"deepopt/internal/configtest"
	"deepopt/model"
	"deepopt/rundir"
)

// teacherRun trains a small BN MLP teacher on the fixture data for 4 steps
// in a fresh directory and returns the directory.
func teacherRun(t *testing.T) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "teacher")
	run, err := experiment.New(configtest.FixtureConfig(t), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dir
}

// cnnStudent is a CNN student of the fixture's images with a minibatch of
// batch examples.
func cnnStudent(batch int) model.Spec {
	return model.Spec{Kind: model.CNN, Input: []int{1, 28, 28}, Classes: 10, Conv: []model.ConvStage{{Channels: 2, Kernel: 3, Stride: 1, Pool: 2}},
		Activation: "relu", Init: model.He, BatchSize: batch, EvalBatch: batch}
}

// TestTeacherForwardOnly rebuilds a finished BN MLP teacher for a CNN
// student and checks that it holds the checkpoint's weights, that its
// targets are probability rows that depend on each example alone (as with
// inference-mode BN, not with the batch statistics of training mode) and
// that giving them changes neither its weights nor its running statistics,
// and that nothing in the teacher's run directory is written.
func TestTeacherForwardOnly(t *testing.T) {
	const batch, classes = 6, 10
	dir := teacherRun(t)
	before := listing(t, dir)
	m, err := experiment.FinishedModel(dir, batch, nil)
	if err != nil {
		t.Fatal(err)
	}
	a, err := checkpoint.Load(filepath.Join(dir, rundir.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	theta := m.Params(nil)
	for _, b := range m.Blocks() {
		_, want, err := a.Float64("param/" + b.Name)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range want {
			want[i] = float64(float32(v)) // the float32 network's rounding
		}
		if !slices.Equal(theta[b.Start:b.End], want) {
			t.Errorf("%s differs from the checkpoint's", b.Name)
		}
	}
	bn := m.BNState()
	teacher, err := distill.NewTeacher(m, dir, cnnStudent(batch), distill.KD{Temperature: 1})
	if err != nil {
		t.Fatal(err)
	}
	x := make([]float64, batch*784)
	for i := range x {
		x[i] = float64(i%97) / 97
	}
	p := make([]float64, batch*classes)
	if err := teacher.Targets(x, p); err != nil {
		t.Fatal(err)
	}
	for r := range batch {
		var sum float64
		for _, v := range p[r*classes : (r+1)*classes] {
			if !(v > 0) {
				t.Fatalf("row %d holds %g", r, v)
			}
			sum += v
		}
		if math.Abs(sum-1) > 1e-6 {
			t.Errorf("row %d sums to %.9g", r, sum)
		}
	}
	// Replace every example but the first: its row must stay, up to the
	// float32 products' rounding, which depends on a row's place in the
	// blocked matrix product. Batch statistics would move it by far more.
	ox := slices.Clone(x)
	for i := 784; i < len(ox); i++ {
		ox[i] = 1 - ox[i]
	}
	op := make([]float64, len(p))
	if err := teacher.Targets(ox, op); err != nil {
		t.Fatal(err)
	}
	for c := range classes {
		if math.Abs(op[c]-p[c]) > 1e-6 {
			t.Errorf("the first example's targets moved with the others: %v, were %v", op[:classes], p[:classes])
			break
		}
	}
	if !slices.Equal(m.Params(nil), theta) {
		t.Error("giving targets changed the teacher's weights")
	}
	for k, v := range m.BNState() {
		if !slices.Equal(v, bn[k]) {
			t.Errorf("giving targets changed the teacher's %s", k)
		}
	}
	if after := listing(t, dir); !slices.Equal(after, before) {
		t.Errorf("the teacher's run directory changed:\n%v\nwas\n%v", after, before)
	}
}

// listing names every file of dir with its size and modification time.
func listing(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var out []string
	for _, e := range entries {
		info, err := e.Info()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, fmt.Sprintf("%s %d %s", e.Name(), info.Size(), info.ModTime().Format(time.RFC3339Nano)))
	}
	return out
}

// TestTeacherErrors checks that a missing run, an unfinished one and a
// teacher of other classes or inputs are refused with the problem and the
// fix.
func TestTeacherErrors(t *testing.T) {
	want := func(err error, name string, parts ...string) {
		t.Helper()
		if err == nil {
			t.Fatalf("%s: accepted", name)
		}
		for _, p := range parts {
			if !strings.Contains(err.Error(), p) {
				t.Errorf("%s: error %q does not mention %q", name, err, p)
			}
		}
	}
	_, err := experiment.FinishedModel(filepath.Join(t.TempDir(), "none"), 6, nil)
	want(err, "missing run", "does not exist")

	dir := teacherRun(t)
	cfgPath := filepath.Join(dir, rundir.ConfigFile)
	text, err := os.ReadFile(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	longer := strings.Replace(string(text), "steps: 4\n", "steps: 9\n", 1)
	if longer == string(text) {
		t.Fatalf("config.yaml has no line `steps: 4`:\n%s", text)
	}
	if err := os.WriteFile(cfgPath, []byte(longer), 0o644); err != nil {
		t.Fatal(err)
	}
	_, err = experiment.FinishedModel(dir, 6, nil)
	want(err, "unfinished run", "has not finished (step 4 of 9)", "--resume "+dir)
	if err := os.WriteFile(cfgPath, text, 0o644); err != nil {
		t.Fatal(err)
	}

	m, err := experiment.FinishedModel(dir, 6, nil)
	if err != nil {
		t.Fatal(err)
	}
	kd := distill.KD{Temperature: 2}
	other := cnnStudent(6)
	other.Classes = 5
	_, err = distill.NewTeacher(m, dir, other, kd)
	want(err, "classes", "distill.teacher", "10 classes and the student 5")
	other = cnnStudent(6)
	other.Input = []int{1, 14, 14}
	_, err = distill.NewTeacher(m, dir, other, kd)
	want(err, "input", "shape [784] and the student [1 14 14]")
	_, err = distill.NewTeacher(m, dir, cnnStudent(7), kd)
	want(err, "batch", "evaluation batch is 6 examples and the student's minibatch 7")
	_, err = distill.NewTeacher(m, dir, cnnStudent(6), distill.KD{Temperature: 0})
	want(err, "temperature", "KD.Temperature = 0")
}
