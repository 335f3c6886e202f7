// Package config is the typed configuration of a deepopt training run: what
// `train --config FILE [--set key=value ...]` reads, validates and stores as
// the resolved config.yaml of the run directory.
//
// Load reads a YAML file, applies --set overrides by dotted path, checks every
// key against the schema of Config (unknown keys with a suggestion, wrong
// types, keys that do not apply to the chosen kind) and validates every value,
// reporting all problems at once, each with its line. Marshal writes the
// resolved configuration back so that Load reproduces it exactly.
//
// The schema is Config itself: yaml tags name the keys, a `choices` tag lists
// the valid values of a string key, and a `kinds` tag marks a key that
// applies only to some values of its section's `kind` (for example
// optimizer.beta1 applies to adam only). Adding an optimizer kind means adding
// it to Optimizer.Kind's choices and tagging the keys it uses.
package config

import (
	"deepopt/batchnorm"
	"deepopt/optim"
	"deepopt/train"

	"gopkg.in/yaml.v3"
)

// Config is a complete training run: data, model, optimizer, learning-rate
// schedule and training loop.
type Config struct {
	// Name names the run; the default run directory is runs/<name>. It
	// defaults to the config file's name without its extension.
	Name string `yaml:"name"`
	// Seed seeds everything random in the run: initialisation, shuffling,
	// the validation split.
	Seed int `yaml:"seed"`
	// DType is the floating-point type of the network's computations.
	// Line searches, quasi-Newton and Newton methods are more reliable in
	// float64.
	DType string `yaml:"dtype" choices:"float32|float64"`
	// Data chooses the data set.
	Data Data `yaml:"data"`
	// Model describes the network.
	Model Model `yaml:"model"`
	// Optimizer chooses the optimization method and its settings.
	Optimizer Optimizer `yaml:"optimizer"`
	// Schedule gives the learning rate as a function of the step.
	Schedule Schedule `yaml:"schedule"`
	// Train sets the training loop's lengths and cadences.
	Train Train `yaml:"train"`
	// Probe measures the loss landscape along the gradient during training
	// (landscape.csv); off unless probe.every is set.
	Probe Probe `yaml:"probe"`
	// Continuation trains on the loss smoothed by Gaussian weight noise
	// whose width falls to 0 over the run; off unless continuation.sigma is
	// set.
	Continuation Continuation `yaml:"continuation"`
	// Record follows the distribution of chosen units over training
	// (activations.csv); off unless record.nodes is set.
	Record Record `yaml:"record"`
	// Curriculum draws the training minibatches at a curriculum's pace;
	// off unless curriculum.kind is set.
	Curriculum Curriculum `yaml:"curriculum"`
	// Init loads parameters from another run before step 0 (transfer
	// learning); off unless init.from is set.
	Init Transfer `yaml:"init"`
	// Stages makes the run a sequence of stages, each the run's config
	// with an overlay, each starting from the parameters of the one before
	// (package stage); [] is a run of one stage.
	Stages []Stage `yaml:"stages"`
	// Pretrain makes the run greedy supervised layer-wise pretraining of
	// the MLP's hidden layers, then fine-tuning: a run of stages; off
	// unless pretrain.steps_per_layer is set.
	Pretrain Pretrain `yaml:"pretrain"`
	// Distill trains the run as the student of a finished run by
	// knowledge distillation; off unless distill.teacher is set.
	Distill Distill `yaml:"distill"`
}

