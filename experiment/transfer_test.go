package experiment

import (
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"deepopt/checkpoint"
	"deepopt/rundir"
)

// TestTransferLoadsSelectedParameters: the parameters init selects are the
// source checkpoint's bits, with the running statistics of their BN layers;
// the excluded ones keep the bits of a fresh initialisation of the new run.
func TestTransferLoadsSelectedParameters(t *testing.T) {
	source := finishedRun(t)
	a, err := checkpoint.Load(filepath.Join(source, rundir.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	// A new label set (three classes) needs a new head.
	sets := []string{"seed=2", "data.classes=[0, 1, 2]"}
	fresh, err := New(fixtureConfig(t, sets...), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	run, err := New(fixtureConfig(t, append(sets, "init.from="+source, "init.exclude=[out.*, bn2.*]")...), "", nil)
	if err != nil {
		t.Fatal(err)
	}
	// θ₀ is what the loop starts from: the checkpoint's float64 bits, not
	// their rounding to the float32 model.
	m, theta, freshTheta := run.Trainer.Model, run.Trainer.Theta0, fresh.Trainer.Model.Params(nil)
	for _, b := range m.Blocks() {
		got := theta[b.Start:b.End]
		if strings.HasPrefix(b.Name, "out.") || strings.HasPrefix(b.Name, "bn2.") {
			if !slices.Equal(got, freshTheta[b.Start:b.End]) {
				t.Errorf("%s: excluded, but not at its fresh initialisation", b.Name)
			}
			continue
		}
		_, want, err := a.Float64(rundir.PrefixParam + b.Name)
		if err != nil {
			t.Fatal(err)
		}
		if !slices.Equal(got, want) {
			t.Errorf("%s: loaded values differ from the source checkpoint's", b.Name)
		}
	}
	bn, sourceBN, freshBN := m.BNState(), rundir.Floats(a, rundir.PrefixBN), fresh.Trainer.Model.BNState()
	for key, v := range bn {
		want := sourceBN[key]
		if strings.HasPrefix(key, "bn2.") {
			want = freshBN[key]
		}
		if !slices.Equal(v, want) {
			t.Errorf("BN statistic %s = %v, want %v", key, v, want)
		}
	}
}

// TestTransferRefusesBadInput: a missing run or checkpoint, a glob that
// matches nothing and a run of another architecture are refused, naming
// the problem and the fix, and the new run's directory stays empty.
func TestTransferRefusesBadInput(t *testing.T) {
	source := finishedRun(t)
	unfinished := filepath.Join(t.TempDir(), "unfinished")
	if err := os.MkdirAll(unfinished, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(unfinished, rundir.ConfigFile), []byte("seed: 1\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		sets []string
		want []string
	}{
		{"no run", []string{"init.from=" + filepath.Join(source, "nothing")}, []string{"init.from: run directory", "does not exist"}},
		{"no checkpoint", []string{"init.from=" + unfinished}, []string{"init.from: " + unfinished + " has no checkpoint yet", "--resume " + unfinished}},
		{"include matches nothing", []string{"init.from=" + source, "init.include=[conv*]"},
			[]string{`init.include: "conv*" matches no parameter of the new model; its parameters are fc1.W, fc1.b, bn1.gamma, bn1.beta, fc2.W`}},
		{"exclude matches nothing", []string{"init.from=" + source, "init.exclude=[fc3.*]"}, []string{`init.exclude: "fc3.*" matches no parameter`}},
		{"nothing left", []string{"init.from=" + source, "init.include=[fc1.*]", "init.exclude=[fc1.*]"}, []string{"leave no parameter to load"}},
		{"another architecture", []string{"init.from=" + source, "model.hidden=[8, 5, 4]"}, []string{
			"init.from: " + source + " is a run of another architecture",
			"shapes differ: fc2.W is [8 6] there and [8 5] here; fc2.b is [6] there and [5] here; bn2.gamma is [6] there and [5] here; bn2.beta is [6] there and [5] here; out.W is [6 10] there and [4 10] here",
			"not in its checkpoint: fc3.W, fc3.b, bn3.gamma, bn3.beta (its parameters are",
			"exclude: [out.*]"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := filepath.Join(t.TempDir(), "run")
			_, err := New(fixtureConfig(t, tt.sets...), dir, nil)
			if err == nil {
				t.Fatal("New accepted the init section")
			}
			for _, w := range tt.want {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("New: %v\nwant it to contain %q", err, w)
				}
			}
			if _, err := os.Stat(dir); !errors.Is(err, os.ErrNotExist) {
				t.Errorf("the refused run wrote %s", dir)
			}
		})
	}
}

// TestTransferredRunResumesExactly: a transferred run interrupted at step 3
// and resumed ends with the metrics and parameters of the straight run,
// and the resume reads its own checkpoint, not init.from (deleted
// meanwhile).
func TestTransferredRunResumesExactly(t *testing.T) {
	source := finishedRun(t)
	sets := []string{"train.steps=8", "train.eval_every=1", "seed=3", "init.from=" + source, "init.exclude=[out.*]"}
	checkResumesExactly(t, sets, 3, func() {
		if err := os.RemoveAll(source); err != nil {
			t.Fatal(err)
		}
	})
}
