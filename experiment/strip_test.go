package experiment

import (
	"bytes"
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"deepopt/train"
)

// evaluate reopens the run in dir and evaluates it on its test set.
func evaluate(t *testing.T, dir string) (loss, acc float64, r *Run) {
	t.Helper()
	r, err := Resume(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	ev, err := r.Trainer.Evaluate(r.Trainer.Test)
	if err != nil {
		t.Fatal(err)
	}
	return ev.Loss, ev.Accuracy, r
}

// TestStripHeadsEvaluatesAsTheMainHead strips the heads of finished runs
// whose reported weights are the live ones, averaged ones over a BN
// network, and live ones with re-estimated BN statistics: the model-only
// run evaluates to the source's main-head test loss and accuracy bit for
// bit, without the heads' parameters, and so does it as a FinishedModel.
func TestStripHeadsEvaluatesAsTheMainHead(t *testing.T) {
	heads := "model.aux_heads=[{at: act1, hidden: [5]}, {at: fc2}]"
	for _, sets := range [][]string{
		{heads, "train.freeze=[aux1_*]"},
		{heads, "optimizer.average=polyak"},
		{heads, "train.eval_bn=reestimate", "train.bn_reestimate=3"},
	} {
		src := finishedRun(t, sets...)
		dst := filepath.Join(t.TempDir(), "stripped")
		s, err := StripHeads(src, dst, nil)
		if err != nil {
			t.Fatalf("%v: %v", sets, err)
		}
		wantLoss, wantAcc, source := evaluate(t, src)
		loss, acc, stripped := evaluate(t, dst)
		if loss != wantLoss || acc != wantAcc {
			t.Errorf("%v: stripped run evaluates to loss %v, accuracy %v; the source's main head to %v, %v", sets, loss, acc, wantLoss, wantAcc)
		}
		m := stripped.Trainer.Model
		if len(m.Spec().AuxHeads) != 0 || m.Dim() != s.Kept || s.Kept+s.Dropped != source.Trainer.Model.Dim() || strings.Join(s.Heads, " ") != "aux1 aux2" {
			t.Errorf("%v: stripped model has %d heads and %d parameters; Stripped = %+v, the source has %d parameters",
				sets, len(m.Spec().AuxHeads), m.Dim(), s, source.Trainer.Model.Dim())
		}
		if !stripped.Trainer.ModelOnly() || stripped.Trainer.Step() != source.Trainer.Step() {
			t.Errorf("%v: ModelOnly %v at step %d; want a model-only run at the source's step %d", sets, stripped.Trainer.ModelOnly(), stripped.Trainer.Step(), source.Trainer.Step())
		}
		teacher, err := FinishedModel(dst, 250, nil)
		if err != nil {
			t.Fatalf("%v: FinishedModel: %v", sets, err)
		}
		if ev, err := teacher.Evaluate(stripped.Trainer.Test); err != nil || ev.Loss != wantLoss || ev.Accuracy != wantAcc {
			t.Errorf("%v: the stripped run as a finished model: %+v, %v; want loss %v, accuracy %v", sets, ev, err, wantLoss, wantAcc)
		}
	}
}

// TestStrippedRunIsNotTrained resumes a model-only run, as it is and
// extended: Start refuses it, saying what the run can be used for, and
// writes nothing; a new run starts from its weights with init.from.
func TestStrippedRunIsNotTrained(t *testing.T) {
	dst := filepath.Join(t.TempDir(), "stripped")
	if _, err := StripHeads(finishedRun(t, "model.aux_heads=[{at: act2}]"), dst, nil); err != nil {
		t.Fatal(err)
	}
	before := listing(t, dst)
	for _, sets := range [][]string{nil, {"train.steps=8"}} {
		r, err := Resume(dst, sets, nil)
		if err != nil {
			t.Fatal(err)
		}
		_, err = r.Start(context.Background())
		if err == nil || !strings.Contains(err.Error(), "holds a finished model without its training state") || !strings.Contains(err.Error(), "start a new run from its weights") {
			t.Errorf("%v: Start = %v, want a refusal", sets, err)
		}
	}
	if after := listing(t, dst); after != before {
		t.Errorf("the refused runs changed the directory:\n%s\nnow:\n%s", before, after)
	}
	next, err := New(fixtureConfig(t, "init.from="+dst), filepath.Join(t.TempDir(), "next"), nil)
	if err != nil {
		t.Fatalf("a new run from the stripped run's weights: %v", err)
	}
	if _, err := next.Start(context.Background()); err != nil {
		t.Fatalf("a new run from the stripped run's weights: %v", err)
	}
}

// TestStripHeadsRefusals checks that a run without heads, an unfinished run
// and an output directory in use are refused before anything is written.
func TestStripHeadsRefusals(t *testing.T) {
	withHeads := finishedRun(t, "model.aux_heads=[{at: act1}]")
	unfinished := filepath.Join(t.TempDir(), "unfinished")
	run, err := New(fixtureConfig(t, "model.aux_heads=[{at: act1}]", "train.checkpoint_every=2"), unfinished, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	run.Trainer.Hooks = append(run.Trainer.Hooks, stopAt{step: 2, cancel: cancel})
	if _, err := run.Start(ctx); !errors.Is(err, train.ErrInterrupted) {
		t.Fatalf("interrupted run: %v", err)
	}
	out := t.TempDir()
	for _, c := range []struct{ src, dst, want string }{
		{finishedRun(t), filepath.Join(out, "a"), "has no auxiliary heads (model.aux_heads is empty)"},
		{unfinished, filepath.Join(out, "b"), "has not finished (step 2 of 4)"},
		{withHeads, withHeads, "already exists and is not empty; choose a new output directory"},
		{filepath.Join(out, "none"), filepath.Join(out, "c"), "does not exist"},
	} {
		before := listing(t, c.src)
		if _, err := StripHeads(c.src, c.dst, nil); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("StripHeads(%s, %s) = %v, want an error containing %q", c.src, c.dst, err, c.want)
		}
		if c.dst != c.src {
			if _, err := os.Stat(c.dst); err == nil {
				t.Errorf("the refused StripHeads created %s", c.dst)
			}
		}
		if after := listing(t, c.src); after != before {
			t.Errorf("the refused StripHeads changed %s", c.src)
		}
	}
}

// listing returns the names and contents of the files in dir, "" when it
// does not exist.
func listing(t *testing.T, dir string) string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if errors.Is(err, os.ErrNotExist) {
		return ""
	} else if err != nil {
		t.Fatal(err)
	}
	var b bytes.Buffer
	for _, e := range entries {
		text, err := os.ReadFile(filepath.Join(dir, e.Name()))
		if err != nil {
			t.Fatal(err)
		}
		b.WriteString(e.Name() + "\n")
		b.Write(text)
	}
	return b.String()
}
