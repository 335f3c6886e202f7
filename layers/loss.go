package layers

import (
	"fmt"
	"math"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// LogSoftmax returns log softmax(z/T) along the class axis of logits z,
// shape (N, K), with temperature T > 0 (T = 1 is the plain log-softmax;
// T > 1 softens the distribution, as in Hinton et al. 2015, Eq. 1). It is
// computed as s − log Σ_k exp(s_k) with s = z/T − max_k z_k/T, so that no
// exponent is positive and logits of any size (1000 and more) neither
// overflow nor lose the small classes.
//
// The row maximum is a constant shift that the log-softmax does not depend
// on, so its gradient path contributes −1 + Σ_k softmax_k = 0 up to
// rounding, whatever Gorgonia's Max does at ties.
func LogSoftmax(logits *G.Node, temperature float64) (*G.Node, error) {
	if err := checkLogits(logits, temperature); err != nil {
		return nil, err
	}
	z := logits
	if temperature != 1 {
		var err error
		if z, err = G.Mul(logits, scalar(logits.Dtype(), 1/temperature)); err != nil {
			return nil, fmt.Errorf("layers: logits/T: %w", err)
		}
	}
	rowMax, err := G.Max(z, 1)
	if err != nil {
		return nil, fmt.Errorf("layers: row maximum of logits: %w", err)
	}
	shifted, err := G.BroadcastSub(z, rowMax, nil, []byte{1})
	if err != nil {
		return nil, fmt.Errorf("layers: logits − row maximum: %w", err)
	}
	exp, err := G.Exp(shifted)
	if err != nil {
		return nil, fmt.Errorf("layers: exp: %w", err)
	}
	sum, err := G.Sum(exp, 1)
	if err != nil {
		return nil, fmt.Errorf("layers: Σ exp: %w", err)
	}
	logSum, err := G.Log(sum)
	if err != nil {
		return nil, fmt.Errorf("layers: log Σ exp: %w", err)
	}
	logProbs, err := G.BroadcastSub(shifted, logSum, nil, []byte{1})
	if err != nil {
		return nil, fmt.Errorf("layers: log-softmax: %w", err)
	}
	return logProbs, nil
}

// Softmax returns softmax(z/T) along the class axis of logits z, shape
// (N, K), as exp(LogSoftmax(z, T)): the class probabilities, or at T > 1 the
// soft targets of knowledge distillation (Hinton et al. 2015, Eq. 1).
func Softmax(logits *G.Node, temperature float64) (*G.Node, error) {
	logProbs, err := LogSoftmax(logits, temperature)
	if err != nil {
		return nil, err
	}
	return G.Exp(logProbs)
}

// SoftmaxCrossEntropy returns the mean over the batch of the cross-entropy
// between targets t and softmax(z):
//
//	L = −(1/N) Σ_n Σ_k t_nk · log softmax(z_n)_k,
//
// for logits z and targets t of the same shape (N, K) and dtype. Targets may
// be one-hot labels or any soft distribution over the classes (rows summing
// to 1, e.g. a teacher's softened outputs in distillation); the gradient is
// then (softmax(z) − t)/N. It equals CrossEntropy(LogSoftmax(z, 1), t),
// computed as one operation (softmaxCEOp).
func SoftmaxCrossEntropy(logits, targets *G.Node) (*G.Node, error) {
	if err := checkTargets(logits, targets); err != nil {
		return nil, err
	}
	s := logits.Shape()
	return G.ApplyOp(&softmaxCEOp{n: s[0], k: s[1]}, logits, targets)
}

// CrossEntropy returns −(1/N) Σ_n Σ_k t_nk · logProbs_nk for log-probabilities
// and targets of the same shape (N, K) and dtype: the batch-mean
// cross-entropy of Hinton et al.'s (2015) distillation loss when logProbs is
// LogSoftmax(studentLogits, T) and targets is Softmax(teacherLogits, T) (the
// caller applies the T² factor).
func CrossEntropy(logProbs, targets *G.Node) (*G.Node, error) {
	if err := checkTargets(logProbs, targets); err != nil {
		return nil, err
	}
	weighted, err := G.HadamardProd(targets, logProbs)
	if err != nil {
		return nil, fmt.Errorf("layers: t ⊙ log p: %w", err)
	}
	total, err := G.Sum(weighted)
	if err != nil {
		return nil, fmt.Errorf("layers: Σ t log p: %w", err)
	}
	loss, err := G.Mul(total, scalar(logProbs.Dtype(), -1/float64(logProbs.Shape()[0])))
	if err != nil {
		return nil, fmt.Errorf("layers: mean cross-entropy: %w", err)
	}
	return loss, nil
}

// checkTargets reports predictions (logits or log-probabilities) that
// checkLogits refuses, and targets that are missing or differ from them in
// shape or dtype.
func checkTargets(predictions, targets *G.Node) error {
	if err := checkLogits(predictions, 1); err != nil {
		return err
	}
	if targets == nil {
		return fmt.Errorf("layers: cross-entropy targets node is nil")
	}
	if !targets.Shape().Eq(predictions.Shape()) {
		return fmt.Errorf("layers: cross-entropy targets have shape %v, predictions have %v; targets must be (N, classes) like the predictions", targets.Shape(), predictions.Shape())
	}
	if targets.Dtype() != predictions.Dtype() {
		return fmt.Errorf("layers: cross-entropy targets have dtype %v, predictions have %v", targets.Dtype(), predictions.Dtype())
	}
	return nil
}

// checkLogits reports logits that are not an (N, K) float matrix with N, K ≥
// 1, or a temperature that is not finite and positive.
func checkLogits(logits *G.Node, temperature float64) error {
	if logits == nil {
		return fmt.Errorf("layers: logits node is nil")
	}
	s := logits.Shape()
	if len(s) != 2 || s[0] < 1 || s[1] < 1 {
		return fmt.Errorf("layers: logits have shape %v, want (N, classes)", s)
	}
	if dt := logits.Dtype(); dt != tensor.Float64 && dt != tensor.Float32 {
		return fmt.Errorf("layers: logits have dtype %v; use float32 or float64", dt)
	}
	if !(temperature > 0) || math.IsInf(temperature, 1) {
		return fmt.Errorf("layers: softmax temperature %g is not a finite positive number; use T = 1 for the plain softmax", temperature)
	}
	return nil
}

// scalar returns a constant scalar node of dtype dt (float32 or float64).
func scalar(dt tensor.Dtype, v float64) *G.Node {
	if dt == tensor.Float32 {
		return G.NewConstant(float32(v))
	}
	return G.NewConstant(v)
}
