package config

import (
	"cmp"
	"fmt"
	"math"
	"reflect"
	"slices"
	"strings"

	"deepopt/batchnorm"
	"deepopt/data"
	"deepopt/internal/bounds"
	"deepopt/layers"
	"deepopt/model"
	"deepopt/optim"
	"deepopt/schedule"
	"deepopt/train"
)

// datasetShape is what validation needs to know about a data set.
type datasetShape struct {
	// train is the number of training examples, 0 when the files decide
	// (then the loader checks the counts).
	train int
	// side is the height and width of the square input images.
	side int
}

// datasets holds the shape of every data.dataset choice.
var datasets = map[string]datasetShape{
	"mnist":  {train: 60000, side: 28},
	"shapes": {side: 32},
}

// Validate reports every invalid value of c at once, in an *Error whose
// problems name the dotted key, the bad value and the valid range or
// choices: string keys outside their choices, keys set (away from their
// default) that do not apply to their section's kind, and out-of-range or
// inconsistent numbers. Load calls it and adds line numbers; call it
// directly on a Config built in Go. Whether data.validation leaves enough
// training examples of the actual files is for the data loader to check.
func (c *Config) Validate() error {
	var p problems
	defaults := Default()
	p.checkTags(reflect.ValueOf(c).Elem(), reflect.ValueOf(&defaults).Elem(), "")
	if c.Name == "" || c.Name == "." || c.Name == ".." || strings.ContainsAny(c.Name, `/\`) {
		p.add("name", "want a run name without path separators (it names the folder runs/<name>), got %q", c.Name)
	}
	c.Data.validate(&p, c.Train.BatchSize)
	c.Model.validate(&p, datasets[c.Data.Dataset])
	c.Optimizer.validate(&p)
	c.Schedule.validate(&p, c.Train.Steps)
	c.Train.validate(&p, c.Model.BatchNorm)
	c.Continuation.validate(&p, c.Train)
	c.Probe.validate(&p)
	c.Record.validate(&p)
	c.Curriculum.validate(&p, c.Data.Dataset)
	c.Init.validate(&p)
	c.validatePretrain(&p)
	c.validateStages(&p)
	c.Distill.validate(&p)
	if c.Model.MainWeight == 0 && !c.otherTerm() {
		p.add("model.main_weight", "0 leaves the objective without a term of positive weight; train on another term (distill.teacher with distill.hint, or model.aux_heads), or set a weight > 0")
	}
	return p.err("")
}

// checkTags checks the choices and kinds tags of the section value against
// its default section, recursively.
func (p *problems) checkTags(value, defaults reflect.Value, key string) {
	switch value.Kind() {
	case reflect.Slice:
		for i := range value.Len() {
			p.checkTags(value.Index(i), reflect.Zero(value.Type().Elem()), join(key, fmt.Sprint(i)))
		}
	case reflect.Struct:
		kind, kindValid := sectionKind(value)
		for _, f := range fieldsOf(value.Type()) {
			v, d, path := value.Field(f.index), defaults.Field(f.index), join(key, f.name)
			if f.choices != nil && !slices.Contains(f.choices, v.String()) {
				p.add(path, "%s", choiceProblem(v.String(), f.choices))
			}
			if kindValid && !f.appliesTo(kind) && !sameValue(v, d) {
				p.add(path, "%s applies only to %s %s, not %s; leave it at its default or set %s to %s",
					describeValue(v), join(key, kindKey), strings.Join(f.kinds, " or "), kind, join(key, kindKey), f.kinds[0])
			}
			p.checkTags(v, d, path)
		}
	}
}

// describeValue shows a value in a message: lists by their length.
func describeValue(v reflect.Value) string {
	if v.Kind() == reflect.Slice {
		return fmt.Sprintf("a list of %d", v.Len())
	}
	return fmt.Sprint(v.Interface())
}

// sameValue reports whether a equals b, counting nil and empty lists equal.
func sameValue(a, b reflect.Value) bool {
	if a.Kind() == reflect.Slice && a.Len() == 0 && b.Len() == 0 {
		return true
	}
	return reflect.DeepEqual(a.Interface(), b.Interface())
}

// validate checks the data section; batchSize is train.batch_size.
func (d *Data) validate(p *problems, batchSize int) {
	shape, ok := datasets[d.Dataset]
	if !ok {
		return // the choices check reported it
	}
	p.atLeast("data.per_class", d.PerClass, 0, "training examples kept per class; 0 keeps them all")
	p.library("data", data.Jitter{Pixels: d.Jitter}.Check([]int{shape.side, shape.side}), map[string]string{"Jitter.Pixels": "jitter"})
	p.library("data", data.CheckLabelNoise(d.LabelNoise), map[string]string{"FlipLabels.fraction": "label_noise"})
	if d.Dataset == "shapes" && d.Dir == "" {
		p.add("data.dir", "data.dataset shapes has no default copy: write one with `train shapes --set basic --out DIR` and set data.dir to DIR")
	}
	for i, dir := range d.Also {
		if dir == "" {
			p.add("data.also", "entry %d is empty; list folders holding the four IDX files, or remove it", i)
		}
	}
	if shape.train == 0 {
		p.atLeast("data.train_limit", d.TrainLimit, 0, "0 uses all training examples")
		p.atLeast("data.validation", d.Validation, 0, "0 holds out none")
		return
	}
	size := shape.train
	if d.TrainLimit != 0 {
		p.intRange("data.train_limit", d.TrainLimit, 0, shape.train, fmt.Sprintf("0 uses all %d %s training examples", shape.train, d.Dataset))
	}
	if d.TrainLimit > 0 {
		size = min(d.TrainLimit, size)
	}
	if d.Validation < 0 || d.Validation >= size {
		p.add("data.validation", "want an integer from 0 to %d (fewer than the %d training examples in use), got %d", size-1, size, d.Validation)
		return
	}
	if remaining := size - d.Validation; batchSize > remaining {
		p.add("train.batch_size", "%d exceeds the %d training examples left after holding out data.validation; want at most %d", batchSize, remaining, remaining)
	}
}

// validate checks the model section; input is the data set's shape (zero
// when data.dataset is invalid).
func (m *Model) validate(p *problems, input datasetShape) {
	p.library("model", model.CheckWidths("Spec.Hidden", m.Hidden), map[string]string{"Spec.Hidden": "hidden"})
	p.library("model", batchnorm.Options{Eps: m.BNEps, Momentum: m.BNMomentum}.Validate(),
		map[string]string{"Options.Eps": "bn_eps", "Options.Momentum": "bn_momentum"})
	p.library("model", model.CheckL2(m.L2), map[string]string{"Spec.L2": "l2"})
	p.library("model", model.CheckWeight("Spec.MainWeight", m.MainWeight), map[string]string{"Spec.MainWeight": "main_weight"})
	p.library("model", layers.CheckDropoutRate(m.Dropout), map[string]string{"Dropout.Rate": "dropout"})
	p.library("model", layers.CheckDropoutRate(m.InputDropout), map[string]string{"Dropout.Rate": "input_dropout"})
	if m.Init == "gaussian" {
		p.interval("model.init_std", m.InitStd, bounds.Positive)
	}
	for i, h := range m.AuxHeads {
		key := fmt.Sprintf("model.aux_heads.%d", i)
		if h.At == "" {
			p.add(key+".at", "name the node the head reads, e.g. act1 (train record lists a model's nodes)")
		}
		p.library(key, model.CheckWidths("AuxHead.Hidden", h.Hidden), map[string]string{"AuxHead.Hidden": "hidden"})
		p.library(key, model.CheckWeight("AuxHead.Weight", h.Weight), map[string]string{"AuxHead.Weight": "weight"})
		p.termSchedule(key, h.Until, h.Decay)
	}
	if m.Kind == "cnn" && len(m.Conv) == 0 {
		p.add("model.conv", "model.kind cnn needs at least one conv layer, got none; e.g. conv: [{channels: 32}, {channels: 64}]")
	}
	side, trace := input.side, fmt.Sprint(input.side)
	for i, layer := range m.Conv {
		key := fmt.Sprintf("model.conv.%d", i)
		bad := len(*p)
		p.library(key, layers.CheckConv(layer.Channels, layer.Kernel, layer.Stride, layer.Padding),
			map[string]string{"Conv2D.OutChannels": "channels", "Conv2D.Kernel": "kernel", "Conv2D.Stride": "stride", "Conv2D.Padding": "padding"})
		p.atLeast(key+".pool", layer.Pool, 0, "the pooling side, 0 or 1 for none")
		if len(*p) > bad || side == 0 {
			side = 0 // the output size is unknown after an invalid layer
			continue
		}
		side = layers.ConvOutputSize(side, layer.Kernel, layer.Stride, layer.Padding)
		trace += fmt.Sprintf(" → conv %d", side)
		if side >= 1 && layer.Pool >= 2 {
			side = layers.ConvOutputSize(side, layer.Pool, layer.Pool, 0)
			trace += fmt.Sprintf(" → pool %d", side)
		}
		if side < 1 {
			p.add(key, "the %d×%d input shrinks to nothing here (%s); use a smaller kernel, stride or pool, more padding, or fewer layers", input.side, input.side, trace)
			side = 0
		}
	}
}

// validate checks the optimizer section.
func (o *Optimizer) validate(p *problems) {
	sgd := optim.SGD{Momentum: o.Momentum, Nesterov: o.Nesterov, WeightDecay: o.WeightDecay}
	p.library("optimizer", sgd.Validate(), map[string]string{"SGD.Momentum": "momentum", "SGD.Nesterov": "nesterov", "SGD.WeightDecay": "weight_decay"})
	adam := optim.Adam{Beta1: o.Beta1, Beta2: o.Beta2, Eps: o.Eps} // weight_decay is checked above
	p.library("optimizer", adam.Validate(), map[string]string{"Adam.Beta1": "beta1", "Adam.Beta2": "beta2", "Adam.Eps": "eps"})
	// Adam reads a zero β1, β2 or ε as its default, which a config
	// writes out instead, so 0 is refused rather than silently replaced.
	p.zeroIsDefault("optimizer.beta1", o.Beta1, "a number "+bounds.Open.String(), "Adam", optim.DefaultAdamBeta1,
		"for Adam without momentum set a tiny β1 such as 1e-12, whose first-moment estimate is then the gradient to 12 digits")
	p.zeroIsDefault("optimizer.beta2", o.Beta2, "a number "+bounds.Open.String(), "Adam", optim.DefaultAdamBeta2,
		"for a second-moment estimate that is the latest squared gradient set a tiny β2 such as 1e-12")
	p.zeroIsDefault("optimizer.eps", o.Eps, "a number "+bounds.Positive.String(), "Adam", optim.DefaultAdamEps, "")
	p.library("optimizer", (&optim.CG{RestartEvery: o.RestartEvery}).Validate(), map[string]string{"CG.RestartEvery": "restart_every"})
	p.library("optimizer", (&optim.LBFGS{Memory: o.Memory}).Validate(), map[string]string{"LBFGS.Memory": "memory"})
	p.zeroIsDefault("optimizer.memory", float64(o.Memory), "an integer ≥ 1 (the (s, y) pairs L-BFGS keeps)", "L-BFGS", optim.DefaultLBFGSMemory, "")
	// max_dense_params is BFGS's MaxDim too, which the same check bounds.
	newton := optim.Newton{Beta: o.Damping, MaxDim: o.MaxDenseParams}
	p.library("optimizer", newton.Validate(), map[string]string{"Newton.Beta": "damping", "Newton.MaxDim": "max_dense_params"})
	p.library("optimizer", (&optim.NewtonCG{MaxInner: o.MaxInner}).Validate(), map[string]string{"NewtonCG.MaxInner": "max_inner"})
	p.library("optimizer", (&optim.PolyakAverage{Start: o.AverageStart}).Validate(), map[string]string{"PolyakAverage.Start": "average_start"})
	ema := optim.ExponentialAverage{Decay: o.EMADecay}
	p.library("optimizer", ema.Validate(), map[string]string{"ExponentialAverage.Decay": "ema_decay"})
	p.zeroIsDefault("optimizer.ema_decay", o.EMADecay, "a number "+bounds.Open.String(), "the average", optim.DefaultEMADecay, "")
	defaults := Default().Optimizer
	if o.Average != "polyak" && o.AverageStart != defaults.AverageStart {
		p.add("optimizer.average_start", "%d applies only to optimizer.average polyak, not %s; leave it at its default or set optimizer.average to polyak", o.AverageStart, o.Average)
	}
	if o.Average != "ema" && o.EMADecay != defaults.EMADecay {
		p.add("optimizer.ema_decay", "%v applies only to optimizer.average ema, not %s; leave it at its default or set optimizer.average to ema", o.EMADecay, o.Average)
	}
	if o.Average != "ema" && o.EMADebias != defaults.EMADebias {
		p.add("optimizer.ema_debias", "%v applies only to optimizer.average ema, not %s; leave it at its default or set optimizer.average to ema", o.EMADebias, o.Average)
	}
}

// validate checks the schedule section; steps is train.steps.
func (s *Schedule) validate(p *problems, steps int) {
	rate := schedule.Constant{Rate: s.LR}.Validate()
	p.library("schedule", rate, map[string]string{"Constant.Rate": "lr"})
	if s.WarmupSteps < 0 || steps > 0 && s.WarmupSteps >= steps {
		p.add("schedule.warmup_steps", "want an integer from 0 to %d (fewer than train.steps), got %d", max(steps-1, 0), s.WarmupSteps)
	}
	p.atLeast("schedule.step_size", s.StepSize, 1, "the steps per decay")
	// The decays' and the cosine's own checks; the rate's problem is
	// reported above.
	decay := schedule.Exponential{Rate: 1, Gamma: s.Gamma}
	p.library("schedule", decay.Validate(), map[string]string{"Exponential.Gamma": "gamma"})
	if rate == nil {
		cosine := schedule.Cosine{Rate: s.LR, Min: s.MinLR, Steps: 1}
		p.library("schedule", cosine.Validate(), map[string]string{"Cosine.Min": "min_lr", "Cosine.Rate": "lr"})
	}
}

// validate checks the train section; batchNorm is model.batchnorm.
func (t *Train) validate(p *problems, batchNorm bool) {
	batches := model.Spec{BatchNorm: batchNorm, BatchSize: t.BatchSize, EvalBatch: t.EvalBatch}
	p.library("", batches.ValidateBatches(), map[string]string{"Spec.BatchSize": "train.batch_size", "Spec.EvalBatch": "train.eval_batch", "Spec.BatchNorm": "model.batchnorm"})
	p.library("train", train.CheckSteps(t.Steps), map[string]string{"Trainer.Steps": "steps"})
	p.atLeast("train.eval_every", t.EvalEvery, 0, "0 evaluates only at the end")
	p.atLeast("train.checkpoint_every", t.CheckpointEvery, 0, "0 saves only at the end")
	p.atLeast("train.log_every", t.LogEvery, 0, "0 logs at each evaluation")
	p.atLeast("train.hold_batch", t.HoldBatch, 1, "the steps each minibatch is held for")
	p.atLeast("train.bn_reestimate", t.BNReestimate, 0, "0 re-estimates on one pass over the training set")
	p.atLeast("train.max_grad_evals", t.MaxGradEvals, 0, "0 means no limit")
	p.atLeast("train.eval_every_grad_evals", t.EvalEveryGradEvals, 0, "0 disables it")
	if f := t.DivergenceFactor; f != 0 && !(f > 1) || math.IsInf(f, 0) {
		p.add("train.divergence_factor", "want a factor above 1 (the loss may grow to that many times its first value), or 0 to turn the check off, got %v", f)
	}
}

// termSchedule checks the until and decay keys under key of a weighted term
// of the objective.
func (p *problems) termSchedule(key string, until int, decay bool) {
	p.atLeast(key+".until", until, 0, "the step the term stops at, 0 for never")
	if decay && until == 0 {
		p.add(key+".decay", "true needs until > 0, the step by which the weight reaches 0")
	}
}

// atLeast records a problem when the integer v at key is below lo; what
// says what the value means.
func (p *problems) atLeast(key string, v, lo int, what string) {
	if v < lo {
		p.add(key, "want an integer ≥ %d (%s), got %d", lo, what, v)
	}
}

// intRange records a problem when the integer v at key is outside [lo, hi];
// why explains the bound.
func (p *problems) intRange(key string, v, lo, hi int, why string) {
	if v < lo || v > hi {
		p.add(key, "want an integer from %d to %d (%s), got %d", lo, hi, why, v)
	}
}

// interval records a problem when the number v at key is outside r.
func (p *problems) interval(key string, v float64, r bounds.Interval) {
	if !r.Contains(v) {
		p.add(key, "want a number %s, got %v", r, v)
	}
}

// zeroIsDefault records a problem when the number v at key is 0, which the
// library type (who) would read as its default def: the config wants a
// value as want says and def written out; fix, when set, says how to get
// what 0 would mean if it were taken literally.
func (p *problems) zeroIsDefault(key string, v float64, want, who string, def any, fix string) {
	if v != 0 {
		return
	}
	advice := "write that out"
	if fix != "" {
		advice += "; " + fix
	}
	p.add(key, "want %s, got 0 (%s would read 0 as its default %v; %s)", want, who, def, advice)
}

// library records under config keys the problems a library type's Validate
// reports (err, of *bounds.Error): keys maps the Go name of each setting to
// its key in section, which replaces the Go names in the problem's text too;
// an element of a list setting ("Probe.Etas[1]") is the list's key with the
// index (probe.etas.1). So a setting's range is checked where the setting
// lives, and the config names it by its key.
func (p *problems) library(section string, err error, keys map[string]string) {
	found, rest := bounds.Errors(err)
	for _, e := range found {
		problem := cmp.Or(e.Problem, fmt.Sprintf("want %s, got %v", e.Want, e.Value))
		for field, key := range keys {
			problem = strings.ReplaceAll(problem, field, join(section, key))
		}
		p.add(join(section, libraryKey(e.Field, keys)), "%s", problem)
	}
	for _, e := range rest {
		p.add(section, "%v", e)
	}
}

// libraryKey is the key in keys of the library setting field, or of the list
// setting whose element field is, followed by the element's index; field
// itself when keys has neither.
func libraryKey(field string, keys map[string]string) string {
	if key, ok := keys[field]; ok {
		return key
	}
	if list, index, ok := strings.Cut(strings.TrimSuffix(field, "]"), "["); ok && strings.HasSuffix(field, "]") {
		if key, ok := keys[list]; ok {
			return join(key, index)
		}
	}
	return field
}

// validate checks the curriculum section; dataset is data.dataset. Whether
// b leaves a minibatch, the loader checks against the actual training set.
func (c *Curriculum) validate(p *problems, dataset string) {
	if c.Kind == "none" {
		return
	}
	pace := schedule.WuPacing{Family: schedule.LinearPacing, A: c.A, B: c.B, Steps: 1, N: 1} // its checks of a and b
	p.library("curriculum", pace.Validate(), map[string]string{"WuPacing.A": "a", "WuPacing.B": "b"})
	if c.Scores == "difficulty" && dataset != "shapes" {
		p.add("curriculum.scores", "difficulty needs a data set with its own difficulty scores (data.dataset shapes), not %s; use random, file, loss or margin", dataset)
	}
	needsFrom := c.Scores == "file" || c.Scores == "loss" || c.Scores == "margin"
	if needsFrom && c.From == "" {
		p.add("curriculum.from", "curriculum.scores %s needs curriculum.from: the scores file (file) or the reference run's folder (loss, margin)", c.Scores)
	}
	if !needsFrom && c.From != "" {
		p.add("curriculum.from", "%q applies only to curriculum.scores file, loss or margin, not %s", c.From, c.Scores)
	}
}

// otherTerm reports whether the objective has a term of positive weight
// besides the main head's: an auxiliary head, distillation's soft term or
// its hint.
func (c *Config) otherTerm() bool {
	for _, h := range c.Model.AuxHeads {
		if h.Weight > 0 {
			return true
		}
	}
	d := c.Distill
	return d.Teacher != "" && (d.Weight > 0 || d.Hint.On() && d.Hint.Weight > 0)
}
