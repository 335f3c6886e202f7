package experiment

import (
	"bytes"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"deepopt/data"
)

// TestLabelNoise checks that data.label_noise changes that share of the
// training labels, identically on every load of the same config (so a
// resumed run sees the same labels), and leaves the test set alone.
func TestLabelNoise(t *testing.T) {
	cleanTrain, cleanTest, err := loadData(fixtureConfig(t), nil)
	if err != nil {
		t.Fatal(err)
	}
	var log bytes.Buffer
	cfg := fixtureConfig(t, "data.label_noise=0.4")
	noisyTrain, noisyTest, err := loadData(cfg, &log)
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
	again, _, _ := loadData(cfg, nil)
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
