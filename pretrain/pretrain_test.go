package pretrain_test

import (
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"deepopt/config"
	"deepopt/internal/configtest"
	"deepopt/internal/traintest"
	"deepopt/pretrain"
	"deepopt/stage"
	"deepopt/train"
)

// load loads a pretraining config of the MNIST fixture with sets.
func load(t *testing.T, sets ...string) *config.Config {
	t.Helper()
	return configtest.LoadConfig(t, "data: {dir: ../testdata/mnist}\nmodel: {hidden: [8, 7, 6], batchnorm: true}\n"+
		"train: {batch_size: 50, eval_batch: 250, eval_every: 2, checkpoint_every: 2}\n"+
		"pretrain: {steps_per_layer: 4, finetune_steps: 3}\n", sets...)
}

// TestStagesGrowTheNetwork: one stage per hidden layer, each the layers so
// far with the lower ones handed over (and frozen), then fine-tuning.
func TestStagesGrowTheNetwork(t *testing.T) {
	got, err := pretrain.Stages(load(t))
	if err != nil {
		t.Fatal(err)
	}
	want := []config.Stage{
		{Name: "layer1", Set: []string{"model.hidden=[8]", "train.steps=4"}},
		{Name: "layer2", Set: []string{"model.hidden=[8, 7]", "train.steps=4", "init.include=[fc1.*, bn1.*]", "train.freeze=[fc1.*, bn1.*]"}},
		{Name: "layer3", Set: []string{"model.hidden=[8, 7, 6]", "train.steps=4", "init.include=[fc1.*, bn1.*, fc2.*, bn2.*]", "train.freeze=[fc1.*, bn1.*, fc2.*, bn2.*]"}},
		{Name: "finetune", Set: []string{"train.steps=3"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("Stages =\n%v\nwant\n%v", got, want)
	}
	got, err = pretrain.Stages(load(t, "pretrain.freeze_lower=false", "pretrain.finetune_steps=0", "model.batchnorm=false"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(got); n != 3 || !slices.Equal(got[2].Set, []string{"model.hidden=[8, 7, 6]", "train.steps=4", "init.include=[fc1.*, fc2.*]"}) {
		t.Errorf("without freezing, BN and fine-tuning: Stages = %v", got)
	}
}

// TestFrozenLowerLayersKeepTheirBits: with freeze_lower, the layers below
// the one a stage adds end the stage with the bits the stage before ended
// with; without it they move on; fine-tuning moves every layer.
func TestFrozenLowerLayersKeepTheirBits(t *testing.T) {
	for _, freeze := range []string{"true", "false"} {
		dir := filepath.Join(t.TempDir(), "run")
		r, err := stage.New(load(t, "pretrain.freeze_lower="+freeze), dir, nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := r.Start(context.Background()); err != nil {
			t.Fatal(err)
		}
		for k := 1; k < len(r.Stages); k++ {
			before, after := traintest.Params(t, r.StageDir(k-1)), traintest.Params(t, r.StageDir(k))
			finetune := r.Stages[k].Name == "finetune"
			for j := 1; j <= min(k, 2); j++ {
				for _, name := range []string{"fc%d.W", "fc%d.b", "bn%d.gamma", "bn%d.beta"} {
					name = fmt.Sprintf(name, j)
					want := freeze == "true" && !finetune
					if kept := slices.Equal(before[name], after[name]); kept != want {
						t.Errorf("freeze_lower %s, stage %s: %s kept the bits of the stage before: %v, want %v", freeze, r.Stages[k].Name, name, kept, want)
					}
				}
			}
		}
	}
}

// TestPretrainingResumesExactly: interrupted at the boundary between the
// first two stages and after the first step of the third, and resumed each
// time, the run ends with the parameters and stages.csv of the run never
// interrupted.
func TestPretrainingResumesExactly(t *testing.T) {
	straight := filepath.Join(t.TempDir(), "run")
	r, err := stage.New(load(t), straight, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	dir := filepath.Join(t.TempDir(), "run")
	for _, at := range []int{1, 2} {
		if at == 1 {
			r, err = stage.New(load(t), dir, nil)
		} else {
			r, err = stage.Resume(dir, nil)
		}
		if err != nil {
			t.Fatal(err)
		}
		ctx, cancel := context.WithCancel(context.Background())
		r.OnStage(func(b stage.Boundary) error {
			switch {
			case b.Index == 1 && at == 1:
				cancel()
			case b.Index == 2 && at == 2:
				b.Run.Trainer.OnStep(train.PriorityDefault, func(*train.Trainer) error { cancel(); return nil })
			}
			return nil
		})
		if _, err := r.Start(ctx); !errors.Is(err, train.ErrInterrupted) {
			t.Fatalf("want ErrInterrupted, got %v", err)
		}
		cancel()
	}
	if r, err = stage.Resume(dir, nil); err != nil {
		t.Fatal(err)
	}
	if _, err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	last := filepath.Base(r.StageDir(len(r.Stages) - 1))
	if !reflect.DeepEqual(traintest.Params(t, filepath.Join(straight, last)), traintest.Params(t, filepath.Join(dir, last))) {
		t.Error("the resumed run ended with other parameters than the straight one")
	}
	if want, got := traintest.RowsWithoutWall(t, filepath.Join(straight, stage.ViewFile)), traintest.RowsWithoutWall(t, filepath.Join(dir, stage.ViewFile)); !reflect.DeepEqual(want, got) {
		t.Errorf("stages.csv differs:\nstraight %v\nresumed  %v", want, got)
	}
}

// TestCNNGrowsConvLayersThenHiddenLayers: a cnn's stages grow its conv
// layers, the head on their flattened features, then its hidden layers;
// the frozen lower layers keep their bits, and the run trains.
func TestCNNGrowsConvLayersThenHiddenLayers(t *testing.T) {
	cfg := configtest.LoadConfig(t, "data: {dir: ../testdata/mnist}\n"+
		"model: {kind: cnn, conv: [{channels: 2, kernel: 3, padding: 1}, {channels: 3, kernel: 3, padding: 1}], hidden: [5], batchnorm: true}\n"+
		"train: {batch_size: 50, eval_batch: 250}\npretrain: {steps_per_layer: 2, finetune_steps: 1}\n")
	got, err := pretrain.Stages(cfg)
	if err != nil {
		t.Fatal(err)
	}
	conv1 := "{channels: 2, kernel: 3, stride: 1, padding: 1, pool: 2}"
	conv2 := "{channels: 3, kernel: 3, stride: 1, padding: 1, pool: 2}"
	want := []config.Stage{
		{Name: "conv1", Set: []string{"model.conv=[" + conv1 + "]", "model.hidden=[]", "train.steps=2"}},
		{Name: "conv2", Set: []string{"model.conv=[" + conv1 + ", " + conv2 + "]", "model.hidden=[]", "train.steps=2",
			"init.include=[conv1.*, bnc1.*]", "train.freeze=[conv1.*, bnc1.*]"}},
		{Name: "layer1", Set: []string{"model.hidden=[5]", "train.steps=2",
			"init.include=[conv1.*, bnc1.*, conv2.*, bnc2.*]", "train.freeze=[conv1.*, bnc1.*, conv2.*, bnc2.*]"}},
		{Name: "finetune", Set: []string{"train.steps=1"}},
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("Stages =\n%v\nwant\n%v", got, want)
	}
	r, err := stage.New(cfg, filepath.Join(t.TempDir(), "run"), nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := r.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	conv, dense := traintest.Params(t, r.StageDir(1)), traintest.Params(t, r.StageDir(2))
	for _, name := range []string{"conv1.W", "conv1.b", "bnc1.gamma", "conv2.W", "bnc2.beta"} {
		if conv[name] == nil || !slices.Equal(conv[name], dense[name]) {
			t.Errorf("%s: frozen in stage layer1, but not the bits stage conv2 ended with", name)
		}
	}
}
