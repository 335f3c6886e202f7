package experiment

import (
	"bytes"
	"context"
	"encoding/csv"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"deepopt/data"
	"deepopt/schedule"
	"deepopt/train"
)

// TestLabelNoise checks that data.label_noise changes that share of the
// training labels, identically on every load of the same config (so a
// resumed run sees the same labels), and leaves the test set alone.
func TestLabelNoise(t *testing.T) {
	cleanTrain, cleanTest, err := LoadData(fixtureConfig(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	cfg := fixtureConfig(t, "data.label_noise=0.4")
	noisyTrain, noisyTest, err := LoadData(cfg, &log)
	if err != nil {
		t.Fatal(err)
	}
	changed := 0
	for i, y := range noisyTrain.Y {
		if y != cleanTrain.Y[i] {
			changed++
		}
	}
	if changed != 400 {
		t.Errorf("%d of %d training labels changed, want 400", changed, noisyTrain.Len())
	}
	for i, y := range noisyTest.Y {
		if y != cleanTest.Y[i] {
			t.Fatalf("test label %d changed", i)
		}
	}
	again, _, _ := LoadData(cfg, nil)
	for i, y := range again.Y {
		if y != noisyTrain.Y[i] {
			t.Fatalf("a second load of the same config flips other labels (example %d)", i)
		}
	}
	if !strings.Contains(log.String(), "400 of 1000 training labels") {
		t.Errorf("log %q does not record the noise", log.String())
	}
}

// TestShapesDataset trains a few steps on a shape set written into a
// folder, through data.dir.
func TestShapesDataset(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "geom")
	if err := data.WriteShapes(dir, data.GeomShapes, 120, 60, 3); err != nil {
		t.Fatal(err)
	}
	cfg := fixtureConfig(t, "data.dataset=shapes", "data.dir="+dir, "train.batch_size=20", "train.eval_batch=30")
	run, err := New(cfg, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if ds := run.Trainer.Test; ds.Classes != 3 || ds.Dim() != 32*32 {
		t.Errorf("test set of %d classes and %d inputs, want 3 and 1024", ds.Classes, ds.Dim())
	}
	res, err := run.Start(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if res.Steps != 4 {
		t.Errorf("%d steps, want 4", res.Steps)
	}
}

// TestDataAlso trains on the union of two shape sets: the training set is
// the first folder's examples followed by the second's, with their
// difficulty, and the test set is the first folder's.
func TestDataAlso(t *testing.T) {
	geom, basic := filepath.Join(t.TempDir(), "geom"), filepath.Join(t.TempDir(), "basic")
	if err := data.WriteShapes(geom, data.GeomShapes, 90, 30, 3); err != nil {
		t.Fatal(err)
	}
	if err := data.WriteShapes(basic, data.BasicShapes, 60, 40, 4); err != nil {
		t.Fatal(err)
	}
	geomTrain, geomTest, err := data.LoadShapes(geom, nil)
	if err != nil {
		t.Fatal(err)
	}
	basicTrain, _, err := data.LoadShapes(basic, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := fixtureConfig(t, "data.dataset=shapes", "data.dir="+geom, "data.also=["+basic+"]", "train.batch_size=20", "train.eval_batch=30")
	run, err := New(cfg, t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	tr := run.Trainer.Train
	if !slices.Equal(tr.Values(), slices.Concat(geomTrain.Values(), basicTrain.Values())) || !slices.Equal(tr.Y, slices.Concat(geomTrain.Y, basicTrain.Y)) ||
		!slices.Equal(tr.Difficulty, slices.Concat(geomTrain.Difficulty, basicTrain.Difficulty)) {
		t.Errorf("training set of %d examples is not the %d GeomShapes followed by the %d BasicShapes", tr.Len(), geomTrain.Len(), basicTrain.Len())
	}
	if !slices.Equal(run.Trainer.Test.Values(), geomTest.Values()) {
		t.Errorf("test set of %d examples is not data.dir's %d", run.Trainer.Test.Len(), geomTest.Len())
	}
	missing := filepath.Join(t.TempDir(), "none")
	if _, err := New(fixtureConfig(t, "data.dataset=shapes", "data.dir="+geom, "data.also=["+missing+"]"), t.TempDir(), nil); err == nil || !strings.Contains(err.Error(), "data.also") {
		t.Errorf("a missing data.also folder: error %v, want one naming data.also", err)
	}
}

// TestReferenceScores trains a small run, scores the training set with its
// checkpoint (990 examples, so the last evaluation batch is padded) and
// checks the scores against the run's own evaluation (mean
// loss, accuracy = share of positive margins) and against the bounds that tie
// an example's loss to its margin m over C classes:
// ln(1 + e^−m) ≤ loss ≤ ln(1 + (C−1)·e^−m). A run of another training set is
// refused.
func TestReferenceScores(t *testing.T) {
	dir := t.TempDir()
	run, err := New(fixtureConfig(t, "data.train_limit=990", "train.steps=30", "train.eval_every=30", "train.checkpoint_every=30"), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := run.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	trainSet := run.Trainer.Train
	ev, err := run.Trainer.Evaluate(trainSet)
	if err != nil {
		t.Fatal(err)
	}
	loss, err := ReferenceScores(dir, "loss", trainSet, nil)
	if err != nil {
		t.Fatal(err)
	}
	negMargin, err := ReferenceScores(dir, "margin", trainSet, nil)
	if err != nil {
		t.Fatal(err)
	}
	mean, correct := 0.0, 0
	for i, l := range loss {
		m := -negMargin[i]
		mean += l / float64(len(loss))
		if m > 0 {
			correct++
		}
		lo, hi := math.Log1p(math.Exp(-m)), math.Log1p(9*math.Exp(-m))
		if l < lo-1e-12 || l > hi+1e-12 {
			t.Fatalf("example %d: loss %v outside [%v, %v] for margin %v", i, l, lo, hi, m)
		}
	}
	if math.Abs(mean-ev.Loss) > 1e-12 || float64(correct)/float64(len(loss)) != ev.Accuracy {
		t.Errorf("mean loss %v, accuracy %v; the run's evaluation %v, %v", mean, float64(correct)/float64(len(loss)), ev.Loss, ev.Accuracy)
	}
	head, _ := trainSet.Head(500)
	if _, err := ReferenceScores(dir, "loss", head, nil); err == nil || !strings.Contains(err.Error(), "not on these 500 examples") {
		t.Errorf("another training set: error %v", err)
	}
	if _, err := ReferenceScores(dir, "confidence", trainSet, nil); err == nil || !strings.Contains(err.Error(), "valid: loss, margin") {
		t.Errorf("unknown measure: error %v", err)
	}
}

// stopAt cancels the run's context after a given step, as Ctrl-C would.
type stopAt struct {
	step   int
	cancel context.CancelFunc
}

func (s stopAt) Attach(t *train.Trainer) error {
	t.OnStep(train.PriorityDefault, func(t *train.Trainer) error {
		if t.Step() == s.step {
			s.cancel()
		}
		return nil
	})
	return nil
}

// TestCurriculumRunResumesExactly trains with each curriculum kind on a
// shape set ordered by its own difficulty, checks the metrics columns
// available and lambda against the pace (and for kind weight mean_weight: a
// share of the minibatch of 20, below 1 while λ is, 1 once λ is), and
// interrupts a second run after step 13 and resumes it: its metrics and
// final parameters equal the uninterrupted run's bit for bit.
func TestCurriculumRunResumesExactly(t *testing.T) {
	shapes := filepath.Join(t.TempDir(), "geom")
	if err := data.WriteShapes(shapes, data.GeomShapes, 200, 60, 3); err != nil {
		t.Fatal(err)
	}
	for _, kind := range []string{"sample", "stochastic", "weight"} {
		sets := []string{"data.dataset=shapes", "data.dir=" + shapes, "train.batch_size=20", "train.eval_batch=30",
			"train.steps=30", "train.eval_every=10", "train.checkpoint_every=10",
			"curriculum.kind=" + kind, "curriculum.pacing=root", "curriculum.a=0.5", "curriculum.b=0.25"}
		whole, err := New(fixtureConfig(t, sets...), t.TempDir(), nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := whole.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		pace := schedule.WuPacing{Family: schedule.RootPacing, A: 0.5, B: 0.25, Steps: 30, N: 200}
		rows := readCSV(t, filepath.Join(whole.Dir, "metrics.csv"))
		header := rows[0]
		col := func(name string) int { return slices.Index(header, name) }
		if col("available") < 0 || col("lambda") < 0 {
			t.Fatalf("%s: metrics columns %v lack available and lambda", kind, header)
		}
		for _, row := range rows[1:] {
			step, _ := strconv.Atoi(row[col("step")])
			if want := strconv.Itoa(pace.Available(step - 1)); row[col("available")] != want {
				t.Errorf("%s step %d: available %s, want %s", kind, step, row[col("available")], want)
			}
		}
		if last := rows[len(rows)-1]; last[col("lambda")] != "1" {
			t.Errorf("%s: lambda %s at the end, want 1 (a = 0.5)", kind, last[col("lambda")])
		}
		if kind == "weight" {
			for _, row := range rows[1:] {
				mean, err := strconv.ParseFloat(row[col("mean_weight")], 64)
				lambda, _ := strconv.ParseFloat(row[col("lambda")], 64)
				if share := mean * 20; err != nil || share != math.Round(share) || mean > 1 || lambda == 1 && mean != 1 {
					t.Errorf("step %s: mean_weight %s at λ = %v (%v), want a share of 20 examples, 1 at λ = 1", row[col("step")], row[col("mean_weight")], lambda, err)
				}
			}
			if first := rows[1][col("mean_weight")]; first == "1" {
				t.Errorf("mean_weight 1 at step 10, where λ = %s", rows[1][col("lambda")])
			}
		}

		dir := t.TempDir()
		first, err := New(fixtureConfig(t, sets...), dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(t.Context())
		first.Trainer.Hooks = append(first.Trainer.Hooks, stopAt{step: 13, cancel: cancel})
		if _, err := first.Start(ctx); !errors.Is(err, train.ErrInterrupted) {
			t.Fatalf("%s: want an interrupted run, got %v", kind, err)
		}
		resumed, err := Resume(dir, nil, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := resumed.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		if a, b := rows, readCSV(t, filepath.Join(dir, "metrics.csv")); !slices.EqualFunc(a, b, func(x, y []string) bool {
			return slices.Equal(dropWall(header, x), dropWall(header, y))
		}) {
			t.Errorf("%s: resumed metrics differ:\n%v\n%v", kind, a, b)
		}
		if !slices.Equal(whole.Trainer.Weights(), resumed.Trainer.Weights()) {
			t.Errorf("%s: the resumed run ends at other parameters", kind)
		}
	}
}

// TestWeightCurriculumHeldBatch: a weight curriculum under CG on minibatches
// held for 3 steps, interrupted in the middle of a held batch and resumed,
// ends with the straight run's parameters and metrics (the restored held
// batch gets its weights back), and with b = 1 (every example weighted 1
// from the start) it trains bit for bit as without a curriculum.
func TestWeightCurriculumHeldBatch(t *testing.T) {
	sets := []string{"optimizer.kind=cg", "train.hold_batch=3", "train.steps=9", "train.eval_every=3",
		"curriculum.kind=weight", "curriculum.scores=random", "curriculum.a=0.5", "curriculum.b=0.3"}
	checkResumesExactly(t, sets, 4, nil)

	sets[len(sets)-1] = "curriculum.b=1"
	weighted, plain := runFixture(t, sets...), runFixture(t, sets[:4]...)
	if !slices.Equal(weighted, plain) {
		t.Error("a weight curriculum at λ = 1 trains otherwise than no curriculum")
	}
}

// runFixture trains the fixture with sets and returns its final θ.
func runFixture(t *testing.T, sets ...string) []float64 {
	t.Helper()
	e, err := New(fixtureConfig(t, sets...), t.TempDir(), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := e.Start(t.Context()); err != nil {
		t.Fatal(err)
	}
	return e.Trainer.Theta()
}

// readCSV reads a CSV file's rows.
func readCSV(t *testing.T, path string) [][]string {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows, err := csv.NewReader(f).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return rows
}

// dropWall blanks the wall-clock column of a metrics row.
func dropWall(header, row []string) []string {
	row = slices.Clone(row)
	if i := slices.Index(header, "wall_s"); i >= 0 && i < len(row) {
		row[i] = ""
	}
	return row
}

// TestCurriculumBadInput checks that a score file of another length, a pace
// that starts below a minibatch and difficulty scores of a set that has none
// are refused when the run is assembled, before anything is written.
func TestCurriculumBadInput(t *testing.T) {
	short := filepath.Join(t.TempDir(), "scores.csv")
	if err := os.WriteFile(short, []byte("1\n2\n3\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		sets []string
		want string
	}{
		{[]string{"curriculum.kind=sample", "curriculum.scores=file", "curriculum.from=" + short}, "curriculum.scores: " + short + ": 3 difficulty scores for 1000 training examples"},
		{[]string{"curriculum.kind=stochastic", "curriculum.scores=random", "curriculum.b=0.02"}, "curriculum.b: schedule: the pacing starts with 20 of 1000 examples, fewer than one minibatch of 50"},
		{[]string{"curriculum.kind=sample", "curriculum.scores=loss", "curriculum.from=" + t.TempDir()}, "reference run"},
		{[]string{"curriculum.kind=weight", "curriculum.scores=random", "curriculum.b=0.02"}, "curriculum.b: schedule: the pacing starts with 20 of 1000 examples, fewer than one minibatch of 50"},
	} {
		dir := filepath.Join(t.TempDir(), "run")
		if _, err := New(fixtureConfig(t, tt.sets...), dir, nil); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%v: error %v, want %q", tt.sets, err, tt.want)
		}
		if _, err := os.Stat(dir); err == nil {
			t.Errorf("%v: the refused run wrote its directory", tt.sets)
		}
	}
}
