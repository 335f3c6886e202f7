package experiment

import (
	"deepopt/model"
	"deepopt/optim"
)

// layerBlocks makes one block per layer of the model (model.Layer: an affine
// map with the BN that normalises its output), named after the affine map
// and its BN ("fc1+bn1"). Block coordinate descent then sweeps over layers,
// as in layer-wise training.
//
// Grouping rather than one block per tensor: a layer's bias and BN γ, β
// act on the same pre-activations as its weights, so their gradients are
// strongly coupled (coordinate descent is slow exactly on coupled blocks,
// see optim.CoordinateDescent), while a block of its own would cost a full
// gradient evaluation for 10–100 numbers.
func layerBlocks(layers []model.Layer) []optim.Block {
	out := make([]optim.Block, len(layers))
	for i, l := range layers {
		out[i] = l.Block()
		if l.BN != "" {
			out[i].Name += "+" + l.BN
		}
	}
	return out
}
