package distill_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"deepopt/data"
	"deepopt/distill"
	"deepopt/internal/gradcheck"
	"deepopt/model"
	"deepopt/schedule"

	"gorgonia.org/tensor"
)

// hintSpec is a small tanh network of the given kind (an mlp of 12 inputs,
// or a cnn of 1×8×8 images with one unpooled stage of 2 channels and
// kernel 3, whose map is 2×6×6) with a minibatch of 4 examples.
func hintSpec(kind model.Kind, hidden []int, seed uint64, dt tensor.Dtype) model.Spec {
	s := model.Spec{Kind: kind, Input: []int{12}, Classes: 3, Hidden: hidden, Activation: "tanh", Init: model.Glorot,
		Dtype: dt, BatchSize: 4, EvalBatch: 4, Seed: seed}
	if kind == model.CNN {
		s.Input = []int{1, 8, 8}
		s.Conv = []model.ConvStage{{Channels: 2, Kernel: 3, Stride: 1}}
	}
	return s
}

// hinted builds the teacher and the student with the hint term of weight w
// from the teacher's node h.Teacher.
func hinted(student, teacher model.Spec, h distill.Hint, w float64) (*model.Model, *model.Model, error) {
	tm, err := model.New(teacher)
	if err != nil {
		return nil, nil, err
	}
	ht, err := distill.NewHintTeacher(tm, "runs/teacher", student, h)
	if err != nil {
		return nil, nil, err
	}
	student.Terms = []model.LossTerm{ht.Term(schedule.Constant{Rate: w})}
	m, err := model.New(student)
	return m, tm, err
}

// setBatch draws one minibatch of standard normal examples and random
// labels as a data set, gives it to m, and returns the data set, its
// indices and the minibatch's values.
func setBatch(t *testing.T, m *model.Model, seed uint64) (*data.Dataset, []int, []float64) {
	t.Helper()
	s := m.Spec()
	rng := rand.New(rand.NewPCG(seed, 3))
	ds := &data.Dataset{X: make([]float32, s.BatchSize*size(s.Input)), Shape: s.Input, Y: make([]int, s.BatchSize), Classes: s.Classes}
	for i := range ds.X {
		ds.X[i] = float32(rng.NormFloat64())
	}
	for i := range ds.Y {
		ds.Y[i] = rng.IntN(s.Classes)
	}
	idx, x, y := make([]int, s.BatchSize), make([]float64, len(ds.X)), make([]int, s.BatchSize)
	for i := range idx {
		idx[i] = i
	}
	if err := ds.Gather(idx, x, y); err != nil {
		t.Fatal(err)
	}
	if err := m.SetBatch(x, y); err != nil {
		t.Fatal(err)
	}
	return ds, idx, x
}

func size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}

// block returns θ's coordinates of the named parameter.
func block(t *testing.T, m *model.Model, theta []float64, name string) []float64 {
	t.Helper()
	for _, b := range m.Blocks() {
		if b.Name == name {
			return theta[b.Start:b.End]
		}
	}
	t.Fatalf("no parameter %s", name)
	return nil
}

