package layers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"deepopt/internal/densedata"

	"gorgonia.org/tensor"
)

// With stride 1, ∂J/∂x of a float32 convolution has the same bits whether
// col2im adds its rows on the kernel (addRows) or in Go, for rows of 3, 5,
// 14 and 28 values (tails of every length mod 8 and 4) with and without
// padding.
func TestCol2imKernelGivesGoBits(t *testing.T) {
	if !useKernels {
		t.Skip("the processor lacks AVX2")
	}
	for _, g := range []convShape{
		{n: 3, c: 2, h: 5, w: 5, oc: 3, k: 3, stride: 1, pad: 1, oh: 5, ow: 5},
		{n: 2, c: 3, h: 5, w: 7, oc: 2, k: 3, stride: 1, pad: 0, oh: 3, ow: 5},
		{n: 2, c: 4, h: 14, w: 14, oc: 8, k: 5, stride: 1, pad: 2, oh: 14, ow: 14},
		{n: 2, c: 1, h: 28, w: 28, oc: 4, k: 5, stride: 1, pad: 2, oh: 28, ow: 28},
	} {
		t.Run(fmt.Sprintf("%+v", g), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(9, uint64(g.w)))
			random := func(shape ...int) *tensor.Dense {
				d := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float32))
				data := d.Data().([]float32)
				for i := range data {
					data[i] = float32(rng.NormFloat64())
				}
				return d
			}
			w, dy := random(g.oc, g.c, g.k, g.k), random(g.n, g.oc, g.oh, g.ow)
			var dx [2][]float32
			for k, kernel := range []bool{true, false} {
				useKernels = kernel
				v, err := (&convGradOp{forward: &convOp{g: g}, wrt: convX}).Do(w, dy)
				useKernels = true
				if err != nil {
					t.Fatal(err)
				}
				dx[k] = densedata.Slice[float32](v.(*tensor.Dense))
			}
			for i := range dx[0] {
				if math.Float32bits(dx[0][i]) != math.Float32bits(dx[1][i]) {
					t.Fatalf("∂J/∂x[%d]: kernel %v, Go %v", i, dx[0][i], dx[1][i])
				}
			}
		})
	}
}
