package experiment

import (
	"context"
	"errors"
	"path/filepath"
	"reflect"
	"slices"
	"testing"

	"deepopt/config"
	"deepopt/rundir"
	"deepopt/train"
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
	straightDir := filepath.Join(t.TempDir(), "run")
	straight, err := New(fixtureConfig(t, sets...), straightDir, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := straight.Start(context.Background()); err != nil {
		t.Fatal(err)
	}

	dir := filepath.Join(t.TempDir(), "run")
	first, err := New(fixtureConfig(t, sets...), dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	first.Trainer.OnStep(train.PriorityDefault, func(t *train.Trainer) error {
		if t.Step() == 5 {
			cancel()
		}
		return nil
	})
	if _, err := first.Start(ctx); !errors.Is(err, train.ErrInterrupted) {
		t.Fatalf("want ErrInterrupted, got %v", err)
	}
	resumed, err := Resume(dir, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := resumed.Start(context.Background()); err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(straight.Trainer.Theta(), resumed.Trainer.Theta()) {
		t.Error("the resumed run ended with other parameters than the straight one")
	}
	table := func(dir string) *rundir.Table {
		tab, err := rundir.ReadCSV(filepath.Join(dir, rundir.MetricsFile))
		if err != nil {
			t.Fatal(err)
		}
		wall, err := tab.Column("wall_s")
		if err != nil {
			t.Fatal(err)
		}
		for _, row := range tab.Rows {
			row[wall] = "" // the only column allowed to differ
		}
		return tab
	}
	ts, tr := table(straightDir), table(dir)
	if !slices.Equal(ts.Header, tr.Header) || !reflect.DeepEqual(ts.Rows, tr.Rows) {
		t.Fatalf("metrics differ:\nstraight %v\nresumed  %v", ts.Rows, tr.Rows)
	}
	// σ falls by 0.1/8 a step: 0.1·(8 − (s − 1))/8 in the row of step s,
	// and 0 from step 9 on.
	sigma, err := ts.Column("sigma")
	if err != nil {
		t.Fatal(err)
	}
	var got []string
	for _, row := range ts.Rows {
		got = append(got, row[sigma])
	}
	want := []string{"0.1", "0.0875", "0.075", "0.0625", "0.05", "0.0375", "0.025", "0.0125", "0", "0", "0", "0"}
	if !slices.Equal(got, want) {
		t.Errorf("sigma column %v, want %v", got, want)
	}
}
