package experiment

import (
	"fmt"

	"deepopt/config"
	"deepopt/data"
	"deepopt/model"
	"deepopt/optim"
	"deepopt/schedule"

	"gorgonia.org/tensor"
)

// modelSpec translates the model section for a data set's example shape.
func modelSpec(cfg *config.Config, ds *data.Dataset) (model.Spec, error) {
	c := cfg.Model
	dt := tensor.Float32
	if cfg.DType == "float64" {
		dt = tensor.Float64
	}
	input := append([]int(nil), ds.Shape...)
	if c.Kind == "mlp" {
		input = []int{ds.Dim()}
	}
	spec := model.Spec{
		Kind: c.Kind, Input: input, Classes: ds.Classes, Hidden: c.Hidden,
		Activation: c.Activation, BatchNorm: c.BatchNorm, BNMomentum: c.BNMomentum, BNEps: c.BNEps,
		Init: c.Init, InitStd: c.InitStd, Dtype: dt,
		BatchSize: cfg.Train.BatchSize, EvalBatch: cfg.Train.EvalBatch, Seed: uint64(cfg.Seed),
	}
	for _, l := range c.Conv {
		spec.Conv = append(spec.Conv, model.ConvStage{Channels: l.Channels, Kernel: l.Kernel, Stride: l.Stride, Padding: l.Padding, Pool: l.Pool})
	}
	return spec, nil
}

// newOptimizer builds the optimizer section's method.
func newOptimizer(cfg *config.Config, _ *model.Model) (optim.Optimizer, error) {
	c := cfg.Optimizer
	var opt interface {
		optim.Optimizer
		Validate() error
	}
	switch c.Kind {
	case "sgd":
		opt = &optim.SGD{Momentum: c.Momentum, Nesterov: c.Nesterov, WeightDecay: c.WeightDecay}
	case "adam":
		opt = &optim.Adam{Beta1: c.Beta1, Beta2: c.Beta2, Eps: c.Eps, WeightDecay: c.WeightDecay, Decoupled: c.Decoupled}
	default:
		return nil, fmt.Errorf("optimizer.kind: %q is not supported", c.Kind)
	}
	if err := opt.Validate(); err != nil {
		return nil, err
	}
	return opt, nil
}

// newSchedule builds the schedule section's learning rate; the decay runs
// over the steps after the warm-up.
func newSchedule(cfg *config.Config) (schedule.LR, error) {
	c := cfg.Schedule
	var lr schedule.LR
	switch c.Kind {
	case "constant":
		lr = schedule.Constant{Rate: c.LR}
	case "step":
		lr = schedule.StepDecay{Rate: c.LR, Gamma: c.Gamma, Every: c.StepSize}
	case "exponential":
		lr = schedule.Exponential{Rate: c.LR, Gamma: c.Gamma, Every: c.StepSize}
	case "cosine":
		lr = schedule.Cosine{Rate: c.LR, Min: c.MinLR, Steps: max(cfg.Train.Steps-c.WarmupSteps, 1)}
	default:
		return nil, fmt.Errorf("schedule.kind: %q is not supported", c.Kind)
	}
	if c.WarmupSteps > 0 {
		lr = schedule.Warmup{Steps: c.WarmupSteps, Start: 1 / float64(c.WarmupSteps), Then: lr}
	}
	if v, ok := lr.(interface{ Validate() error }); ok {
		if err := v.Validate(); err != nil {
			return nil, err
		}
	}
	return lr, nil
}