// Curriculum orders the training examples by difficulty and makes them
// available at a pace (Bengio et al. 2009; Wu, Dyer & Neyshabur 2021).
type Curriculum struct {
	// Kind is how the pace applies: none (uniform shuffling), sample
	// (minibatches drawn uniformly from the g(t) easiest examples),
	// stochastic (each place of a minibatch hard with probability
	// (g(t) − g(0))/N, else easy; Bengio et al.'s stochastic curriculum) or
	// weight (minibatches shuffled from every example as without a
	// curriculum, each example's loss weighted by W_λ(x): 1 for the g(t)
	// easiest, 0 for the rest; the lecture's Q_λ ∝ W_λ·P).
	Kind string `yaml:"kind" choices:"none|sample|stochastic|weight"`
	// Scores are the difficulty scores, lower = easier: difficulty (the
	// data set's own, shapes only), random (the control), file (a .npy or
	// one-number-per-line file at curriculum.from), loss or margin (those of
	// the finished run in the folder curriculum.from, at its checkpoint).
	Scores string `yaml:"scores" choices:"difficulty|random|file|loss|margin" kinds:"sample|stochastic|weight"`
	// From is the scores file or the reference run's folder.
	From string `yaml:"from" kinds:"sample|stochastic|weight"`
	// Ordering orders the examples by their scores: curriculum (easy
	// first), anti (hard first) or random (ignoring them).
	Ordering string `yaml:"ordering" choices:"curriculum|anti|random" kinds:"sample|stochastic|weight"`
	// Pacing is the family of g(t): linear, quad, root, step (Bengio et
	// al.'s switch from the b·N easiest to all at step a·T), exp or log.
	Pacing string `yaml:"pacing" choices:"linear|quad|root|step|exp|log" kinds:"sample|stochastic|weight"`
	// A is the fraction of train.steps at which every example is
	// available, > 0.
	A float64 `yaml:"a" kinds:"sample|stochastic|weight"`
	// B is the fraction of the examples available at step 0, in (0, 1],
	// at least one minibatch.
	B float64 `yaml:"b" kinds:"sample|stochastic|weight"`
}

// Data chooses the data set and how much of it to use.
type Data struct {
	// Dataset names the data set: mnist, or shapes (Bengio et al.'s 32×32
	// shape images of 3 classes, written by `train shapes`).
	Dataset string `yaml:"dataset" choices:"mnist|shapes"`
	// Dir is the folder holding the IDX files (train-images-idx3-ubyte.gz
	// and the like); "" uses the GoMNIST Go module in the module cache
	// (mnist only).
	Dir string `yaml:"dir"`
	// Also lists more folders of the same data set whose training examples
	// are appended, in order, to Dir's (the test set stays Dir's): the union
	// of training sets, e.g. Bengio et al.'s (2009) control that trains on
	// BasicShapes and GeomShapes together. [] adds none.
	Also []string `yaml:"also"`
	// Validation is the number of training examples held out for
	// validation (0 to 59999); when positive, the held-out examples replace
	// the test set in the metrics, so that model selection never sees it.
	Validation int `yaml:"validation"`
	// TrainLimit uses only the first TrainLimit training examples; 0 uses
	// all of them.
	TrainLimit int `yaml:"train_limit"`
	// Jitter translates every training example by a random whole number of
	// pixels from −jitter to +jitter along each axis, zeros shifted in
	// (Hinton et al. 2012 train their MNIST teacher with ±2); seeded by the
	// step, so a resumed run repeats it. 0 disables it; evaluation never
	// jitters.
	Jitter int `yaml:"jitter"`
	// LabelNoise is the fraction of training labels, in [0, 1), changed to
	// another class at random (drawn from the run's seed) after the
	// validation split, so the validation and test sets stay clean.
	LabelNoise float64 `yaml:"label_noise"`
	// Classes keeps only the examples of these classes, training and test,
	// relabelled by their position in the list (classes[i] becomes i), for a
	// new label set in transfer learning; the run's config.yaml records the
	// mapping. [] keeps every class.
	Classes []int `yaml:"classes"`
	// PerClass keeps at most PerClass training examples of each class,
	// chosen by the seed, for low-label regimes; 0 keeps them all.
	PerClass int `yaml:"per_class"`
}

