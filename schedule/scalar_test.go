package schedule

import (
	"fmt"
	"math"
	"strings"
	"testing"
)

func TestLinear(t *testing.T) {
	// A weight of 0.8 decayed to 0 by step 4: 0.8·(1 − t/4), then 0.
	checkSteps(t, "Linear decay", Linear{From: 0.8, Steps: 4}, map[int]float64{
		-2: 0.8, 0: 0.8, 1: 0.6, 2: 0.4, 3: 0.2, 4: 0, 5: 0, 1 << 40: 0,
	})
	// A pace rising from 0.25 to 1 over 3 steps.
	checkSteps(t, "Linear rise", Linear{From: 0.25, To: 1, Steps: 3}, map[int]float64{
		0: 0.25, 1: 0.5, 2: 0.75, 3: 1, 10: 1,
	})
}

func TestUntil(t *testing.T) {
	checkSteps(t, "Until over Constant", Until{Steps: 3, Value: Constant{Rate: 0.5}}, map[int]float64{
		-1: 0.5, 0: 0.5, 2: 0.5, 3: 0, 100: 0,
	})
	// Off after step 2 of a decaying weight: the weight's own values before.
	checkSteps(t, "Until over Linear", Until{Steps: 2, Value: Linear{From: 1, Steps: 4}}, map[int]float64{
		0: 1, 1: 0.75, 2: 0, 3: 0,
	})
	checkSteps(t, "Until at 0", Until{Value: Constant{Rate: 1}}, map[int]float64{0: 0, 5: 0})
	if value := (Until{Steps: 3}).At(1); !math.IsNaN(value) {
		t.Errorf("Until without Value: At(1) = %v, want NaN", value)
	}
}

func TestPiecewise(t *testing.T) {
	// σ levels 1, 0.5, 0.25, 0 for 10 steps each; the change takes effect
	// at the boundary step itself.
	levels := Piecewise{Values: []float64{1, 0.5, 0.25, 0}, Boundaries: []int{10, 20, 30}}
	checkSteps(t, "Piecewise", levels, map[int]float64{
		-1: 1, 0: 1, 9: 1, 10: 0.5, 19: 0.5, 20: 0.25, 29: 0.25, 30: 0, 1 << 40: 0,
	})
	checkSteps(t, "Piecewise of one value", Piecewise{Values: []float64{-2}}, map[int]float64{0: -2, 9: -2})
	if value := (Piecewise{}).At(0); !math.IsNaN(value) {
		t.Errorf("Piecewise without values: At(0) = %v, want NaN", value)
	}
}

func TestValidateScalars(t *testing.T) {
	for _, good := range []Scalar{
		Linear{From: 1, Steps: 1},
		Linear{From: -1, To: 2, Steps: 10},
		Until{Value: Constant{Rate: 1}},
		Until{Steps: 5, Value: Linear{From: 1, Steps: 5}},
		Piecewise{Values: []float64{0}},
		Piecewise{Values: []float64{1, 0}, Boundaries: []int{1}},
		Warmup{Steps: 2, Then: Linear{From: 1, Steps: 3}},
	} {
		if err := Validate(good); err != nil {
			t.Errorf("%#v: %v", good, err)
		}
	}
	for _, bad := range []struct {
		schedule  Scalar
		fragments []string
	}{
		{nil, []string{"no schedule set"}},
		{Constant{}, []string{"Constant.Rate = 0"}},
		{Linear{From: 1}, []string{"Linear.Steps = 0", "≥ 1"}},
		{Linear{From: math.NaN(), Steps: 1}, []string{"Linear.From = NaN", "finite"}},
		{Linear{To: math.Inf(-1), Steps: 1}, []string{"Linear.To = -Inf"}},
		{Until{Steps: -1, Value: Constant{Rate: 1}}, []string{"Until.Steps = -1", "≥ 0"}},
		{Until{Steps: 1}, []string{"Until.Value is nil"}},
		{Until{Steps: 1, Value: Linear{From: 1}}, []string{"Linear.Steps = 0", "in Until.Value"}},
		{Piecewise{}, []string{"0 values and 0 boundaries", "one value more"}},
		{Piecewise{Values: []float64{1, 2}, Boundaries: []int{3, 4}}, []string{"2 values and 2 boundaries"}},
		{Piecewise{Values: []float64{1, math.NaN()}, Boundaries: []int{3}}, []string{"Piecewise.Values[1] = NaN"}},
		{Piecewise{Values: []float64{1, 2, 3}, Boundaries: []int{3, 3}}, []string{"strictly increasing", "entry 1 is 3"}},
		{Piecewise{Values: []float64{1, 2}, Boundaries: []int{0}}, []string{"≥ 1", "entry 0 is 0"}},
		{Warmup{Steps: 1, Then: Piecewise{}}, []string{"0 values", "in Warmup.Then"}},
	} {
		err := Validate(bad.schedule)
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

// ExampleUntil weights an auxiliary loss term by 0.3, decayed linearly to 0.1
// over 4 steps and switched off from step 6.
func ExampleUntil() {
	var weight Scalar = Until{Steps: 6, Value: Linear{From: 0.3, To: 0.1, Steps: 4}}
	if err := Validate(weight); err != nil {
		fmt.Println(err)
		return
	}
	for step := range 8 {
		fmt.Printf("%d: %.2f\n", step, weight.At(step))
	}
	// Output:
	// 0: 0.30
	// 1: 0.25
	// 2: 0.20
	// 3: 0.15
	// 4: 0.10
	// 5: 0.10
	// 6: 0.00
	// 7: 0.00
}
