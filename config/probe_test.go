package config

import (
	"strings"
	"testing"
)

// TestProbeValidation names every bad probe value with its key, and loads a
// probe section through --set.
func TestProbeValidation(t *testing.T) {
	c := Default()
	c.Name = "x"
	c.Probe = Probe{Every: -1, Etas: []float64{0.1, 0}, Batch: "train", Batches: 3, ICSLR: -0.1}
	err := c.Validate()
	for _, want := range []string{"probe.every: want an integer ≥ 0", "probe.etas.1: want a number > 0, got 0",
		"probe.batches: 3 applies only to probe.batch fixed", "probe.ics_lr: want a number ≥ 0, got -0.1"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: %v\nwant a problem containing %q", err, want)
		}
	}
	c.Probe = Probe{Etas: []float64{}, Batch: "fixed", Batches: 0}
	err = c.Validate()
	for _, want := range []string{"probe.etas: want at least one step size", "probe.batches: want an integer ≥ 1"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Validate: %v\nwant a problem containing %q", err, want)
		}
	}
	got, err := Load("../configs/mnist-bn.yaml", []string{"probe.every=250", "probe.etas=[0.1, 0.3]", "probe.batch=train"})
	if err != nil {
		t.Fatal(err)
	}
	if want := (Probe{Every: 250, Etas: []float64{0.1, 0.3}, Batch: "train", Batches: 1}); got.Probe.Every != want.Every ||
		len(got.Probe.Etas) != 2 || got.Probe.Etas[1] != 0.3 || got.Probe.Batch != want.Batch || got.Probe.Batches != 1 {
		t.Errorf("probe section %+v, want %+v", got.Probe, want)
	}
}
