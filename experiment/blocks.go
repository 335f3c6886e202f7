package experiment

import (
	"strings"

	"deepopt/optim"
)

// layerBlocks groups the per-tensor blocks of a model (fc1.W, fc1.b,
// bn1.gamma, bn1.beta, fc2.W, …) into one block per layer: a block starts at
// each weight matrix ("….W") and takes the tensors after it (its bias and the
// BN parameters that normalise its output) up to the next one. Block
// coordinate descent then sweeps over layers, as in layer-wise training.
//
// Grouping rather than one block per tensor: a layer's bias and BN γ, β
// act on the same pre-activations as its weights, so their gradients are
// strongly coupled (coordinate descent is slow exactly on coupled blocks,
// see optim.CoordinateDescent), while a block of its own would cost a full
// gradient evaluation for 10–100 numbers. The blocks are contiguous because
// the model lays θ out tensor by tensor in layer order.
func layerBlocks(tensors []optim.Block) []optim.Block {
	var out []optim.Block
	for _, b := range tensors {
		layer, _, _ := strings.Cut(b.Name, ".")
		if len(out) == 0 || strings.HasSuffix(b.Name, ".W") || out[len(out)-1].End != b.Start {
			out = append(out, optim.Block{Name: layer, Start: b.Start, End: b.End})
			continue
		}
		last := &out[len(out)-1]
		if !strings.Contains("+"+last.Name+"+", "+"+layer+"+") {
			last.Name += "+" + layer
		}
		last.End = b.End
	}
	return out
}
