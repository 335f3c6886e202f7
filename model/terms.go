package model

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"

	"deepopt/internal/bounds"
	"deepopt/layers"
	"deepopt/schedule"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// AuxHead is an auxiliary classifier on a hidden node of the network, as in
// deeply-supervised nets (Lee et al. 2015) and GoogLeNet's side heads
// (Szegedy et al. 2015): the node's value (a feature map flattened to one
// row per example, keeping every position, as DSN's companion classifiers
// see the whole map), then the hidden dense layers with the network's
// activation, then a linear map to the classes and the softmax
// cross-entropy against the labels. Its loss is a term of the objective
// weighted by Weight; the evaluation path, Evaluate and Logits use the main
// head alone.
type AuxHead struct {
	// At names the node the head reads (NodeNames: act1, conv2, pool1, ...).
	At string
	// Hidden lists the widths of the head's hidden dense layers.
	Hidden []int
	// Weight is the term's weight over the steps (schedule.Constant,
	// schedule.Until, schedule.Linear, ...); it must stay ≥ 0.
	Weight schedule.Scalar
}

// auxStream separates the auxiliary heads' initial weights from the main
// network's (rand.NewPCG(Seed, 0x1417)), so adding a head leaves the
// network's starting point as it was.
const auxStream = 0xa0c5

// Term is one named term of the objective at the last training-path run:
// its unweighted value and its weight. The objective is Σ Weight·Loss.
type Term struct {
	Name         string
	Weight, Loss float64
}

// term is one term of the objective: a scalar node of the training path and,
// for every term but the main head's (whose weight is 1), the node holding
// its weight at the current step.
type term struct {
	name   string
	value  *G.Node
	weight schedule.Scalar
	w      *G.Node
	last   float64
}

// auxHead is an AuxHead's layers: the head's name is the prefix of theirs.
type auxHead struct {
	name  string
	at    string
	stack []layers.Layer
}

// headName is the name of the auxiliary head Spec.AuxHeads[k]: aux1 for
// k = 0, as layer names count (fc1 is the layer of Spec.Hidden[0]). Messages
// give a head's index from 0, as Spec.AuxHeads and the config key
// model.aux_heads.k count, and its name beside it.
func headName(k int) string { return fmt.Sprintf("aux%d", k+1) }

// validateAuxHeads checks the heads' nodes against the network's named
// nodes, and their widths and weights.
func (s *Spec) validateAuxHeads(nodes []string) error {
	valid := slices.DeleteFunc(slices.Clone(nodes), func(n string) bool { return n == "out" })
	for k, h := range s.AuxHeads {
		if !slices.Contains(valid, h.At) {
			return fmt.Errorf("model: aux head %d (%s) at unknown node %q; valid nodes: %s", k, headName(k), h.At, strings.Join(valid, ", "))
		}
		if err := CheckWidths("AuxHead.Hidden", h.Hidden); err != nil {
			return fmt.Errorf("model: aux head %d (%s): %w", k, headName(k), err)
		}
		if h.Weight == nil {
			return fmt.Errorf("model: aux head %d (%s) at %s has no weight; give it one, e.g. schedule.Constant{Rate: 0.3}", k, headName(k), h.At)
		}
		if w := h.Weight.At(0); CheckWeight("AuxHead.Weight", w) != nil {
			return fmt.Errorf("model: aux head %d (%s) at %s: weight %v at step 0; need a finite weight ≥ 0", k, headName(k), h.At, w)
		}
	}
	return nil
}

// buildAuxHeads checks the heads' nodes and weights and creates their
// layers, after the network's and from their own random stream.
func (m *Model) buildAuxHeads() error {
	s := m.spec
	if err := s.validateAuxHeads(m.nodeNames); err != nil {
		return err
	}
	init, err := initializer(s.Init, s.InitStd)
	if err != nil {
		return err
	}
	rng := rand.New(rand.NewPCG(s.Seed, auxStream))
	for k, h := range s.AuxHeads {
		head := auxHead{name: headName(k), at: h.At}
		features := product(m.trainNodes[slices.Index(m.nodeNames, h.At)].Shape()[1:])
		for i, w := range h.Hidden {
			fc, err := layers.NewLinear(m.g, fmt.Sprintf("%s_fc%d", head.name, i+1), features, w, s.Dtype, init, rng)
			if err != nil {
				return err
			}
			act, err := layers.NewActivation(fmt.Sprintf("%s_act%d", head.name, i+1), s.Activation)
			if err != nil {
				return err
			}
			head.stack = append(head.stack, fc, act)
			features = w
		}
		out, err := layers.NewLinear(m.g, head.name+"_out", features, s.Classes, s.Dtype, init, rng)
		if err != nil {
			return err
		}
		m.heads = append(m.heads, auxHead{name: head.name, at: head.at, stack: append(head.stack, out)})
	}
	return nil
}

// forward applies the head to x, the value of its node, flattening a
// feature map first.
func (h auxHead) forward(x *G.Node, training bool) (*G.Node, error) {
	if x.Dims() > 2 {
		var err error
		if x, err = layers.NewFlatten(h.name+"_flatten").Forward(x, training); err != nil {
			return nil, err
		}
	}
	for _, l := range h.stack {
		var err error
		if x, err = l.Forward(x, training); err != nil {
			return nil, err
		}
	}
	return x, nil
}

