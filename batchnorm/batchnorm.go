package batchnorm

import (
	"fmt"

	"deepopt/layers"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// BatchNorm is one batch normalization layer with C channels: parameters γ
// and β of shape (C), running statistics kept in Go as float64, and the batch
// statistics of the last run of its training path. Create it with New.
//
// A BatchNorm is not safe for concurrent use; like the graph it lives on, it
// serves one machine at a time.
type BatchNorm struct {
	name     string
	channels int
	dtype    tensor.Dtype
	opts     Options

	gamma, beta *G.Node

	// runningMean and runningVariance are E[x] and Var[x] of Alg. 2; count is
	// the number of batches folded in since construction or ResetRunning.
	runningMean, runningVariance []float64
	count                        int

	// evalMean and evalStd are the leaves through which the evaluation path
	// reads the running statistics: E[x] and sqrt(Var[x] + ε) in the graph's
	// dtype, rewritten in place whenever the statistics change. They are
	// created by the first evaluation-path Forward.
	evalMean, evalStd *G.Node

	last batchRecord
}

// batchRecord holds the statistics of the last run of the training path, as
// copied by trainingOp.Do.
type batchRecord struct {
	mean, variance []float64
	// m is the number of values per channel the statistics were computed from.
	m int
	// fresh reports a run that Update or UpdateAverage has not yet folded in.
	fresh bool
}

var _ layers.Layer = (*BatchNorm)(nil)

// New creates a batch normalization layer on g for inputs with the given
// number of channels (features of an (N, C) input, feature maps of an
// (N, C, H, W) input), with parameters "<name>.gamma" (ones) and
// "<name>.beta" (zeros) of shape (C) in dtype dt (tensor.Float32 or
// tensor.Float64). The running statistics start at mean 0 and variance 1, as
// in PyTorch.
func New(g *G.ExprGraph, name string, channels int, dt tensor.Dtype, opts Options) (*BatchNorm, error) {
	if g == nil {
		return nil, fmt.Errorf("batchnorm: %s: graph is nil; pass the model's *G.ExprGraph", name)
	}
	if name == "" {
		return nil, fmt.Errorf("batchnorm: layer name is empty; name it, e.g. \"bn1\"")
	}
	if channels < 1 {
		return nil, fmt.Errorf("batchnorm: %s: channels is %d; want at least 1", name, channels)
	}
	if dt != tensor.Float32 && dt != tensor.Float64 {
		return nil, fmt.Errorf("batchnorm: %s: dtype %v is not supported; use tensor.Float32 or tensor.Float64", name, dt)
	}
	opts = opts.WithDefaults()
	if err := opts.Validate(); err != nil {
		return nil, fmt.Errorf("batchnorm: %s: %w", name, err)
	}
	b := &BatchNorm{
		name:            name,
		channels:        channels,
		dtype:           dt,
		opts:            opts,
		runningMean:     make([]float64, channels),
		runningVariance: make([]float64, channels),
		last: batchRecord{
			mean:     make([]float64, channels),
			variance: make([]float64, channels),
		},
	}
	b.resetRunningValues()
	b.gamma = b.vector(g, name+".gamma", filled(channels, 1))
	b.beta = b.vector(g, name+".beta", filled(channels, 0))
	return b, nil
}

// vector makes a leaf of shape (C) named name on g holding values converted
// to the layer's dtype.
func (b *BatchNorm) vector(g *G.ExprGraph, name string, values []float64) *G.Node {
	t := tensor.New(tensor.WithShape(b.channels), tensor.Of(b.dtype))
	fill(t, values)
	return G.NodeFromAny(g, t, G.WithName(name))
}

// filled returns n copies of v.
func filled(n int, v float64) []float64 {
	s := make([]float64, n)
	for i := range s {
		s[i] = v
	}
	return s
}

// fill writes values into the backing array of the float32 or float64 tensor
// t in place.
func fill(t tensor.Tensor, values []float64) {
	switch data := t.Data().(type) {
	case []float64:
		copy(data, values)
	case []float32:
		for i, v := range values {
			data[i] = float32(v)
		}
	}
}

// Name returns the layer's name.
func (b *BatchNorm) Name() string { return b.name }

// Channels returns C, the number of normalised channels.
func (b *BatchNorm) Channels() int { return b.channels }

// Options returns the layer's options with defaults filled in.
func (b *BatchNorm) Options() Options { return b.opts }

// Params returns γ and β, in that order.
func (b *BatchNorm) Params() []*G.Node { return []*G.Node{b.gamma, b.beta} }

// Forward normalises x of shape (N, C) or (N, C, H, W) per channel. With
// training true it appends Alg. 1 with the batch statistics as one fused
// operation (see trainingOp), which records them at every run for Update;
// with training false it appends Alg. 2's inference transform with the
// running statistics, also as one operation (inferenceOp). Neither path
// changes the running statistics when it runs.
func (b *BatchNorm) Forward(x *G.Node, training bool) (*G.Node, error) {
	if err := b.checkInput(x); err != nil {
		return nil, err
	}
	if training {
		y, err := G.ApplyOp(newTrainingOp(b, x.Shape()), x, b.gamma, b.beta)
		if err != nil {
			return nil, fmt.Errorf("batchnorm: %s: %w", b.name, err)
		}
		return y, nil
	}
	if b.evalMean == nil {
		g := x.Graph()
		b.evalMean = b.vector(g, b.name+".running_mean", b.runningMean)
		b.evalStd = b.vector(g, b.name+".running_std", make([]float64, b.channels))
		b.syncEvalLeaves()
	}
	y, err := G.ApplyOp(newInferenceOp(b, x.Shape()), x, b.gamma, b.beta, b.evalMean, b.evalStd)
	if err != nil {
		return nil, fmt.Errorf("batchnorm: %s: %w", b.name, err)
	}
	return y, nil
}

// checkInput checks that x is an (N, C) or (N, C, H, W) tensor of the
// layer's channels and dtype.
func (b *BatchNorm) checkInput(x *G.Node) error {
	if x == nil {
		return fmt.Errorf("batchnorm: %s: input node is nil", b.name)
	}
	s := x.Shape()
	if (len(s) != 2 && len(s) != 4) || s[1] != b.channels {
		return fmt.Errorf("batchnorm: %s: input has shape %v; the layer expects (N, %d) or (N, %d, H, W)", b.name, s, b.channels, b.channels)
	}
	if x.Dtype() != b.dtype {
		return fmt.Errorf("batchnorm: %s: input has dtype %v, the layer's parameters are %v", b.name, x.Dtype(), b.dtype)
	}
	return nil
}
