package model

import (
	"fmt"
	"strings"
	"testing"

	"gorgonia.org/tensor"
)

// TestLayers checks that Layers groups each affine map with the BN that
// normalises it, that the layers tile θ in order as Blocks lays it out, and
// that each tensor has the role its name says.
func TestLayers(t *testing.T) {
	for _, tc := range []struct {
		spec Spec
		want string
	}{
		{recordSpec(true), "fc1+bn1[fc1.W:weight fc1.b:bias bn1.gamma:scale bn1.beta:shift] fc2+bn2[fc2.W:weight fc2.b:bias bn2.gamma:scale bn2.beta:shift] out[out.W:weight out.b:bias]"},
		{recordSpec(false), "fc1[fc1.W:weight fc1.b:bias] fc2[fc2.W:weight fc2.b:bias] out[out.W:weight out.b:bias]"},
		{smallSpec(CNN, true, tensor.Float32), "conv1+bnc1[conv1.W:weight conv1.b:bias bnc1.gamma:scale bnc1.beta:shift] fc1+bn1[fc1.W:weight fc1.b:bias bn1.gamma:scale bn1.beta:shift] out[out.W:weight out.b:bias]"},
	} {
		m, err := New(tc.spec)
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		blocks := m.Blocks()
		end := 0
		for _, l := range m.Layers() {
			name := l.Name
			if l.BN != "" {
				name += "+" + l.BN
			}
			var params []string
			for _, p := range l.Params {
				params = append(params, fmt.Sprintf("%s:%v", p.Name, p.Role))
				if p.Block != blocks[0] {
					t.Errorf("%s: parameter %v, Blocks has %v next", name, p.Block, blocks[0])
				}
				blocks = blocks[1:]
			}
			if b := l.Block(); b.Name != l.Name || b.Start != end || b.End != l.Params[len(l.Params)-1].End {
				t.Errorf("%s: block %v, want %s from %d to its last tensor's end", name, b, l.Name, end)
			}
			end = l.Block().End
			got = append(got, name+"["+strings.Join(params, " ")+"]")
		}
		if s := strings.Join(got, " "); s != tc.want {
			t.Errorf("Layers = %s\nwant %s", s, tc.want)
		}
		if end != m.Dim() || len(blocks) != 0 {
			t.Errorf("the layers cover θ[0:%d] of %d values, %d tensors left over", end, m.Dim(), len(blocks))
		}
	}
}
