package model

import (
	"fmt"
	"math"
	"slices"

	"deepopt/data"
	"deepopt/internal/densedata"
	"deepopt/internal/tape"
	"deepopt/optim"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// SetBatch copies a training minibatch into the graph's input tensors: x holds
// BatchSize examples row-major, y their class labels. The following Eval calls
// evaluate the loss on this batch, every example weighted 1 until
// SetExampleWeights weights them; the first of them fills the LossTerms'
// inputs (TermGraph.Input) for it.
func (m *Model) SetBatch(x []float64, y []int) error {
	s := m.spec
	if len(y) != s.BatchSize || len(x) != s.BatchSize*product(s.Input) {
		return fmt.Errorf("model: batch of %d labels and %d values; the graph was built for %d examples of %d values (train.batch_size)",
			len(y), len(x), s.BatchSize, product(s.Input))
	}
	for i, c := range y {
		if err := m.checkLabel(i, c); err != nil {
			return err
		}
	}
	copyIn(m.xT, x)
	copy(m.labels, y)
	m.batchSet()
	return nil
}

// GatherBatch is SetBatch of the examples idx of d and their labels,
// gathered straight into the graph's input tensor (data.Dataset.Gather32
// for a float32 graph), without the float64 copy between that SetBatch
// reads.
func (m *Model) GatherBatch(d *data.Dataset, idx []int) error {
	s := m.spec
	if len(idx) != s.BatchSize || d.Dim() != product(s.Input) {
		return fmt.Errorf("model: batch of %d examples of %d values; the graph was built for %d examples of %d values (train.batch_size)",
			len(idx), d.Dim(), s.BatchSize, product(s.Input))
	}
	for i, j := range idx {
		if j >= 0 && j < d.Len() { // Gather reports the others
			if err := m.checkLabel(i, d.Y[j]); err != nil {
				return err
			}
		}
	}
	var err error
	switch x32, x64 := floats(m.xT); {
	case x32 != nil:
		err = d.Gather32(idx, x32, m.labels)
	default:
		err = d.Gather(idx, x64, m.labels)
	}
	if err != nil {
		return err
	}
	m.batchSet()
	return nil
}

// checkLabel reports a label c of example i outside the model's classes.
func (m *Model) checkLabel(i, c int) error {
	if c < 0 || c >= m.spec.Classes {
		return fmt.Errorf("model: label %d of example %d is outside 0..%d", c, i, m.spec.Classes-1)
	}
	return nil
}

// batchSet follows a new minibatch: every example weighted 1, the targets
// written, and the LossTerms' inputs to be filled.
func (m *Model) batchSet() {
	m.weights = nil
	m.writeTargets()
	m.inputsStale = true
}

// Batch copies the current training minibatch out of the graph's input
// tensors into x (BatchSize×example values) and y (BatchSize labels), as
// SetBatch received it (in the graph's precision, so SetBatch(Batch()) is
// exact): the input the LossTerms' inputs are computed from. Before the
// first SetBatch it reads zeros and labels 0.
func (m *Model) Batch(x []float64, y []int) error {
	s := m.spec
	if len(y) != s.BatchSize || len(x) != s.BatchSize*product(s.Input) {
		return fmt.Errorf("model: buffers for %d labels and %d values; the graph holds %d examples of %d values (train.batch_size)",
			len(y), len(x), s.BatchSize, product(s.Input))
	}
	copyOut(x, m.xT)
	copy(y, m.labels)
	return nil
}

// keepBatch copies the training minibatch, its labels and example weights,
// and returns the function that puts them back, for an evaluation of other
// examples that must leave the training minibatch as it was.
func (m *Model) keepBatch() (restore func()) {
	x := make([]float64, m.xT.Len())
	copyOut(x, m.xT)
	labels, weights := slices.Clone(m.labels), slices.Clone(m.weights)
	return func() {
		copyIn(m.xT, x)
		copy(m.labels, labels)
		m.weights = weights
		m.writeTargets()
		m.inputsStale = true
	}
}

// EvalOn is Eval on the minibatch x, y, every example weighted 1, instead of
// the current one, which it leaves in place with its weights: a probe
// evaluates its own examples without saving and restoring the training
// minibatch.
func (m *Model) EvalOn(x []float64, y []int, theta, grad []float64) (float64, error) {
	restore := m.keepBatch()
	defer restore()
	if err := m.SetBatch(x, y); err != nil {
		return 0, err
	}
	return m.Eval(theta, grad)
}

// Dim is the number of parameters.
func (m *Model) Dim() int { return m.dim }

// Eval returns the mean softmax cross-entropy of the current minibatch at θ
// (the weighted mean with SetExampleWeights), plus each auxiliary head's and
// each LossTerm's weighted by its weight at the step (SetStep), plus the L2
// penalty (Spec.L2/2)·Σ w² over the weights when Spec.L2 > 0, and, when
// grad is non-nil, its gradient. It runs the training path (batch
// statistics in BN layers) but never changes the BN running statistics (see
// CommitBatchStats) or the model's parameters (SetParams).
func (m *Model) Eval(theta, grad []float64) (float64, error) {
	if len(theta) != m.dim || (grad != nil && len(grad) != m.dim) {
		return 0, fmt.Errorf("model: θ has %d values and the gradient %d; the model has %d parameters", len(theta), len(grad), m.dim)
	}
	if err := m.fillTermInputs(); err != nil {
		return 0, err
	}
	m.writeParams(theta)
	loss, err := m.run(grad != nil)
	if err != nil {
		return 0, err
	}
	if grad != nil {
		for i, gr := range m.grads {
			b := m.blocks[i]
			copyOut(grad[b.Start:b.End], gr.Value())
		}
	}
	m.lastPenalty = m.penalty(theta, grad)
	return loss + m.lastPenalty, nil
}

// EvalInPlace implements optim.InPlace for a float32 graph: Eval, with the
// gradient left in the graph's gradient tensors (Segments) and the
// parameters taken as the last in-place step wrote them (Written), unless
// another evaluation or SetParams wrote others since.
func (m *Model) EvalInPlace(theta []float64) (float64, error) {
	if m.spec.Dtype != tensor.Float32 {
		return 0, fmt.Errorf("model: EvalInPlace needs a float32 graph, this one is %v; use Eval", m.spec.Dtype)
	}
	if len(theta) != m.dim {
		return 0, fmt.Errorf("model: θ has %d values; the model has %d parameters", len(theta), m.dim)
	}
	if err := m.fillTermInputs(); err != nil {
		return 0, err
	}
	if !m.written {
		m.writeParams(theta)
	}
	loss, err := m.run(true)
	if err != nil {
		return 0, err
	}
	m.lastPenalty = m.penalty(theta, nil)
	return loss + m.lastPenalty, nil
}

// Segments implements optim.InPlace: one segment per parameter tensor, with
// the gradient tensor of the last run and the L2 penalty of the weights.
// It is valid for a float32 graph after EvalInPlace, until the next run.
func (m *Model) Segments() []optim.Segment {
	m.segments = m.segments[:0]
	k := 0
	for _, l := range m.layers {
		for _, p := range l.Params {
			grad, _ := floats(m.grads[k].Value())
			param, _ := floats(m.params[k].Value())
			penalty := 0.0
			if p.Role == Weight {
				penalty = m.spec.L2
			}
			m.segments = append(m.segments, optim.Segment{Start: p.Start, Grad: grad, Penalty: penalty, Param: param})
			k++
		}
	}
	return m.segments
}

// Written implements optim.InPlace: the parameter tensors hold θ as a step
// wrote them, so that EvalInPlace runs on them as they are.
func (m *Model) Written() { m.written, m.atTheta = true, false }

// run runs the training path, with the gradient when withGrad, on the
// parameters in the graph, and returns the loss without the L2 penalty.
func (m *Model) run(withGrad bool) (float64, error) {
	vm := m.lossVM
	if withGrad {
		vm = m.gradVM
	}
	defer vm.Reset()
	if err := tape.Run(vm); err != nil {
		return 0, fmt.Errorf("model: training forward pass: %w", err)
	}
	loss := scalar(m.loss.Value())
	m.readTerms()
	return loss, nil
}

// penalty adds the L2 weight penalty's gradient λ·w to grad (when non-nil)
// and returns (λ/2)·Σ w². It acts on the tensors of role Weight only, not on
// biases or BN's γ and β, as is usual (Goodfellow et al. 2016, §7.1). It is
// part of the objective, so every optimizer — line searches and Newton
// methods included — minimises the same regularised function.
func (m *Model) penalty(theta, grad []float64) float64 {
	if m.spec.L2 == 0 {
		return 0
	}
	var sum float64
	for _, l := range m.layers {
		for _, p := range l.Params {
			if p.Role != Weight {
				continue
			}
			for i := p.Start; i < p.End; i++ {
				sum += theta[i] * theta[i]
				if grad != nil {
					grad[i] += m.spec.L2 * theta[i]
				}
			}
		}
	}
	return m.spec.L2 / 2 * sum
}

// CommitBatchStats folds the batch statistics of the last Eval into every BN
// layer's running statistics, for a loop whose last evaluation is always
// its step's starting point. The training loop, whose line searches and
// probes evaluate elsewhere after it, folds the statistics of the starting
// point itself (TrainingObjective.FoldBatchStats).
func (m *Model) CommitBatchStats() {
	for _, bn := range m.bns {
		bn.Update()
	}
}

// SetParams sets the model's parameters to θ, rounded to the graph's
// precision: those Params returns and the evaluations that take no weights
// of their own (Evaluate, Logits, Nodes, …) run at. Evaluations at given
// weights (Eval, EvaluateAt, NodesAt, …) leave them as they are.
func (m *Model) SetParams(theta []float64) {
	m.writeParams(theta)
	m.readParams(m.theta)
	m.atTheta = true
}

// Params copies the model's parameters (SetParams) into dst (allocated
// when nil) and returns it.
func (m *Model) Params(dst []float64) []float64 {
	if dst == nil {
		dst = make([]float64, m.dim)
	}
	copy(dst, m.theta)
	return dst
}

// writeParams writes θ into the parameter tensors in place, for an
// evaluation at θ; the model's parameters stay as they are (atParams puts
// them back when an evaluation at them follows).
func (m *Model) writeParams(theta []float64) {
	m.written, m.atTheta = false, false
	for i, p := range m.params {
		b := m.blocks[i]
		copyIn(p.Value().(tensor.Tensor), theta[b.Start:b.End])
	}
}

// readParams copies the parameter tensors into dst and returns it.
func (m *Model) readParams(dst []float64) []float64 {
	for i, p := range m.params {
		b := m.blocks[i]
		copyOut(dst[b.Start:b.End], p.Value())
	}
	return dst
}

// atParams makes the parameter tensors hold the model's parameters again
// after evaluations at other weights, for an evaluation at them.
func (m *Model) atParams() {
	if !m.atTheta {
		m.writeParams(m.theta)
		m.atTheta = true
	}
}

// copyIn writes src into the tensor t, rounding to float32 for a float32
// graph. The conversion runs four values at a time on slices whose bounds
// the compiler has proved, about 5 instructions per value instead of 8
// (callgrind): it converts all of θ at every evaluation.
func copyIn(t tensor.Tensor, src []float64) {
	switch d32, d64 := floats(t); {
	case d64 != nil:
		copy(d64, src)
	case d32 != nil:
		d := d32[:len(src)]
		i := 0
		for ; i+4 <= len(src); i += 4 {
			s, o := src[i:i+4:i+4], d[i:i+4:i+4]
			o[0], o[1], o[2], o[3] = float32(s[0]), float32(s[1]), float32(s[2]), float32(s[3])
		}
		for ; i < len(src); i++ {
			d[i] = float32(src[i])
		}
	}
}

// copyOut writes the values of v into dst, widening float32 to float64.
func copyOut(dst []float64, v G.Value) {
	switch d32, d64 := floats(v); {
	case d64 != nil:
		copy(dst, d64)
	case d32 != nil:
		dst = dst[:len(d32)]
		for i, x := range d32 {
			dst[i] = float64(x)
		}
	}
}

// floats returns v's values as float32 or float64 (the other nil; both nil
// for no values or another type), for a dense tensor without the
// allocations of its Data method (internal/densedata).
func floats(v interface{ Data() any }) ([]float32, []float64) {
	if d, ok := v.(*tensor.Dense); ok {
		switch d.Dtype() {
		case tensor.Float32:
			return densedata.Slice[float32](d), nil
		case tensor.Float64:
			return nil, densedata.Slice[float64](d)
		}
		return nil, nil
	}
	switch d := v.Data().(type) {
	case []float32:
		return d, nil
	case []float64:
		return nil, d
	}
	return nil, nil
}

func scalar(v G.Value) float64 {
	switch d := v.Data().(type) {
	case float64:
		return d
	case float32:
		return float64(d)
	}
	return math.NaN()
}
