package model

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"deepopt/optim"
	"deepopt/schedule"

	"gorgonia.org/tensor"
)

// auxSpec is smallSpec with two auxiliary heads: for the mlp on act1 (one
// hidden layer) and fc2; for the cnn on pool1 (a feature map, flattened)
// and act1.
func auxSpec(kind Kind, bn bool, dt tensor.Dtype, w1, w2 float64) Spec {
	s := smallSpec(kind, bn, dt)
	at := [2]string{"act1", "fc2"}
	if kind == CNN {
		at = [2]string{"pool1", "act1"}
	}
	s.AuxHeads = []AuxHead{
		{At: at[0], Hidden: []int{3}, Weight: schedule.Constant{Rate: w1}},
		{At: at[1], Weight: schedule.Constant{Rate: w2}},
	}
	return s
}

// TestAuxObjectiveGradient compares the gradient of the composite objective
// (main head, two weighted auxiliary heads, L2) with central differences of
// its value, in float64, for an mlp and a cnn with and without BN:
// |analytic − numeric| ≤ 1e-6·(1 + |analytic|), as TestObjectiveGradient.
// Then it weights the examples (SetExampleWeights: every head's term a
// weighted mean) and checks again, over all of θ and over the trainable
// subspace with fc1 frozen (the optim.View a training loop steps on).
func TestAuxObjectiveGradient(t *testing.T) {
	for _, tc := range []struct {
		kind Kind
		bn   bool
	}{{MLP, false}, {MLP, true}, {CNN, false}, {CNN, true}} {
		spec := auxSpec(tc.kind, tc.bn, tensor.Float64, 0.7, 0.3)
		spec.L2 = 0.1
		m, err := New(spec)
		if err != nil {
			t.Fatal(err)
		}
		randomBatch(t, m, 2)
		if worst := worstGradientError(t, m); worst > 1e-6 {
			t.Errorf("%s bn=%v: worst gradient error %.3g over %d parameters", tc.kind, tc.bn, worst, m.Dim())
		}
		if err := m.SetExampleWeights(randomWeights(spec.BatchSize, 3)); err != nil {
			t.Fatal(err)
		}
		if worst := worstGradientError(t, m); worst > 1e-6 {
			t.Errorf("%s bn=%v, weighted: worst gradient error %.3g over %d parameters", tc.kind, tc.bn, worst, m.Dim())
		}
		trainable, err := m.Trainable([]string{"fc1.*"})
		if err != nil {
			t.Fatal(err)
		}
		theta := m.Params(nil)
		view, err := optim.NewView(m, theta, trainable)
		if err != nil {
			t.Fatal(err)
		}
		if worst := worstObjectiveGradientError(t, view, view.Restrict(theta)); worst > 1e-6 {
			t.Errorf("%s bn=%v, weighted, fc1 frozen: worst gradient error %.3g over %d parameters", tc.kind, tc.bn, worst, view.Dim())
		}
	}
}

// TestTermsSumToTheObjective checks the terms against independent
// evaluations: the main term equals the loss of the same network built
// without heads (whose weights the heads leave as they were), the l2 term
// is ½Σw² over the weights, and the objective is Σ weight·loss.
func TestTermsSumToTheObjective(t *testing.T) {
	for _, kind := range Kinds() {
		spec := auxSpec(kind, true, tensor.Float64, 0.7, 0.3)
		spec.L2 = 0.1
		m, err := New(spec)
		if err != nil {
			t.Fatal(err)
		}
		plainSpec := spec
		plainSpec.AuxHeads, plainSpec.L2 = nil, 0
		plain, err := New(plainSpec)
		if err != nil {
			t.Fatal(err)
		}
		x, y := randomBatch(t, m, 3)
		if err := plain.SetBatch(x, y); err != nil {
			t.Fatal(err)
		}
		theta := m.Params(nil)
		loss, err := m.Eval(theta, nil)
		if err != nil {
			t.Fatal(err)
		}
		want, err := plain.Eval(theta[:plain.Dim()], nil)
		if err != nil {
			t.Fatal(err)
		}
		terms := m.Terms()
		names := []string{}
		sum := 0.0
		for _, tm := range terms {
			names = append(names, tm.Name)
			sum += tm.Weight * tm.Loss
		}
		if got := strings.Join(names, ","); got != "main,aux1,aux2,l2" {
			t.Fatalf("%s: terms %s, want main,aux1,aux2,l2", kind, got)
		}
		if terms[0].Loss != want {
			t.Errorf("%s: main term %v, the network without heads %v", kind, terms[0].Loss, want)
		}
		var sq float64
		for _, l := range m.Layers() {
			for _, p := range l.Params {
				if p.Role == Weight {
					for _, v := range theta[p.Start:p.End] {
						sq += v * v
					}
				}
			}
		}
		if got := terms[3].Loss; math.Abs(got-sq/2) > 1e-12*sq {
			t.Errorf("%s: l2 term %v, ½Σw² = %v", kind, got, sq/2)
		}
		if terms[1].Weight != 0.7 || terms[2].Weight != 0.3 || terms[3].Weight != 0.1 {
			t.Errorf("%s: weights %v %v %v, want 0.7 0.3 0.1", kind, terms[1].Weight, terms[2].Weight, terms[3].Weight)
		}
		if math.Abs(loss-sum) > 1e-12*math.Abs(loss) {
			t.Errorf("%s: objective %v, Σ weight·loss %v", kind, loss, sum)
		}
	}
}

