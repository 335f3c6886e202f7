package model

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"deepopt/layers"
	"deepopt/schedule"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// LossTerm is a named, weighted term that a package outside model adds to
// the objective, in the same graph as the network's own terms: the soft
// cross-entropy against a teacher of knowledge distillation (Hinton et al.
// 2015, Eq. 2 with τ² scaling), FitNets' hint regression ½‖u_h − r(v_g)‖²
// (Romero et al. 2015, Eq. 3). The objective becomes
//
//	J(θ) = CE_main + Σ_k w_k·CE_aux_k + Σ_j λ_j(t)·L_j(θ) + (l2/2)·Σ w²,
//
// one function of the flat θ, so every optimizer, line searches included,
// minimises the same composite loss. Terms() and metrics.csv report each
// L_j under its Name.
type LossTerm struct {
	// Name names the term in Terms and in metrics.csv (loss_<Name>); it
	// must be a word of lower-case letters and digits, and neither main,
	// l2 nor an auxiliary head's name.
	Name string
	// Weight is λ(t), the term's weight over the steps (schedule.Constant,
	// schedule.Linear, ...); it must stay finite and ≥ 0.
	Weight schedule.Scalar
	// Build adds the term's unweighted scalar node to the training path,
	// through the TermGraph it receives (the path's nodes and logits, the
	// term's per-minibatch inputs and its own layers).
	Build func(*TermGraph) (*G.Node, error)
}

// Fill computes a term's per-minibatch input into dst (row-major, the
// input's shape) from the training minibatch: x its examples row-major in
// the graph's precision, y their labels. A teacher's probabilities at τ are
// such an input.
type Fill func(x []float64, y []int, dst []float64) error

// TermGraph is what a LossTerm's Build sees of the model: the training
// path's named nodes and logits, inputs refilled on every minibatch, and
// layers whose parameters join θ.
type TermGraph struct {
	m      *Model
	name   string
	k      int
	logits *G.Node
	layers []layers.Layer
}

// termStream separates the random streams of the terms' layers from the
// network's and the auxiliary heads' (rand.NewPCG(Seed, termStream+k) for
// the k-th term), so adding a term leaves their initial weights alone.
const termStream = 0x7e50_0000

// termInput is a per-minibatch input of a term: its node, its tensor, and
// the Fill that computes its values.
type termInput struct {
	t    *tensor.Dense
	fill Fill
	buf  []float64
}

// Graph is the model's graph, in which the term builds its nodes.
func (b *TermGraph) Graph() *G.ExprGraph { return b.m.g }

// Spec is the model's spec (dtype, batch size, classes).
func (b *TermGraph) Spec() Spec { return b.m.spec }

// Logits is the training path's output before the softmax, (BatchSize,
// Classes).
func (b *TermGraph) Logits() *G.Node { return b.logits }

// Node returns the training path's node of the given name (NodeNames:
// fc1, act1.in, conv2, pool1, ...), or an error listing the valid names.
func (b *TermGraph) Node(name string) (*G.Node, error) {
	i := slices.Index(b.m.nodeNames, name)
	if i < 0 {
		return nil, fmt.Errorf("model: term %s reads unknown node %q; valid nodes: %s", b.name, name, strings.Join(b.m.nodeNames, ", "))
	}
	return b.m.trainNodes[i], nil
}

// Input adds an input node of the given shape (its first axis is usually
// the minibatch) whose values fill computes from each training minibatch:
// the model calls fill before it next evaluates the objective after
// SetBatch, so a minibatch a loop sets, holds for several steps or puts
// back after a probe has the inputs that belong to it.
func (b *TermGraph) Input(shape []int, fill Fill) *G.Node {
	m := b.m
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(m.spec.Dtype))
	n := G.NodeFromAny(m.g, t, G.WithName(fmt.Sprintf("%s_in%d", b.name, len(m.termInputs)+1)))
	m.termInputs = append(m.termInputs, termInput{t: t, fill: fill, buf: make([]float64, product(shape))})
	return n
}

