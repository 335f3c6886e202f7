package kd

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"testing"

	"deepopt/data"
	"deepopt/repro"
)

// fixtureDir is the checked-in MNIST fixture: 1000 training and 500 test
// digits.
const fixtureDir = "../../testdata/mnist"

// writeConfigs writes a small teacher (784-128-128-10 ReLU, dropout and
// ±2-pixel jitter), a hard-label student 784-32-32-10 and the same student
// distilled at T = 20 (its teacher set by Run), on the fixture, 300 steps of
// 50 examples each.
func writeConfigs(t *testing.T) (teacher, student, distilled string) {
	t.Helper()
	dir := t.TempDir()
	common := "optimizer: {kind: sgd, momentum: 0.9}\nschedule: {kind: cosine, lr: 0.05}\n" +
		"train: {batch_size: 50, eval_batch: 250, steps: 300, eval_every: 100}\n"
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text+common), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	teacher = write("teacher.yaml", "data: {dir: "+fixtureDir+", jitter: 2}\nmodel: {hidden: [128, 128], activation: relu, init: he, dropout: 0.5, input_dropout: 0.2}\n")
	small := "data: {dir: " + fixtureDir + "}\nmodel: {hidden: [32, 32], activation: relu, init: he}\n"
	return teacher, write("student.yaml", small), write("distilled.yaml", small+"distill: {teacher: set-by-the-study, temperature: 20}\n")
}

// TestShortenedStudy runs the whole study on the fixture at seed 1 and
// checks what holds at any budget: every network's test errors counted at
// shift 0 agree with the test accuracy its metrics.csv reports (an
// independent evaluation, model.Evaluate); the student distilled without
// any 3 misses most 3s of the test set, and the bias shift chosen on its
// held-out examples is positive and lowers its errors on the test set's 3s;
// the report and its files are written.
func TestShortenedStudy(t *testing.T) {
	teacher, student, distilled := writeConfigs(t)
	o := Options{Teacher: teacher, Student: student, Distilled: distilled, Seeds: []int{1}, Validation: 200,
		Dir: t.TempDir(), Parallel: 2}
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, nw := range Networks[:3] {
		acc, err := repro.Column(filepath.Join(o.Dir, repro.SeedName(nw.Key, 1)), "test_acc")
		if err != nil {
			t.Fatal(err)
		}
		want := int(math.Round((1 - acc[0][len(acc[0])-1]) * float64(rep.TestSize)))
		if got := rep.Counts[nw.Key][0].Errors; got != want {
			t.Errorf("%s: %d test errors counted, metrics.csv's test_acc gives %d", nw.Key, got, want)
		}
	}
	_, test, err := data.LoadMNIST(fixtureDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	threes := 0
	for _, y := range test.Y {
		if y == 3 {
			threes++
		}
	}
	c := rep.Counts[Omitted][0]
	if 2*c.ByClass[3] <= threes {
		t.Errorf("omitted 3s: %d errors on the %d test 3s; want most of them missed", c.ByClass[3], threes)
	}
	if !(c.Shift > 0) || c.ShiftedByClass[3] >= c.ByClass[3] {
		t.Errorf("omitted 3s: %d errors on 3s, %d after a shift of %v; want fewer after a positive shift", c.ByClass[3], c.ShiftedByClass[3], c.Shift)
	}
	for _, f := range []string{repro.ReportFile, ErrorsCSV, AccuracyPNG} {
		if _, err := os.Stat(filepath.Join(o.Dir, f)); err != nil {
			t.Error(err)
		}
	}
}
