package train

import (
	"context"
	"slices"
	"strings"
	"testing"

	"deepopt/optim"
)

// freeze makes the parameters of the first layer and its BN frozen.
func freeze(t *testing.T, tr *Trainer) {
	t.Helper()
	var err error
	if tr.Trainable, err = tr.Model.Trainable([]string{"fc1.*", "bn1.*"}); err != nil {
		t.Fatal(err)
	}
}

// TestFrozenParametersStayBitIdentical trains with fc1 and bn1 frozen under
// a first-order method, a line-search method on held minibatches and an
// averager, and checks that every frozen coordinate ends with the bits it
// started with (in θ and in the reported averaged weights), that every
// trainable tensor moved, that the optimizer saw only the trainable
// coordinates, and that the counters are those of the subspace: one
// gradient per SGD step, as without freezing.
func TestFrozenParametersStayBitIdentical(t *testing.T) {
	variants := []struct {
		name string
		opt  optim.Optimizer
		hold int
	}{
		{"momentum", &optim.SGD{Momentum: 0.9}, 1},
		{"lbfgs held", &optim.LBFGS{}, 3},
		{"polyak", &optim.PolyakAverage{Inner: &optim.SGD{Momentum: 0.9}, Start: 5}, 1},
	}
	for _, v := range variants {
		t.Run(v.name, func(t *testing.T) {
			tr := newTrainer(t, "", 12, 0.1)
			tr.Test = nil
			freeze(t, tr)
			spy := &recordingOptimizer{Optimizer: v.opt}
			tr.Optimizer, tr.HoldBatch = spy, v.hold
			start := slices.Clone(tr.Model.Params(nil))
			res, err := tr.Run(context.Background())
			if err != nil {
				t.Fatal(err)
			}
			for _, x := range spy.starts {
				if len(x) != len(tr.Trainable) {
					t.Fatalf("the optimizer stepped on %d coordinates, want the %d trainable ones", len(x), len(tr.Trainable))
				}
			}
			for _, b := range tr.Model.Blocks() {
				frozen := b.Name[:4] == "fc1." || b.Name[:4] == "bn1."
				for name, w := range map[string][]float64{"θ": tr.Theta(), "reported weights": tr.Weights()} {
					same := slices.Equal(w[b.Start:b.End], start[b.Start:b.End])
					if frozen && !same {
						t.Errorf("frozen %s changed in %s", b.Name, name)
					}
					if !frozen && same {
						t.Errorf("trainable %s did not move in %s", b.Name, name)
					}
				}
			}
			if _, ok := v.opt.(*optim.SGD); ok && res.GradEvals != 12 {
				t.Errorf("12 SGD steps counted %d gradient evaluations, want 12", res.GradEvals)
			}
		})
	}
}

// TestResumeRefusesAnotherFreeze restores a checkpoint of a run with fc1
// and bn1 frozen into trainers that freeze nothing, other tensors or part
// of a tensor: each is refused naming both sets; the same freeze is
// restored.
func TestResumeRefusesAnotherFreeze(t *testing.T) {
	tr := newTrainer(t, "", 4, 0.1)
	tr.Test = nil
	freeze(t, tr)
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	a := tr.Snapshot()
	for _, c := range []struct {
		freeze []string
		cut    int // drop the first cut trainable coordinates as well
		want   string
	}{
		{nil, 0, "the run froze fc1.W, fc1.b, bn1.gamma, bn1.beta and would now freeze no parameter"},
		{[]string{"fc2.*"}, 0, "would now freeze fc2.W, fc2.b;"},
		{[]string{"fc1.*", "bn1.*"}, 3, "would now freeze fc1.W, fc1.b, bn1.gamma, bn1.beta, fc2.W (3 of "},
		{[]string{"fc1.*", "bn1.*"}, 0, ""},
	} {
		r := newTrainer(t, "", 8, 0.1)
		if c.freeze != nil {
			trainable, err := r.Model.Trainable(c.freeze)
			if err != nil {
				t.Fatal(err)
			}
			r.Trainable = trainable[c.cut:]
		}
		err := r.Restore(a)
		switch {
		case c.want == "" && err != nil:
			t.Errorf("%v: the same freeze was refused: %v", c.freeze, err)
		case c.want != "" && (err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "restore train.freeze")):
			t.Errorf("%v minus %d: Restore = %v, want an error containing %q", c.freeze, c.cut, err, c.want)
		}
	}
}
