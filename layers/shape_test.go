package layers

import (
	"math/rand/v2"
	"strings"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestConvOutputSize checks the formula on hand-computed cases: LeNet's
// 28 → 24 (k 5), same-padding 28 → 28 (k 5, pad 2), 2×2 pooling 28 → 14 and
// 7 → 3 (floor), stride 2 with padding 6 → 3, and 0 for windows that do not
// fit or bad arguments.
func TestConvOutputSize(t *testing.T) {
	for _, tc := range []struct{ size, kernel, stride, padding, want int }{
		{28, 5, 1, 0, 24},
		{28, 5, 1, 2, 28},
		{28, 2, 2, 0, 14},
		{7, 2, 2, 0, 3},
		{6, 3, 2, 1, 3},
		{1, 1, 1, 0, 1},
		{3, 5, 1, 0, 0},
		{2, 5, 2, 1, 0},
		{3, 5, 1, 1, 1},
		{5, 0, 1, 0, 0},
		{5, 3, 0, 0, 0},
		{5, 3, 1, -1, 0},
		{0, 1, 1, 0, 0},
	} {
		if got := ConvOutputSize(tc.size, tc.kernel, tc.stride, tc.padding); got != tc.want {
			t.Errorf("ConvOutputSize(size %d, kernel %d, stride %d, padding %d) = %d, want %d", tc.size, tc.kernel, tc.stride, tc.padding, got, tc.want)
		}
	}
}

// TestShapeErrors checks that mismatched inputs and bad hyper-parameters are
// reported as errors naming the layer and the numbers, never as panics.
func TestShapeErrors(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	g := G.NewGraph()
	x2 := input(g, "x2", tensor.Float64, make([]float64, 2*50), 2, 50)
	x4 := input(g, "x4", tensor.Float64, make([]float64, 2*3*4*4), 2, 3, 4, 4)
	x32 := input(g, "x32", tensor.Float32, make([]float64, 2*100), 2, 100)
	fc2, err := NewLinear(g, "fc2", 100, 10, tensor.Float64, GlorotUniform(), rng)
	if err != nil {
		t.Fatal(err)
	}
	conv, err := NewConv2D(g, "conv1", 1, 4, 3, 1, 0, tensor.Float64, GlorotUniform(), rng)
	if err != nil {
		t.Fatal(err)
	}
	conv3, err := NewConv2D(g, "conv2", 3, 4, 5, 1, 0, tensor.Float64, GlorotUniform(), rng)
	if err != nil {
		t.Fatal(err)
	}
	forwardErr := func(l Layer, x *G.Node) error {
		_, err := l.Forward(x, true)
		return err
	}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"linear features", forwardErr(fc2, x2), "fc2: input has 50 features, layer expects 100"},
		{"linear rank", forwardErr(fc2, x4), "fc2: input has shape (2, 3, 4, 4), layer expects 2 dimensions"},
		{"linear dtype", forwardErr(fc2, x32), "fc2: input has dtype float32, layer parameters are float64"},
		{"linear nil input", forwardErr(fc2, nil), "fc2: input node is nil"},
		{"conv channels", forwardErr(conv, x4), "conv1: input has 3 channels, layer expects 1"},
		{"conv rank", forwardErr(conv, x2), "conv1: input has shape (2, 50), layer expects 4 dimensions (N, C, H, W)"},
		{"conv too small", forwardErr(conv3, x4), "conv2: input is 4×4, too small for a 5×5 kernel with padding 0"},
		{"pool too small", forwardErr(NewMaxPool2D("pool1", 5, 5, 0), x4), "pool1: input is 4×4, too small"},
		{"pool padding", forwardErr(NewMaxPool2D("pool1", 2, 2, 2), x4), "pool1: pooling padding 2 is outside [0, 2)"},
		{"pool stride", forwardErr(NewMaxPool2D("pool1", 2, 0, 0), x4), "pool1: pooling stride 0 is below 1"},
		{"pool rank", forwardErr(NewMaxPool2D("pool1", 2, 2, 0), x2), "pool1: input has shape (2, 50), layer expects 4 dimensions"},
		{"flatten rank", forwardErr(NewFlatten("flat"), input(g, "v", tensor.Float64, make([]float64, 3), 3)), "flat: input has shape (3)"},
		{"zero activation", forwardErr(&Activation{name: "act"}, x2), "act: activation has no kind"},
		{"linear size", second2(NewLinear(g, "fc3", 0, 10, tensor.Float64, GlorotUniform(), rng)), "fc3: linear layer needs at least one input and one output feature, got in=0 out=10"},
		{"parameter dtype", second2(NewLinear(g, "fc4", 2, 2, tensor.Int, GlorotUniform(), rng)), "fc4.W: dtype int is not supported"},
		{"linear nil init", second2(NewLinear(g, "fc5", 2, 2, tensor.Float64, nil, rng)), "fc5.W: initialiser is nil"},
		{"linear nil graph", second2(NewLinear(nil, "fc6", 2, 2, tensor.Float64, Zeros(), rng)), "fc6: graph is nil"},
		{"linear bad init", second2(NewLinear(g, "fc7", 2, 2, tensor.Float64, Gaussian(-2), rng)), "fc7.W: layers: gaussian init std -2"},
		{"conv kernel", second3(NewConv2D(g, "conv3", 1, 1, 0, 1, 0, tensor.Float64, GlorotUniform(), rng)), "conv3: Conv2D.Kernel = 0; want an integer ≥ 1 (the kernel side)"},
		{"conv padding", second3(NewConv2D(g, "conv4", 1, 1, 3, 1, -1, tensor.Float64, GlorotUniform(), rng)), "conv4: Conv2D.Padding = -1; want an integer from 0 to 2 (padding beyond kernel − 1 sees only zeros)"},
		{"conv padding beyond the kernel", second3(NewConv2D(g, "conv5", 1, 1, 3, 1, 3, tensor.Float64, GlorotUniform(), rng)), "conv5: Conv2D.Padding = 3; want an integer from 0 to 2"},
		{"conv input channels", second3(NewConv2D(g, "conv6", 0, 1, 3, 1, 1, tensor.Float64, GlorotUniform(), rng)), "conv6: convolution needs at least one input channel, got 0"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, tc.err, tc.want)
		}
	}
}

func second2(_ *Linear, err error) error { return err }

func second3(_ *Conv2D, err error) error { return err }
