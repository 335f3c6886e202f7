package landscape

import (
	"fmt"
	"strings"
	"testing"

	"deepopt/optim"
)

// tile lays out named blocks of the given sizes one after another.
func tile(names []string, sizes []int) []optim.Block {
	var blocks []optim.Block
	start := 0
	for i, n := range names {
		blocks = append(blocks, optim.Block{Name: n, Start: start, End: start + sizes[i]})
		start += sizes[i]
	}
	return blocks
}

func TestLayersGroupsAffineMapWithItsBN(t *testing.T) {
	for _, tc := range []struct {
		names []string
		want  string
	}{
		{[]string{"fc1.W", "fc1.b", "bn1.gamma", "bn1.beta", "fc2.W", "fc2.b", "bn2.gamma", "bn2.beta", "out.W", "out.b"},
			"fc1[0:4] fc2[4:8] out[8:10]"},
		{[]string{"fc1.W", "fc1.b", "fc2.W", "fc2.b", "out.W", "out.b"}, "fc1[0:2] fc2[2:4] out[4:6]"},
		{[]string{"conv1.W", "conv1.b", "bnc1.gamma", "bnc1.beta", "conv2.W", "conv2.b", "fc1.W", "fc1.b", "bn1.gamma", "bn1.beta", "out.W", "out.b"},
			"conv1[0:4] conv2[4:6] fc1[6:10] out[10:12]"},
		{[]string{"out.W", "out.b"}, "out[0:2]"},
	} {
		sizes := make([]int, len(tc.names))
		for i := range sizes {
			sizes[i] = 1
		}
		layers, err := Layers(tile(tc.names, sizes))
		if err != nil {
			t.Fatal(err)
		}
		var got []string
		for _, l := range layers {
			got = append(got, fmt.Sprintf("%s[%d:%d]", l.Name, l.Start, l.End))
		}
		if strings.Join(got, " ") != tc.want {
			t.Errorf("%v → %v, want %s", tc.names, got, tc.want)
		}
	}
}

func TestLayersErrors(t *testing.T) {
	for _, tc := range []struct {
		blocks []optim.Block
		want   string
	}{
		{tile([]string{"bn1.gamma", "fc1.W"}, []int{2, 2}), "no affine layer before it"},
		{[]optim.Block{{Name: "fc1.W", Start: 0, End: 3}, {Name: "fc1.b", Start: 4, End: 5}}, "previous block ends at 3"},
	} {
		_, err := Layers(tc.blocks)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%v: error %v, want %q", tc.blocks, err, tc.want)
		}
	}
}
