package repro

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"deepopt/rundir"
	"deepopt/stage"
)

// TestStudyTrainsResumesAndReuses trains two seeds of a small network on
// the checked-in fixture side by side, then runs the same study again (both
// runs are reused, their metrics untouched), extends it by --set (both
// continue), and starts it cancelled (it says how to continue).
func TestStudyTrainsResumesAndReuses(t *testing.T) {
	dir := t.TempDir()
	cfg := tinyConfig(t, dir)
	var log bytes.Buffer
	study := Study{Dir: filepath.Join(dir, "study"), Runs: Seeded("net", cfg, nil, []int{1, 2}), Parallel: 2, Log: &log}
	if _, err := study.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	metrics := map[string][]byte{}
	for _, name := range []string{"net-seed1", "net-seed2"} {
		d := study.RunDir(name)
		for _, f := range []string{rundir.MetricsFile, rundir.CheckpointFile, LogFile} {
			if _, err := os.Stat(filepath.Join(d, f)); err != nil {
				t.Fatalf("%s lacks %s: %v", name, f, err)
			}
		}
		metrics[name], _ = os.ReadFile(filepath.Join(d, rundir.MetricsFile))
	}
	if c1, c2 := readConfig(t, study.RunDir("net-seed1")), readConfig(t, study.RunDir("net-seed2")); !strings.Contains(c1, "seed: 1\n") || !strings.Contains(c2, "seed: 2\n") {
		t.Errorf("the runs do not hold their seeds:\n%s\n%s", c1, c2)
	}

	log.Reset()
	if _, err := study.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	if strings.Count(log.String(), "reused") != 2 {
		t.Errorf("a second Train must reuse both finished runs; log:\n%s", log.String())
	}
	for name, before := range metrics {
		if after, _ := os.ReadFile(filepath.Join(study.RunDir(name), rundir.MetricsFile)); !bytes.Equal(before, after) {
			t.Errorf("%s: reusing the run changed its metrics", name)
		}
	}

	study.Runs = Seeded("net", cfg, []string{"train.steps=30"}, []int{1, 2})
	if _, err := study.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	b, err := Fold([]string{study.RunDir("net-seed1"), study.RunDir("net-seed2")}, "step", "test_acc")
	if err != nil {
		t.Fatal(err)
	}
	if got := b.X; len(got) != 3 || got[2] != 30 {
		t.Errorf("after extending to 30 steps the runs evaluated at %v, want 10, 20, 30", got)
	}

	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	study.Runs = Seeded("net", cfg, []string{"train.steps=40"}, []int{1, 2})
	if _, err := study.Train(ctx); err == nil || !strings.Contains(err.Error(), "run the same command again") {
		t.Errorf("a cancelled study: want an error saying how to continue, got %v", err)
	}
}

// TestStudyTrainsInStages trains a run in two stages, the second with
// another learning rate from the first's checkpoint, then again: both
// stages are reused and the metrics stay as they were.
func TestStudyTrainsInStages(t *testing.T) {
	dir := t.TempDir()
	var log bytes.Buffer
	study := Study{Dir: filepath.Join(dir, "study"), Log: &log, Runs: []Run{{Name: "staged", Config: tinyConfig(t, dir), Sets: []string{"seed=3"},
		Stages: [][]string{{"train.steps=10", "schedule.lr=0.1"}, {"train.steps=20", "schedule.lr=0.05"}}}}}
	if _, err := study.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	run := study.RunDir("staged")
	cols, err := Column(run, "step", "lr")
	if err != nil {
		t.Fatal(err)
	}
	if want := [][]float64{{10, 20}, {0.1, 0.05}}; !reflect.DeepEqual(cols, want) {
		t.Errorf("step and lr columns %v, want %v (stage 1 to step 10 at 0.1, stage 2 to step 20 at 0.05)", cols, want)
	}
	if c := readConfig(t, run); !strings.Contains(c, "steps: 20\n") || !strings.Contains(c, "seed: 3\n") {
		t.Errorf("config.yaml is not the last stage's:\n%s", c)
	}
	before, _ := os.ReadFile(filepath.Join(run, rundir.MetricsFile))
	log.Reset()
	if _, err := study.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	if strings.Count(log.String(), "reused") != 2 {
		t.Errorf("a second Train must reuse both stages; log:\n%s", log.String())
	}
	if after, _ := os.ReadFile(filepath.Join(run, rundir.MetricsFile)); !bytes.Equal(before, after) {
		t.Error("reusing the stages changed the metrics")
	}
}

// TestStudyTrainsARunOfStages trains a config with a stages list as a run
// of stages (package stage), each stage in its folder, then again: the
// finished run is left as it was.
func TestStudyTrainsARunOfStages(t *testing.T) {
	dir := t.TempDir()
	study := Study{Dir: filepath.Join(dir, "study"), Runs: Seeded("staged", tinyConfig(t, dir),
		[]string{`stages=[{name: short, set: ["train.steps=10"]}, {name: long}]`}, []int{1})}
	if _, err := study.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	run := study.RunDir("staged-seed1")
	for _, sub := range []string{"1-short", "2-long"} {
		if _, err := os.Stat(filepath.Join(run, sub, rundir.CheckpointFile)); err != nil {
			t.Errorf("stage %s: %v", sub, err)
		}
	}
	view := filepath.Join(run, stage.ViewFile)
	before, err := os.ReadFile(view)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := study.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	if after, _ := os.ReadFile(view); !bytes.Equal(before, after) {
		t.Error("training the finished run of stages again changed stages.csv")
	}
}

// tinyConfig writes the config of a small network on the fixture, 20 steps,
// into dir and returns its path.
func tinyConfig(t *testing.T, dir string) string {
	t.Helper()
	cfg := filepath.Join(dir, "tiny.yaml")
	text := "data: {dir: ../testdata/mnist}\nmodel: {hidden: [16]}\ntrain: {steps: 20, eval_every: 10, eval_batch: 250, batch_size: 50}\n"
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	return cfg
}

func readConfig(t *testing.T, dir string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(dir, rundir.ConfigFile))
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// TestStudyReusesARunThatSpentItsBudget: a run that stopped at
// train.max_grad_evals before its last step is finished too; a second Train
// reuses it instead of training it again.
func TestStudyReusesARunThatSpentItsBudget(t *testing.T) {
	dir := t.TempDir()
	cfg := filepath.Join(dir, "budget.yaml")
	text := "data: {dir: ../testdata/mnist}\nmodel: {hidden: [16]}\ntrain: {steps: 20, eval_every: 10, eval_batch: 250, batch_size: 50, max_grad_evals: 5}\n"
	if err := os.WriteFile(cfg, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	study := Study{Dir: filepath.Join(dir, "study"), Runs: Seeded("net", cfg, nil, []int{1}), Parallel: 1, Log: &log}
	if _, err := study.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	before, err := os.ReadFile(filepath.Join(study.RunDir("net-seed1"), rundir.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	log.Reset()
	if _, err := study.Train(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(log.String(), "reused") {
		t.Errorf("a run that spent its gradient budget must be reused; log:\n%s", log.String())
	}
	if after, _ := os.ReadFile(filepath.Join(study.RunDir("net-seed1"), rundir.MetricsFile)); !bytes.Equal(before, after) {
		t.Error("reusing the run changed its metrics")
	}
}
