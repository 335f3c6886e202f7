package footprint_test

import (
	"runtime"
	"strings"
	"testing"

	"deepopt/experiment"
	"deepopt/footprint"
	"deepopt/internal/configtest"
	"deepopt/internal/memory"
)

// A model, a batch or an evaluation batch that cannot fit is refused with
// the estimate, the memory available and the key to change.
func TestCheckMemoryRefusesWhatCannotFit(t *testing.T) {
	available := memory.Available{Bytes: 400e6, Source: "a test's figure", Known: true}
	tests := []struct {
		set  string
		want []string
	}{
		{"train.batch_size=59000", []string{"for training activations at train.batch_size 59000", "lower train.batch_size"}},
		{"model.hidden=[100000000]", []string{"for 79500000010 parameters", "but 400.0 MB (a test's figure) is available; lower model.hidden"}},
		{"train.eval_batch=100000000", []string{"for evaluation at train.eval_batch 100000000", "lower train.eval_batch"}},
		{"model.hidden=[1000000000000, 1000000000000]", []string{"lower model.hidden"}},
	}
	for _, tt := range tests {
		cfg := configtest.FixtureConfig(t, tt.set)
		trainSet, _, err := experiment.LoadData(cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		err = footprint.Check(footprint.Estimate(cfg, trainSet), cfg, available)
		for _, w := range append(tt.want, "the run needs at least") {
			if err == nil || !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %v, want one containing %q", tt.set, err, w)
			}
		}
	}
	cfg := configtest.FixtureConfig(t)
	trainSet, _, err := experiment.LoadData(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	if err := footprint.Check(footprint.Estimate(cfg, trainSet), cfg, available); err != nil {
		t.Errorf("the fixture network: %v", err)
	}
	if err := footprint.Check(footprint.Estimate(configtest.FixtureConfig(t, "model.hidden=[100000000]"), trainSet), cfg, memory.Available{}); err != nil {
		t.Errorf("an unknown figure refuses nothing: %v", err)
	}
}

// The estimate is a lower bound: a network that trained and evaluated
// holds at least as much live memory as estimated, so a run that fits is
// never refused. Measured on a wide network where the parameters dominate
// and on a large evaluation batch where its tensors do.
func TestFootprintIsALowerBound(t *testing.T) {
	for _, sets := range [][]string{
		{"model.hidden=[4000]", "train.steps=2"},
		{"model.hidden=[2000]", "dtype=float64", "optimizer.kind=lbfgs", "optimizer.memory=3", "train.steps=5"}, // its 3 pairs filled
		{"train.eval_batch=4000", "optimizer.kind=adam", "optimizer.average=ema", "train.steps=2"},
	} {
		cfg := configtest.FixtureConfig(t, sets...)
		var before, after runtime.MemStats
		settle()
		runtime.ReadMemStats(&before)
		run, err := experiment.New(cfg, "", nil)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := run.Start(t.Context()); err != nil {
			t.Fatal(err)
		}
		settle()
		runtime.ReadMemStats(&after)
		live := int64(after.HeapAlloc) - int64(before.HeapAlloc)
		estimate := footprint.Estimate(cfg, run.Trainer.Train).Total()
		t.Logf("%v: estimate %s, live after training %s", sets, memory.Format(estimate), memory.Format(live))
		if estimate > live {
			t.Errorf("%v: estimate %s exceeds the %s the run holds", sets, memory.Format(estimate), memory.Format(live))
		}
		runtime.KeepAlive(run)
	}
}

// settle collects garbage until the live heap stops shrinking, so that
// objects freed by finalizers (a finished run's tensors) are gone.
func settle() {
	var m runtime.MemStats
	last := uint64(1<<64 - 1)
	for range 10 {
		runtime.GC()
		runtime.ReadMemStats(&m)
		if m.HeapAlloc >= last {
			return
		}
		last = m.HeapAlloc
	}
}
