package distill

import (
	"fmt"

	"deepopt/layers"
	"deepopt/model"
	"deepopt/schedule"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Regressor names the form of FitNets' regressor r, which maps the
// student's guided layer to the teacher's hint layer (Romero et al. 2015,
// §2.2).
type Regressor string

// The regressors of a hint.
const (
	// LinearRegressor is a fully connected affine map from the guided
	// layer's units to the hint's, each node flattened to C·H·W values per
	// example when it is a feature map. It maps any pair of layers; for two
	// feature maps it needs (C_g·H_g·W_g + 1)·C_h·H_h·W_h parameters.
	LinearRegressor Regressor = "linear"
	// ConvRegressor is a convolution from the guided feature map
	// (C_g, H_g, W_g) to the hint's (C_h, H_h, W_h), stride 1 and no
	// padding, with the square kernel k = H_g − H_h + 1 = W_g − W_h + 1 that
	// makes the output map the hint's size: (k²·C_g + 1)·C_h parameters, the
	// paper's choice to keep r small.
	ConvRegressor Regressor = "conv"
)

// Hint is FitNets' hint-based training (Romero et al. 2015, §2.2, Eq. 3):
// the student's guided layer, through a regressor r of its own, learns to
// predict the teacher's hint layer,
//
//	L_HT(W_Guided, W_r) = ½‖u_h(x; W_Hint) − r(v_g(x; W_Guided); W_r)‖²,
//
// with u_h the teacher's hint node and v_g the student's guided node. The
// norm sums over every unit of the hint (all C·H·W values of a feature
// map) and the term is the mean of that sum over the minibatch's examples.
// The official code's HintCost does the same for a dense hint
// (0.5·(hint − out)² summed over axis 1, then the mean over the batch); for
// a feature map it sums over axis 1 alone and averages over the others, so
// its value and gradient are ours divided by the product of the remaining
// per-example sizes (C·W in the (c, 0, 1, b) layout of its MNIST config,
// where axis 1 is the rows), which a learning rate or weight taken from it
// must allow for.
//
// r is affine, without a nonlinearity: the official code gives r the hint
// layer's nonlinearity (maxout pieces, ReLU, ...), which choosing the
// teacher's pre-activation node (act2.in rather than act2) replaces. Its
// conv regressor's kernel may be rectangular (each axis's difference + 1);
// ConvRegressor's is square, so the two maps must differ by the same amount
// in height and width.
type Hint struct {
	// Teacher is the teacher's hint node (model.Model.NodeNames).
	Teacher string
	// Student is the student's guided node.
	Student string
	// Regressor is the form of r.
	Regressor Regressor
}

// HintTeacher is a teacher network that gives the student the values of
// its hint node for each minibatch, on the evaluation path (forward-only,
// BN with its running statistics, no dropout), and is never trained.
type HintTeacher struct {
	model *model.Model
	hint  Hint
	// shape is one example's shape at the hint node.
	shape []int
}

// NewHintTeacher checks the teacher's network m, rebuilt from the run in
// dir with an evaluation batch of the student's minibatch size, against
// the student's spec, and h's regressor and teacher node; the student's
// node and the shapes are checked when the term is built.
func NewHintTeacher(m *model.Model, dir string, student model.Spec, h Hint) (*HintTeacher, error) {
	if err := checkTeacher(m, dir, student); err != nil {
		return nil, err
	}
	if h.Regressor != LinearRegressor && h.Regressor != ConvRegressor {
		return nil, fmt.Errorf("distill.hint.regressor: %q; choose %s, or %s between feature maps (Romero et al.'s choice)", h.Regressor, LinearRegressor, ConvRegressor)
	}
	shape, err := m.NodeShape(h.Teacher)
	if err != nil {
		return nil, fmt.Errorf("distill.hint.teacher: the teacher %s: %w", dir, err)
	}
	return &HintTeacher{model: m, hint: h, shape: shape}, nil
}

// Values writes the teacher's hint u_h for the student's minibatch x (the
// examples the student trains on, row-major) into dst, one row of the hint
// node's values per example.
func (t *HintTeacher) Values(x, dst []float64) error {
	if err := t.model.NodeValues(x, t.hint.Teacher, dst); err != nil {
		return fmt.Errorf("distill: teacher's hint: %w", err)
	}
	return nil
}

// Term returns the hint as the student's loss term "hint" of weight w: its
// Build reads the guided node, adds the regressor r (parameters hint_r.W
// and hint_r.b, which join θ) and the teacher's hint as an input filled by
// Values on every minibatch, and returns L_HT.
func (t *HintTeacher) Term(w schedule.Scalar) model.LossTerm {
	return model.LossTerm{Name: "hint", Weight: w, Build: t.build}
}

func (t *HintTeacher) build(b *model.TermGraph) (*G.Node, error) {
	h, s := t.hint, b.Spec()
	v, err := b.Node(h.Student)
	if err != nil {
		return nil, fmt.Errorf("distill.hint.student: %w", err)
	}
	guided := []int(v.Shape()[1:])
	r, err := t.regressor(b, guided)
	if err != nil {
		return nil, err
	}
	b.AddLayer(r)
	if h.Regressor == LinearRegressor {
		if v, err = layers.NewFlatten("hint_flatten").Forward(v, true); err != nil {
			return nil, err
		}
	}
	out, err := r.Forward(v, true)
	if err != nil {
		return nil, err
	}
	u := b.Input(append([]int{s.BatchSize}, out.Shape()[1:]...), func(x []float64, _ []int, dst []float64) error { return t.Values(x, dst) })
	return halfSquaredError(u, out, s.Dtype)
}

// regressor builds r for a guided node of the given per-example shape, or
// refuses shapes it cannot map, naming the regressor that can.
func (t *HintTeacher) regressor(b *model.TermGraph, guided []int) (layers.Layer, error) {
	h, s := t.hint, b.Spec()
	if h.Regressor == LinearRegressor {
		return layers.NewLinear(b.Graph(), "hint_r", size(guided), size(t.shape), s.Dtype, layers.GlorotUniform(), b.Rand())
	}
	where := fmt.Sprintf("the student's %s is %s and the teacher's %s %s", h.Student, describe(guided), h.Teacher, describe(t.shape))
	if len(guided) != 3 || len(t.shape) != 3 {
		return nil, fmt.Errorf("distill.hint.regressor: a conv regressor maps a feature map to a feature map, and %s; use regressor %s", where, LinearRegressor)
	}
	k := guided[1] - t.shape[1] + 1
	if k < 1 || guided[2]-t.shape[2]+1 != k {
		return nil, fmt.Errorf("distill.hint.regressor: a conv regressor (stride 1, no padding, square kernel k) maps an H×W map to an (H−k+1)×(W−k+1) one, and %s; guide a layer whose map is larger than the hint's by the same amount in height and width, or use regressor %s", where, LinearRegressor)
	}
	return layers.NewConv2D(b.Graph(), "hint_r", guided[0], t.shape[0], k, 1, 0, s.Dtype, layers.GlorotUniform(), b.Rand())
}

// halfSquaredError is ½‖u − r‖² summed over each example's values and
// averaged over the batch (the first axis).
func halfSquaredError(u, r *G.Node, dt tensor.Dtype) (*G.Node, error) {
	d, err := G.Sub(u, r)
	if err != nil {
		return nil, fmt.Errorf("distill: u_h − r: %w", err)
	}
	sq, err := G.Square(d)
	if err != nil {
		return nil, err
	}
	sum, err := G.Sum(sq)
	if err != nil {
		return nil, err
	}
	half := 0.5 / float64(u.Shape()[0])
	c := G.NewConstant(half)
	if dt == tensor.Float32 {
		c = G.NewConstant(float32(half))
	}
	return G.Mul(sum, c)
}

// describe names a node's per-example shape: "dense (12 units)" or "a
// 4×12×12 feature map".
func describe(shape []int) string {
	if len(shape) == 3 {
		return fmt.Sprintf("a %d×%d×%d feature map", shape[0], shape[1], shape[2])
	}
	return fmt.Sprintf("dense (%d units)", size(shape))
}
