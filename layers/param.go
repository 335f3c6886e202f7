package layers

import (
	"fmt"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// newParam creates the parameter node name of the given shape on g, filled by
// init in float64 and converted to dt.
func newParam(g *G.ExprGraph, name string, dt tensor.Dtype, shape []int, init Init, fanIn, fanOut int, rng *rand.Rand) (*G.Node, error) {
	if init == nil {
		return nil, fmt.Errorf("layers: %s: initialiser is nil; pass e.g. layers.GlorotUniform()", name)
	}
	values := make([]float64, tensor.Shape(shape).TotalSize())
	if err := init.Draw(values, fanIn, fanOut, rng); err != nil {
		return nil, fmt.Errorf("%s: %w", name, err)
	}
	var backing any
	switch dt {
	case tensor.Float64:
		backing = values
	case tensor.Float32:
		f32 := make([]float32, len(values))
		for i, v := range values {
			f32[i] = float32(v)
		}
		backing = f32
	default:
		return nil, fmt.Errorf("layers: %s: dtype %v is not supported; use tensor.Float32 or tensor.Float64", name, dt)
	}
	t := tensor.New(tensor.WithShape(shape...), tensor.WithBacking(backing))
	return G.NodeFromAny(g, t, G.WithName(name)), nil
}

// checkGraph reports a nil graph, which Gorgonia would dereference.
func checkGraph(g *G.ExprGraph, layer string) error {
	if g == nil {
		return fmt.Errorf("layers: %s: graph is nil; pass the model's *G.ExprGraph", layer)
	}
	return nil
}

// checkInput reports a nil input, an input whose rank is not dims (layout
// names the expected axes, e.g. "(N, C, H, W)") or whose dtype is not
// float32 or float64, naming the layer.
func checkInput(x *G.Node, layer string, dims int, layout string) error {
	if x == nil {
		return fmt.Errorf("%s: input node is nil", layer)
	}
	if x.Dims() != dims {
		return fmt.Errorf("%s: input has shape %v, layer expects %d dimensions %s", layer, x.Shape(), dims, layout)
	}
	if dt := x.Dtype(); dt != tensor.Float64 && dt != tensor.Float32 {
		return fmt.Errorf("%s: input has dtype %v; layers support float32 and float64", layer, dt)
	}
	return nil
}

// checkDtype reports an input whose dtype differs from the layer's
// parameters.
func checkDtype(x *G.Node, layer string, dt tensor.Dtype) error {
	if x.Dtype() != dt {
		return fmt.Errorf("%s: input has dtype %v, layer parameters are %v", layer, x.Dtype(), dt)
	}
	return nil
}
