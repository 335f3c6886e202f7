package train

import (
	"context"
	"math"
	"slices"
	"strings"
	"testing"

	"deepopt/model"
	"deepopt/optim"
	"deepopt/schedule"
)

// stepOnly is an optimizer seen through the Optimizer interface alone, and
// averagerOnly an averaging one through the Averager interface, so that the
// loop evaluates and steps through Eval and Step on float64 vectors instead
// of in place.
type (
	stepOnly     struct{ optim.Optimizer }
	averagerOnly struct{ optim.Averager }
)

// withoutInPlace hides opt's StepInPlace.
func withoutInPlace(opt optim.Optimizer) optim.Optimizer {
	if a, ok := opt.(optim.Averager); ok {
		return averagerOnly{a}
	}
	return stepOnly{opt}
}

// TestInPlaceStepsMatchEvalAndStep trains the float32 BN model with a
// weight penalty by every in-place method, in place and through Eval and
// Step, and requires the same metrics rows, θ and optimizer state bit for
// bit; the in-place run takes the in-place path, the other does not.
func TestInPlaceStepsMatchEvalAndStep(t *testing.T) {
	for name, opt := range map[string]func() optim.Optimizer{
		"Nesterov": func() optim.Optimizer { return &optim.SGD{Momentum: 0.9, Nesterov: true, WeightDecay: 1e-3} },
		"AdamW":    func() optim.Optimizer { return &optim.Adam{WeightDecay: 0.01, Decoupled: true} },
		"Polyak":   func() optim.Optimizer { return &optim.PolyakAverage{Inner: &optim.SGD{}, Start: 20} },
	} {
		t.Run(name, func(t *testing.T) {
			var runs [2]*Trainer
			for i := range runs {
				tr := newTrainer(t, t.TempDir(), 60, 0.05)
				spec := tr.Model.Spec()
				spec.L2 = 1e-3
				m, err := model.New(spec)
				if err != nil {
					t.Fatal(err)
				}
				tr.Model = m
				tr.Optimizer, tr.EvalEvery = opt(), 20
				if i == 1 {
					tr.Optimizer = withoutInPlace(tr.Optimizer)
				}
				if _, err := tr.Run(context.Background()); err != nil {
					t.Fatal(err)
				}
				if tr.inPlace != (i == 0) {
					t.Fatalf("run %d stepped in place: %v", i, tr.inPlace)
				}
				runs[i] = tr
			}
			if a, b := metricsRows(t, runs[0].Dir), metricsRows(t, runs[1].Dir); !slices.Equal(a, b) {
				t.Fatalf("metrics in place:\n%v\nthrough Eval and Step:\n%v", a, b)
			}
			if !sameFloatBits(runs[0].Theta(), runs[1].Theta()) {
				t.Fatal("θ in place differs from θ through Eval and Step")
			}
			a, b := runs[0].Optimizer.State(), runs[1].Optimizer.State()
			for key, value := range a {
				if !sameFloatBits(value, b[key]) {
					t.Fatalf("optimizer state %q in place differs from that through Eval and Step", key)
				}
			}
		})
	}
}

// TestInPlaceDivergenceMessages lets a run diverge in place and through
// Eval and Step, once by a weight decay so strong that θ overflows within
// the step and once by a rate so large that the next loss is NaN, and
// requires the same error after the same step.
func TestInPlaceDivergenceMessages(t *testing.T) {
	for _, c := range []struct {
		decay float64
		lr    schedule.LR
		want  string
	}{
		{1e308, schedule.Constant{Rate: 10}, "step 1: the run diverged: a parameter became -Inf"},
		{0, rateJump{before: 0.1, after: 1e300, at: 10}, "step 12: the run diverged: the minibatch loss became NaN"},
	} {
		var errs [2]string
		var steps [2]int
		for i := range errs {
			tr := newTrainer(t, "", 100, 0.1)
			tr.Optimizer, tr.LR, tr.DivergenceFactor = &optim.SGD{WeightDecay: c.decay}, c.lr, -1
			if i == 1 {
				tr.Optimizer = withoutInPlace(tr.Optimizer)
			}
			_, err := tr.Run(context.Background())
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Fatalf("run %d: error %v; want one saying %q", i, err, c.want)
			}
			errs[i], steps[i] = err.Error(), tr.Step()
		}
		if errs[0] != errs[1] || steps[0] != steps[1] {
			t.Fatalf("in place the run stopped after step %d with\n%s\nthrough Eval and Step after step %d with\n%s", steps[0], errs[0], steps[1], errs[1])
		}
	}
}

// sameFloatBits reports whether a and b hold the same float64 bit patterns.
func sameFloatBits(a, b []float64) bool {
	return slices.EqualFunc(a, b, func(x, y float64) bool { return math.Float64bits(x) == math.Float64bits(y) })
}