// Model describes the network: a multilayer perceptron, or a convolutional
// stack followed by fully connected layers, ending in a 10-way softmax.
type Model struct {
	// Kind is the network family: mlp (fully connected layers only) or cnn
	// (the conv stack, then fully connected layers).
	Kind string `yaml:"kind" choices:"mlp|cnn"`
	// Hidden lists the widths of the hidden fully connected layers (for cnn,
	// the dense layers after the conv stack); [] is softmax regression on
	// the inputs (mlp) or on the conv features (cnn).
	Hidden []int `yaml:"hidden"`
	// Activation is the nonlinearity of every hidden layer.
	Activation string `yaml:"activation" choices:"sigmoid|tanh|relu"`
	// BatchNorm inserts batch normalization before each hidden nonlinearity
	// (Ioffe & Szegedy 2015, Algorithm 1); it needs train.batch_size ≥ 2.
	BatchNorm bool `yaml:"batchnorm"`
	// BNMomentum is the weight of the newest minibatch in the running
	// mean and variance, μ ← (1 − m)·μ + m·μ_B (PyTorch's convention).
	BNMomentum float64 `yaml:"bn_momentum"`
	// BNEps is the ε added to the variance, x̂ = (x − μ)/√(σ² + ε).
	BNEps float64 `yaml:"bn_eps"`
	// Dropout is the rate of inverted dropout on every hidden fully
	// connected layer's output (after its nonlinearity), in [0, 1): each
	// unit is zeroed with this probability and the rest scaled by
	// 1/(1 − rate) during training, the evaluation uses the whole network
	// (Srivastava et al. 2014; Hinton et al. 2012 use 0.5). The masks are
	// seeded by the step, so a resumed run repeats them. 0 disables it.
	Dropout float64 `yaml:"dropout"`
	// InputDropout is the rate of inverted dropout on the input pixels, in
	// [0, 1) (Hinton et al. 2012 use 0.2); 0 disables it.
	InputDropout float64 `yaml:"input_dropout"`
	// L2 is the coefficient λ of the weight penalty (λ/2)·Σ w² added to the
	// loss over the weight tensors (not biases or BN's γ, β). It is part of
	// the objective, so every optimizer minimises the same function; sgd and
	// adam also offer optimizer.weight_decay, which acts on the update only.
	L2 float64 `yaml:"l2"`
	// Init is the weight initialisation: gaussian (N(0, init_std²)),
	// glorot (Glorot & Bengio 2010, uniform with variance 2/(fan_in +
	// fan_out)) or he (He et al. 2015, normal with variance 2/fan_in).
	// Biases start at zero.
	Init string `yaml:"init" choices:"gaussian|glorot|he"`
	// InitStd is the standard deviation of the gaussian initialisation.
	InitStd float64 `yaml:"init_std"`
	// Conv lists the convolutional layers of a cnn, in order; required for
	// cnn, not allowed for mlp.
	Conv []ConvLayer `yaml:"conv,omitempty" kinds:"cnn"`
	// MainWeight is the weight ≥ 0 of the main head's cross-entropy in the
	// objective. 0 trains on the other terms alone (FitNets' hint stage,
	// Romero et al. 2015, §2.3, trains on the hint term only); it needs
	// another term of positive weight (an aux head, or distill's soft term
	// or hint).
	MainWeight float64 `yaml:"main_weight"`
	// AuxHeads attaches auxiliary classifiers to named nodes of the network
	// (deeply-supervised nets, Lee et al. 2015): each head's cross-entropy
	// is a weighted term of the objective; evaluation uses the main head.
	AuxHeads []AuxHead `yaml:"aux_heads,omitempty"`
}

