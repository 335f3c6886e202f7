package layers

import (
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BenchmarkConvPoolStep times one forward and backward pass of
// Conv2D(1→16, kernel 5, padding 2) + ReLU + MaxPool2D(2) on a (60, 1, 28, 28)
// float32 batch (the first stage of a LeNet-style MNIST net), with the loss
// Σ out ⊙ R for a fixed R so every output element gets a gradient.
// "layer" is Conv2D.Forward; "gorgonia-conv2d" is the same computation with
// Gorgonia's Conv2d (im2col, col·Wᵀ, transpose to NCHW) for comparison.
func BenchmarkConvPoolStep(b *testing.B) {
	gorgoniaConv := func(c *Conv2D, x *G.Node) (*G.Node, error) {
		y, err := G.Conv2d(x, c.w, tensor.Shape{c.kernel, c.kernel}, []int{c.padding, c.padding}, []int{c.stride, c.stride}, []int{1, 1})
		if err != nil {
			return nil, err
		}
		return G.BroadcastAdd(y, c.b, nil, []byte{0, 2, 3})
	}
	layerConv := func(c *Conv2D, x *G.Node) (*G.Node, error) { return c.Forward(x, true) }
	for _, bc := range []struct {
		name string
		conv func(*Conv2D, *G.Node) (*G.Node, error)
	}{{"layer", layerConv}, {"gorgonia-conv2d", gorgoniaConv}} {
		b.Run(bc.name, func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			g := G.NewGraph()
			conv, err := NewConv2D(g, "conv1", 1, 16, 5, 1, 2, tensor.Float32, HeNormal(), rng)
			if err != nil {
				b.Fatal(err)
			}
			relu, err := NewActivation("act1", ReLU)
			if err != nil {
				b.Fatal(err)
			}
			y, err := bc.conv(conv, input(g, "x", tensor.Float32, normals(rng, 60*28*28), 60, 1, 28, 28))
			if err != nil {
				b.Fatal(err)
			}
			for _, l := range []Layer{relu, NewMaxPool2D("pool1", 2, 2, 0)} {
				if y, err = l.Forward(y, true); err != nil {
					b.Fatal(err)
				}
			}
			r := input(g, "R", tensor.Float32, normals(rng, y.Shape().TotalSize()), y.Shape()...)
			prod, err := G.HadamardProd(y, r)
			if err != nil {
				b.Fatal(err)
			}
			loss, err := G.Sum(prod)
			if err != nil {
				b.Fatal(err)
			}
			if _, err := G.Grad(loss, conv.Params()...); err != nil {
				b.Fatal(err)
			}
			vm := G.NewTapeMachine(g, G.BindDualValues(conv.Params()...))
			defer vm.Close()
			for b.Loop() {
				if err := vm.RunAll(); err != nil {
					b.Fatal(err)
				}
				vm.Reset()
			}
		})
	}
}
