package batchnorm

import (
	"fmt"
	"math/rand/v2"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BenchmarkTrainingStep times one forward and backward pass of the training
// path in float32 (y, and the gradients with respect to x, γ and β for a
// given ∂J/∂y) on the input sizes of an MLP layer and a small convnet's first
// feature maps.
func BenchmarkTrainingStep(b *testing.B) {
	for _, shape := range [][]int{{60, 100}, {60, 16, 28, 28}} {
		b.Run(fmt.Sprint(shape), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(40, 1))
			size := tensor.Shape(shape).TotalSize()
			g := G.NewGraph()
			bn, err := New(g, "bn", shape[1], tensor.Float32, Options{})
			if err != nil {
				b.Fatal(err)
			}
			x := G.NodeFromAny(g, tensorOf(shape, tensor.Float32, randomValues(rng, size, 1, 2)), G.WithName("x"))
			y, err := bn.Forward(x, true)
			if err != nil {
				b.Fatal(err)
			}
			dy := G.NodeFromAny(g, tensorOf(shape, tensor.Float32, randomValues(rng, size, 0, 1)), G.WithName("dy"))
			grads, err := G.Backpropagate(G.Nodes{y}, G.Nodes{dy}, append(G.Nodes{x}, bn.Params()...))
			if err != nil {
				b.Fatal(err)
			}
			outputs := append(G.Nodes{y}, grads...)
			prog, locMap, err := G.CompileFunction(g, g.ExactSubgraphRoots(outputs...).Inputs(), outputs)
			if err != nil {
				b.Fatal(err)
			}
			vm := G.NewTapeMachine(g, G.WithPrecompiled(prog, locMap))
			defer vm.Close()
			b.ReportAllocs()
			b.ResetTimer()
			for range b.N {
				if err := vm.RunAll(); err != nil {
					b.Fatal(err)
				}
				vm.Reset()
			}
			b.ReportMetric(float64(shape[0])*float64(b.N)/b.Elapsed().Seconds(), "examples/s")
		})
	}
}