// AuxHead is one auxiliary classifier: the node it reads (a feature map is
// flattened), optional hidden dense layers with the model's activation, then
// a linear map to the classes and the softmax.
type AuxHead struct {
	// At names the node the head reads, as train record lists them (act1,
	// fc2, pool1, ...).
	At string `yaml:"at"`
	// Hidden lists the widths of the head's hidden dense layers.
	Hidden []int `yaml:"hidden"`
	// Weight is the weight of the head's loss in the objective, ≥ 0
	// (GoogLeNet's 0.3 by default).
	Weight float64 `yaml:"weight"`
	// Until switches the head's term off from this step on; 0 keeps it to
	// the end.
	Until int `yaml:"until"`
	// Decay lowers the weight linearly to 0 by step Until instead of
	// holding it; it needs until > 0.
	Decay bool `yaml:"decay"`
}

// DefaultAuxHead is the head a list entry starts from: the keys an entry
// leaves out keep these values.
func DefaultAuxHead() AuxHead { return AuxHead{Weight: 0.3} }

// UnmarshalYAML decodes an aux_heads entry on top of DefaultAuxHead.
func (h *AuxHead) UnmarshalYAML(node *yaml.Node) error {
	type plain AuxHead // plain has no UnmarshalYAML: no recursion
	head := plain(DefaultAuxHead())
	if err := node.Decode(&head); err != nil {
		return err
	}
	*h = AuxHead(head)
	return nil
}

var _ yaml.Unmarshaler = (*AuxHead)(nil)

// ConvLayer is one convolution (square kernel, zero padding), followed by
// the activation and an optional max pooling.
type ConvLayer struct {
	// Channels is the number of output channels (feature maps).
	Channels int `yaml:"channels"`
	// Kernel is the side of the square kernel.
	Kernel int `yaml:"kernel"`
	// Stride is the step of the kernel in both directions.
	Stride int `yaml:"stride"`
	// Padding is the number of zeros added on every side of the input.
	Padding int `yaml:"padding"`
	// Pool is the side and stride of the max pooling after the activation;
	// 0 or 1 means no pooling.
	Pool int `yaml:"pool"`
}