// addAuxTerms makes the main head's cross-entropy the objective's first
// term and every auxiliary head's cross-entropy a term weighted by a scalar
// input node that SetStep sets: J = CE_main + Σ_k w_k·CE_k + ... (objective).
func (m *Model) addAuxTerms(mainCE *G.Node) error {
	m.terms = []term{{name: "main", value: mainCE}}
	if w := m.spec.MainWeight; w != nil {
		m.weigh(&m.terms[0], w)
	}
	for k, h := range m.heads {
		at := m.trainNodes[slices.Index(m.nodeNames, h.at)]
		logits, err := h.forward(at, true)
		if err != nil {
			return err
		}
		ce, err := layers.SoftmaxCrossEntropy(logits, m.y)
		if err != nil {
			return err
		}
		m.addTerm(h.name, ce, m.spec.AuxHeads[k].Weight)
	}
	return nil
}

// addTerm records the term value under name, weighted by a scalar input
// node that SetStep sets from weight.
func (m *Model) addTerm(name string, value *G.Node, weight schedule.Scalar) {
	t := term{name: name, value: value}
	m.weigh(&t, weight)
	m.terms = append(m.terms, t)
}

// CheckWeight reports, as a *bounds.Error naming field, a term's weight
// that is not a finite number ≥ 0. New checks the main term's, the heads'
// and the LossTerms' weights at step 0 with it, and SetStep those of every
// step; package config calls it on model.main_weight and
// model.aux_heads.k.weight.
func CheckWeight(field string, w float64) error {
	return bounds.Check(field, w, bounds.NonNegative, "a term's weight")
}

// weigh gives term t a scalar input node for its weight, which SetStep
// sets from weight.
func (m *Model) weigh(t *term, weight schedule.Scalar) {
	t.weight = weight
	t.w = G.NewScalar(m.g, m.spec.Dtype, G.WithName(t.name+"_weight"))
}

// objective returns the node of the objective Σ_k w_k·v_k over the terms
// (termSumOp; w_k = 1 for the unweighted main term): the main head's
// cross-entropy itself when it is the only term and unweighted.
func (m *Model) objective() (*G.Node, error) {
	if len(m.terms) == 1 && m.terms[0].w == nil {
		return m.terms[0].value, nil
	}
	values, weighted := make(G.Nodes, len(m.terms)), make([]bool, len(m.terms))
	var weights G.Nodes
	for k, t := range m.terms {
		values[k], weighted[k] = t.value, t.w != nil
		if t.w != nil {
			weights = append(weights, t.w)
		}
	}
	loss, err := termSum(values, weighted, weights)
	if err != nil {
		return nil, fmt.Errorf("model: the objective's sum of terms: %w", err)
	}
	return loss, nil
}

// SetStep sets every weighted term's weight to its schedule's value at step
// (counted from 0), for the minibatch a training loop sets at step; New sets
// those of step 0. With the main term alone, unweighted, it does nothing.
func (m *Model) SetStep(step int) error {
	for _, t := range m.terms {
		if t.w == nil {
			continue // the unweighted main term
		}
		w := t.weight.At(step)
		if CheckWeight("Term.Weight", w) != nil {
			return fmt.Errorf("model: the weight of term %s is %v at step %d; need a finite weight ≥ 0", t.name, w, step)
		}
		var v G.Value = G.NewF64(w)
		if m.spec.Dtype == tensor.Float32 {
			v = G.NewF32(float32(w))
		}
		if err := G.Let(t.w, v); err != nil {
			return fmt.Errorf("model: term %s: %w", t.name, err)
		}
	}
	return nil
}

// termOutputs are the nodes a training-path machine computes besides the
// loss and gradient: the terms' values, when there is more than one term.
func (m *Model) termOutputs() G.Nodes {
	if len(m.terms) < 2 {
		return nil
	}
	out := make(G.Nodes, len(m.terms))
	for i, t := range m.terms {
		out[i] = t.value
	}
	return out
}

// readTerms keeps the terms' values of the machine's last run.
func (m *Model) readTerms() {
	if len(m.terms) < 2 {
		return
	}
	for i := range m.terms {
		m.terms[i].last = scalar(m.terms[i].value.Value())
	}
}

// Terms returns the objective's terms at the last training-path run: the
// main head's cross-entropy (weight 1 unless Spec.MainWeight), each auxiliary head's, named after
// the head (aux1, aux2, ...), each LossTerm's under its name, and with Spec.L2 > 0 the penalty ½Σw² as l2
// (weight L2). Eval returns Σ Weight·Loss. With a single term it returns
// nil: the training loss is the whole story.
func (m *Model) Terms() []Term {
	if len(m.terms) < 2 {
		return nil
	}
	out := make([]Term, 0, len(m.terms)+1)
	for _, t := range m.terms {
		w := 1.0
		if t.w != nil {
			w = scalar(t.w.Value())
		}
		out = append(out, Term{Name: t.name, Weight: w, Loss: t.last})
	}
	if m.spec.L2 > 0 {
		out = append(out, Term{Name: "l2", Weight: m.spec.L2, Loss: m.lastPenalty / m.spec.L2})
	}
	return out
}