// TestZeroWeightHeadsTrainBitIdentically runs 5 plain gradient steps in
// float32 on a network with heads of weight 0 and on the same network
// without them: the network's parameters and the losses agree bit for bit,
// and the heads' parameters never move.
func TestZeroWeightHeadsTrainBitIdentically(t *testing.T) {
	for _, kind := range Kinds() {
		spec := auxSpec(kind, true, tensor.Float32, 0, 0)
		m, err := New(spec)
		if err != nil {
			t.Fatal(err)
		}
		plainSpec := spec
		plainSpec.AuxHeads = nil
		plain, err := New(plainSpec)
		if err != nil {
			t.Fatal(err)
		}
		theta, ref := m.Params(nil), plain.Params(nil)
		head := append([]float64(nil), theta[plain.Dim():]...)
		grad, refGrad := make([]float64, m.Dim()), make([]float64, plain.Dim())
		for step := range 5 {
			x, y := randomBatch(t, m, uint64(10+step))
			if err := plain.SetBatch(x, y); err != nil {
				t.Fatal(err)
			}
			loss, err := m.Eval(theta, grad)
			if err != nil {
				t.Fatal(err)
			}
			refLoss, err := plain.Eval(ref, refGrad)
			if err != nil {
				t.Fatal(err)
			}
			if loss != refLoss {
				t.Fatalf("%s step %d: loss %v with zero-weight heads, %v without", kind, step, loss, refLoss)
			}
			for i := range theta {
				theta[i] -= 0.5 * grad[i]
			}
			for i := range ref {
				ref[i] -= 0.5 * refGrad[i]
			}
		}
		for i, v := range ref {
			if theta[i] != v {
				t.Fatalf("%s: θ[%d] = %v with zero-weight heads, %v without", kind, i, theta[i], v)
			}
		}
		for i, v := range head {
			if theta[plain.Dim()+i] != v {
				t.Fatalf("%s: head parameter %d moved from %v to %v at weight 0", kind, i, v, theta[plain.Dim()+i])
			}
		}
	}
}

// TestTermWeightsFollowTheirSchedule sets steps before, on and after the end
// of an Until and a Linear schedule and reads the weights back.
func TestTermWeightsFollowTheirSchedule(t *testing.T) {
	spec := auxSpec(MLP, false, tensor.Float64, 0, 0)
	spec.AuxHeads[0].Weight = schedule.Until{Steps: 10, Value: schedule.Constant{Rate: 0.3}}
	spec.AuxHeads[1].Weight = schedule.Linear{From: 0.5, Steps: 4}
	m, err := New(spec)
	if err != nil {
		t.Fatal(err)
	}
	randomBatch(t, m, 4)
	for _, tc := range []struct {
		step   int
		w1, w2 float64
	}{{0, 0.3, 0.5}, {2, 0.3, 0.25}, {9, 0.3, 0}, {10, 0, 0}} {
		if err := m.SetStep(tc.step); err != nil {
			t.Fatal(err)
		}
		if _, err := m.Eval(m.Params(nil), nil); err != nil {
			t.Fatal(err)
		}
		terms := m.Terms()
		if terms[1].Weight != tc.w1 || terms[2].Weight != tc.w2 {
			t.Errorf("step %d: weights %v, %v; want %v, %v", tc.step, terms[1].Weight, terms[2].Weight, tc.w1, tc.w2)
		}
	}
}

// TestAuxHeadErrors: an unknown node is refused with the valid node names,
// a negative weight with the weight.
func TestAuxHeadErrors(t *testing.T) {
	for _, tc := range []struct {
		head AuxHead
		want []string
	}{
		{AuxHead{At: "act9", Weight: schedule.Constant{Rate: 0.3}}, []string{`aux head 0 (aux1) at unknown node "act9"`, "valid nodes: fc1, act1.in, act1, fc2, act2.in, act2"}},
		{AuxHead{At: "out", Weight: schedule.Constant{Rate: 0.3}}, []string{`unknown node "out"`}},
		{AuxHead{At: "act1", Weight: schedule.Constant{Rate: -0.3}}, []string{"weight -0.3", "≥ 0"}},
		{AuxHead{At: "act1"}, []string{"has no weight"}},
		{AuxHead{At: "act1", Hidden: []int{0}, Weight: schedule.Constant{Rate: 1}}, []string{"AuxHead.Hidden[0] = 0"}},
	} {
		spec := smallSpec(MLP, false, tensor.Float64)
		spec.AuxHeads = []AuxHead{tc.head}
		_, err := New(spec)
		if err == nil {
			t.Errorf("%+v: no error", tc.head)
			continue
		}
		for _, w := range tc.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%+v: error %q does not say %q", tc.head, err, w)
			}
		}
	}
}

