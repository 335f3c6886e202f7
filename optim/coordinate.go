package optim

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"
	"strconv"

	"gonum.org/v1/gonum/floats"
)

var _ Optimizer = (*CoordinateDescent)(nil)

// BlockMinimizer is an Objective that can minimise J exactly over one block of
// coordinates with the others held fixed, such as a quadratic, whose block
// minimiser solves a small linear system. CoordinateDescent uses it instead of
// a line search when the objective offers it.
type BlockMinimizer interface {
	Objective
	// MinimizeBlock overwrites theta[block.Start:block.End] with
	// argmin over x of J(θ with θ[block] = x), leaving the rest of theta
	// unchanged. It reports a block it cannot minimise as an error.
	MinimizeBlock(theta []float64, block Block) error
}

// CoordinateBlocks returns the n blocks of length one, named "θ[i]", that make
// CoordinateDescent plain coordinate descent.
func CoordinateBlocks(n int) []Block {
	blocks := make([]Block, n)
	for i := range blocks {
		blocks[i] = Block{Name: "θ[" + strconv.Itoa(i) + "]", Start: i, End: i + 1}
	}
	return blocks
}

// CoordinateDescent is (block) coordinate descent (Wright, "Coordinate descent
// algorithms", Math. Programming 151, 2015): it improves J over one block of
// coordinates at a time, the others held fixed, cycling through the blocks in
// order or in a seeded random order that is reshuffled every sweep.
//
// Per block, it minimises exactly when the objective is a BlockMinimizer;
// otherwise it runs a line search along the negative block gradient (the
// gradient with the other blocks' entries zeroed), starting from the step lr.
// By default a block of one coordinate is minimised along it by
// DerivativeSearch, which finds ∂J/∂θᵢ ≈ 0 from the derivative alone and so
// drives ‖∇J‖∞ to 1e-8 on the SPD quadratic of the known-problem table,
// where Armijo backtracking, blind to decreases below J's rounding error,
// stalls at 1.2e-6 after 943 sweeps.
//
// By default one Step is one sweep over all blocks; with BlockPerStep, one
// Step updates one block. Either way the state is a few counters (the sweep,
// the position within it, and the run of block updates without progress),
// because the order of sweep k is derived from (Seed, k) alone: no RNG state
// needs saving.
//
// Coordinate descent is slow when coordinates are strongly coupled. On
// J(w₁, w₂) = (w₁ − w₂)² + α(w₁² + w₂²), exact minimisation over w₁ gives
// w₁ = w₂/(1 + α), then over w₂ gives w₂ = w₁/(1 + α): every sweep after the
// first multiplies the iterate by 1/(1 + α)², so reaching ‖w‖ < δ from ‖w‖ ≈ 1
// takes about ln(1/δ) / (2 ln(1 + α)) ≈ ln(1/δ) / 2α sweeps as α → 0, while
// Newton's method takes one step whatever α.
//
// The zero value is cyclic coordinate descent over single coordinates.
type CoordinateDescent struct {
	// Blocks are the ranges updated one at a time; nil means
	// CoordinateBlocks(n). Coordinates in no block stay fixed.
	Blocks []Block
	// RandomOrder visits the blocks of each sweep in a random permutation
	// drawn from Seed and the sweep number; false cycles in order.
	RandomOrder bool
	// Seed seeds the random order.
	Seed uint64
	// BlockPerStep makes one Step update one block instead of sweeping.
	BlockPerStep bool
	// LineSearch chooses the step along a negative block gradient; nil
	// means DerivativeSearch for blocks of one coordinate, which minimises
	// along the coordinate to |∂J/∂θᵢ| ≤ 1e-3 of its start and keeps working
	// where J's values no longer resolve the decrease, and Armijo
	// backtracking (Backtracking with its defaults) for longer blocks, whose
	// negative block gradient is only a descent direction, so a cheap
	// sufficient decrease is enough.
	LineSearch LineSearcher

	sweep, position     int
	idle, stalled       int
	order               []int
	orderSweep          int
	gradient, direction []float64
	backtracking        Backtracking
	derivative          DerivativeSearch
}

