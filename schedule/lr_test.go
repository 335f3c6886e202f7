package schedule

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

// checkSteps compares a schedule with closed-form values at given steps,
// within relative tolerance 1e-15.
func checkSteps(t *testing.T, name string, schedule LR, want map[int]float64) {
	t.Helper()
	for step, rate := range want {
		if got := schedule.At(step); math.Abs(got-rate) > 1e-15*math.Abs(rate) {
			t.Errorf("%s: At(%d) = %.17g, want %.17g", name, step, got, rate)
		}
	}
}

func TestConstant(t *testing.T) {
	checkSteps(t, "Constant", Constant{Rate: 0.1}, map[int]float64{-1: 0.1, 0: 0.1, 1: 0.1, 1 << 40: 0.1})
}

func TestStepDecayEvery(t *testing.T) {
	// 0.8·0.5^⌊t/3⌋: halves at steps 3, 6, …
	checkSteps(t, "StepDecay every 3", StepDecay{Rate: 0.8, Gamma: 0.5, Every: 3}, map[int]float64{
		-5: 0.8, 0: 0.8, 2: 0.8, 3: 0.4, 5: 0.4, 6: 0.2, 300: 0.8 * 0x1p-100,
	})
}

func TestStepDecayMilestones(t *testing.T) {
	// ×0.1 at steps 2 and 5 (the decay applies at the milestone itself).
	checkSteps(t, "StepDecay milestones", StepDecay{Rate: 1, Gamma: 0.1, Milestones: []int{2, 5}}, map[int]float64{
		0: 1, 1: 1, 2: 0.1, 4: 0.1, 5: 0.1 * 0.1, 1000: 0.1 * 0.1,
	})
}

func TestExponential(t *testing.T) {
	checkSteps(t, "Exponential per step", Exponential{Rate: 0.1, Gamma: 0.9}, map[int]float64{
		-1: 0.1, 0: 0.1, 1: 0.1 * 0.9, 2: 0.1 * 0.81, 3: 0.1 * 0.729,
	})
	// Every 10 steps: half a period scales by √γ, a full one by γ.
	checkSteps(t, "Exponential every 10", Exponential{Rate: 0.1, Gamma: 0.81, Every: 10}, map[int]float64{
		0: 0.1, 5: 0.1 * 0.9, 10: 0.1 * 0.81, 20: 0.1 * 0.81 * 0.81,
	})
}

func TestCosine(t *testing.T) {
	// From 1 to 0.1 over T = 8: (1 + cos(πt/8))/2 is 1, (1 + √½)/2, ½, 0 at
	// t = 0, 2, 4, 8; then stays at 0.1.
	checkSteps(t, "Cosine", Cosine{Rate: 1, Min: 0.1, Steps: 8}, map[int]float64{
		-3: 1, 0: 1, 2: 0.1 + 0.9*(1+math.Sqrt(0.5))/2, 4: 0.55, 6: 0.1 + 0.9*(1-math.Sqrt(0.5))/2,
		7: 0.1 + 0.9*(1-math.Cos(math.Pi/8))/2, 8: 0.1, 9: 0.1, 1 << 40: 0.1,
	})
	checkSteps(t, "Cosine to 0 in one step", Cosine{Rate: 0.3, Steps: 1}, map[int]float64{0: 0.3, 1: 0, 2: 0})
}

func TestWarmup(t *testing.T) {
	// From 0 over 4 steps into StepDecay: t/4 of its first rate, then its
	// own steps 0, 1, 2, … from step 4.
	decay := StepDecay{Rate: 0.8, Gamma: 0.5, Every: 2}
	checkSteps(t, "Warmup from 0", Warmup{Steps: 4, Then: decay}, map[int]float64{
		-1: 0, 0: 0, 1: 0.2, 3: 0.6, 4: 0.8, 5: 0.8, 6: 0.4, 8: 0.2,
	})
	// From a factor 0.2: 0.2 + 0.8·t/5 of Cosine's first rate, then the
	// Cosine over its own 10 steps.
	cosine := Cosine{Rate: 0.5, Min: 0.1, Steps: 10}
	checkSteps(t, "Warmup from 0.2", Warmup{Steps: 5, Start: 0.2, Then: cosine}, map[int]float64{
		0: 0.1, 1: 0.5 * 0.36, 4: 0.5 * 0.84, 5: 0.5, 10: 0.3, 15: 0.1, 100: 0.1,
	})
	checkSteps(t, "no warm-up", Warmup{Then: Constant{Rate: 0.2}}, map[int]float64{0: 0.2, 7: 0.2})
	if rate := (Warmup{Steps: 3}).At(1); !math.IsNaN(rate) {
		t.Errorf("Warmup without Then: At(1) = %v, want NaN", rate)
	}
}

