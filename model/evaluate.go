package model

import (
	"fmt"
	"math"

	"deepopt/data"
	"deepopt/internal/softmax"
	"deepopt/internal/tape"

	G "gorgonia.org/gorgonia"
)

// Evaluation is the mean cross-entropy and the accuracy of a model on a data
// set, computed on the evaluation path (BN in inference mode).
type Evaluation struct {
	Loss, Accuracy float64
}

// Evaluate runs the evaluation path over every example of ds in batches of
// EvalBatch (the last batch padded by repeating examples, whose results are
// dropped; BN in inference mode treats every example independently) and
// computes the loss and accuracy in float64 from the logits, at the model's
// parameters (SetParams). It changes nothing in the model.
func (m *Model) Evaluate(ds *data.Dataset) (Evaluation, error) {
	m.atParams()
	return m.evaluateMain(ds)
}

// evaluateMain is Evaluate at the weights the parameter tensors hold.
func (m *Model) evaluateMain(ds *data.Dataset) (Evaluation, error) {
	evs, err := m.evaluate(ds, m.evalVM, G.Nodes{m.logits})
	if err != nil {
		return Evaluation{}, err
	}
	return evs[0], nil
}

// EvaluateHeads returns the loss and accuracy on ds of every auxiliary head
// (Spec.AuxHeads, in order) at θ, as Evaluate computes the main head's, nil
// without heads. The model's parameters (SetParams) are left as they were.
func (m *Model) EvaluateHeads(theta []float64, ds *data.Dataset) ([]Evaluation, error) {
	if len(m.heads) == 0 {
		return nil, nil
	}
	if m.headVM == nil {
		var err error
		if m.headVM, err = m.compile(m.headLogits); err != nil {
			return nil, err
		}
	}
	m.writeParams(theta)
	return m.evaluate(ds, m.headVM, m.headLogits)
}

