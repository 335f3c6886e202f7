// Package traintest holds what the tests of training hooks and runs share: a
// small trainer on the checked-in MNIST fixture, a hook that interrupts a
// run, and the files of a run read back for comparing an interrupted run
// with an uninterrupted one. It does not import config, so that the tests of
// the packages config checks settings with (activations, landscape) can use
// it; the config fixtures are package configtest's.
package traintest

import (
	"context"
	"testing"

	"deepopt/data"
	"deepopt/model"
	"deepopt/optim"
	"deepopt/schedule"
	"deepopt/train"

	"gorgonia.org/tensor"
)

// NewTrainer builds the MLP of Ioffe & Szegedy (2015) with smaller hidden
// layers (64, 32), BN and momentum SGD at rate lr on the fixture in
// testdata/mnist (tests run in a package directory one level below the
// module's root), writing into dir.
func NewTrainer(t testing.TB, dir string, steps int, lr float64) *train.Trainer {
	t.Helper()
	trainSet, testSet, err := data.LoadMNIST("../testdata/mnist", nil)
	if err != nil {
		t.Fatal(err)
	}
	m, err := model.New(model.Spec{Kind: "mlp", Input: []int{784}, Classes: 10, Hidden: []int{64, 32},
		Activation: "sigmoid", BatchNorm: true, Init: "gaussian", InitStd: 0.1, Dtype: tensor.Float32,
		BatchSize: 50, EvalBatch: 250, Seed: 7})
	if err != nil {
		t.Fatal(err)
	}
	return &train.Trainer{Model: m, Optimizer: &optim.SGD{Momentum: 0.9}, LR: schedule.Constant{Rate: lr},
		Train: trainSet, Test: testSet, Seed: 3, Steps: steps, EvalEvery: 40, CheckpointEvery: 30, Dir: dir}
}

// CancelAt is a hook that cancels the run's context after step Step, as
// Ctrl-C would.
type CancelAt struct {
	Step   int
	Cancel context.CancelFunc
}

// Attach implements train.Hook.
func (c CancelAt) Attach(t *train.Trainer) error {
	t.OnStep(train.PriorityDefault, c.afterStep)
	return nil
}

func (c CancelAt) afterStep(t *train.Trainer) error {
	if t.Step() == c.Step {
		c.Cancel()
	}
	return nil
}
