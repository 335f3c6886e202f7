package model

import (
	"fmt"
	"math"

	"deepopt/data"
)

// Evaluation is the mean cross-entropy and the accuracy of a model on a data
// set, computed on the evaluation path (BN in inference mode).
type Evaluation struct {
	Loss, Accuracy float64
}

// Evaluate runs the evaluation path over every example of ds in batches of
// EvalBatch (the last batch padded by repeating examples, whose results are
// dropped; BN in inference mode treats every example independently) and
// computes the loss and accuracy in float64 from the logits. It changes
// nothing in the model.
func (m *Model) Evaluate(ds *data.Dataset) (Evaluation, error) {
	s := m.spec
	if ds.Dim() != product(s.Input) {
		return Evaluation{}, fmt.Errorf("model: data set examples have %d values, the model expects %v", ds.Dim(), s.Input)
	}
	batches, err := data.EvaluationBatches(ds.Len(), s.EvalBatch)
	if err != nil {
		return Evaluation{}, fmt.Errorf("model: %w", err)
	}
	x := make([]float64, s.EvalBatch*ds.Dim())
	y := make([]int, s.EvalBatch)
	logits := make([]float64, s.EvalBatch*s.Classes)
	var lossSum float64
	correct := 0
	for _, b := range batches {
		if err := ds.Gather(b.Indices, x, y); err != nil {
			return Evaluation{}, err
		}
		if err := m.Logits(x, logits); err != nil {
			return Evaluation{}, err
		}
		for i := range b.Count {
			l, argmax := crossEntropy(logits[i*s.Classes:(i+1)*s.Classes], y[i])
			lossSum += l
			if argmax == y[i] {
				correct++
			}
		}
	}
	n := float64(ds.Len())
	return Evaluation{Loss: lossSum / n, Accuracy: float64(correct) / n}, nil
}

// Logits runs the evaluation path on EvalBatch examples x (row-major) and
// writes the EvalBatch×Classes logits into out.
func (m *Model) Logits(x, out []float64) error {
	copyIn(m.xEvalT, x)
	defer m.evalVM.Reset()
	if err := m.evalVM.RunAll(); err != nil {
		return fmt.Errorf("model: evaluation forward pass: %w", err)
	}
	copyOut(out, m.logits.Value())
	return nil
}

// crossEntropy returns −log softmax(z)[label] (stable: log-sum-exp with the
// maximum subtracted) and the index of the largest logit.
func crossEntropy(z []float64, label int) (float64, int) {
	argmax := 0
	for i, v := range z {
		if v > z[argmax] {
			argmax = i
		}
	}
	var sum float64
	for _, v := range z {
		sum += math.Exp(v - z[argmax])
	}
	return math.Log(sum) + z[argmax] - z[label], argmax
}
