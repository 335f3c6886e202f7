package experiment

import (
	"cmp"
	"fmt"
	"strings"

	"deepopt/config"
	"deepopt/data"
	"deepopt/layers"
	"deepopt/model"
	"deepopt/optim"
	"deepopt/schedule"

	"gorgonia.org/tensor"
)

// modelSpec translates the model section for a data set's example shape.
func modelSpec(cfg *config.Config, ds *data.Dataset) model.Spec {
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
		Kind: model.Kind(c.Kind), Input: input, Classes: ds.Classes, Hidden: c.Hidden,
		Activation: layers.ActivationKind(c.Activation), BatchNorm: c.BatchNorm, BNMomentum: c.BNMomentum, BNEps: c.BNEps, L2: c.L2,
		InputDropout: c.InputDropout, Dropout: c.Dropout,
		Init: model.Init(c.Init), InitStd: c.InitStd, Dtype: dt,
		BatchSize: cfg.Train.BatchSize, EvalBatch: cfg.Train.EvalBatch, Seed: uint64(cfg.Seed),
	}
	for _, l := range c.Conv {
		spec.Conv = append(spec.Conv, model.ConvStage{Channels: l.Channels, Kernel: l.Kernel, Stride: l.Stride, Padding: l.Padding, Pool: l.Pool})
	}
	if c.MainWeight != 1 {
		spec.MainWeight = schedule.Constant{Rate: c.MainWeight}
	}
	for _, h := range c.AuxHeads {
		spec.AuxHeads = append(spec.AuxHeads, model.AuxHead{At: h.At, Hidden: h.Hidden, Weight: termWeight(h.Weight, h.Until, h.Decay)})
	}
	return spec
}

// termWeight is the weight over the steps of a term of the objective (an
// aux head, distillation's soft term): held, held until a step and then 0,
// or decayed linearly to 0 by that step.
func termWeight(weight float64, until int, decay bool) schedule.Scalar {
	w := schedule.Constant{Rate: weight}
	switch {
	case decay:
		return schedule.Linear{From: weight, Steps: until}
	case until > 0:
		return schedule.Until{Steps: until, Value: w}
	}
	return w
}

// architecture lists, by config key, the settings that shape the model's
// parameters or graph; the checkpoint stores them and a resume must match
// them (train.Trainer.Architecture). Settings that only start a run
// (init, seed) or steer training (bn_momentum, l2, batch sizes) may change.
func architecture(cfg *config.Config) map[string]string {
	c := cfg.Model
	arch := map[string]string{
		"dtype":            cfg.DType,
		"model.kind":       c.Kind,
		"model.hidden":     fmt.Sprint(c.Hidden),
		"model.activation": c.Activation,
		"model.batchnorm":  fmt.Sprint(c.BatchNorm),
	}
	if classes := cfg.Data.Classes; len(classes) > 0 {
		arch["data.classes"] = fmt.Sprint(classes) // the output layer's meaning
	}
	if c.BatchNorm {
		arch["model.bn_eps"] = fmt.Sprint(c.BNEps)
	}
	if c.Kind == "cnn" {
		arch["model.conv"] = fmt.Sprintf("%+v", c.Conv)
	}
	if len(c.AuxHeads) > 0 {
		heads := make([]string, len(c.AuxHeads))
		for i, h := range c.AuxHeads {
			heads[i] = fmt.Sprintf("%s%v", h.At, h.Hidden)
		}
		arch["model.aux_heads"] = strings.Join(heads, " ")
	}
	return arch
}

// divergenceFactor translates train.divergence_factor, where 0 turns the
// check off, into train.Trainer's, where a negative value does.
func divergenceFactor(factor float64) float64 {
	if factor == 0 {
		return -1
	}
	return factor
}

