package distill

import (
	"math"
	"math/rand/v2"
	"testing"

	"deepopt/data"
	"deepopt/internal/gradcheck"
	"deepopt/model"
	"deepopt/schedule"

	"gorgonia.org/tensor"
)

// student builds a float64 student of spec distilled from a float64 MLP
// teacher of its inputs (random weights of seed 9) with kd and weight λ,
// sets a seeded random minibatch and returns the student, the teacher and
// the minibatch.
func student(t *testing.T, spec model.Spec, kd KD) (*model.Model, *Teacher, []float64, []int) {
	t.Helper()
	tm, err := model.New(model.Spec{Kind: model.MLP, Input: []int{size(spec.Input)}, Classes: spec.Classes, Hidden: []int{6},
		Activation: "relu", Init: model.Gaussian, InitStd: 1, Dtype: tensor.Float64, BatchSize: 1, EvalBatch: spec.BatchSize, Seed: 9})
	if err != nil {
		t.Fatal(err)
	}
	teacher, err := NewTeacher(tm, "teacher", spec, kd)
	if err != nil {
		t.Fatal(err)
	}
	spec.Terms = []model.LossTerm{teacher.Term(schedule.Constant{Rate: kd.Weight})}
	m, err := model.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	x, y := make([]float64, spec.BatchSize*size(spec.Input)), make([]int, spec.BatchSize)
	for i := range x {
		x[i] = rng.NormFloat64()
	}
	for i := range y {
		y[i] = rng.IntN(spec.Classes)
	}
	if err := m.SetBatch(x, y); err != nil {
		t.Fatal(err)
	}
	return m, teacher, x, y
}

// TestCompositeObjectiveGradient compares the gradient of the student's
// whole objective, H(y, P_S) + λ·τ²·H(P_T^τ, P_S^τ), with central
// differences of its value, for an MLP with BN and dropout and for a CNN
// student of the MLP teacher, at τ = 3 with λ = 0.5:
// |analytic − numeric| ≤ 1e-6·(1 + |analytic|), h = 1e-6.
func TestCompositeObjectiveGradient(t *testing.T) {
	mlp := model.Spec{Kind: model.MLP, Input: []int{12}, Classes: 4, Hidden: []int{5}, Activation: "tanh", BatchNorm: true,
		Dropout: 0.3, Init: model.Glorot, Dtype: tensor.Float64, BatchSize: 6, EvalBatch: 6, Seed: 5}
	cnn := model.Spec{Kind: model.CNN, Input: []int{1, 5, 5}, Classes: 4, Hidden: []int{4}, Activation: "tanh",
		Conv: []model.ConvStage{{Channels: 2, Kernel: 3, Stride: 1, Padding: 1, Pool: 2}}, Init: model.Glorot,
		Dtype: tensor.Float64, BatchSize: 6, EvalBatch: 6, Seed: 5}
	for _, spec := range []model.Spec{mlp, cnn} {
		m, _, _, _ := student(t, spec, KD{Temperature: 3, Weight: 0.5})
		worst, _, err := gradcheck.Worst(m, m.Params(nil), 1e-6)
		if err != nil {
			t.Fatal(err)
		}
		if worst > 1e-6 {
			t.Errorf("%s: worst gradient error %.3g over %d parameters", spec.Kind, worst, m.Dim())
		}
		if terms := m.Terms(); len(terms) != 2 || terms[1].Name != "kd" || terms[1].Weight != 0.5 || !(terms[1].Loss > 0) {
			t.Errorf("%s: terms %+v; want main and kd of weight 0.5 and a positive loss", spec.Kind, terms)
		}
	}
}