// Step updates one sweep of blocks (or one block with BlockPerStep) from θ.
// lr is the first trial step of the block line searches (0 means 1); it is
// ignored when the objective is a BlockMinimizer, or a *Memo around one.
// Info.StepLength is that of the last block line search, or 1 when the
// blocks were minimised exactly.
//
// A block whose line search makes no progress (LineSearchNoProgress: θ is a
// minimiser along the block to machine precision) is left unchanged and the
// sweep goes on; only when a whole cycle of len(Blocks) consecutive block
// updates has moved nothing, at least one of them for that reason, does Step
// return an error. Blocks with a zero gradient are skipped.
func (c *CoordinateDescent) Step(obj Objective, theta []float64, loss float64, grad []float64, lr float64) (Info, error) {
	dim := obj.Dim()
	if err := checkStepArguments("CoordinateDescent", dim, theta, grad); err != nil {
		return Info{}, err
	}
	blocks := c.Blocks
	if blocks == nil {
		blocks = CoordinateBlocks(dim)
	}
	for i, block := range blocks {
		if block.Start < 0 || block.Start >= block.End || block.End > dim {
			return Info{}, fmt.Errorf("optim: CoordinateDescent: block %d (%q) is [%d, %d); want 0 ≤ Start < End ≤ %d", i, block.Name, block.Start, block.End, dim)
		}
	}
	if len(blocks) == 0 {
		return Info{}, fmt.Errorf("optim: CoordinateDescent: no blocks for dimension %d; leave Blocks nil for single coordinates", dim)
	}
	if c.position >= len(blocks) {
		return Info{}, fmt.Errorf("optim: CoordinateDescent: position %d in the sweep, but there are %d blocks; the state was saved with other blocks", c.position, len(blocks))
	}
	minimizer, exact := blockMinimizerOf(obj)
	if !exact && !(lr >= 0 && !math.IsInf(lr, 1)) {
		return Info{}, fmt.Errorf("optim: CoordinateDescent: lr = %v; the block line searches need a finite first trial step > 0, or 0 for 1", lr)
	}
	if lr == 0 {
		lr = 1
	}
	c.gradient = resizeFloats(c.gradient, dim)
	copy(c.gradient, grad)
	fresh := true // c.gradient and loss are ∇J and J at the current θ
	var info Info
	var stall error
	for {
		block := blocks[c.blockAt(c.position, len(blocks))]
		moved := true
		if exact {
			if err := minimizer.MinimizeBlock(theta, block); err != nil {
				return info, fmt.Errorf("optim: CoordinateDescent: exact minimisation over block %q: %w", block.Name, err)
			}
			fresh = false
			info.StepLength = 1
		} else {
			if !fresh {
				value, err := obj.Eval(theta, c.gradient)
				info.FuncEvals++
				info.GradEvals++
				if err != nil {
					return info, fmt.Errorf("optim: CoordinateDescent: gradient before block %q: %w", block.Name, err)
				}
				loss, fresh = value, true
			}
			step, err := c.searchBlock(obj, theta, loss, block, lr, &info)
			var failure *LineSearchError
			switch {
			case errors.As(err, &failure) && failure.Reason == LineSearchNoProgress:
				moved, stall = false, err
				c.stalled++
			case err != nil:
				return info, err
			case step.Step == 0:
				moved = false
			default:
				loss, fresh = step.F, step.Grad != nil
				if fresh {
					copy(c.gradient, step.Grad)
				}
			}
		}
		if moved {
			c.idle, c.stalled = 0, 0
		} else {
			c.idle++
		}
		c.position++
		if c.position == len(blocks) {
			c.position = 0
			c.sweep++
		}
		if c.idle >= len(blocks) && c.stalled > 0 {
			if stall == nil {
				// The searches that stalled ran in earlier Steps.
				stall = &LineSearchError{Search: "block", Reason: LineSearchNoProgress, Detail: "the block line searches of earlier steps made no progress"}
			}
			return info, fmt.Errorf("optim: CoordinateDescent: no block moved in the last %d block updates (%d line searches made no progress, the other blocks had zero gradient); θ is a minimiser along every block to machine precision: %w", c.idle, c.stalled, stall)
		}
		if c.position == 0 || c.BlockPerStep {
			return info, nil
		}
	}
}