// newOptimizer builds the optimizer section's method for m, wrapped in the
// averager the section asks for. Trainable (nil: all of θ) are the
// coordinates it moves: the dimension the dense methods store matrices of
// and the subspace block coordinate descent sweeps.
func newOptimizer(cfg *config.Config, m *model.Model, trainable []int) (optim.Optimizer, error) {
	dim := m.Dim()
	if trainable != nil {
		dim = len(trainable)
	}
	c := cfg.Optimizer
	var opt optim.Optimizer
	switch c.Kind {
	case "sgd":
		sgd := &optim.SGD{Momentum: c.Momentum, Nesterov: c.Nesterov, WeightDecay: c.WeightDecay}
		if err := sgd.Validate(); err != nil {
			return nil, err
		}
		opt = sgd
	case "adam":
		adam := &optim.Adam{Beta1: c.Beta1, Beta2: c.Beta2, Eps: c.Eps, WeightDecay: c.WeightDecay, Decoupled: c.Decoupled}
		if err := adam.Validate(); err != nil {
			return nil, err
		}
		opt = adam
	case "cg":
		variant, err := cgVariant(c.CGVariant)
		if err != nil {
			return nil, err
		}
		// CG wants the tighter curvature condition c2 = 0.1 (Nocedal &
		// Wright §5.2) when the strong Wolfe search is asked for by name.
		opt = &optim.CG{Variant: variant, RestartEvery: c.RestartEvery,
			LineSearch: lineSearch(c.LineSearch, optim.StrongWolfe{CurvatureFactor: optim.CGCurvatureFactor})}
	case "bfgs":
		limit := cmp.Or(c.MaxDenseParams, optim.DefaultBFGSMaxDim)
		if err := denseFits("bfgs", "inverse Hessian", "lbfgs, which keeps optimizer.memory vector pairs,", dim, limit); err != nil {
			return nil, err
		}
		opt = &optim.BFGS{MaxDim: limit, LineSearch: lineSearch(c.LineSearch, optim.StrongWolfe{})}
	case "lbfgs":
		opt = &optim.LBFGS{Memory: c.Memory, LineSearch: lineSearch(c.LineSearch, optim.StrongWolfe{})}
	case "newton":
		limit := cmp.Or(c.MaxDenseParams, optim.DefaultNewtonMaxDim)
		if err := denseFits("newton", "Hessian", "newton-cg, which needs only Hessian-vector products,", dim, limit); err != nil {
			return nil, err
		}
		opt = &optim.Newton{MaxDim: limit, Beta: c.Damping, LineSearch: lineSearch(c.LineSearch, optim.StrongWolfe{})}
	case "newton-cg":
		opt = &optim.NewtonCG{MaxInner: c.MaxInner, LineSearch: lineSearch(c.LineSearch, optim.StrongWolfe{})}
	case "bcd":
		blocks := layerBlocks(m.Layers())
		if trainable != nil {
			var err error
			if blocks, err = optim.SubspaceBlocks(blocks, trainable, m.Dim()); err != nil {
				return nil, err
			}
		}
		opt = &optim.CoordinateDescent{Blocks: blocks, RandomOrder: c.BlockOrder == "random",
			Seed: uint64(cfg.Seed), LineSearch: lineSearch(c.LineSearch, optim.StrongWolfe{})}
	default:
		return nil, fmt.Errorf("optimizer.kind: %q is not supported", c.Kind)
	}
	return averaged(c, opt)
}

// denseFits refuses, when the run is built rather than at its first step,
// a method (kind) that stores a dense dim×dim matrix for a model above its
// limit of parameters, naming the method to use instead.
func denseFits(kind, matrix, instead string, dim, limit int) error {
	if dim <= limit {
		return nil
	}
	return fmt.Errorf("optimizer.kind: %s stores a dense %d×%d %s (%d MB) and accepts at most %d parameters (optimizer.max_dense_params); use %s a smaller model, or raise optimizer.max_dense_params if the matrix fits in memory",
		kind, dim, dim, matrix, 8*dim*dim/1_000_000, limit, instead)
}

// averaged wraps opt in the averager of optimizer.average.
func averaged(c config.Optimizer, opt optim.Optimizer) (optim.Optimizer, error) {
	switch c.Average {
	case "", "none":
		return opt, nil
	case "polyak":
		return &optim.PolyakAverage{Inner: opt, Start: c.AverageStart}, nil
	case "ema":
		return &optim.ExponentialAverage{Inner: opt, Decay: c.EMADecay, Debias: c.EMADebias}, nil
	}
	return nil, fmt.Errorf("optimizer.average: %q is not supported; valid: none, polyak, ema", c.Average)
}

// cgVariant translates optimizer.cg_variant.
func cgVariant(name string) (optim.CGVariant, error) {
	switch name {
	case "pr+":
		return optim.PolakRibierePlus, nil
	case "fr":
		return optim.FletcherReeves, nil
	case "pr":
		return optim.PolakRibiere, nil
	case "hs":
		return optim.HestenesStiefel, nil
	}
	return 0, fmt.Errorf("optimizer.cg_variant: %q is not supported; valid: fr, pr, pr+, hs", name)
}

// lineSearch translates optimizer.line_search: nil (the method's own
// default) for auto, wolfe as the given strong Wolfe settings, backtracking
// as Armijo backtracking with its defaults.
func lineSearch(name string, wolfe optim.StrongWolfe) optim.LineSearcher {
	switch name {
	case "wolfe":
		return &wolfe
	case "backtracking":
		return &optim.Backtracking{}
	}
	return nil
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