// evaluate runs vm over ds as Evaluate describes and scores each of the
// logits nodes it computes.
func (m *Model) evaluate(ds *data.Dataset, vm G.VM, logitNodes G.Nodes) ([]Evaluation, error) {
	sc := newScorer(m.spec)
	lossSum := make([]float64, len(logitNodes))
	correct := make([]int, len(logitNodes))
	err := m.evalBatches(ds, func(b data.EvaluationBatch, y []int) error {
		defer vm.Reset()
		if err := tape.Run(vm); err != nil {
			return fmt.Errorf("model: evaluation forward pass: %w", err)
		}
		for k, node := range logitNodes {
			sc.score(node.Value(), y[:b.Count])
			for i := range b.Count {
				lossSum[k] += sc.loss[i]
				if sc.argmax[i] == y[i] {
					correct[k]++
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, err
	}
	n := float64(ds.Len())
	out := make([]Evaluation, len(logitNodes))
	for k := range out {
		out[k] = Evaluation{Loss: lossSum[k] / n, Accuracy: float64(correct[k]) / n}
	}
	return out, nil
}

// evalBatches checks that ds fits the model, gathers it in evaluation
// batches of the model's size (the last one padded, data.EvaluationBatches)
// straight into the evaluation path's input, and calls visit with each batch
// and its labels.
func (m *Model) evalBatches(ds *data.Dataset, visit func(b data.EvaluationBatch, y []int) error) error {
	s := m.spec
	if ds.Dim() != product(s.Input) {
		return fmt.Errorf("model: data set examples have %d values, the model expects %v", ds.Dim(), s.Input)
	}
	batches, err := data.EvaluationBatches(ds.Len(), s.EvalBatch)
	if err != nil {
		return fmt.Errorf("model: %w", err)
	}
	x32, x64 := floats(m.xEvalT)
	y := make([]int, s.EvalBatch)
	for _, b := range batches {
		if x32 != nil {
			err = ds.Gather32(b.Indices, x32, y)
		} else {
			err = ds.Gather(b.Indices, x64, y)
		}
		if err != nil {
			return err
		}
		if err := visit(b, y); err != nil {
			return err
		}
	}
	return nil
}

// Logits runs the evaluation path on EvalBatch examples x (row-major) at
// the model's parameters (SetParams) and writes the EvalBatch×Classes
// logits into out.
func (m *Model) Logits(x, out []float64) error {
	m.atParams()
	copyIn(m.xEvalT, x)
	return m.evalLogits(out)
}

// evalLogits runs the evaluation path on its input as it stands and writes
// the logits into out.
func (m *Model) evalLogits(out []float64) error {
	defer m.evalVM.Reset()
	if err := tape.Run(m.evalVM); err != nil {
		return fmt.Errorf("model: evaluation forward pass: %w", err)
	}
	copyOut(out, m.logits.Value())
	return nil
}

// crossEntropy returns −log softmax(z)[label] (stable: log-sum-exp with the
// maximum subtracted) and the index of the largest logit.
func crossEntropy(z []float64, label int) (float64, int) {
	a := argmax(z)
	var sum float64
	for _, v := range z {
		sum += math.Exp(v - z[a])
	}
	return math.Log(sum) + z[a] - z[label], a
}

// argmax is the index of the first largest value of z.
func argmax[T float32 | float64](z []T) int {
	a := 0
	for i, v := range z {
		if v > z[a] {
			a = i
		}
	}
	return a
}

// scorer computes crossEntropy's loss and predicted class for each row of
// an evaluation batch's logits. Float32 logits take their sums of
// exponentials from internal/softmax, four rows at a time in AVX2, which
// gives crossEntropy's sums bit for bit (the same terms exp(z_j − max z)
// in the same order, math.Exp's operations in its order): the same losses
// for about a fifth of the instructions.
type scorer struct {
	classes int
	// loss and argmax are the last scored batch's, one per row.
	loss   []float64
	argmax []int
	// s, dot and mass are softmax.Sums' outputs, of which only s is used,
	// and zeros its targets, which dot and mass alone read.
	s, dot, mass []float64
	zeros        []float32
	logits       []float64 // float64 logits, copied out
}

// newScorer returns a scorer for batches of spec's EvalBatch rows.
func newScorer(spec Spec) *scorer {
	n, k := spec.EvalBatch, spec.Classes
	return &scorer{classes: k, loss: make([]float64, n), argmax: make([]int, n),
		s: make([]float64, n), dot: make([]float64, n), mass: make([]float64, n)}
}

// score computes the loss and predicted class of the first len(y) rows of
// the logits v for the labels y.
func (sc *scorer) score(v G.Value, y []int) {
	k, n := sc.classes, len(y)
	z32, _ := floats(v)
	if z32 == nil {
		if sc.logits == nil {
			sc.logits = make([]float64, len(sc.loss)*k)
		}
		copyOut(sc.logits, v)
		for i, label := range y {
			sc.loss[i], sc.argmax[i] = crossEntropy(sc.logits[i*k:(i+1)*k], label)
		}
		return
	}
	if sc.zeros == nil {
		sc.zeros = make([]float32, len(sc.loss)*k)
	}
	softmax.Sums(sc.s[:n], sc.dot, sc.mass, z32, sc.zeros, k)
	for i, label := range y {
		z := z32[i*k : (i+1)*k]
		a := argmax(z)
		sc.loss[i], sc.argmax[i] = math.Log(sc.s[i])+float64(z[a])-float64(z[label]), a
	}
}

// ExampleLosses runs the evaluation path over ds as Evaluate does and
// returns each example's cross-entropy −log softmax(z)_y and margin
// z_y − max_{k≠y} z_k (negative when the example is misclassified): the
// difficulty scores of a reference model (Wu, Dyer & Neyshabur 2021 score
// examples by a trained network's loss).
func (m *Model) ExampleLosses(ds *data.Dataset) (loss, margin []float64, err error) {
	m.atParams()
	return m.exampleLosses(ds)
}

// exampleLosses is ExampleLosses at the weights the parameter tensors hold.
func (m *Model) exampleLosses(ds *data.Dataset) (loss, margin []float64, err error) {
	s := m.spec
	logits := make([]float64, s.EvalBatch*s.Classes)
	loss, margin = make([]float64, ds.Len()), make([]float64, ds.Len())
	err = m.evalBatches(ds, func(b data.EvaluationBatch, y []int) error {
		if err := m.evalLogits(logits); err != nil {
			return err
		}
		for i := range b.Count {
			z, j := logits[i*s.Classes:(i+1)*s.Classes], b.Indices[i]
			loss[j], _ = crossEntropy(z, y[i])
			margin[j] = math.Inf(1)
			for k, v := range z {
				if k != y[i] {
					margin[j] = min(margin[j], z[y[i]]-v)
				}
			}
		}
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	return loss, margin, nil
}
