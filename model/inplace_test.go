package model

import (
	"math"
	"slices"
	"strings"
	"testing"

	"deepopt/data"

	"gorgonia.org/tensor"
)

// TestEvalInPlaceMatchesEval evaluates a float32 BN model with an L2
// penalty at several points both ways and requires the same loss and, from
// the segments (each segment's gradient widened, plus its penalty times θ),
// the same gradient bits as Eval; the segments cover θ in order, their
// parameters hold θ rounded, and the penalty is on the weights alone.
func TestEvalInPlaceMatchesEval(t *testing.T) {
	for _, kind := range []Kind{"mlp", "cnn"} {
		spec := smallSpec(kind, true, tensor.Float32)
		spec.L2 = 0.01
		m, err := New(spec)
		if err != nil {
			t.Fatal(err)
		}
		randomBatch(t, m, 11)
		theta := m.Params(nil)
		want := make([]float64, len(theta))
		for k := range 3 {
			for i := range theta {
				theta[i] += 0.01 * float64(k) * math.Sin(float64(i))
			}
			wantLoss, err := m.Eval(theta, want)
			if err != nil {
				t.Fatal(err)
			}
			loss, err := m.EvalInPlace(theta)
			if err != nil {
				t.Fatal(err)
			}
			if math.Float64bits(loss) != math.Float64bits(wantLoss) {
				t.Fatalf("%s: EvalInPlace = %v, Eval = %v", kind, loss, wantLoss)
			}
			next, weights := 0, 0
			for _, s := range m.Segments() {
				if s.Start != next || len(s.Param) != len(s.Grad) {
					t.Fatalf("%s: segment at %d of %d gradients and %d parameters after %d coordinates", kind, s.Start, len(s.Grad), len(s.Param), next)
				}
				for i, g := range s.Grad {
					j := s.Start + i
					got := float64(g)
					if s.Penalty != 0 {
						got += s.Penalty * theta[j]
					}
					if math.Float64bits(got) != math.Float64bits(want[j]) || s.Param[i] != float32(theta[j]) {
						t.Fatalf("%s: coordinate %d: gradient %v and parameter %v in place; Eval %v and θ %v", kind, j, got, s.Param[i], want[j], theta[j])
					}
				}
				if s.Penalty != 0 {
					weights += len(s.Grad)
				}
				next += len(s.Grad)
			}
			if next != m.Dim() {
				t.Fatalf("%s: the segments cover %d of %d coordinates", kind, next, m.Dim())
			}
			wantWeights := 0
			for _, l := range m.Layers() {
				for _, p := range l.Params {
					if p.Role == Weight {
						wantWeights += p.End - p.Start
					}
				}
			}
			if weights != wantWeights {
				t.Fatalf("%s: %d penalised coordinates, want the %d weights", kind, weights, wantWeights)
			}
		}
	}
}

// TestEvalInPlaceTakesWrittenParameters writes parameters into the segments
// as a step would: after Written, EvalInPlace evaluates them and not θ;
// after SetParams (an evaluation elsewhere) it copies θ in again.
func TestEvalInPlaceTakesWrittenParameters(t *testing.T) {
	m, err := New(smallSpec("mlp", true, tensor.Float32))
	if err != nil {
		t.Fatal(err)
	}
	randomBatch(t, m, 2)
	theta := m.Params(nil)
	moved := slices.Clone(theta)
	for i := range moved {
		moved[i] *= 1.5
	}
	atTheta, _ := m.Eval(theta, nil)
	atMoved, _ := m.Eval(moved, nil)
	m.Written() // as if a step had written moved
	if got, err := m.EvalInPlace(theta); err != nil || got != atMoved || got == atTheta {
		t.Fatalf("EvalInPlace after Written = %v (%v); want the loss at the written parameters, %v, not at θ, %v", got, err, atMoved, atTheta)
	}
	m.SetParams(moved)
	if got, err := m.EvalInPlace(theta); err != nil || got != atTheta {
		t.Fatalf("EvalInPlace after SetParams = %v (%v); want the loss at θ, %v", got, err, atTheta)
	}
	f64, err := New(smallSpec("mlp", true, tensor.Float64))
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f64.EvalInPlace(f64.Params(nil)); err == nil || !strings.Contains(err.Error(), "float32") {
		t.Fatalf("EvalInPlace of a float64 graph: %v; want an error asking for float32", err)
	}
}

// TestGatherBatchMatchesSetBatch gathers examples of a data set into both
// dtypes' graphs and requires the batch SetBatch of the gathered float64
// values sets, and SetBatch's refusal of a label outside the classes,
// before anything is written.
func TestGatherBatchMatchesSetBatch(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float32, tensor.Float64} {
		m, err := New(smallSpec("mlp", true, dt))
		if err != nil {
			t.Fatal(err)
		}
		x, y := randomBatch(t, m, 8)
		ds := &data.Dataset{X: narrow(append(x, x...)), Shape: []int{12}, Y: append(y, y...), Classes: 3}
		idx := []int{9, 0, 3, 15, 2, 2, 7, 12}
		gx, gy := make([]float64, len(x)), make([]int, len(y))
		if err := ds.Gather(idx, gx, gy); err != nil {
			t.Fatal(err)
		}
		if err := m.SetBatch(gx, gy); err != nil {
			t.Fatal(err)
		}
		theta := m.Params(nil)
		want, _ := m.Eval(theta, nil)
		randomBatch(t, m, 9)
		if err := m.GatherBatch(ds, idx); err != nil {
			t.Fatal(err)
		}
		bx, by := make([]float64, len(x)), make([]int, len(y))
		if err := m.Batch(bx, by); err != nil {
			t.Fatal(err)
		}
		if got, _ := m.Eval(theta, nil); got != want || !slices.Equal(bx, gx) || !slices.Equal(by, gy) {
			t.Fatalf("%v: GatherBatch set labels %v and loss %v; SetBatch of Gather %v and %v", dt, by, got, gy, want)
		}
		ds.Y[idx[5]] = 3
		err = m.GatherBatch(ds, idx)
		if err == nil || !strings.Contains(err.Error(), "label 3 of example 4 is outside 0..2") {
			t.Fatalf("%v: GatherBatch of a label outside the classes: %v", dt, err)
		}
		if err := m.Batch(bx, by); err != nil || !slices.Equal(bx, gx) || !slices.Equal(by, gy) {
			t.Fatalf("%v: a refused GatherBatch changed the batch", dt)
		}
		if err := m.GatherBatch(ds, idx[1:]); err == nil || !strings.Contains(err.Error(), "train.batch_size") {
			t.Fatalf("%v: GatherBatch of 7 examples into a graph of 8: %v", dt, err)
		}
	}
}
