package distill

import (
	"fmt"

	"deepopt/model"
	"deepopt/schedule"

	G "gorgonia.org/gorgonia"
)

// Teacher is a trained network that gives the student its soft targets: it
// runs forward-only on the evaluation path (batch normalization with its
// running statistics, no dropout), so every example's targets depend on
// that example alone, and it is never trained. Its architecture is its
// own; it needs the student's classes and the same number of input values
// per example (an MLP teacher reads a CNN student's images row-major).
type Teacher struct {
	model  *model.Model
	kd     KD
	logits []float64
}

// NewTeacher checks the teacher's network m, rebuilt from the run in dir
// (experiment.FinishedModel) with an evaluation batch of the student's
// minibatch size, against the student's spec, and returns the teacher of
// kd's soft targets.
func NewTeacher(m *model.Model, dir string, student model.Spec, kd KD) (*Teacher, error) {
	if err := kd.Validate(); err != nil {
		return nil, err
	}
	if err := checkTeacher(m, dir, student); err != nil {
		return nil, err
	}
	s := m.Spec()
	return &Teacher{model: m, kd: kd, logits: make([]float64, s.EvalBatch*s.Classes)}, nil
}

// checkTeacher refuses a teacher network m, rebuilt from the run in dir,
// that cannot evaluate the student's minibatches: other classes, another
// number of input values per example, an evaluation batch other than the
// student's minibatch.
func checkTeacher(m *model.Model, dir string, student model.Spec) error {
	s := m.Spec()
	if s.Classes != student.Classes {
		return fmt.Errorf("distill.teacher: %s has %d classes and the student %d; distil from a teacher trained on the student's classes", dir, s.Classes, student.Classes)
	}
	if size(s.Input) != size(student.Input) {
		return fmt.Errorf("distill.teacher: %s reads examples of shape %v and the student %v; distil from a teacher trained on the student's data", dir, s.Input, student.Input)
	}
	if s.EvalBatch != student.BatchSize {
		return fmt.Errorf("distill: the teacher's evaluation batch is %d examples and the student's minibatch %d; rebuild the teacher with an evaluation batch of train.batch_size", s.EvalBatch, student.BatchSize)
	}
	return nil
}

// Targets writes the teacher's probabilities at τ, P_T^τ = softmax(z_t/τ),
// for the student's minibatch x (the examples the student trains on, as its
// loop gathered and augmented them, row-major) into dst, one row of classes
// per example.
func (t *Teacher) Targets(x, dst []float64) error {
	s := t.model.Spec()
	if len(x) != s.EvalBatch*size(s.Input) || len(dst) != len(t.logits) {
		return fmt.Errorf("distill: a minibatch of %d values and targets of %d; the teacher takes %d examples of %d values and gives %d×%d targets",
			len(x), len(dst), s.EvalBatch, size(s.Input), s.EvalBatch, s.Classes)
	}
	if err := t.model.Logits(x, t.logits); err != nil {
		return fmt.Errorf("distill: teacher: %w", err)
	}
	t.kd.Targets(t.logits, s.Classes, dst)
	return nil
}

// Term is the soft term of knowledge distillation as a term of the
// student's objective, named kd and weighted by λ(t) (weight; KD.Weight
// held constant is Hinton et al.'s setting, a decay to 0 Romero et al.'s):
// KD.SoftLoss of the student's training-path logits against the teacher's
// probabilities at τ, which the teacher computes (Targets) for every
// minibatch the student's loop sets, as the loop jittered it.
func (t *Teacher) Term(weight schedule.Scalar) model.LossTerm {
	return model.LossTerm{Name: "kd", Weight: weight, Build: func(b *model.TermGraph) (*G.Node, error) {
		s := b.Spec()
		probs := b.Input([]int{s.BatchSize, s.Classes}, func(x []float64, _ []int, dst []float64) error { return t.Targets(x, dst) })
		return t.kd.SoftLoss(b.Logits(), probs)
	}}
}

// size is the number of values of a tensor of the given shape.
func size(shape []int) int {
	n := 1
	for _, d := range shape {
		n *= d
	}
	return n
}
