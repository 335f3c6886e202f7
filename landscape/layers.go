package landscape

import (
	"deepopt/model"
	"deepopt/optim"
)

// Layers returns the layers of Santurkar et al.'s ICS for m: one range of θ
// per affine map together with the batch normalization that follows it
// (model.Layer), named after the affine map: fc1, fc2, …, out (conv1, … for
// a cnn).
func Layers(m *model.Model) []optim.Block {
	var out []optim.Block
	for _, l := range m.Layers() {
		out = append(out, l.Block())
	}
	return out
}