func TestValidateAcceptsGoodSchedules(t *testing.T) {
	for _, good := range []interface{ Validate() error }{
		Constant{Rate: 0.1},
		StepDecay{Rate: 0.1, Gamma: 1, Every: 1},
		StepDecay{Rate: 0.1, Gamma: 0.1, Milestones: []int{1, 10}},
		Exponential{Rate: 0.1, Gamma: 0.99},
		Cosine{Rate: 0.1, Min: 0.1, Steps: 1},
		Warmup{Then: Constant{Rate: 1}},
		Warmup{Steps: 10, Start: 1, Then: Cosine{Rate: 1, Steps: 90}},
	} {
		if err := good.Validate(); err != nil {
			t.Errorf("%#v: %v", good, err)
		}
	}
}

func TestValidateRejectsBadSchedules(t *testing.T) {
	for _, bad := range []struct {
		schedule  interface{ Validate() error }
		fragments []string
	}{
		{Constant{}, []string{"Constant.Rate = 0", "> 0"}},
		{Constant{Rate: -1}, []string{"Constant.Rate = -1"}},
		{Constant{Rate: math.NaN()}, []string{"Constant.Rate = NaN"}},
		{Constant{Rate: math.Inf(1)}, []string{"Constant.Rate = +Inf"}},
		{StepDecay{Rate: 0.1, Gamma: 0, Every: 1}, []string{"StepDecay.Gamma = 0", "(0, 1]"}},
		{StepDecay{Rate: 0.1, Gamma: 1.5, Every: 1}, []string{"StepDecay.Gamma = 1.5"}},
		{StepDecay{Rate: 0.1, Gamma: 0.5}, []string{"neither Every nor Milestones"}},
		{StepDecay{Rate: 0.1, Gamma: 0.5, Every: -2}, []string{"StepDecay.Every = -2"}},
		{StepDecay{Rate: 0.1, Gamma: 0.5, Every: 2, Milestones: []int{3}}, []string{"set only one"}},
		{StepDecay{Rate: 0.1, Gamma: 0.5, Milestones: []int{3, 3}}, []string{"strictly increasing", "entry 1 is 3"}},
		{StepDecay{Rate: 0.1, Gamma: 0.5, Milestones: []int{0, 3}}, []string{"≥ 1", "entry 0 is 0"}},
		{StepDecay{Rate: -0.1, Gamma: 0.5, Every: 1}, []string{"StepDecay.Rate = -0.1"}},
		{Exponential{Rate: 0.1, Gamma: -0.5}, []string{"Exponential.Gamma = -0.5"}},
		{Exponential{Rate: 0.1, Gamma: 0.5, Every: -1}, []string{"Exponential.Every = -1"}},
		{Exponential{Gamma: 0.5}, []string{"Exponential.Rate = 0"}},
		{Cosine{Rate: 0.1, Steps: 0}, []string{"Cosine.Steps = 0", "≥ 1"}},
		{Cosine{Rate: 0.1, Min: 0.2, Steps: 5}, []string{"Cosine.Min = 0.2", "[0, 0.1]"}},
		{Cosine{Rate: 0.1, Min: -0.1, Steps: 5}, []string{"Cosine.Min = -0.1"}},
		{Warmup{Steps: -1, Then: Constant{Rate: 1}}, []string{"Warmup.Steps = -1"}},
		{Warmup{Steps: 5, Start: 1.5, Then: Constant{Rate: 1}}, []string{"Warmup.Start = 1.5", "[0, 1]"}},
		{Warmup{Steps: 5}, []string{"Warmup.Then is nil"}},
		{Warmup{Steps: 5, Then: Cosine{Rate: 1}}, []string{"Cosine.Steps = 0", "Warmup.Then"}},
	} {
		err := bad.schedule.Validate()
		if err == nil {
			t.Errorf("%#v: no error", bad.schedule)
			continue
		}
		for _, fragment := range bad.fragments {
			if !strings.Contains(err.Error(), fragment) {
				t.Errorf("%#v: error %q does not mention %q", bad.schedule, err, fragment)
			}
		}
	}
}

// ExampleWarmup ramps the learning rate up over 3 steps from a third of 0.3,
// then anneals it along a cosine to 0.03 over the next 6 steps, where it
// stays.
func ExampleWarmup() {
	schedule := Warmup{Steps: 3, Start: 1.0 / 3, Then: Cosine{Rate: 0.3, Min: 0.03, Steps: 6}}
	if err := schedule.Validate(); err != nil {
		fmt.Println(err)
		return
	}
	for step := range 10 {
		fmt.Printf("%d: %.4f\n", step, schedule.At(step))
	}
	// Output:
	// 0: 0.1000
	// 1: 0.1667
	// 2: 0.2333
	// 3: 0.3000
	// 4: 0.2819
	// 5: 0.2325
	// 6: 0.1650
	// 7: 0.0975
	// 8: 0.0481
	// 9: 0.0300
}
