package experiment

import (
	"bytes"
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
