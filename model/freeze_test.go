package model

import (
	"strings"
	"testing"
)

// TestTrainable checks the trainable coordinates that freeze globs leave,
// counted independently from the tensor shapes, and the refusals: a glob
// that matches nothing, a malformed glob, and globs that freeze everything.
func TestTrainable(t *testing.T) {
	m, err := New(recordSpec(true))
	if err != nil {
		t.Fatal(err)
	}
	if got, err := m.Trainable(nil); got != nil || err != nil {
		t.Errorf("Trainable(nil) = %d coordinates, %v; want nil (all), no error", len(got), err)
	}
	got, err := m.Trainable([]string{"fc1.*", "bn2.gamma"})
	if err != nil {
		t.Fatal(err)
	}
	frozen := 0
	for _, name := range []string{"fc1.W", "fc1.b", "bn2.gamma"} {
		n := 1
		for _, d := range m.ParamShape(name) {
			n *= d
		}
		frozen += n
	}
	if len(got) != m.Dim()-frozen {
		t.Fatalf("%d trainable coordinates, want %d − %d", len(got), m.Dim(), frozen)
	}
	inFrozen := func(i int) bool {
		for _, b := range m.Blocks() {
			if i >= b.Start && i < b.End {
				return b.Name == "fc1.W" || b.Name == "fc1.b" || b.Name == "bn2.gamma"
			}
		}
		return true
	}
	for k, i := range got {
		if inFrozen(i) || (k > 0 && i <= got[k-1]) {
			t.Fatalf("trainable[%d] = %d is frozen or out of order", k, i)
		}
	}
	for _, tc := range []struct {
		freeze []string
		want   string
	}{
		{[]string{"fc1.*", "conv9.*"}, `"conv9.*" matches no parameter; the model's parameters are fc1.W, fc1.b, bn1.gamma`},
		{[]string{"fc[1.*"}, `"fc[1.*" is not a valid glob`},
		{[]string{"*"}, "freezes every parameter"},
	} {
		if _, err := m.Trainable(tc.freeze); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("Trainable(%q) = %v, want an error containing %q", tc.freeze, err, tc.want)
		}
	}
}