// TestHintGradient compares the gradient of the student's objective with
// the hint term (weight 1.5) with central differences of its value, over
// every coordinate of θ (the student's parameters and the regressor's), in
// float64 with h = 1e-6: |analytic − numeric| ≤ 1e-6·(1 + |analytic|), the
// model's own gradient tolerance. The cases are a linear regressor between
// dense layers, a conv regressor (kernel 3, from a 2×6×6 map to the
// teacher's 3×4×4) under a BN student, and a linear regressor from a
// feature map to an mlp teacher's dense layer.
func TestHintGradient(t *testing.T) {
	cnnTeacher := hintSpec(model.CNN, []int{5}, 9, tensor.Float64)
	cnnTeacher.Conv[0] = model.ConvStage{Channels: 3, Kernel: 5, Stride: 1}
	bnStudent := hintSpec(model.CNN, []int{4}, 1, tensor.Float64)
	bnStudent.BatchNorm = true
	mlpTeacher := hintSpec(model.MLP, []int{7}, 9, tensor.Float64)
	mlpTeacher.Input = []int{64}
	for _, tc := range []struct {
		student, teacher model.Spec
		hint             distill.Hint
		params           int
	}{
		{hintSpec(model.MLP, []int{5, 4}, 1, tensor.Float64), hintSpec(model.MLP, []int{7}, 9, tensor.Float64),
			distill.Hint{Teacher: "act1.in", Student: "act1", Regressor: distill.LinearRegressor}, 5*7 + 7},
		{bnStudent, cnnTeacher, distill.Hint{Teacher: "conv1", Student: "actc1", Regressor: distill.ConvRegressor}, 3*2*3*3 + 3},
		{hintSpec(model.CNN, []int{4}, 1, tensor.Float64), mlpTeacher,
			distill.Hint{Teacher: "act1", Student: "actc1", Regressor: distill.LinearRegressor}, 72*7 + 7},
	} {
		plain, err := model.New(tc.student)
		if err != nil {
			t.Fatal(err)
		}
		m, _, err := hinted(tc.student, tc.teacher, tc.hint, 1.5)
		if err != nil {
			t.Fatal(err)
		}
		if m.Dim() != plain.Dim()+tc.params {
			t.Errorf("%s: %d parameters, want the student's %d and the regressor's %d", tc.hint.Regressor, m.Dim(), plain.Dim(), tc.params)
		}
		setBatch(t, m, 2)
		theta := m.Params(nil)
		if _, err := m.Eval(theta, nil); err != nil {
			t.Fatal(err)
		}
		if terms := m.Terms(); len(terms) != 2 || terms[1].Name != "hint" || !(terms[1].Loss > 0) {
			t.Fatalf("terms %+v; want main and a positive hint", terms)
		}
		worst, at, err := gradcheck.Worst(m, theta, 1e-6)
		if err != nil {
			t.Fatal(err)
		}
		if worst > 1e-6 {
			t.Errorf("%s from %s to %s: worst gradient error %.3g at θ[%d] of %d", tc.hint.Regressor, tc.hint.Student, tc.hint.Teacher, worst, at, len(theta))
		}
	}
}

// TestHintIdentityRegressor sets the regressor to the identity, so that
// L_HT = ½·Σ_i ‖u_i − v_i‖²/N: for a linear regressor between the student's
// affine fc1 and the teacher's tanh act1 (6 units each), against both
// computed by hand from θ, in float64 (tolerance 1e-12 relative) and
// float32 (1e-5); for a 1×1 conv regressor between two 2×6×6 feature maps,
// against u and v read by model.Nodes from the evaluation path (no BN, so
// it equals the training path).
func TestHintIdentityRegressor(t *testing.T) {
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		student, teacher := hintSpec(model.MLP, []int{6}, 1, dt), hintSpec(model.MLP, []int{6}, 9, tensor.Float64)
		m, tm, err := hinted(student, teacher, distill.Hint{Teacher: "act1", Student: "fc1", Regressor: distill.LinearRegressor}, 1)
		if err != nil {
			t.Fatal(err)
		}
		theta := m.Params(nil)
		identity(block(t, m, theta, "hint_r.W"), 6)
		clear(block(t, m, theta, "hint_r.b"))
		_, _, x := setBatch(t, m, 4)
		if _, err := m.Eval(theta, nil); err != nil {
			t.Fatal(err)
		}
		tt := tm.Params(nil)
		sw, sb, tw, tb := block(t, m, theta, "fc1.W"), block(t, m, theta, "fc1.b"), block(t, tm, tt, "fc1.W"), block(t, tm, tt, "fc1.b")
		var want float64
		for i := range 4 {
			for j := range 6 {
				v, u := sb[j], tb[j]
				for k := range 12 {
					v += x[i*12+k] * sw[k*6+j]
					u += x[i*12+k] * tw[k*6+j]
				}
				want += (math.Tanh(u) - v) * (math.Tanh(u) - v) / 2 / 4
			}
		}
		tol := 1e-12
		if dt == tensor.Float32 {
			tol = 1e-5
		}
		if got := m.Terms()[1].Loss; math.Abs(got-want) > tol*want {
			t.Errorf("%v linear identity: L_HT = %.12g, by hand %.12g", dt, got, want)
		}
	}

	student, teacher := hintSpec(model.CNN, []int{4}, 1, tensor.Float64), hintSpec(model.CNN, []int{5}, 9, tensor.Float64)
	m, tm, err := hinted(student, teacher, distill.Hint{Teacher: "actc1", Student: "conv1", Regressor: distill.ConvRegressor}, 1)
	if err != nil {
		t.Fatal(err)
	}
	theta := m.Params(nil)
	identity(block(t, m, theta, "hint_r.W"), 2) // (2, 2, 1, 1)
	clear(block(t, m, theta, "hint_r.b"))
	ds, idx, _ := setBatch(t, m, 5)
	if _, err := m.Eval(theta, nil); err != nil {
		t.Fatal(err)
	}
	v, err := m.Nodes(ds, idx, []string{"conv1"})
	if err != nil {
		t.Fatal(err)
	}
	u, err := tm.Nodes(ds, idx, []string{"actc1"})
	if err != nil {
		t.Fatal(err)
	}
	var want float64
	for i := range u[0] {
		want += (u[0][i] - v[0][i]) * (u[0][i] - v[0][i]) / 2 / 4
	}
	if got := m.Terms()[1].Loss; math.Abs(got-want) > 1e-12*want {
		t.Errorf("conv identity: L_HT = %.12g, ½‖u − v‖²/N %.12g", got, want)
	}
}

