package model

import (
	"slices"
	"testing"

	"gorgonia.org/tensor"
)

// TestBatchRoundTrip checks that Batch returns what SetBatch stored, rounded
// to the graph's dtype, so that setting it again changes nothing: the loss of
// the restored batch equals the original bit for bit.
func TestBatchRoundTrip(t *testing.T) {
	m, err := New(smallSpec("mlp", true, tensor.Float32))
	if err != nil {
		t.Fatal(err)
	}
	x, y := randomBatch(t, m, 3)
	theta := m.Params(nil)
	want, err := m.Eval(theta, nil)
	if err != nil {
		t.Fatal(err)
	}
	gx, gy := make([]float64, len(x)), make([]int, len(y))
	if err := m.Batch(gx, gy); err != nil {
		t.Fatal(err)
	}
	for i := range x {
		if gx[i] != float64(float32(x[i])) {
			t.Fatalf("x[%d] = %v, want %v rounded to float32", i, gx[i], x[i])
		}
	}
	if !slices.Equal(gy, y) {
		t.Fatalf("labels %v, want %v", gy, y)
	}
	randomBatch(t, m, 4)
	if err := m.SetBatch(gx, gy); err != nil {
		t.Fatal(err)
	}
	if got, err := m.Eval(theta, nil); err != nil || got != want {
		t.Fatalf("loss of the restored batch %v (%v), want %v", got, err, want)
	}
	if err := m.Batch(gx[1:], gy); err == nil {
		t.Fatal("a short x buffer gave no error")
	}
}
