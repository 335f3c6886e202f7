package model

import (
	"errors"
	"fmt"
	"strings"

	"deepopt/internal/bounds"
	"deepopt/internal/names"
	"deepopt/layers"
	"deepopt/schedule"

	"gorgonia.org/tensor"
)

// Kind names a network family.
type Kind string

// The network families New builds.
const (
	// MLP is a multilayer perceptron: the hidden dense layers, then the
	// classifier.
	MLP Kind = "mlp"
	// CNN is a convolutional net: the conv stages, then the hidden dense
	// layers, then the classifier.
	CNN Kind = "cnn"
)

// Kinds lists the network families in the order messages give them.
func Kinds() []Kind { return []Kind{MLP, CNN} }

// Init names a weight initialiser.
type Init string

// The weight initialisers New accepts (biases always start at zero).
const (
	// Gaussian draws weights from N(0, InitStd²) (layers.Gaussian).
	Gaussian Init = "gaussian"
	// Glorot is Glorot & Bengio's (2010) uniform initialisation
	// (layers.GlorotUniform).
	Glorot Init = "glorot"
	// He is He et al.'s (2015) normal initialisation (layers.HeNormal).
	He Init = "he"
)

// Inits lists the weight initialisers in the order messages give them.
func Inits() []Init { return []Init{Gaussian, Glorot, He} }

// Spec describes a network: an MLP (Kind "mlp") or a convolutional net
// (Kind "cnn": a stack of Conv2D[-BN]-activation[-MaxPool] stages, then the
// hidden dense layers, then the classifier). With BatchNorm, a BN transform
// sits between every hidden layer's affine map and its nonlinearity, as in
// Ioffe & Szegedy (2015), §3.2.
type Spec struct {
	Kind Kind
	// Input is one example's shape: [D] for an MLP, [C, H, W] for a CNN (an
	// MLP also accepts [C, H, W] and flattens it).
	Input []int
	// Classes is the number of output classes (softmax width).
	Classes int
	// Hidden lists the widths of the hidden dense layers.
	Hidden []int
	// Conv lists the convolution stages (cnn only).
	Conv []ConvStage
	// Activation is the hidden layers' nonlinearity.
	Activation layers.ActivationKind
	// BatchNorm inserts a BN transform before each hidden nonlinearity.
	BatchNorm bool
	// BNMomentum and BNEps configure the BN layers (zero: package defaults).
	BNMomentum, BNEps float64
	// InputDropout and Dropout are the rates of inverted dropout
	// (layers.Dropout) on the input and on every hidden dense layer's output
	// (after its nonlinearity), on the training path only; 0 disables it.
	// Hinton et al. (2012) use 0.2 and 0.5.
	InputDropout, Dropout float64
	// L2 is the coefficient λ of the weight penalty (λ/2)·Σ w² added to the
	// loss (weights only; biases and BN parameters are not penalised).
	L2 float64
	// Init is the weight initialiser; Gaussian draws with std InitStd.
	Init    Init
	InitStd float64
	// Dtype is tensor.Float32 or tensor.Float64.
	Dtype tensor.Dtype
	// BatchSize is the training minibatch size, fixed when the graph is built.
	BatchSize int
	// EvalBatch is the batch size of the evaluation path.
	EvalBatch int
	// Seed seeds the initialisers.
	Seed uint64
	// MainWeight, when set, weighs the main head's cross-entropy over the
	// steps (a finite weight ≥ 0); nil leaves it unweighted (weight 1).
	// Weight 0 trains on the other terms alone, as FitNets' hint stage
	// trains on the hint (Romero et al. 2015, §2.3).
	MainWeight schedule.Scalar
	// AuxHeads are auxiliary classifiers on hidden nodes, each a weighted
	// term of the objective (terms.go).
	AuxHeads []AuxHead
	// Terms are further weighted terms of the objective that other
	// packages build (lossterm.go): distillation, hints.
	Terms []LossTerm
}

// ConvStage is one convolution stage of a CNN.
type ConvStage struct {
	Channels, Kernel, Stride, Padding int
	// Pool is the max-pooling window and stride; 0 or 1 means no pooling.
	Pool int
}

func (s *Spec) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	switch s.Kind {
	case MLP:
		if len(s.Conv) > 0 {
			bad("model: an mlp has no conv stages (got %d); use kind cnn", len(s.Conv))
		}
	case CNN:
		if len(s.Input) != 3 {
			bad("model: a cnn needs a [C, H, W] input, got %v", s.Input)
		}
		if len(s.Conv) == 0 {
			bad("model: a cnn needs at least one conv stage")
		}
	default:
		bad("model: unknown kind %q; valid: %s", s.Kind, strings.Join(names.Strings(Kinds()), ", "))
	}
	if len(s.Input) == 0 {
		bad("model: input shape is empty")
	}
	if s.Classes < 2 {
		bad("model: classes = %d, need at least 2", s.Classes)
	}
	found, _ := bounds.Errors(CheckWidths("Spec.Hidden", s.Hidden))
	if s.Dtype != tensor.Float32 && s.Dtype != tensor.Float64 {
		bad("model: dtype %v; valid: float32, float64", s.Dtype)
	}
	batches, _ := bounds.Errors(s.ValidateBatches())
	for _, e := range append(found, batches...) {
		bad("model: %w", e)
	}
	if err := CheckL2(s.L2); err != nil {
		bad("model: %w", err)
	}
	return errors.Join(errs...)
}

// CheckL2 reports, as a *bounds.Error naming Spec.L2, a coefficient λ of the
// weight penalty that is not finite and ≥ 0. New checks it; package config
// calls it on model.l2.
func CheckL2(l2 float64) error {
	return bounds.Check("Spec.L2", l2, bounds.NonNegative, "the coefficient λ of the weight penalty (λ/2)·Σ w²")
}

// CheckWidths reports, each as a *bounds.Error naming field[i], the widths
// below 1 of a stack of hidden dense layers: Spec.Hidden or an
// AuxHead.Hidden. New checks them; package config calls it on model.hidden
// and the heads' hidden keys.
func CheckWidths(field string, widths []int) error {
	var errs []error
	for i, w := range widths {
		if w < 1 {
			errs = append(errs, &bounds.Error{Field: fmt.Sprintf("%s[%d]", field, i), Value: w, Want: "an integer ≥ 1 (a layer width)"})
		}
	}
	return errors.Join(errs...)
}

// ValidateBatches reports, each as a *bounds.Error naming its field, a
// BatchSize below 1, or below 2 with BatchNorm (BN estimates each unit's
// variance over the minibatch, Ioffe & Szegedy 2015, Algorithm 1), and an
// EvalBatch below 1. New checks them; package config calls it on
// train.batch_size and train.eval_batch.
func (s *Spec) ValidateBatches() error {
	var errs []error
	switch {
	case s.BatchNorm && s.BatchSize == 1:
		errs = append(errs, &bounds.Error{Field: "Spec.BatchSize",
			Problem: "want at least 2 with Spec.BatchNorm: true (batch normalization needs two examples to estimate a variance), got 1"})
	case s.BatchSize < 1:
		errs = append(errs, &bounds.Error{Field: "Spec.BatchSize", Value: s.BatchSize, Want: "an integer ≥ 1 (the examples per minibatch)"})
	}
	if s.EvalBatch < 1 {
		errs = append(errs, &bounds.Error{Field: "Spec.EvalBatch", Value: s.EvalBatch, Want: "an integer ≥ 1 (the examples per evaluation pass)"})
	}
	return errors.Join(errs...)
}
