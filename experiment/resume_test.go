package experiment

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"deepopt/checkpoint"
	"deepopt/internal/traintest"
	"deepopt/rundir"
	"deepopt/train"
)

// finishedRun trains the fixture network with sets (for its 4 steps unless
// they say otherwise) in a fresh directory and returns the directory.
func finishedRun(t *testing.T, sets ...string) string {
	t.Helper()
	dir := filepath.Join(t.TempDir(), "run")
	run, err := New(fixtureConfig(t, sets...), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	return dir
}

// editCheckpoint rewrites the run's checkpoint after edit changed it.
func editCheckpoint(t *testing.T, dir string, edit func(a *checkpoint.Archive)) {
	t.Helper()
	path := filepath.Join(dir, rundir.CheckpointFile)
	a, err := checkpoint.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	edit(a)
	if err := checkpoint.Save(path, a); err != nil {
		t.Fatal(err)
	}
}

// wantResumeError resumes dir with sets and wants an error containing every
// one of want.
func wantResumeError(t *testing.T, dir string, sets []string, want ...string) {
	t.Helper()
	_, err := Resume(dir, sets, nil)
	if err == nil {
		t.Fatalf("Resume(%v) accepted the run", sets)
	}
	for _, w := range want {
		if !strings.Contains(err.Error(), w) {
			t.Errorf("Resume(%v) error = %v\nwant one containing %q", sets, err, w)
		}
	}
}

// A resume must continue the network that wrote the checkpoint: a setting
// that shapes the model, changed with --set or by editing config.yaml, is
// refused, naming each changed key with both values.
func TestResumeRefusesAnotherArchitecture(t *testing.T) {
	dir := finishedRun(t)
	wantResumeError(t, dir, []string{"model.batchnorm=false"},
		"the model differs from the one that wrote it",
		"model.batchnorm: true in the checkpoint, false now",
		"model.bn_eps: 1e-05 in the checkpoint, not set now")
	wantResumeError(t, dir, []string{"model.activation=relu", "dtype=float64"},
		"dtype: float32 in the checkpoint, float64 now", "model.activation: sigmoid in the checkpoint, relu now")

	configPath := filepath.Join(dir, rundir.ConfigFile)
	text, err := os.ReadFile(configPath)
	if err != nil {
		t.Fatal(err)
	}
	edited := strings.Replace(string(text), "activation: sigmoid", "activation: tanh", 1)
	if edited == string(text) {
		t.Fatalf("config.yaml has no `activation: sigmoid` to edit:\n%s", text)
	}
	if err := os.WriteFile(configPath, []byte(edited), 0o644); err != nil {
		t.Fatal(err)
	}
	wantResumeError(t, dir, nil, "model.activation: sigmoid in the checkpoint, tanh now")
	if err := os.WriteFile(configPath, text, 0o644); err != nil {
		t.Fatal(err)
	}
	if _, err := Resume(dir, []string{"train.steps=6", "model.l2=0.001", "train.eval_batch=100"}, nil); err != nil {
		t.Errorf("settings that do not shape the model may change: %v", err)
	}
}

// A parameter stored with another shape of the same size is refused, not
// copied in file order.
func TestResumeComparesParameterShapes(t *testing.T) {
	dir := finishedRun(t)
	editCheckpoint(t, dir, func(a *checkpoint.Archive) {
		shape, values, err := a.Float64("param/fc1.W")
		if err != nil {
			t.Fatal(err)
		}
		a.SetFloat64("param/fc1.W", []int{shape[1], shape[0]}, values)
	})
	wantResumeError(t, dir, nil, "param/fc1.W has shape [8 784], the model's is [784 8]")
}

// A checkpoint holding NaN or ±Inf is refused on load, naming the array,
// rather than failing steps later with advice about the learning rate.
func TestResumeRefusesNonFiniteValues(t *testing.T) {
	for _, bad := range []float64{math.NaN(), math.Inf(1)} {
		dir := finishedRun(t)
		editCheckpoint(t, dir, func(a *checkpoint.Archive) {
			shape, values, err := a.Float64("param/fc2.b")
			if err != nil {
				t.Fatal(err)
			}
			values[3] = bad
			a.SetFloat64("param/fc2.b", shape, values)
		})
		wantResumeError(t, dir, nil, `array "param/fc2.b" holds `, " at index 3 of 6; the file is damaged")
	}
}

// checkResumesExactly runs the fixture with sets straight, then again
// interrupted after step stop, calls between (if not nil) and resumes it;
// it wants the resumed run to end with the straight run's parameters and to
// have written its metrics.csv, and returns the straight run's metrics
// (traintest.RowsWithoutWall).
func checkResumesExactly(t *testing.T, sets []string, stop int, between func()) [][]string {
	t.Helper()
	straightDir := filepath.Join(t.TempDir(), "run")
	straight, err := New(fixtureConfig(t, sets...), straightDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := straight.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	first, err := New(fixtureConfig(t, sets...), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	first.Trainer.OnStep(train.PriorityDefault, func(t *train.Trainer) error {
		if t.Step() == stop {
			cancel()
		}
		return nil
	})
	if _, err := first.Start(ctx); !errors.Is(err, train.ErrInterrupted) {
		t.Fatalf("want ErrInterrupted, got %v", err)
	}
	if between != nil {
		between()
	}
	resumed, err := Resume(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resumed.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(straight.Trainer.Theta(), resumed.Trainer.Theta()) {
		t.Error("the resumed run ended with other parameters than the straight one")
	}
	ts := traintest.RowsWithoutWall(t, filepath.Join(straightDir, rundir.MetricsFile))
	if tr := traintest.RowsWithoutWall(t, filepath.Join(dir, rundir.MetricsFile)); !reflect.DeepEqual(ts, tr) {
		t.Fatalf("metrics differ:\nstraight %v\nresumed  %v", ts, tr)
	}
	return ts
}

// A resume must freeze what the run froze: train.freeze changed with --set
// is refused, naming the parameters frozen before and now.
func TestResumeRefusesAnotherFreeze(t *testing.T) {
	dir := finishedRun(t, "train.freeze=[fc1.*]")
	wantResumeError(t, dir, []string{"train.freeze=[]"}, "the run froze fc1.W, fc1.b and would now freeze no parameter", "restore train.freeze")
	wantResumeError(t, dir, []string{"train.freeze=[fc1.W]"}, "would now freeze fc1.W;")
	if _, err := Resume(dir, []string{"train.freeze=[fc1.W, fc1.b]", "train.steps=6"}, nil); err != nil {
		t.Errorf("the same parameters frozen by other globs: %v", err)
	}
}