// Optimizer chooses the optimization method. Keys tagged with kinds apply
// only to those kinds; setting one for another kind is an error, so that no
// setting is silently ignored.
type Optimizer struct {
	// Kind is the method: sgd (stochastic gradient descent, with optional
	// heavy-ball or Nesterov momentum), adam (Kingma & Ba 2015), cg
	// (nonlinear conjugate gradients, Nocedal & Wright Alg. 5.4), bfgs,
	// lbfgs (Nocedal & Wright Alg. 7.5), newton (damped Newton with a
	// finite-difference Hessian; small networks only), newton-cg (truncated
	// Newton, Alg. 7.1) or bcd (block coordinate descent over the layers).
	// The line-search methods (all but sgd and adam) minimise the current
	// minibatch's loss, best held for a few steps (train.hold_batch).
	Kind string `yaml:"kind" choices:"sgd|adam|cg|bfgs|lbfgs|newton|newton-cg|bcd"`
	// Momentum is the heavy-ball coefficient μ of SGD, v ← μ·v + g,
	// θ ← θ − lr·v; 0 is plain SGD.
	Momentum float64 `yaml:"momentum" kinds:"sgd"`
	// Nesterov uses Nesterov's accelerated gradient form of momentum
	// (Sutskever et al. 2013); it needs momentum > 0.
	Nesterov bool `yaml:"nesterov" kinds:"sgd"`
	// WeightDecay is the L2 penalty coefficient λ: the gradient gets λ·θ
	// added (for adam with decoupled: true, θ shrinks by lr·λ·θ instead).
	WeightDecay float64 `yaml:"weight_decay" kinds:"sgd|adam"`
	// Beta1 is Adam's decay rate of the first-moment estimate.
	Beta1 float64 `yaml:"beta1" kinds:"adam"`
	// Beta2 is Adam's decay rate of the second-moment estimate.
	Beta2 float64 `yaml:"beta2" kinds:"adam"`
	// Eps is the ε added to Adam's denominator √v̂ + ε.
	Eps float64 `yaml:"eps" kinds:"adam"`
	// Decoupled applies weight decay directly to the weights instead of
	// through the gradient (AdamW; Loshchilov & Hutter 2019).
	Decoupled bool `yaml:"decoupled" kinds:"adam"`
	// CGVariant is CG's β: fr (Fletcher–Reeves), pr (Polak–Ribière), pr+
	// (max(β_PR, 0), Nocedal & Wright eq. 5.45) or hs (Hestenes–Stiefel).
	CGVariant string `yaml:"cg_variant" choices:"fr|pr|pr+|hs" kinds:"cg"`
	// RestartEvery restarts CG with steepest descent every RestartEvery
	// steps; 0 means the number of parameters (in practice only Powell's
	// test restarts).
	RestartEvery int `yaml:"restart_every" kinds:"cg"`
	// Memory is the number m of (s, y) pairs L-BFGS keeps.
	Memory int `yaml:"memory" kinds:"lbfgs"`
	// LineSearch is the step-length rule: wolfe (strong Wolfe, Nocedal &
	// Wright Alg. 3.5) or backtracking (Armijo); auto is each method's own
	// default: wolfe for cg, bfgs and lbfgs (their curvature updates need
	// it), backtracking for newton, newton-cg and bcd.
	LineSearch string `yaml:"line_search" choices:"auto|wolfe|backtracking" kinds:"cg|bfgs|lbfgs|newton|newton-cg|bcd"`
	// Damping is β of damped Newton (Nocedal & Wright Alg. 3.3): the
	// first multiple of the identity added to an indefinite Hessian; 0
	// means optim.DefaultNewtonBeta.
	Damping float64 `yaml:"damping" kinds:"newton"`
	// MaxDenseParams is the largest number of parameters bfgs and newton
	// accept: they store dense n×n matrices (8n² bytes) and spend O(n²)
	// (bfgs) or O(n³) (newton) per step; 0 means each method's default
	// (optim.DefaultBFGSMaxDim, optim.DefaultNewtonMaxDim). Raise it to run
	// them on a network whose matrix fits in memory.
	MaxDenseParams int `yaml:"max_dense_params" kinds:"bfgs|newton"`
	// MaxInner bounds Newton-CG's inner CG iterations (Hessian-vector
	// products) per step; 0 means min(n, optim.DefaultNewtonCGMaxInner).
	MaxInner int `yaml:"max_inner" kinds:"newton-cg"`
	// ResetOnNewBatch makes cg, bfgs and lbfgs forget their memory
	// (previous direction, inverse Hessian, (s, y) pairs) whenever a new
	// minibatch replaces a held one (train.hold_batch), so each minibatch
	// starts with steepest descent; false carries the memory over.
	ResetOnNewBatch bool `yaml:"reset_on_new_batch" kinds:"cg|bfgs|lbfgs"`
	// BlockOrder is the order bcd visits the layers in each sweep: cyclic,
	// or random (a seeded permutation per sweep).
	BlockOrder string `yaml:"block_order" choices:"cyclic|random" kinds:"bcd"`
	// Average keeps an average of the iterates, which evaluation and the
	// final result use: none, polyak (the uniform average, Polyak &
	// Juditsky 1992) or ema (an exponential moving average). BN running
	// statistics are re-estimated for the averaged weights before each
	// evaluation (train.bn_reestimate).
	Average string `yaml:"average" choices:"none|polyak|ema"`
	// AverageStart is the first step whose iterate enters the polyak
	// average (skipping the early transient); 0 averages every iterate.
	AverageStart int `yaml:"average_start"`
	// EMADecay is α of the ema, θ̂ ← α·θ̂ + (1 − α)·θ: an average over
	// about 1/(1 − α) iterates.
	EMADecay float64 `yaml:"ema_decay"`
	// EMADebias divides the ema by 1 − α^t (Adam's bias correction, as
	// optax.ema(debias=True)); false starts the ema at the first iterate.
	EMADebias bool `yaml:"ema_debias"`
}

