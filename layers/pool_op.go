package layers

import (
	"fmt"
	"hash"
	"math"

	"deepopt/internal/densedata"

	"github.com/chewxy/hm"
	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// maxPoolOp is MaxPool2D's y = the maximum of each window as one Gorgonia
// operation that remembers, for every output, which input won (its index in
// the channel's H×W plane, −1 when none did), so that the gradient
// operation only adds dy there. It computes what Gorgonia's MaxPool2D
// computes, in the same order (a window's first strictly largest value
// wins, starting from −MaxFloat; padding never wins), so runs give the same
// bits; but its loops run over the window's rows without a bounds check per
// value, the batch splits into two halves computed concurrently, and its
// result and argmax are kept between runs. g's oc is the channel count c.
type maxPoolOp struct {
	g      convShape
	result densedata.Output // kept between runs: Do writes every value
	argmax []int32          // the last run's winners, per output
}

// maxPoolGradOp computes ∂J/∂x from dy with its forward operation's argmax.
type maxPoolGradOp struct {
	forward *maxPoolOp
	result  densedata.Output // kept between runs: Do writes every value
}

var (
	_ G.Op   = (*maxPoolOp)(nil)
	_ G.SDOp = (*maxPoolOp)(nil)
	_ G.Op   = (*maxPoolGradOp)(nil)
)

// maxPool returns the node of p's pooling of x, of shape (N, C, H, W).
func (p *MaxPool2D) maxPool(x *G.Node) (*G.Node, error) {
	s := x.Shape()
	g := convShape{n: s[0], c: s[1], h: s[2], w: s[3], oc: s[1], k: p.kernel, stride: p.stride, pad: p.padding,
		oh: ConvOutputSize(s[2], p.kernel, p.stride, p.padding), ow: ConvOutputSize(s[3], p.kernel, p.stride, p.padding)}
	return G.ApplyOp(&maxPoolOp{g: g}, x)
}

func (op *maxPoolOp) Arity() int { return 1 }

// Type is 4-tensor → 4-tensor.
func (op *maxPoolOp) Type() hm.Type {
	t := G.TensorType{Dims: 4, Of: hm.TypeVariable('a')}
	return hm.NewFnType(t, t)
}

func (op *maxPoolOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	g := op.g
	return tensor.Shape{g.n, g.c, g.oh, g.ow}, nil
}

// Do computes the maxima and records the winners.
func (op *maxPoolOp) Do(inputs ...G.Value) (G.Value, error) {
	t, err := denseInputs(op, inputs, 1)
	if err != nil {
		return nil, err
	}
	s, _ := op.InferShape()
	y := op.result.Get(t[0].Dtype(), s...)
	if n := s.TotalSize(); len(op.argmax) != n {
		op.argmax = make([]int32, n)
	}
	switch y.Dtype() {
	case tensor.Float32:
		maxPoolForward(op.g, densedata.Slice[float32](y), densedata.Slice[float32](t[0]), op.argmax, -math.MaxFloat32)
	case tensor.Float64:
		maxPoolForward(op.g, densedata.Slice[float64](y), densedata.Slice[float64](t[0]), op.argmax, -math.MaxFloat64)
	default:
		return nil, fmt.Errorf("layers: %v of a %v tensor; use float32 or float64", op, t[0].Dtype())
	}
	return y, nil
}

func (op *maxPoolOp) ReturnsPtr() bool      { return false }
func (op *maxPoolOp) CallsExtern() bool     { return false }
func (op *maxPoolOp) OverwritesInput() int  { return -1 }
func (op *maxPoolOp) WriteHash(h hash.Hash) { fmt.Fprintf(h, "layers.maxpool%+v", op.g) }
func (op *maxPoolOp) Hashcode() uint32      { return hashOf(op) }
func (op *maxPoolOp) String() string        { return "maxpool" }

// DiffWRT reports that y is differentiable in x.
func (op *maxPoolOp) DiffWRT(int) []bool { return []bool{true} }

// SymDiff returns ∂J/∂x as a maxPoolGradOp on dy.
func (op *maxPoolOp) SymDiff(inputs G.Nodes, output, grad *G.Node) (G.Nodes, error) {
	dx, err := G.ApplyOp(&maxPoolGradOp{forward: op}, grad)
	if err != nil {
		return nil, fmt.Errorf("layers: ∂maxpool: %w", err)
	}
	return G.Nodes{dx}, nil
}

func (op *maxPoolGradOp) Arity() int { return 1 }

// Type is 4-tensor → 4-tensor.
func (op *maxPoolGradOp) Type() hm.Type { return op.forward.Type() }

func (op *maxPoolGradOp) InferShape(...G.DimSizer) (tensor.Shape, error) {
	g := op.forward.g
	return tensor.Shape{g.n, g.c, g.h, g.w}, nil
}

// Do adds each dy to the input that won its window in the forward run.
func (op *maxPoolGradOp) Do(inputs ...G.Value) (G.Value, error) {
	t, err := denseInputs(op, inputs, 1)
	if err != nil {
		return nil, err
	}
	s, _ := op.InferShape()
	dx := op.result.Get(t[0].Dtype(), s...)
	switch dx.Dtype() {
	case tensor.Float32:
		maxPoolBackward(op.forward.g, densedata.Slice[float32](dx), densedata.Slice[float32](t[0]), op.forward.argmax)
	case tensor.Float64:
		maxPoolBackward(op.forward.g, densedata.Slice[float64](dx), densedata.Slice[float64](t[0]), op.forward.argmax)
	default:
		return nil, fmt.Errorf("layers: %v of a %v tensor; use float32 or float64", op, t[0].Dtype())
	}
	return dx, nil
}

func (op *maxPoolGradOp) ReturnsPtr() bool     { return false }
func (op *maxPoolGradOp) CallsExtern() bool    { return false }
func (op *maxPoolGradOp) OverwritesInput() int { return -1 }
func (op *maxPoolGradOp) WriteHash(h hash.Hash) {
	op.forward.WriteHash(h)
	fmt.Fprint(h, ".gradient")
}
func (op *maxPoolGradOp) Hashcode() uint32 { return hashOf(op) }
func (op *maxPoolGradOp) String() string   { return "∂maxpool" }

// maxPoolForward writes each window's maximum into y and its position in
// the channel's plane into argmax, starting every window from lowest
// (−MaxFloat of T, as Gorgonia does) and keeping the first strictly larger
// value, so that a window of ties picks its first element.
func maxPoolForward[T float32 | float64](g convShape, y, x []T, argmax []int32, lowest T) {
	plane, area := g.h*g.w, g.area()
	// 2×2 windows with stride 2 and no padding: a plane per call of the
	// kernel, four windows at a time; a row's last windows, when they are
	// not four, as the last four (computing some twice, with the same
	// results).
	x32, _ := any(x).([]float32)
	y32, _ := any(y).([]float32)
	kernel := useKernels && x32 != nil && g.k == 2 && g.stride == 2 && g.pad == 0 && g.ow >= 4
	inHalves(g.n, func(_, lo, hi int) {
		for p := lo * g.c; p < hi*g.c; p++ {
			xp := x[p*plane : (p+1)*plane]
			yp, ap := y[p*area:(p+1)*area], argmax[p*area:(p+1)*area]
			if kernel {
				maxPool2x2(&y32[p*area], &ap[0], &x32[p*plane], g.w, g.ow, g.oh)
				continue
			}
			for oy := range g.oh {
				y0, y1 := max(oy*g.stride-g.pad, 0), min(oy*g.stride-g.pad+g.k, g.h)
				for ox := range g.ow {
					x0, x1 := max(ox*g.stride-g.pad, 0), min(ox*g.stride-g.pad+g.k, g.w)
					best, at := lowest, -1
					for iy := y0; iy < y1; iy++ {
						for i := iy*g.w + x0; i < iy*g.w+x1; i++ {
							// Without a branch: which value wins is as
							// good as random, so a branch would be
							// mispredicted about every other time.
							v := xp[i]
							larger := v > best
							if larger {
								at = i // a conditional move
							}
							best = [2]T{best, v}[index(larger)]
						}
					}
					yp[oy*g.ow+ox], ap[oy*g.ow+ox] = best, int32(at)
				}
			}
		}
	})
}

// index is 1 for true and 0 for false, computed without a branch.
func index(b bool) int {
	if b {
		return 1
	}
	return 0
}

// maxPoolBackward writes ∂J/∂x: zero but at the winners, which get the sum
// of the dy of the windows they won, added in the order of the outputs.
func maxPoolBackward[T float32 | float64](g convShape, dx, dy []T, argmax []int32) {
	plane, area := g.h*g.w, g.area()
	inHalves(g.n, func(_, lo, hi int) {
		clear(dx[lo*g.c*plane : hi*g.c*plane])
		for p := lo * g.c; p < hi*g.c; p++ {
			dxp := dx[p*plane : (p+1)*plane]
			ap := argmax[p*area : (p+1)*area]
			dyp := dy[p*area:][:len(ap)]
			for i, at := range ap {
				// at is −1 or a position in the plane: one comparison
				// both skips −1 and checks the bounds.
				if j := int(at); uint(j) < uint(len(dxp)) {
					dxp[j] += dyp[i]
				}
			}
		}
	})
}
