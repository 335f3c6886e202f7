package experiment

import (
	"slices"
	"testing"

	"deepopt/config"
)

// TestGeometricSigma: geometric levels hold σ₀·ratio^k for steps/levels
// steps each, then 0 from continuation.steps on.
func TestGeometricSigma(t *testing.T) {
	s, err := sigmaSchedule(config.Continuation{Sigma: 0.4, Kind: "geometric", Steps: 6, Levels: 3, Ratio: 0.5})
	if err != nil {
		t.Fatal(err)
	}
	want := []float64{0.4, 0.4, 0.2, 0.2, 0.1, 0.1, 0, 0}
	for step, w := range want {
		if got := s.At(step); got != w {
			t.Errorf("σ at step %d = %v, want %v", step, got, w)
		}
	}
}

// TestContinuationRunResumesExactly: a run of the fixture with the
// continuation section, interrupted at step 5 and resumed from its
// directory, writes the metrics (sigma column included) and ends with the
// parameters of the straight run.
func TestContinuationRunResumesExactly(t *testing.T) {
	sets := []string{"train.steps=12", "train.eval_every=1", "continuation.sigma=0.1", "continuation.steps=8",
		"continuation.samples=2", "continuation.antithetic=true"}
	rows := checkResumesExactly(t, sets, 5, nil)
	// σ falls by 0.1/8 a step: 0.1·(8 − (s − 1))/8 in the row of step s,
	// and 0 from step 9 on.
	sigma := slices.Index(rows[0], "sigma")
	if sigma < 0 {
		t.Fatalf("metrics.csv has no sigma column: %v", rows[0])
	}
	var got []string
	for _, row := range rows[1:] {
		got = append(got, row[sigma])
	}
	want := []string{"0.1", "0.0875", "0.075", "0.0625", "0.05", "0.0375", "0.025", "0.0125", "0", "0", "0", "0"}
	if !slices.Equal(got, want) {
		t.Errorf("sigma column %v, want %v", got, want)
	}
}