// BenchmarkAuxHeads measures one objective-and-gradient evaluation (the
// work of an SGD step) of the deep sigmoid MLP of
// configs/mnist-deep-sigmoid-dsn.yaml (784, seven hidden layers of 100, 10;
// float32, batch 60) without heads and with its three linear heads on act2,
// act4 and act6: per example, the heads' forward products, ∂J/∂W and ∂J/∂x
// are 3·3·100·10 multiply-adds beside the network's 339,800 (139,400
// forward, as many for ∂J/∂W, 61,000 for ∂J/∂x), 2.65%.
func BenchmarkAuxHeads(b *testing.B) {
	for _, heads := range []int{0, 3} {
		spec := Spec{Kind: MLP, Input: []int{784}, Classes: 10, Hidden: []int{100, 100, 100, 100, 100, 100, 100}, Activation: "sigmoid",
			Init: Gaussian, InitStd: 0.1, Dtype: tensor.Float32, BatchSize: 60, EvalBatch: 60, Seed: 1}
		for k := range heads {
			spec.AuxHeads = append(spec.AuxHeads, AuxHead{At: fmt.Sprintf("act%d", 2*k+2), Weight: schedule.Constant{Rate: 0.3}})
		}
		b.Run(fmt.Sprintf("heads=%d", heads), func(b *testing.B) {
			m, err := New(spec)
			if err != nil {
				b.Fatal(err)
			}
			x := make([]float64, 60*784)
			y := make([]int, 60)
			for i := range x {
				x[i] = float64(i%7) / 7
			}
			for i := range y {
				y[i] = i % 10
			}
			if err := m.SetBatch(x, y); err != nil {
				b.Fatal(err)
			}
			theta, grad := m.Params(nil), make([]float64, m.Dim())
			b.ReportAllocs()
			for b.Loop() {
				if _, err := m.Eval(theta, grad); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}

// TestMainWeight weighs the main head's cross-entropy by 0.4 and by 0 in an
// mlp with two heads (on act1 and fc2, below the output layer): the
// gradient agrees with central differences (tolerance as
// TestObjectiveGradient), the objective is Σ weight·loss with the main term
// at its weight, and at weight 0 the output layer, which only the main term
// reads, gets a gradient of exactly 0 while the layers below still learn
// from the heads.
func TestMainWeight(t *testing.T) {
	for _, w := range []float64{0.4, 0} {
		spec := auxSpec(MLP, false, tensor.Float64, 0.7, 0.3)
		spec.MainWeight = schedule.Constant{Rate: w}
		m, err := New(spec)
		if err != nil {
			t.Fatal(err)
		}
		randomBatch(t, m, 2)
		if worst := worstGradientError(t, m); worst > 1e-6 {
			t.Errorf("main weight %v: worst gradient error %.3g over %d parameters", w, worst, m.Dim())
		}
		theta := m.Params(nil)
		grad := make([]float64, len(theta))
		loss, err := m.Eval(theta, grad)
		if err != nil {
			t.Fatal(err)
		}
		terms := m.Terms()
		sum := 0.0
		for _, tm := range terms {
			sum += tm.Weight * tm.Loss
		}
		if terms[0].Name != "main" || terms[0].Weight != w || !(terms[0].Loss > 0) {
			t.Errorf("main weight %v: first term %+v; want main at weight %v with a positive loss", w, terms[0], w)
		}
		if math.Abs(loss-sum) > 1e-12*math.Abs(loss) {
			t.Errorf("main weight %v: objective %v, Σ weight·loss %v", w, loss, sum)
		}
		if w != 0 {
			continue
		}
		for _, b := range m.Blocks() {
			norm := 0.0
			for _, g := range grad[b.Start:b.End] {
				norm += g * g
			}
			if strings.HasPrefix(b.Name, "out.") != (norm == 0) {
				t.Errorf("main weight 0: ‖∂J/∂%s‖² = %v; want 0 exactly for the output layer alone", b.Name, norm)
			}
		}
	}
	spec := smallSpec(MLP, false, tensor.Float64)
	spec.MainWeight = schedule.Constant{Rate: -1}
	if _, err := New(spec); err == nil || !strings.Contains(err.Error(), "main term's weight is -1 at step 0") {
		t.Errorf("main weight -1: error %v; want the weight refused", err)
	}
}
