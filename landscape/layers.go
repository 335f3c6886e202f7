package landscape

import (
	"fmt"
	"strings"

	"deepopt/optim"
)

// Layers groups a model's parameter blocks (model.Model.Blocks, in θ's
// order) into the layers of Santurkar et al.'s ICS: a layer is an affine map
// together with the batch normalization that follows it. A block belongs to
// the tensor group named by the part of its name before the first "."
// ("fc1.W" and "fc1.b" → fc1; "bn1.gamma" → bn1). Consecutive blocks of one
// group form one layer, except that a group whose name begins with "bn" (the
// BN transform, "bn1" or "bnc1") joins the layer before it. So
// fc1.W fc1.b bn1.gamma bn1.beta fc2.W … out.W out.b gives the layers fc1,
// fc2, …, out, each named after its affine map and covering one contiguous
// range of θ. The blocks must tile θ from 0 without gaps, and a BN group
// cannot come first.
func Layers(blocks []optim.Block) ([]optim.Block, error) {
	var layers []optim.Block
	group := ""
	end := 0
	for _, b := range blocks {
		if b.Start != end || b.End < b.Start {
			return nil, fmt.Errorf("landscape: block %s covers θ[%d:%d] but the previous block ends at %d; blocks must tile θ in order", b.Name, b.Start, b.End, end)
		}
		end = b.End
		prefix, _, _ := strings.Cut(b.Name, ".")
		switch {
		case len(layers) > 0 && prefix == group:
			layers[len(layers)-1].End = b.End
		case strings.HasPrefix(prefix, "bn"):
			if len(layers) == 0 {
				return nil, fmt.Errorf("landscape: block %s is a BN parameter with no affine layer before it", b.Name)
			}
			layers[len(layers)-1].End = b.End
		default:
			layers = append(layers, optim.Block{Name: prefix, Start: b.Start, End: b.End})
		}
		group = prefix
	}
	return layers, nil
}
