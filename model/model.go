package model

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"deepopt/batchnorm"
	"deepopt/internal/names"
	"deepopt/layers"
	"deepopt/optim"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Model is a network on one Gorgonia graph with its compiled machines.
type Model struct {
	spec   Spec
	g      *G.ExprGraph
	stack  []layers.Layer
	params G.Nodes
	bns    []*batchnorm.BatchNorm
	// dropouts are the dropout layers in stack order (dropout.go).
	dropouts []*layers.Dropout
	layers   []Layer
	blocks   []optim.Block
	dim      int
	// heads are the auxiliary heads (terms.go), after the stack in θ.
	heads []auxHead
	// terms are the objective's graph terms, the main head's first; the
	// loss is their weighted sum, and lastPenalty the L2 penalty of the
	// last Eval.
	terms       []term
	lastPenalty float64
	// termLayers are the LossTerms' layers (lossterm.go), last in θ;
	// termInputs their per-minibatch inputs, stale after SetBatch until
	// the next Eval fills them.
	termLayers  []ownedLayer
	termInputs  []termInput
	inputsStale bool

	// Training path.
	x, y   *G.Node
	xT, yT *tensor.Dense
	loss   *G.Node
	grads  G.Nodes
	gradVM G.VM
	lossVM G.VM
	// written is set while the parameter tensors hold θ as an in-place
	// step wrote them (Written), cleared by any other write; segments is
	// the buffer of Segments.
	written  bool
	segments []optim.Segment
	// theta holds the model's parameters (SetParams, Params) in the
	// graph's precision; atTheta is set while the parameter tensors hold
	// them, cleared when an evaluation at other weights writes its own
	// (writeParams).
	theta   []float64
	atTheta bool
	// labels are the minibatch's classes and weights its examples' loss
	// weights (nil: all 1), from which writeTargets fills yT (weights.go).
	labels  []int
	weights []float64

	// Evaluation path.
	xEval  *G.Node
	xEvalT *tensor.Dense
	logits *G.Node
	evalVM G.VM
	// headLogits are the auxiliary heads' logits on the evaluation path,
	// run by headVM (compiled on first use).
	headLogits G.Nodes
	headVM     G.VM

	// Named nodes (record.go): the names in layer order, each path's nodes
	// in the same order, and one forward-only machine per requested set of
	// evaluation-path nodes.
	nodeNames             []string
	trainNodes, evalNodes G.Nodes
	readers               map[string]*nodeReader
}

var (
	_ optim.InPlace = (*Model)(nil)
	_ optim.InPlace = (*TrainingObjective)(nil)
)

// New builds the graph of spec and compiles its machines.
func New(spec Spec) (*Model, error) {
	if err := spec.validate(); err != nil {
		return nil, err
	}
	m := &Model{spec: spec, g: G.NewGraph()}
	rng := rand.New(rand.NewPCG(spec.Seed, 0x1417))
	if err := m.buildStack(rng); err != nil {
		return nil, err
	}
	if err := m.buildTrainingPath(); err != nil {
		return nil, err
	}
	if err := m.buildEvaluationPath(); err != nil {
		return nil, err
	}
	m.theta, m.atTheta = m.readParams(make([]float64, m.dim)), true
	m.DrawDropout(0)
	if err := m.SetStep(0); err != nil {
		return nil, err
	}
	return m, nil
}

// buildStack creates the layers (and so the parameters) in a fixed order, so
// that a seed always gives the same initial weights.
func (m *Model) buildStack(rng *rand.Rand) error {
	s := m.spec
	init, err := initializer(s.Init, s.InitStd)
	if err != nil {
		return err
	}
	add := func(l layers.Layer, err error) error {
		if err != nil {
			return err
		}
		m.stack = append(m.stack, l)
		return nil
	}
	addBNAndActivation := func(bnName, actName string, channels int) error {
		if s.BatchNorm {
			bn, err := batchnorm.New(m.g, bnName, channels, s.Dtype,
				batchnorm.Options{Momentum: s.BNMomentum, Eps: s.BNEps})
			if err != nil {
				return err
			}
			m.bns = append(m.bns, bn)
			m.stack = append(m.stack, bn)
		}
		return add(layers.NewActivation(actName, s.Activation))
	}
	addDropout := func(name string, rate float64) error {
		if rate == 0 {
			return nil
		}
		d, err := layers.NewDropout(name, rate)
		if err != nil {
			return err
		}
		m.dropouts = append(m.dropouts, d)
		return add(d, nil)
	}
	if err := addDropout("drop0", s.InputDropout); err != nil {
		return err
	}
	features := product(s.Input)
	if s.Kind == CNN {
		c, h, w := s.Input[0], s.Input[1], s.Input[2]
		for i, st := range s.Conv {
			name := fmt.Sprint(i + 1)
			affine, bn := ConvLayerNames(i + 1)
			conv, err := layers.NewConv2D(m.g, affine, c, st.Channels, st.Kernel, st.Stride, st.Padding, s.Dtype, init, rng)
			if err := add(conv, err); err != nil {
				return err
			}
			out := conv.OutputShape(1, h, w)
			c, h, w = out[1], out[2], out[3]
			if err := addBNAndActivation(bn, "actc"+name, c); err != nil {
				return err
			}
			if st.Pool > 1 {
				pool := layers.NewMaxPool2D("pool"+name, st.Pool, st.Pool, 0)
				if err := add(pool, nil); err != nil {
					return err
				}
				out = pool.OutputShape(1, c, h, w)
				h, w = out[2], out[3]
			}
			if h < 1 || w < 1 {
				return fmt.Errorf("model: conv stage %d (conv%s) leaves a %d×%d feature map; use smaller kernels or pools", i, name, h, w)
			}
		}
		features = c * h * w
	}
	if len(s.Input) > 1 {
		if err := add(layers.NewFlatten("flatten"), nil); err != nil {
			return err
		}
	}
	for i, width := range s.Hidden {
		name := fmt.Sprint(i + 1)
		affine, bn := DenseLayerNames(i + 1)
		if err := add(layers.NewLinear(m.g, affine, features, width, s.Dtype, init, rng)); err != nil {
			return err
		}
		if err := addBNAndActivation(bn, "act"+name, width); err != nil {
			return err
		}
		if err := addDropout("drop"+name, s.Dropout); err != nil {
			return err
		}
		features = width
	}
	return add(layers.NewLinear(m.g, "out", features, s.Classes, s.Dtype, init, rng))
}

