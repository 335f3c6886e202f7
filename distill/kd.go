package distill

import (
	"errors"
	"fmt"
	"math"

	"deepopt/internal/bounds"
	"deepopt/layers"

	G "gorgonia.org/gorgonia"
)

// KD is the soft term of knowledge distillation (Hinton et al. 2015, §2):
// the cross-entropy H(P_T^τ, P_S^τ) between the teacher's and the student's
// class probabilities at temperature τ, P^τ = softmax(z/τ), added to the
// student's hard-label cross-entropy with weight λ:
//
//	L_KD = H(y, P_S) + λ·s·H(P_T^τ, P_S^τ),  s = τ² (default) or 1.
//
// The soft term's gradient with respect to a student logit is
// s·(P_S^τ − P_T^τ)/τ per example. Its magnitude falls as 1/τ² at high τ
// (Hinton et al., Eq. 3), so without s = τ² every change of τ would also
// change the balance between the two terms and λ would have to be retuned
// with it; Hinton et al. multiply by τ² for this reason, and so does KD by
// default. Unscaled gives the lecture's and FitNets' form
// L = H(y, P_S) + λ·H(P_T^τ, P_S^τ), whose λ is tuned for one τ (Romero et
// al. 2015 use τ = 3, λ = 4 on MNIST).
type KD struct {
	// Temperature is τ > 0; τ = 1 is the plain softmax, Hinton et al.
	// distil MNIST at τ = 20.
	Temperature float64
	// Weight is λ ≥ 0, the soft term's weight.
	Weight float64
	// Unscaled drops the τ² factor of the soft term.
	Unscaled bool
}

// Validate reports a temperature that is not finite and positive and a
// weight that is not finite and non-negative, as *bounds.Error.
func (k KD) Validate() error {
	return errors.Join(
		bounds.Check("KD.Temperature", k.Temperature, bounds.Positive, "a finite τ; 1 is the plain softmax, Hinton et al. use 20 on MNIST"),
		bounds.Check("KD.Weight", k.Weight, bounds.NonNegative, "a finite λ; 0 trains on the hard labels alone"),
	)
}

// Scale is the factor s of the soft term: τ², or 1 when Unscaled.
func (k KD) Scale() float64 {
	if k.Unscaled {
		return 1
	}
	return k.Temperature * k.Temperature
}

// SoftLoss returns the graph node of the unweighted soft term
// s·H(P_T^τ, P_S^τ), averaged over the batch, for the student's logits
// (N, classes) and a node of the teacher's probabilities at τ of the same
// shape (Targets computes them). It is computed from the student's
// log-softmax at τ (layers.LogSoftmax, stable for logits of any size), so
// its gradient s·(P_S^τ − P_T^τ)/(τN) is exact to rounding. λ is applied by
// the objective that sums the terms.
func (k KD) SoftLoss(studentLogits, teacherProbs *G.Node) (*G.Node, error) {
	if err := k.Validate(); err != nil {
		return nil, err
	}
	logp, err := layers.LogSoftmax(studentLogits, k.Temperature)
	if err != nil {
		return nil, fmt.Errorf("distill: %w", err)
	}
	h, err := layers.CrossEntropy(logp, teacherProbs)
	if err != nil {
		return nil, fmt.Errorf("distill: %w", err)
	}
	if s := k.Scale(); s != 1 {
		c := G.NewConstant(s)
		if h.Dtype() != c.Dtype() {
			c = G.NewConstant(float32(s))
		}
		if h, err = G.Mul(h, c); err != nil {
			return nil, fmt.Errorf("distill: τ²·H: %w", err)
		}
	}
	return h, nil
}

// Targets writes the teacher's probabilities at temperature τ,
// softmax(z/τ) row by row, for logits of rows of classes values into dst
// (the same length), computed stably in float64 with each row's largest
// logit subtracted.
func (k KD) Targets(logits []float64, classes int, dst []float64) {
	for r := 0; r+classes <= len(logits); r += classes {
		z, p := logits[r:r+classes], dst[r:r+classes]
		top := z[0]
		for _, v := range z {
			top = max(top, v)
		}
		var sum float64
		for i, v := range z {
			p[i] = math.Exp((v - top) / k.Temperature)
			sum += p[i]
		}
		for i := range p {
			p[i] /= sum
		}
	}
}