// identity makes w, an n×n matrix or an (n, n, 1, 1) kernel, the identity.
func identity(w []float64, n int) {
	clear(w)
	for i := range n {
		w[i*n+i] = 1
	}
}

// TestHintRefused: an unknown regressor, an unknown teacher or student
// node (listing the valid names), shapes the conv regressor cannot map
// (naming the linear regressor) and a teacher whose evaluation batch is not
// the student's minibatch are refused with the fix.
func TestHintRefused(t *testing.T) {
	mlp, cnn := hintSpec(model.MLP, []int{5}, 1, tensor.Float64), hintSpec(model.CNN, []int{4}, 1, tensor.Float64)
	wide := hintSpec(model.CNN, []int{4}, 9, tensor.Float64)
	wide.Conv[0].Padding = 2 // a 2×10×10 map, larger than the student's 6×6
	uneven := hintSpec(model.CNN, []int{4}, 9, tensor.Float64)
	uneven.Input = []int{1, 4, 16} // the student's 64 values per example, a 2×2×14 map
	otherBatch := hintSpec(model.MLP, []int{5}, 9, tensor.Float64)
	otherBatch.EvalBatch = 8
	for _, tc := range []struct {
		student, teacher model.Spec
		hint             distill.Hint
		want             string
	}{
		{mlp, mlp, distill.Hint{Teacher: "act1", Student: "act1", Regressor: "mlp"}, `distill.hint.regressor: "mlp"; choose linear, or conv between feature maps`},
		{mlp, mlp, distill.Hint{Teacher: "act9", Student: "act1", Regressor: distill.LinearRegressor}, `distill.hint.teacher: the teacher runs/teacher: model: no node named "act9"; valid: fc1, act1.in, act1, out`},
		{cnn, mlp, distill.Hint{Teacher: "act1", Student: "conv9", Regressor: distill.LinearRegressor}, `unknown node "conv9"; valid nodes: conv1, actc1.in, actc1, flatten, fc1, act1.in, act1, out`},
		{cnn, cnn, distill.Hint{Teacher: "act1", Student: "conv1", Regressor: distill.ConvRegressor},
			"a conv regressor maps a feature map to a feature map, and the student's conv1 is a 2×6×6 feature map and the teacher's act1 dense (4 units); use regressor linear"},
		{cnn, wide, distill.Hint{Teacher: "conv1", Student: "conv1", Regressor: distill.ConvRegressor},
			"maps an H×W map to an (H−k+1)×(W−k+1) one, and the student's conv1 is a 2×6×6 feature map and the teacher's conv1 a 2×10×10 feature map; guide a layer whose map is larger than the hint's by the same amount in height and width, or use regressor linear"},
		{hintSpec(model.CNN, []int{4}, 1, tensor.Float64), uneven, distill.Hint{Teacher: "conv1", Student: "conv1", Regressor: distill.ConvRegressor}, "the teacher's conv1 a 2×2×14 feature map; guide a layer"},
		{mlp, otherBatch, distill.Hint{Teacher: "act1", Student: "act1", Regressor: distill.LinearRegressor}, "rebuild the teacher with an evaluation batch of train.batch_size"},
	} {
		if tc.student.Kind == model.CNN && tc.teacher.Kind == model.MLP {
			tc.teacher.Input = []int{64}
		}
		_, _, err := hinted(tc.student, tc.teacher, tc.hint, 1)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v; want one containing %q", tc.hint, err, tc.want)
		}
	}
}
