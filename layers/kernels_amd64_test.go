package layers

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"testing"

	"deepopt/internal/densedata"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// With stride 1, a float32 convolution's output, ∂J/∂x and ∂J/∂W have the
// same bits whether im2col copies and col2im adds their rows on the kernels
// (copyRows, addRows, and for rows of 8 values or more im2colTaps and
// col2imTaps) or in Go, for rows of 3, 5, 8, 14, 17 and 28 values with and
// without padding.
func TestConvKernelsGiveGoBits(t *testing.T) {
	if !useKernels {
		t.Skip("the processor lacks AVX2")
	}
	for _, g := range []convShape{
		{n: 3, c: 2, h: 5, w: 5, oc: 3, k: 3, stride: 1, pad: 1, oh: 5, ow: 5},
		{n: 2, c: 3, h: 5, w: 7, oc: 2, k: 3, stride: 1, pad: 0, oh: 3, ow: 5},
		{n: 2, c: 4, h: 14, w: 14, oc: 8, k: 5, stride: 1, pad: 2, oh: 14, ow: 14},
		{n: 2, c: 1, h: 28, w: 28, oc: 4, k: 5, stride: 1, pad: 2, oh: 28, ow: 28},
		{n: 2, c: 2, h: 8, w: 9, oc: 3, k: 2, stride: 1, pad: 0, oh: 7, ow: 8},
		{n: 2, c: 3, h: 17, w: 17, oc: 5, k: 3, stride: 1, pad: 1, oh: 17, ow: 17},
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
			x, w, b, dy := random(g.n, g.c, g.h, g.w), random(g.oc, g.c, g.k, g.k), random(g.oc), random(g.n, g.oc, g.oh, g.ow)
			forward := &convOp{g: g}
			for _, o := range []struct {
				op     G.Op
				inputs []G.Value
			}{
				{forward, []G.Value{x, w, b}},
				{&convGradOp{forward: forward, wrt: convX}, []G.Value{w, dy}},
				{&convGradOp{forward: forward, wrt: convW}, []G.Value{x, dy}},
			} {
				var out [2][]float32
				for k, kernel := range []bool{true, false} {
					useKernels = kernel
					v, err := o.op.Do(o.inputs...)
					useKernels = true
					if err != nil {
						t.Fatal(err)
					}
					out[k] = slices.Clone(densedata.Slice[float32](v.(*tensor.Dense)))
				}
				for i := range out[0] {
					if math.Float32bits(out[0][i]) != math.Float32bits(out[1][i]) {
						t.Fatalf("%v[%d]: kernels %v, Go %v", o.op, i, out[0][i], out[1][i])
					}
				}
			}
		})
	}
}

// The ReLU and its gradient give the Go loops' bits on the kernels (relu,
// reluGradient): on random bit patterns of every kind (NaNs with their
// payloads, infinities, subnormals), ±0 and values next to 0, at every
// length from 0 to 80 (blocks of 32, of 8 and tails) and at unaligned starts.
func TestReluKernelsGiveGoBits(t *testing.T) {
	if !useKernels {
		t.Skip("the processor lacks AVX2")
	}
	rng := rand.New(rand.NewPCG(3, 5))
	special := []float32{0, float32(math.Copysign(0, -1)), math.SmallestNonzeroFloat32, -math.SmallestNonzeroFloat32,
		float32(math.Inf(1)), float32(math.Inf(-1)), float32(math.NaN()), math.Float32frombits(0xffc00001), 1, -1}
	values := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			if rng.IntN(4) == 0 {
				v[i] = special[rng.IntN(len(special))]
			} else {
				v[i] = math.Float32frombits(rng.Uint32())
			}
		}
		return v
	}
	same := func(what string, n int, got, want []float32) {
		t.Helper()
		for i := range want {
			if math.Float32bits(got[i]) != math.Float32bits(want[i]) {
				t.Fatalf("%s of %d values, [%d]: kernel %v (%#x), Go %v (%#x)", what, n, i, got[i], math.Float32bits(got[i]), want[i], math.Float32bits(want[i]))
			}
		}
	}
	for n := range 81 {
		for start := range 3 {
			x, dy := values(start + n)[start:], values(start + n)[start:]
			y, want := make([]float32, n), make([]float32, n)
			relu32(y, x)
			for i, v := range x {
				want[i] = max(v, 0)
			}
			same("relu", n, y, want)
			y = values(n) // the gradient's y: every kind of value, not only ReLU's outputs
			dx := make([]float32, n)
			reluGradient32(dx, y, dy)
			activationGradient(ReLU, want, y, dy)
			same("∂relu", n, dx, want)
		}
	}
}

// copyRows and addRows give the Go loops' results for rows of every length
// from 1 to 40 (a last block of eight that overlaps the one before it, or
// not; rows shorter than eight) and strides from n to n + 3 on either side,
// without touching the values between the rows.
func TestRowKernels(t *testing.T) {
	if !useKernels {
		t.Skip("the processor lacks AVX2")
	}
	rng := rand.New(rand.NewPCG(4, 6))
	random := func(n int) []float32 {
		v := make([]float32, n)
		for i := range v {
			v[i] = float32(rng.NormFloat64())
		}
		return v
	}
	for n := 1; n <= 40; n++ {
		for stride := n; stride <= n+3; stride++ {
			const rows = 3
			wide, packed := random(rows*stride), random(rows*n)
			got, want := slices.Clone(packed), slices.Clone(packed)
			copyRows(&got[0], &wide[0], rows, n, n, stride)
			for r := range rows {
				copy(want[r*n:(r+1)*n], wide[r*stride:])
			}
			if !slices.Equal(got, want) {
				t.Fatalf("copyRows, rows of %d from stride %d: %v, want %v", n, stride, got, want)
			}
			got, want = slices.Clone(wide), slices.Clone(wide)
			copyRows(&got[0], &packed[0], rows, n, stride, n)
			for r := range rows {
				copy(want[r*stride:r*stride+n], packed[r*n:])
			}
			if !slices.Equal(got, want) {
				t.Fatalf("copyRows, rows of %d to stride %d: %v, want %v", n, stride, got, want)
			}
			got, want = slices.Clone(wide), slices.Clone(wide)
			addRows(&got[0], &packed[0], rows, n, stride)
			for r := range rows {
				addTo(want[r*stride:r*stride+n], packed[r*n:])
			}
			if !slices.Equal(got, want) {
				t.Fatalf("addRows, rows of %d, stride %d: %v, want %v", n, stride, got, want)
			}
		}
	}
}
