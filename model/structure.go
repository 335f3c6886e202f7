package model

import (
	"fmt"

	"deepopt/batchnorm"
	"deepopt/layers"
	"deepopt/optim"
)

// Role is what a parameter tensor does in its layer.
type Role int

// The roles of parameter tensors.
const (
	// Weight is an affine map's weight matrix or convolution kernel, the
	// tensors the L2 penalty acts on.
	Weight Role = iota
	// Bias is an affine map's bias.
	Bias
	// Scale is batch normalization's γ.
	Scale
	// Shift is batch normalization's β.
	Shift
)

func (r Role) String() string {
	return [...]string{"weight", "bias", "scale", "shift"}[r]
}

// Param is one parameter tensor: its block of θ, named
// "<layer>.<tensor>" ("fc1.W", "bn1.gamma"), and its role.
type Param struct {
	optim.Block
	Role Role
}

// Layer is one affine map of the network (a dense layer or a convolution)
// with the batch normalization of its output when the network has BN: the
// unit of layer-wise methods (block coordinate descent sweeps over layers;
// Santurkar et al.'s ICS is measured per layer). Its parameters occupy one
// contiguous range of θ.
type Layer struct {
	// Name is the affine map's name: fc1, conv2, out, aux1_out.
	Name string
	// Owner names the auxiliary head (aux1, ...; AuxHead) or the loss term
	// (LossTerm.Name) whose layer it is, "" for a layer of the network
	// itself: layers that only training uses, which a finished model drops
	// (experiment.StripHeads).
	Owner string
	// BN names the BN layer that normalises the affine map's output, ""
	// when there is none.
	BN string
	// Params lists the parameter tensors in θ's order: the affine map's
	// weight and bias, then BN's γ and β.
	Params []Param
}

// ConvLayerNames and DenseLayerNames name the k-th conv layer and the k-th
// hidden dense layer of a network (counted from 1): its affine map, and the
// BN layer that normalises its output when the network has BN. Its
// parameters are "<name>.<tensor>" (Param), so that a plan made before
// the network is built (pretrain's stages) selects them by these names.
func ConvLayerNames(k int) (affine, bn string) {
	return fmt.Sprintf("conv%d", k), fmt.Sprintf("bnc%d", k)
}

// DenseLayerNames names the k-th hidden dense layer and its BN layer; see
// ConvLayerNames.
func DenseLayerNames(k int) (affine, bn string) {
	return fmt.Sprintf("fc%d", k), fmt.Sprintf("bn%d", k)
}

// Block is the layer's range of θ, named after its affine map.
func (l Layer) Block() optim.Block {
	return optim.Block{Name: l.Name, Start: l.Params[0].Start, End: l.Params[len(l.Params)-1].End}
}

// ownedLayer is a layer of the stack, of an auxiliary head or of a loss
// term, with its owner (Layer.Owner).
type ownedLayer struct {
	layers.Layer
	owner string
}

// Layers returns the network's layers in θ's order.
func (m *Model) Layers() []Layer {
	out := make([]Layer, len(m.layers))
	for i, l := range m.layers {
		out[i] = l
		out[i].Params = append([]Param(nil), l.Params...)
	}
	return out
}

// layout lays θ out over the stack's parameters, tensor by tensor in layer
// order (the auxiliary heads' after the network's, the loss terms' last),
// and groups them into layers by the role of each layer's tensors
// (buildStack puts every BN layer after an affine one).
func (m *Model) layout() {
	var all []ownedLayer
	for _, l := range m.stack {
		all = append(all, ownedLayer{Layer: l})
	}
	for _, h := range m.heads {
		for _, l := range h.stack {
			all = append(all, ownedLayer{Layer: l, owner: h.name})
		}
	}
	all = append(all, m.termLayers...)
	for _, l := range all {
		var roles []Role
		switch l.Layer.(type) {
		case *layers.Linear, *layers.Conv2D:
			m.layers = append(m.layers, Layer{Name: l.Name(), Owner: l.owner})
			roles = []Role{Weight, Bias}
		case *batchnorm.BatchNorm:
			m.layers[len(m.layers)-1].BN = l.Name()
			roles = []Role{Scale, Shift}
		}
		for i, p := range l.Params() {
			n := p.Shape().TotalSize()
			b := optim.Block{Name: p.Name(), Start: m.dim, End: m.dim + n}
			last := &m.layers[len(m.layers)-1]
			last.Params = append(last.Params, Param{Block: b, Role: roles[i]})
			m.blocks = append(m.blocks, b)
			m.params = append(m.params, p)
			m.dim += n
		}
	}
}
