// Package footprint estimates, from a run's config and its training set's
// shape and without building anything, a lower bound on the memory the run
// will hold, and refuses a run that cannot fit into the memory available
// (package internal/memory) with the estimate, the figure and the key to
// change, rather than by the runtime's out-of-memory crash half-way
// through.
package footprint

import (
	"fmt"
	"strings"

	"deepopt/config"
	"deepopt/data"
	"deepopt/internal/memory"
	"deepopt/layers"
)

// Footprint is a lower bound on the memory a run keeps beyond its data
// set, in bytes, by what spends it. The constants are below what the
// training loop was measured to use (about 95 bytes per float32 parameter
// with plain SGD and 10 kB per MNIST example of the evaluation batch, peak
// resident), so that a run that fits is never refused; what the bound
// refuses cannot fit.
type Footprint struct {
	params, paramBytes int64 // parameter count; their values, gradients and the loop's float64 vectors
	optimizer          int64 // the optimizer's and averager's state
	training           int64 // the training graph's inputs and activations at train.batch_size
	evaluation         int64 // the evaluation graph's at train.eval_batch
}

// Total is the sum of the parts.
func (f Footprint) Total() int64 { return add(f.paramBytes, f.optimizer, f.training, f.evaluation) }

// Estimate computes the footprint of cfg's model on examples of
// the training set's shape, without building anything.
func Estimate(cfg *config.Config, ds *data.Dataset) Footprint {
	dsize := int64(4)
	if cfg.DType == "float64" {
		dsize = 8
	}
	inputs := int64(ds.Dim())
	var params, units int64 // units: activations per example, summed over the layers
	features := inputs
	if cfg.Model.Kind == "cnn" && len(ds.Shape) == 3 {
		c, h, w := ds.Shape[0], ds.Shape[1], ds.Shape[2]
		for _, st := range cfg.Model.Conv {
			params = add(params, mul(mul(int64(c), int64(st.Channels)), int64(st.Kernel*st.Kernel)), int64(st.Channels))
			c = st.Channels
			h, w = layers.ConvOutputSize(h, st.Kernel, st.Stride, st.Padding), layers.ConvOutputSize(w, st.Kernel, st.Stride, st.Padding)
			units = add(units, mul(mul(int64(c), int64(max(h, 0))), int64(max(w, 0))))
			if st.Pool > 1 {
				h, w = layers.ConvOutputSize(h, st.Pool, st.Pool, 0), layers.ConvOutputSize(w, st.Pool, st.Pool, 0)
			}
		}
		features = mul(mul(int64(c), int64(max(h, 0))), int64(max(w, 0)))
	}
	for _, width := range cfg.Model.Hidden {
		params = add(params, mul(features+1, int64(width)))
		units = add(units, int64(width))
		features = int64(width)
	}
	params = add(params, mul(features+1, int64(ds.Classes)))
	units = add(units, int64(ds.Classes))

	f := Footprint{params: params, paramBytes: mul(params, 2*dsize+8*loopVectors(cfg))}
	f.optimizer = mul(params, 8*optimizerVectors(cfg.Optimizer))
	if kind := cfg.Optimizer.Kind; kind == "bfgs" || kind == "newton" {
		f.optimizer = add(f.optimizer, mul(mul(params, params), 8)) // the dense n×n matrix
	}
	// The loop's float64 batch buffer and the graph's input tensor, then
	// the activations (forward and backward when training); evaluation's
	// float64 batch buffer is passing, and not counted.
	f.training = mul(int64(cfg.Train.BatchSize), add(mul(inputs, 8+dsize), mul(units, dsize*8)))
	f.evaluation = mul(int64(cfg.Train.EvalBatch), add(mul(inputs, dsize), mul(units, dsize*2)))
	return f
}

// loopVectors is the number of θ-sized float64 vectors the training loop
// keeps: θ and the gradient, and the Memo's copies of both when the method
// evaluates on a minibatch besides at θ_t or holds it for several steps
// (train.Trainer.step skips the Memo otherwise). The graph adds two vectors
// in its dtype, the parameters and their gradients.
func loopVectors(cfg *config.Config) int64 {
	if k := cfg.Optimizer.Kind; (k == "sgd" || k == "adam") && cfg.Train.HoldBatch <= 1 && len(cfg.Train.Freeze) == 0 {
		return 2
	}
	return 4
}

// optimizerVectors is the number of θ-sized vectors the optimizer and its
// averager keep.
func optimizerVectors(c config.Optimizer) int64 {
	var n int64
	switch c.Kind {
	case "sgd":
		if c.Momentum > 0 {
			n = 1
		}
	case "adam":
		n = 2
	case "lbfgs":
		n = 2*int64(c.Memory) + 4
	default: // cg, bfgs, newton, newton-cg, bcd: directions, previous gradients, line-search trials
		n = 4
	}
	if c.Average == "polyak" || c.Average == "ema" {
		n++
	}
	return n
}

// Check refuses a run whose footprint exceeds the memory available,
// before any of it is allocated, naming the parts, the figure it was
// compared with and the key to change.
func Check(f Footprint, cfg *config.Config, available memory.Available) error {
	if available.Fits(f.Total()) {
		return nil
	}
	widths := "model.hidden"
	if cfg.Model.Kind == "cnn" {
		widths = "model.hidden or model.conv"
	}
	parts := []struct {
		bytes       int64
		what, lower string
	}{
		{f.paramBytes, fmt.Sprintf("%d parameters", f.params), widths},
		{f.optimizer, "the state of optimizer.kind " + cfg.Optimizer.Kind, "optimizer.kind (sgd keeps the least state)"},
		{f.training, fmt.Sprintf("training activations at train.batch_size %d", cfg.Train.BatchSize), "train.batch_size"},
		{f.evaluation, fmt.Sprintf("evaluation at train.eval_batch %d", cfg.Train.EvalBatch), "train.eval_batch"},
	}
	largest := 0
	var described []string
	for i, p := range parts {
		if p.bytes > 0 {
			described = append(described, fmt.Sprintf("%s for %s", memory.Format(p.bytes), p.what))
		}
		if p.bytes > parts[largest].bytes {
			largest = i
		}
	}
	return fmt.Errorf("the run needs at least %s of memory (%s), but %s is available; lower %s",
		memory.Format(f.Total()), strings.Join(described, ", "), available, parts[largest].lower)
}

// saturated is where byte counts stop growing: far beyond any memory, and
// safe from overflow when added a few times.
const saturated = 1 << 60

// mul multiplies non-negative counts, saturating instead of overflowing.
func mul(a, b int64) int64 {
	if a != 0 && b > saturated/a {
		return saturated
	}
	return min(a*b, saturated)
}

// add sums non-negative counts, saturating instead of overflowing.
func add(terms ...int64) int64 {
	var sum int64
	for _, t := range terms {
		sum = min(sum+t, saturated)
	}
	return sum
}