// Schedule gives the learning rate η(t) of step t (counted from 0). After
// warmup_steps, with s = t − warmup_steps and T = train.steps − warmup_steps:
// constant η = lr; step η = lr·gamma^⌊s/step_size⌋; exponential
// η = lr·gamma^(s/step_size); cosine η = min_lr + (lr − min_lr)·(1 +
// cos(πs/T))/2 (Loshchilov & Hutter 2017, without restarts).
type Schedule struct {
	// Kind is the shape of the schedule.
	Kind string `yaml:"kind" choices:"constant|step|exponential|cosine"`
	// LR is the base learning rate (for line-search methods, the first
	// trial step).
	LR float64 `yaml:"lr"`
	// WarmupSteps ramps the learning rate linearly from lr/warmup_steps up
	// to lr over the first warmup_steps steps; 0 disables warmup.
	WarmupSteps int `yaml:"warmup_steps"`
	// StepSize is the number of steps per decay by gamma.
	StepSize int `yaml:"step_size" kinds:"step|exponential"`
	// Gamma is the decay factor per step_size steps, in (0, 1].
	Gamma float64 `yaml:"gamma" kinds:"step|exponential"`
	// MinLR is the learning rate the cosine reaches at the last step.
	MinLR float64 `yaml:"min_lr" kinds:"cosine"`
}

// Train sets the training loop's lengths and cadences, all in steps.
type Train struct {
	// BatchSize is the number of examples per minibatch.
	BatchSize int `yaml:"batch_size"`
	// Steps is the total number of optimizer steps of the run.
	Steps int `yaml:"steps"`
	// EvalEvery evaluates on the test (or validation) set every EvalEvery
	// steps and at the end; 0 evaluates only at the end.
	EvalEvery int `yaml:"eval_every"`
	// EvalBatch is the number of examples per forward pass during
	// evaluation; it only trades memory for speed.
	EvalBatch int `yaml:"eval_batch"`
	// CheckpointEvery saves a checkpoint every CheckpointEvery steps and at
	// the end; 0 saves only at the end.
	CheckpointEvery int `yaml:"checkpoint_every"`
	// LogEvery writes a progress line every LogEvery steps; 0 logs at each
	// evaluation.
	LogEvery int `yaml:"log_every"`
	// HoldBatch holds each minibatch fixed for HoldBatch optimizer steps
	// (Le et al., ICML 2011, run CG and L-BFGS on large minibatches held
	// for a few iterations); full-batch training is batch_size = the
	// training set size with hold_batch ≥ steps. 1 draws a new minibatch
	// every step.
	HoldBatch int `yaml:"hold_batch"`
	// EvalBN chooses the BN statistics evaluations use for the live
	// weights: running (the running averages of training, Ioffe & Szegedy
	// 2015, Algorithm 2) or reestimate (re-estimated for the weights being
	// evaluated, as for averaged weights, which always are). Methods that
	// take few long steps, such as newton-cg, outrun the running averages.
	EvalBN string `yaml:"eval_bn" choices:"running|reestimate"`
	// BNReestimate is the number of training minibatches on which BN
	// running statistics are re-estimated (as a cumulative average) before
	// each evaluation, for averaged weights (optimizer.average) and with
	// eval_bn: reestimate; 0 uses one pass over the training set.
	BNReestimate int `yaml:"bn_reestimate"`
	// MaxGradEvals stops the run once its cumulative gradient evaluations
	// (the metrics' grad_evals) reach MaxGradEvals, for comparing methods
	// at equal cost; 0 means no limit.
	MaxGradEvals int `yaml:"max_grad_evals"`
	// EvalEveryGradEvals also evaluates whenever grad_evals crosses a
	// multiple of EvalEveryGradEvals, so that methods with different
	// evaluations per step are sampled at comparable cost; 0 disables it.
	EvalEveryGradEvals int `yaml:"eval_every_grad_evals"`
	// Freeze lists globs over parameter names ("fc1.*", "bn1.*"); the
	// parameters they match keep their values while the optimizer moves
	// the others (train.Trainer.Trainable).
	Freeze []string `yaml:"freeze"`
	// DivergenceFactor stops a run whose minibatch loss has grown beyond
	// DivergenceFactor times its value at the run's first step: the run
	// diverged (a learning rate far too large), and its weights are not
	// saved over the last good checkpoint. A NaN or infinite loss always
	// stops the run; 0 turns the growth check off.
	DivergenceFactor float64 `yaml:"divergence_factor"`
}