// blockMinimizerOf returns obj as a BlockMinimizer, looking through a Memo
// (which Minimize wraps around every objective). Exact block minimisation
// changes θ, so the Memo's remembered point no longer matches and it
// evaluates afresh.
func blockMinimizerOf(obj Objective) (BlockMinimizer, bool) {
	if memo, ok := obj.(*Memo); ok {
		return blockMinimizerOf(memo.Objective)
	}
	minimizer, ok := obj.(BlockMinimizer)
	return minimizer, ok
}

// searchBlock runs the line search along the negative gradient of one block
// and moves θ there. A block whose gradient is zero is left as it is (Step 0).
func (c *CoordinateDescent) searchBlock(obj Objective, theta []float64, loss float64, block Block, lr float64, info *Info) (LineResult, error) {
	c.direction = resizeFloats(c.direction, len(theta))
	clear(c.direction)
	floats.ScaleTo(c.direction[block.Start:block.End], -1, c.gradient[block.Start:block.End])
	if floats.Norm(c.direction, math.Inf(1)) == 0 {
		return LineResult{}, nil
	}
	search := c.LineSearch
	if search == nil && block.End-block.Start == 1 {
		search = &c.derivative
	}
	result, err := searchAlong(lineSearchOrDefault(search, &c.backtracking), obj, theta, loss, c.gradient, c.direction, lr, info)
	if err != nil {
		return LineResult{}, fmt.Errorf("optim: CoordinateDescent: line search over block %q: %w", block.Name, err)
	}
	return result, nil
}

// blockAt returns the index of the block visited at position i of the
// current sweep: i itself in cyclic order, else the i-th entry of the
// permutation drawn from (Seed, sweep).
func (c *CoordinateDescent) blockAt(i, count int) int {
	if !c.RandomOrder {
		return i
	}
	if len(c.order) != count || c.orderSweep != c.sweep {
		c.order = rand.New(rand.NewPCG(c.Seed, uint64(c.sweep))).Perm(count)
		c.orderSweep = c.sweep
	}
	return c.order[i]
}

// coordinateStateKeys name the counters of CoordinateDescent's State: the
// sweep, the position within it, the consecutive block updates that moved
// nothing, and how many of those were line searches without progress.
var coordinateStateKeys = []string{"sweep", "position", "idle", "stalled"}

// State returns the counters named by coordinateStateKeys.
func (c *CoordinateDescent) State() State {
	state := State{}
	for i, counter := range c.counters() {
		state[coordinateStateKeys[i]] = []float64{float64(*counter)}
	}
	return state
}

// SetState restores the counters saved by State.
func (c *CoordinateDescent) SetState(state State) error {
	if len(state) != len(coordinateStateKeys) {
		return fmt.Errorf("optim: CoordinateDescent: State has %d keys; want exactly %q", len(state), coordinateStateKeys)
	}
	values := make([]int, len(coordinateStateKeys))
	for i, key := range coordinateStateKeys {
		value, err := stateCounter("CoordinateDescent", state, key)
		if err != nil {
			return err
		}
		values[i] = value
	}
	for i, counter := range c.counters() {
		*counter = values[i]
	}
	c.order = nil
	return nil
}

// counters returns the fields behind coordinateStateKeys, in that order.
func (c *CoordinateDescent) counters() []*int {
	return []*int{&c.sweep, &c.position, &c.idle, &c.stalled}
}
