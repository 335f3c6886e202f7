package optim

import (
	"fmt"
	"slices"
)

var _ Objective = (*View)(nil)

// View is an Objective over some coordinates of θ only, the trainable ones:
// J(x) = J_full(θ with θ[trainable] = x), the other coordinates held at the
// values they had when the View was made. Freezing parameters is a view, as
// in optax's masked transformations and PyTorch's requires_grad = False:
// every method — first-order, line search, Newton, coordinate descent,
// averaging — works on the View unchanged, in the trainable subspace, and
// cannot move a frozen coordinate, because it never sees one. Its counts are
// those of the subspace: Newton's finite-difference Hessian costs 2·Dim()
// gradients, CG restarts every Dim() iterations, BFGS's and Newton's MaxDim
// bound the trainable count, and one evaluation of the View is one
// evaluation of the objective.
//
// A training loop keeps θ whole (the model, checkpoints and evaluation use
// it) and steps in the subspace:
//
//	view, err := optim.NewView(obj, theta, trainable)
//	x := view.Restrict(theta)           // the trainable coordinates
//	grad := make([]float64, view.Dim())
//	for each step {
//		loss, err := view.Eval(x, grad) // ∇J restricted to them
//		info, err := opt.Step(view, x, loss, grad, lr)
//		view.Embed(x, theta)            // θ[trainable] = x; frozen ones untouched
//	}
//
// Optimizer state (velocities, moments, CG's direction, L-BFGS's pairs) and
// averaged weights (PolyakAverage, ExponentialAverage) then have the View's
// length; Embed an average into a copy of θ to evaluate it. Block coordinate
// descent takes its blocks through Blocks. A Memo may sit on either side of
// the View: the full point of a restricted x is the same bits every time.
//
// Eval is not safe for concurrent use: it writes x into its own copy of θ.
type View struct {
	obj       Objective
	trainable []int
	point     []float64 // θ: the frozen coordinates fixed, the trainable ones written by Eval
	grad      []float64 // ∇J_full at point
}

// NewView returns the View of obj that exposes the coordinates listed in
// trainable (strictly increasing indices into θ) and holds every other
// coordinate at its value in theta, which it copies. It refuses an empty or
// unsorted list, an index outside θ, and a theta whose length is not the
// objective's dimension.
func NewView(obj Objective, theta []float64, trainable []int) (*View, error) {
	n := obj.Dim()
	if len(theta) != n {
		return nil, fmt.Errorf("optim: NewView: len(theta) = %d, want the objective's dimension %d", len(theta), n)
	}
	if len(trainable) == 0 {
		return nil, fmt.Errorf("optim: NewView: no trainable coordinate among the %d of θ (every parameter is frozen); leave at least one parameter trainable", n)
	}
	for i, index := range trainable {
		if index < 0 || index >= n {
			return nil, fmt.Errorf("optim: NewView: trainable[%d] = %d is outside θ's coordinates 0..%d", i, index, n-1)
		}
		if i > 0 && index <= trainable[i-1] {
			return nil, fmt.Errorf("optim: NewView: trainable[%d] = %d follows %d; list each trainable coordinate once, in increasing order (BlockCoordinates builds such a list)", i, index, trainable[i-1])
		}
	}
	return &View{obj: obj, trainable: slices.Clone(trainable), point: slices.Clone(theta)}, nil
}

// BlockCoordinates returns the coordinates of θ that the blocks cover, each
// once and in increasing order: the trainable list of a View whose trainable
// parameters are these blocks (one per layer's weight matrix, say).
func BlockCoordinates(blocks []Block) []int {
	var coordinates []int
	for _, block := range blocks {
		for i := block.Start; i < block.End; i++ {
			coordinates = append(coordinates, i)
		}
	}
	slices.Sort(coordinates)
	return slices.Compact(coordinates)
}

// Dim implements Objective: the number of trainable coordinates.
func (v *View) Dim() int { return len(v.trainable) }

// Eval implements Objective: J and the restriction of ∇J to the trainable
// coordinates at the point of θ whose trainable coordinates are x.
func (v *View) Eval(x, grad []float64) (float64, error) {
	if len(x) != len(v.trainable) || (grad != nil && len(grad) != len(v.trainable)) {
		return 0, fmt.Errorf("optim: View: len(x) = %d and len(grad) = %d, want the number of trainable coordinates %d", len(x), len(grad), len(v.trainable))
	}
	v.Embed(x, v.point)
	if grad == nil {
		return v.obj.Eval(v.point, nil)
	}
	v.grad = resizeFloats(v.grad, len(v.point))
	value, err := v.obj.Eval(v.point, v.grad)
	for i, index := range v.trainable {
		grad[i] = v.grad[index]
	}
	return value, err
}

// Restrict returns the trainable coordinates of theta, a new slice of length
// Dim().
func (v *View) Restrict(theta []float64) []float64 {
	x := make([]float64, len(v.trainable))
	for i, index := range v.trainable {
		x[i] = theta[index]
	}
	return x
}

// Embed writes x into the trainable coordinates of theta, leaving the others
// as they are.
func (v *View) Embed(x, theta []float64) {
	for i, index := range v.trainable {
		theta[index] = x[i]
	}
}

// Blocks maps blocks of θ (one per layer, say) to blocks of the View for
// CoordinateDescent: SubspaceBlocks of the View's trainable coordinates.
func (v *View) Blocks(blocks []Block) ([]Block, error) {
	return SubspaceBlocks(blocks, v.trainable, len(v.point))
}

// SubspaceBlocks maps blocks of a θ of dim coordinates to blocks of the
// subspace of its trainable coordinates (strictly increasing, as for
// NewView), so that a CoordinateDescent can be built before its View: each
// block keeps its name and covers the block's trainable coordinates, which
// are contiguous in the subspace because the trainable indices increase; a
// block with no trainable coordinate is dropped, for coordinate descent
// would have nothing to move there. A block outside θ is an error.
func SubspaceBlocks(blocks []Block, trainable []int, dim int) ([]Block, error) {
	var mapped []Block
	for i, block := range blocks {
		if block.Start < 0 || block.Start >= block.End || block.End > dim {
			return nil, fmt.Errorf("optim: View.Blocks: block %d (%q) is [%d, %d); want 0 ≤ Start < End ≤ %d", i, block.Name, block.Start, block.End, dim)
		}
		start, _ := slices.BinarySearch(trainable, block.Start)
		end, _ := slices.BinarySearch(trainable, block.End)
		if start < end {
			mapped = append(mapped, Block{Name: block.Name, Start: start, End: end})
		}
	}
	return mapped, nil
}