// TestCompositeClosedForm checks the gradient of the composite objective of
// a softmax-regression student (z = xW + b) with respect to its output bias
// against the closed form Hinton et al. derive (§2.1): per example and
// logit, (P_S − y) + λ·s·(P_S^τ − P_T^τ)/τ, averaged over the minibatch,
// s = τ² scaled or 1 unscaled, with P_S from the student's own logits and
// P_T^τ from the teacher's.
func TestCompositeClosedForm(t *testing.T) {
	spec := model.Spec{Kind: model.MLP, Input: []int{7}, Classes: 5, Init: model.Gaussian, InitStd: 0.5,
		Dtype: tensor.Float64, BatchSize: 4, EvalBatch: 4, Seed: 2}
	for _, kd := range []KD{{Temperature: 20, Weight: 0.7}, {Temperature: 3, Weight: 4, Unscaled: true}, {Temperature: 1, Weight: 1}} {
		m, teacher, x, y := student(t, spec, kd)
		theta := m.Params(nil)
		grad := make([]float64, len(theta))
		if _, err := m.Eval(theta, grad); err != nil {
			t.Fatal(err)
		}
		k, n := spec.Classes, spec.BatchSize
		z, pt := make([]float64, n*k), make([]float64, n*k)
		if err := m.Logits(x, z); err != nil {
			t.Fatal(err)
		}
		if err := teacher.Targets(x, pt); err != nil {
			t.Fatal(err)
		}
		want := make([]float64, k)
		for i := range n {
			p, pTau := referenceSoftmax(z[i*k:(i+1)*k], 1), referenceSoftmax(z[i*k:(i+1)*k], kd.Temperature)
			for c := range k {
				hard := p[c]
				if c == y[i] {
					hard--
				}
				want[c] += (hard + kd.Weight*kd.Scale()*(pTau[c]-pt[i*k+c])/kd.Temperature) / float64(n)
			}
		}
		var bias []float64
		for _, b := range m.Blocks() {
			if b.Name == "out.b" {
				bias = grad[b.Start:b.End]
			}
		}
		for c := range k {
			if math.Abs(bias[c]-want[c]) > 1e-12 {
				t.Errorf("τ %v λ %v unscaled %v: ∂J/∂b_%d = %.15g, closed form %.15g", kd.Temperature, kd.Weight, kd.Unscaled, c, bias[c], want[c])
			}
		}
	}
}

// TestShiftedErrors compares the errors per class with the logit of class 2
// raised against the accuracy model.Evaluate gives for the same network with
// its output bias b_2 raised by the shift, on 10 examples in evaluation
// batches of 4 (the last one padded).
func TestShiftedErrors(t *testing.T) {
	spec := model.Spec{Kind: model.MLP, Input: []int{7}, Classes: 5, Init: model.Gaussian, InitStd: 0.5,
		Dtype: tensor.Float64, BatchSize: 4, EvalBatch: 4, Seed: 2}
	m, err := model.New(spec)
	if err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(8, 1))
	ds := &data.Dataset{Shape: []int{7}, Classes: 5}
	for i := range 10 {
		for range 7 {
			ds.X = append(ds.X, float32(rng.NormFloat64()))
		}
		ds.Y = append(ds.Y, i%5)
	}
	shifts := []float64{-1, 0, 0.5, 3}
	errs, err := ShiftedErrors(m, ds, 2, shifts)
	if err != nil {
		t.Fatal(err)
	}
	theta := m.Params(nil)
	var bias int
	for _, b := range m.Blocks() {
		if b.Name == "out.b" {
			bias = b.Start + 2
		}
	}
	for k, shift := range shifts {
		shiftedTheta := append([]float64(nil), theta...)
		shiftedTheta[bias] += shift
		m.SetParams(shiftedTheta)
		ev, err := m.Evaluate(ds)
		if err != nil {
			t.Fatal(err)
		}
		total := 0
		for _, e := range errs[k] {
			total += e
		}
		if want := int(math.Round((1 - ev.Accuracy) * 10)); total != want {
			t.Errorf("shift %v: %d errors (%v), Evaluate with b_2 raised gives %d", shift, total, errs[k], want)
		}
	}
	if errs[3][2] != 0 {
		t.Errorf("shift 3: %d errors on class 2; its raised logit should win every example of class 2 here", errs[3][2])
	}
	if _, err := ShiftedErrors(m, ds, 5, shifts); err == nil {
		t.Error("class 5 of 5: accepted")
	}
}