// Rand is the term's own random stream for initialising its layers.
func (b *TermGraph) Rand() *rand.Rand {
	return rand.New(rand.NewPCG(b.m.spec.Seed, termStream+uint64(b.k)))
}

// AddLayer makes the parameters of a layer the term built on Graph (a
// linear or convolutional hint regressor) coordinates of θ, after the
// network's and the auxiliary heads'; the optimizer trains them with the
// network's.
func (b *TermGraph) AddLayer(l layers.Layer) { b.layers = append(b.layers, l) }

// builtTerm is a LossTerm's node and layers, before layout.
type builtTerm struct {
	value  *G.Node
	layers []layers.Layer
}

// validateLossTerms checks the terms' names and weights.
func (s *Spec) validateLossTerms() error {
	if s.MainWeight != nil {
		if w := s.MainWeight.At(0); CheckWeight("Spec.MainWeight", w) != nil {
			return fmt.Errorf("model: the main term's weight is %v at step 0; need a finite weight ≥ 0", w)
		}
	}
	taken := []string{"main", "l2"}
	for k := range s.AuxHeads {
		taken = append(taken, headName(k))
	}
	for j, t := range s.Terms {
		if t.Name == "" || strings.TrimFunc(t.Name, func(r rune) bool { return r >= 'a' && r <= 'z' || r >= '0' && r <= '9' }) != "" {
			return fmt.Errorf("model: loss term %d is named %q; name it with lower-case letters and digits (kd, hint)", j, t.Name)
		}
		if slices.Contains(taken, t.Name) {
			return fmt.Errorf("model: loss term %d is named %s, a name already taken (%s); choose another", j, t.Name, strings.Join(taken, ", "))
		}
		taken = append(taken, t.Name)
		if t.Weight == nil || t.Build == nil {
			return fmt.Errorf("model: loss term %s needs a Weight and a Build", t.Name)
		}
		if w := t.Weight.At(0); CheckWeight("LossTerm.Weight", w) != nil {
			return fmt.Errorf("model: loss term %s: weight %v at step 0; need a finite weight ≥ 0", t.Name, w)
		}
	}
	return nil
}

// buildLossTerms builds every LossTerm on the training path whose logits
// are given; their layers join θ in layout.
func (m *Model) buildLossTerms(logits *G.Node) ([]builtTerm, error) {
	if err := m.spec.validateLossTerms(); err != nil {
		return nil, err
	}
	var built []builtTerm
	for k, t := range m.spec.Terms {
		b := &TermGraph{m: m, name: t.Name, k: k, logits: logits}
		v, err := t.Build(b)
		if err != nil {
			return nil, fmt.Errorf("model: loss term %s: %w", t.Name, err)
		}
		if v == nil || !v.IsScalar() {
			return nil, fmt.Errorf("model: loss term %s: Build must return a scalar node", t.Name)
		}
		built = append(built, builtTerm{value: v, layers: b.layers})
	}
	m.termLayers = nil
	for k, t := range built {
		for _, l := range t.layers {
			m.termLayers = append(m.termLayers, ownedLayer{Layer: l, owner: m.spec.Terms[k].Name})
		}
	}
	return built, nil
}

// addLossTerms records every built term, weighted by a scalar input node
// that SetStep sets, as a term of the objective.
func (m *Model) addLossTerms(built []builtTerm) {
	for k, t := range built {
		m.addTerm(m.spec.Terms[k].Name, t.value, m.spec.Terms[k].Weight)
	}
}

// fillTermInputs computes the terms' inputs for the current minibatch,
// once after each SetBatch, from the minibatch in the graph's precision.
func (m *Model) fillTermInputs() error {
	if !m.inputsStale || len(m.termInputs) == 0 {
		return nil
	}
	s := m.spec
	x, y := make([]float64, s.BatchSize*product(s.Input)), make([]int, s.BatchSize)
	if err := m.Batch(x, y); err != nil {
		return err
	}
	for _, in := range m.termInputs {
		if err := in.fill(x, y, in.buf); err != nil {
			return err
		}
		copyIn(in.t, in.buf)
	}
	m.inputsStale = false
	return nil
}