// Default returns the default configuration: the MNIST network of Ioffe &
// Szegedy (2015, Figure 1) without batch normalization, 784-100-100-100-10
// with sigmoids and N(0, 0.1²) weights, trained by plain SGD with learning
// rate 0.1 on minibatches of 60. Its Name is empty; Load derives it from
// the config file's name.
func Default() Config {
	return Config{
		Seed:  1,
		DType: "float32",
		Data:  Data{Dataset: "mnist", Also: []string{}, Classes: []int{}},
		Model: Model{
			Kind:       "mlp",
			Hidden:     []int{100, 100, 100},
			Activation: "sigmoid",
			BNMomentum: batchnorm.DefaultMomentum,
			BNEps:      batchnorm.DefaultEps,
			Init:       "gaussian",
			InitStd:    0.1,
			MainWeight: 1,
		},
		Optimizer: Optimizer{Kind: "sgd", Beta1: optim.DefaultAdamBeta1, Beta2: optim.DefaultAdamBeta2, Eps: optim.DefaultAdamEps,
			CGVariant: "pr+", Memory: optim.DefaultLBFGSMemory, LineSearch: "auto", BlockOrder: "cyclic",
			Average: "none", EMADecay: optim.DefaultEMADecay, EMADebias: true},
		Schedule: Schedule{Kind: "constant", LR: 0.1, StepSize: 1000, Gamma: 0.1},
		Train: Train{
			BatchSize:        60,
			Freeze:           []string{},
			Steps:            1000,
			EvalEvery:        500,
			EvalBatch:        1000,
			CheckpointEvery:  5000,
			LogEvery:         100,
			HoldBatch:        1,
			EvalBN:           "running",
			BNReestimate:     100,
			DivergenceFactor: train.DefaultDivergenceFactor,
		},
		Continuation: DefaultContinuation(),
		Record:       DefaultRecord(),
		Curriculum:   Curriculum{Kind: "none", Scores: "difficulty", Ordering: "curriculum", Pacing: "linear", A: 0.8, B: 0.2},
		Probe:        DefaultProbe(),
		Init:         Transfer{Include: []string{}, Exclude: []string{}},
		Stages:       []Stage{},
		Pretrain:     DefaultPretrain(),
		Distill:      DefaultDistill(),
	}
}

// DefaultConvLayer is the conv layer a list entry starts from: the keys an
// entry leaves out keep these values (a 5×5 "same" convolution with 2×2 max
// pooling). Channels has no sensible default and must be given.
func DefaultConvLayer() ConvLayer {
	return ConvLayer{Kernel: 5, Stride: 1, Padding: 2, Pool: 2}
}

// UnmarshalYAML decodes a conv list entry on top of DefaultConvLayer, so that
// an entry gives only the keys it changes.
func (c *ConvLayer) UnmarshalYAML(node *yaml.Node) error {
	type plain ConvLayer // plain has no UnmarshalYAML: no recursion
	layer := plain(DefaultConvLayer())
	if err := node.Decode(&layer); err != nil {
		return err
	}
	*c = ConvLayer(layer)
	return nil
}

var _ yaml.Unmarshaler = (*ConvLayer)(nil)