// buildTrainingPath applies the stack to the minibatch, attaches the
// auxiliary heads to its nodes, lays θ out over every parameter and builds
// the loss, its gradient and their machines.
func (m *Model) buildTrainingPath() error {
	s := m.spec
	m.xT = tensor.New(tensor.WithShape(append([]int{s.BatchSize}, s.Input...)...), tensor.Of(s.Dtype))
	m.yT = tensor.New(tensor.WithShape(s.BatchSize, s.Classes), tensor.Of(s.Dtype))
	m.labels = make([]int, s.BatchSize)
	m.x = G.NodeFromAny(m.g, m.xT, G.WithName("x"))
	m.y = G.NodeFromAny(m.g, m.yT, G.WithName("y"))
	var logits *G.Node
	var err error
	if logits, m.nodeNames, m.trainNodes, err = m.forward(m.x, true); err != nil {
		return err
	}
	if err := m.buildAuxHeads(); err != nil {
		return err
	}
	extra, err := m.buildLossTerms(logits)
	if err != nil {
		return err
	}
	m.layout()
	mainCE, err := layers.SoftmaxCrossEntropy(logits, m.y)
	if err != nil {
		return err
	}
	if err := m.addAuxTerms(mainCE); err != nil {
		return err
	}
	m.addLossTerms(extra)
	if m.loss, err = m.objective(); err != nil {
		return err
	}
	if m.grads, err = G.Grad(m.loss, m.params...); err != nil {
		return fmt.Errorf("model: gradient: %w", err)
	}
	terms := m.termOutputs()
	if m.gradVM, err = m.compile(append(append(G.Nodes{m.loss}, m.grads...), terms...)); err != nil {
		return err
	}
	m.lossVM, err = m.compile(append(G.Nodes{m.loss}, terms...))
	return err
}

func (m *Model) buildEvaluationPath() error {
	s := m.spec
	m.xEvalT = tensor.New(tensor.WithShape(append([]int{s.EvalBatch}, s.Input...)...), tensor.Of(s.Dtype))
	m.xEval = G.NodeFromAny(m.g, m.xEvalT, G.WithName("x_eval"))
	var err error
	if m.logits, _, m.evalNodes, err = m.forward(m.xEval, false); err != nil {
		return err
	}
	for _, h := range m.heads {
		logits, err := h.forward(m.evalNodes[slices.Index(m.nodeNames, h.at)], false)
		if err != nil {
			return err
		}
		m.headLogits = append(m.headLogits, logits)
	}
	m.evalVM, err = m.compile(G.Nodes{m.logits})
	return err
}

// forward applies the stack to x and returns its output and the path's named
// nodes with their names (see NodeNames), in the order the network computes
// them: every layer's output under the layer's name, preceded for an
// activation by its input under the activation's name and InputSuffix.
// Dropout layers, the identity on the evaluation path, are not named.
func (m *Model) forward(x *G.Node, training bool) (out *G.Node, names []string, nodes G.Nodes, err error) {
	for _, l := range m.stack {
		if _, ok := l.(*layers.Activation); ok {
			names, nodes = append(names, l.Name()+InputSuffix), append(nodes, x)
		}
		if x, err = l.Forward(x, training); err != nil {
			return nil, nil, nil, err
		}
		if _, ok := l.(*layers.Dropout); !ok {
			names, nodes = append(names, l.Name()), append(nodes, x)
		}
	}
	return x, names, nodes, nil
}

func initializer(name Init, std float64) (layers.Init, error) {
	switch name {
	case Gaussian:
		return layers.Gaussian(std), nil
	case Glorot:
		return layers.GlorotUniform(), nil
	case He:
		return layers.HeNormal(), nil
	}
	return nil, fmt.Errorf("model: unknown init %q; valid: %s", name, strings.Join(names.Strings(Inits()), ", "))
}

func product(shape []int) int {
	p := 1
	for _, d := range shape {
		p *= d
	}
	return p
}
