package rundir

import (
	"math"
	"path/filepath"
	"reflect"
	"strings"
	"testing"

	"deepopt/checkpoint"
)

// TestLoopStateRoundTrip writes a loop state through a saved archive and
// reads back the same values; without a first loss it reads NaN.
func TestLoopStateRoundTrip(t *testing.T) {
	want := LoopState{Step: 53, Examples: 2650, FuncEvals: 60, GradEvals: 58, WallSeconds: 1.25,
		Sampler: []int64{2, 150}, Window: Window{LossSum: 3.5, StepLenSum: 0.75, Steps: 13, LSIters: 4, Restarts: 1, SearchFailures: 2},
		Held: 2, Remembered: true, Batch: []int{7, 3, 999}, FirstLoss: 2.3, Architecture: map[string]string{"model.kind": "mlp"}, ModelOnly: true, Frozen: []string{"fc1.W", "fc1.b"}}
	a := checkpoint.NewArchive()
	SetLoopState(a, want)
	path := filepath.Join(t.TempDir(), CheckpointFile)
	if err := checkpoint.Save(path, a); err != nil {
		t.Fatal(err)
	}
	loaded, err := checkpoint.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	got, err := ReadLoopState(loaded)
	if err != nil || !reflect.DeepEqual(got, withoutArchitecture(want)) {
		t.Fatalf("ReadLoopState = %+v, %v; want %+v", got, err, want)
	}
	if err := CheckArchitecture(loaded, want.Architecture); err != nil {
		t.Errorf("CheckArchitecture of the same settings: %v", err)
	}
	if err := CheckArchitecture(loaded, map[string]string{"model.kind": "cnn"}); err == nil || !strings.Contains(err.Error(), "model.kind: mlp in the checkpoint, cnn now") {
		t.Errorf("CheckArchitecture of another kind: %v", err)
	}
	want.FirstLoss = math.NaN()
	b := checkpoint.NewArchive()
	SetLoopState(b, want)
	if got, err := ReadLoopState(b); err != nil || !math.IsNaN(got.FirstLoss) {
		t.Errorf("without a first loss: %v, %v; want NaN", got.FirstLoss, err)
	}
	for _, frozen := range [][]string{{}, nil} {
		want.Frozen = frozen
		c := checkpoint.NewArchive()
		SetLoopState(c, want)
		if got, err := ReadLoopState(c); err != nil || !reflect.DeepEqual(got.Frozen, frozen) {
			t.Errorf("frozen %#v read back as %#v, %v", frozen, got.Frozen, err)
		}
	}
}

// withoutArchitecture is s as ReadLoopState returns it: the settings are
// compared by CheckArchitecture, not read into the state.
func withoutArchitecture(s LoopState) LoopState {
	s.Architecture = nil
	return s
}
