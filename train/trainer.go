package train

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"deepopt/data"
	"deepopt/internal/bounds"
	"deepopt/internal/finite"
	"deepopt/model"
	"deepopt/optim"
	"deepopt/schedule"

	"gorgonia.org/tensor"
)

// ErrInterrupted is returned by Run when its context was cancelled (Ctrl-C);
// a checkpoint of the last completed step was saved first.
var ErrInterrupted = errors.New("training interrupted")

// Trainer runs the training loop. Fill the exported fields, then call Run.
type Trainer struct {
	Model     *model.Model
	Optimizer optim.Optimizer
	LR        schedule.LR
	// Train is the training set; Test, when non-nil, is evaluated every
	// EvalEvery steps and at the end.
	Train, Test *data.Dataset
	// Seed seeds the minibatch shuffling.
	Seed uint64
	// Sampler draws the training minibatches; nil draws them with a
	// data.Batcher over Train seeded by Seed. Its state is saved in the
	// checkpoint.
	Sampler data.Sampler
	// ExampleWeights, when non-nil, weights the examples of every minibatch
	// the loop sets (a held one restored from a checkpoint included) in the
	// loss (model.Model.SetExampleWeights): a weight curriculum's W_λ(x).
	ExampleWeights ExampleWeigher
	// Wrappers wrap the model's objective, in order (the first wraps the
	// model's, the next wraps the first): smoothing, per-example weights,
	// extra loss terms. The optimizer sees the last. A wrapper that is
	// Stateful keeps its state in the checkpoint.
	Wrappers []ObjectiveWrapper
	// Steps is the total number of steps of the run (a resumed run continues
	// up to it).
	Steps int
	// EvalEvery and LogEvery are cadences in steps (0: EvalEvery = Steps,
	// LogEvery = EvalEvery). CheckpointEvery 0 saves only at the end.
	EvalEvery, LogEvery, CheckpointEvery int
	// Dir is the run directory for metrics.csv and checkpoint.npz; "" writes
	// no files. Run holds it locked for its life (rundir.Acquire), removes
	// the temporary files a killed run left there, and refuses a Dir that
	// already holds a run unless the trainer continues it (Restore,
	// Continue), so that no run is ever replaced by accident.
	Dir string
	// Progress receives the progress display (nil: none).
	Progress io.Writer
	// Hooks attach to the loop's events when Run starts, in order.
	Hooks []Hook
	// Jitter translates every training example by up to ±Jitter pixels
	// (data.Jitter, seeded by Seed); 0 leaves examples alone.
	Jitter int
	// HoldBatch holds each minibatch for HoldBatch steps (0 and 1: a new
	// minibatch every step), so that line-search methods minimise one
	// function for a few iterations (Le et al., ICML 2011).
	HoldBatch int
	// ResetOnNewBatch makes the Optimizer forget its memory
	// (optim.ResetMemory) whenever a new minibatch replaces a held one, so
	// that CG, BFGS and L-BFGS start each minibatch with steepest descent
	// instead of carrying directions and curvature from the last one.
	ResetOnNewBatch bool
	// BNReestimate is the number of training minibatches on which BN
	// running statistics are re-estimated before each evaluation, for the
	// averaged weights when the Optimizer is an optim.Averager and for the
	// live weights with ReestimateBN; 0 means one pass over the training
	// set.
	BNReestimate int
	// ReestimateBN re-estimates BN running statistics before every
	// evaluation, also for the live weights. Methods that take few, long
	// steps (Newton-CG on held minibatches) move θ further per step than
	// the running average of a handful of batch statistics can follow, so
	// evaluating with the running statistics measures their lag rather
	// than the weights.
	ReestimateBN bool
	// MaxGradEvals ends the run once the cumulative gradient evaluations
	// reach it (0: no limit), for comparing methods at equal cost.
	MaxGradEvals int
	// EvalEveryGradEvals also evaluates whenever the cumulative gradient
	// evaluations cross a multiple of it (0: never).
	EvalEveryGradEvals int
	// DivergenceFactor stops the run when its minibatch loss grows beyond
	// DivergenceFactor times its value at the run's first step, and a
	// checkpoint is never saved with weights whose loss is beyond it (0:
	// DefaultDivergenceFactor; negative: no growth check). A NaN or
	// infinite loss or parameter always stops the run.
	DivergenceFactor float64
	// Architecture names the settings that shape the model's parameters or
	// graph (the CLI uses its config keys: "model.activation" → "relu").
	// Snapshot stores them, and Restore refuses a checkpoint whose stored
	// settings differ, listing each, so that a run never continues with a
	// different network than the one that trained it.
	Architecture map[string]string
	// Trainable lists the coordinates of θ the optimizer moves, in
	// increasing order (model.Model.Trainable builds it from freeze globs);
	// nil trains them all. The optimizer then steps on an optim.View of the
	// objective: its state, its counters and averaged weights live in the
	// trainable subspace, and the frozen coordinates keep the bits they had
	// when the run started or was restored. BN running statistics are no
	// coordinates of θ: a frozen BN layer keeps its γ and β but still
	// normalises by batch statistics in training and updates its running
	// statistics, as a PyTorch module with requires_grad = False in train
	// mode does.
	Trainable []int
	// Theta0, when non-nil, is the parameter vector θ₀ the run starts from,
	// in float64 as a checkpoint keeps it, instead of the model's
	// parameters (rounded to its dtype): a run started from another run's
	// parameters (transfer, a stage handing over to the next) starts from
	// their exact bits. Restore ignores it.
	Theta0 []float64

	state loopState
	theta []float64
	grad  []float64
	// xBuf and yBuf hold a jittered minibatch (Jitter > 0).
	xBuf  []float64
	yBuf  []int
	wBuf  []float64
	batch data.Sampler
	// obj is what the optimizer sees: a Memo (so that a held batch's
	// starting point, already evaluated by the last line search, is not
	// evaluated again; its counters are the run's func_evals and
	// grad_evals) around the Wrappers around the model's training
	// objective, which keeps the BN batch statistics of its last
	// evaluation.
	obj      *optim.Memo
	training *model.TrainingObjective
	// inPlace is set when the Optimizer can step on the float32 graph's
	// tensors (optim.InPlace) of the model's objective itself, unwrapped:
	// it then does on every step that evaluates θ once.
	inPlace bool
	// view is the optimizer's objective when Trainable is set, made when
	// Run starts so that its frozen coordinates are those of θ after a
	// Restore; full is a copy of θ into which averaged weights are embedded.
	view *optim.View
	full []float64
	// weighed is false while the current minibatch's example weights are
	// all 0: its loss is then the L2 penalty alone, no reference for the
	// divergence check.
	weighed bool
	// batchIndices is the current minibatch; held counts the steps taken
	// on it.
	batchIndices []int
	held         int
	window       window
	// last is the step just taken; gradEvalsBefore the gradient
	// evaluations before it; test the last evaluation of Test; result the
	// Result of the last evaluation.
	last            stepInfo
	gradEvalsBefore int
	test            model.Evaluation
	// lastTerms are the objective's terms at the last step's starting
	// point (termColumns).
	lastTerms []model.Term
	result    Result

	events   events
	columns  []Column
	loopHook bool // the loop's own handlers are registered
	attached int  // Hooks[:attached] are attached
	// continues is set by Restore and Continue: the run in Dir is this
	// run, which may write there.
	continues bool
	// firstLoss is the loss at the run's first step (NaN before it), the
	// reference of the divergence check; checkpointStep is the step of the
	// last checkpoint saved or restored (-1: none).
	firstLoss      float64
	checkpointStep int
	// modelOnly is set by Restore from a model-only checkpoint.
	modelOnly bool
}

// ExampleWeigher gives the loss weights of a minibatch's examples
// (schedule.CurriculumWeights is one).
type ExampleWeigher interface {
	// Weights writes into w[i] the weight of training example idx[i] in the
	// minibatch drawn at step. It must depend on its arguments alone, so
	// that a resumed run weights its minibatches as the uninterrupted run.
	Weights(idx []int, step int, w []float64) error
}

// ObjectiveWrapper is an objective around another: Gaussian smoothing,
// per-example weights, extra loss terms. The loop calls Wrap once, when the
// run starts (Run or Restore), with the objective it wraps.
type ObjectiveWrapper interface {
	optim.Objective
	Wrap(inner optim.Objective)
}

// Stateful is a part of a run whose state the checkpoint keeps: an
// objective wrapper's (a smoothing's noise draw) or a hook's. SetState
// receives what State returned, read back from the checkpoint.
type Stateful interface {
	State() optim.State
	SetState(optim.State) error
}

// stepInfo is what one step did: the loss at its start, the optimizer's
// report and whether its line search failed.
type stepInfo struct {
	loss         float64
	info         optim.Info
	searchFailed bool
}

// loopState is what a checkpoint stores beyond parameters and optimizer.
type loopState struct {
	Step, Examples       int
	FuncEvals, GradEvals int
	WallSeconds          float64
}

// Result summarises a finished run.
type Result struct {
	Steps                int
	TrainLoss            float64
	Test                 model.Evaluation
	WallSeconds          float64
	FuncEvals, GradEvals int
	// BudgetSpent reports that the run stopped at MaxGradEvals gradient
	// evaluations, before Steps.
	BudgetSpent bool
}

// Finished reports that the run has taken its Steps, or spent its
// MaxGradEvals: Run has nothing left to do (raise Steps to extend it).
func (t *Trainer) Finished() bool { return t.state.Step >= t.Steps || t.budgetSpent() }

// Continue lets Run write into a Dir that holds a run stopped before its
// first checkpoint: the trainer starts it again from step 0 and replaces
// its metrics rows. Restore does the same for a run with a checkpoint.
func (t *Trainer) Continue() { t.continues = true }

// ModelOnly reports that Restore read a model-only checkpoint (a finished
// model without its training state): it can be evaluated, not trained.
func (t *Trainer) ModelOnly() bool { return t.modelOnly }

// Step is the number of completed steps.
func (t *Trainer) Step() int { return t.state.Step }

// Theta is the current parameter vector (owned by the trainer; read only).
func (t *Trainer) Theta() []float64 { return t.theta }

// CheckSteps reports, as a *bounds.Error naming Trainer.Steps, a run
// length below 1. Run checks it; package config calls it on train.steps.
func CheckSteps(steps int) error {
	if steps >= 1 {
		return nil
	}
	return &bounds.Error{Field: "Trainer.Steps", Value: steps, Want: "an integer ≥ 1 (the number of steps)"}
}

func (t *Trainer) init() error {
	if t.Model == nil || t.Optimizer == nil || t.LR == nil || t.Train == nil {
		return errors.New("train: Model, Optimizer, LR and Train must be set")
	}
	if err := CheckSteps(t.Steps); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	if err := (data.Jitter{Pixels: t.Jitter}).Check(t.Train.Shape); err != nil {
		return fmt.Errorf("train: Jitter: %w", err)
	}
	if t.EvalEvery <= 0 {
		t.EvalEvery = t.Steps
	}
	if t.LogEvery <= 0 {
		t.LogEvery = t.EvalEvery
	}
	spec := t.Model.Spec()
	t.batch = t.Sampler
	if t.batch == nil {
		var err error
		if t.batch, err = data.NewBatcher(t.Train.Len(), spec.BatchSize, t.Seed); err != nil {
			return fmt.Errorf("train: %w", err)
		}
	}
	t.theta = t.Model.Params(nil)
	if t.Theta0 != nil {
		if len(t.Theta0) != len(t.theta) {
			return fmt.Errorf("train: Theta0 has %d values, the model %d parameters", len(t.Theta0), len(t.theta))
		}
		copy(t.theta, t.Theta0)
		t.Model.SetParams(t.theta)
	}
	t.grad = make([]float64, len(t.theta))
	if t.Jitter != 0 {
		t.xBuf = make([]float64, spec.BatchSize*t.Train.Dim())
		t.yBuf = make([]int, spec.BatchSize)
	}
	t.training = t.Model.TrainingObjective()
	t.inPlace = spec.Dtype == tensor.Float32 && len(t.Wrappers) == 0 && optim.StepsInPlace(t.Optimizer)
	var obj optim.Objective = t.training
	for _, w := range t.Wrappers {
		w.Wrap(obj)
		obj = w
	}
	t.obj = optim.NewMemo(obj)
	t.firstLoss, t.checkpointStep = math.NaN(), -1
	return nil
}

// Run trains until Steps, or until ctx is cancelled (then it saves a
// checkpoint and returns ErrInterrupted). A diverged run (a non-finite loss,
// or one grown beyond DivergenceFactor) stops with an error naming the step
// and the learning rate; the last checkpoint written stays valid. Run leaves
// θ in the model's parameters. A restored run that is already Finished
// returns at once and writes nothing; one restored from a model-only
// checkpoint is refused before anything is written.
func (t *Trainer) Run(ctx context.Context) (Result, error) {
	if t.modelOnly {
		return Result{}, fmt.Errorf("train: %s holds a finished model without its training state (the optimizer's state and the sampler's position were not kept); evaluate it, distil from it or start a new run from its weights, or train further from the run it was written from", cmp.Or(t.Dir, "the checkpoint"))
	}
	if t.batch == nil {
		if err := t.init(); err != nil {
			return Result{}, err
		}
	}
	if t.Finished() {
		return t.result, nil
	}
	if err := t.attach(); err != nil {
		return Result{}, err
	}
	if t.Trainable != nil && t.view == nil {
		var err error
		if t.view, err = optim.NewView(t.obj, t.theta, t.Trainable); err != nil {
			return Result{}, fmt.Errorf("train: Trainable: %w", err)
		}
	}
	start, wallBase := time.Now(), t.state.WallSeconds
	clock := func() { t.state.WallSeconds = wallBase + time.Since(start).Seconds() }
	err := fire(t.events.start, func(f func(*Trainer) error) error { return f(t) })
	for err == nil && t.state.Step < t.Steps && !t.budgetSpent() {
		if ctx.Err() != nil {
			clock()
			err = ErrInterrupted
			break
		}
		t.gradEvalsBefore = t.state.GradEvals
		if err = t.step(); err != nil {
			break
		}
		clock()
		err = fire(t.events.step, func(f func(*Trainer) error) error { return f(t) })
	}
	t.Model.SetParams(t.theta)
	return t.result, t.fireEnd(err)
}

// attach registers the loop's own handlers (evaluation and metrics,
// progress, checkpoints) once, then attaches the Hooks not attached yet.
func (t *Trainer) attach() error {
	if !t.loopHook {
		t.loopHook = true
		t.columns = append(append(loopColumns(), termColumns(t)...), t.columns...)
		t.OnStep(PriorityEvaluate, (*Trainer).evaluateAtCadence)
		if t.Dir != "" {
			attachRunDir(t)
			attachMetrics(t)
			attachCheckpoints(t)
		}
		if t.Progress != nil {
			attachProgress(t)
		}
	}
	for ; t.attached < len(t.Hooks); t.attached++ {
		if err := t.Hooks[t.attached].Attach(t); err != nil {
			return err
		}
	}
	return nil
}

// evaluateAtCadence evaluates the test set every EvalEvery steps, at the last
// step, and whenever the gradient evaluations cross a multiple of
// EvalEveryGradEvals; it closes the metrics window into a row and runs the
// OnEval handlers.
func (t *Trainer) evaluateAtCadence() error {
	step := t.state.Step
	crossed := t.EvalEveryGradEvals > 0 && t.state.GradEvals/t.EvalEveryGradEvals > t.gradEvalsBefore/t.EvalEveryGradEvals
	if step%t.EvalEvery != 0 && !t.Done() && !crossed {
		return nil
	}
	t.test = model.Evaluation{Loss: math.NaN(), Accuracy: math.NaN()}
	if t.Test != nil {
		var err error
		if t.test, err = t.Evaluate(t.Test); err != nil {
			return err
		}
	}
	row := t.row()
	t.result = Result{Steps: step, TrainLoss: t.window.mean(t.window.LossSum), Test: t.test, WallSeconds: t.state.WallSeconds,
		FuncEvals: t.state.FuncEvals, GradEvals: t.state.GradEvals, BudgetSpent: step < t.Steps}
	t.window = window{}
	return fire(t.events.eval, func(f func(*Trainer, Report) error) error { return f(t, Report{t.result, row}) })
}

// Done reports that the run has taken its last step: Steps steps, or
// MaxGradEvals gradient evaluations. A restored finished run is Done, so
// that another run can use it as it ended (a distillation teacher).
func (t *Trainer) Done() bool { return t.state.Step == t.Steps || t.budgetSpent() }

// budgetSpent reports that MaxGradEvals gradient evaluations were made.
func (t *Trainer) budgetSpent() bool {
	return t.MaxGradEvals > 0 && t.state.GradEvals >= t.MaxGradEvals
}

// step performs one training step.
//
// The BN running statistics fold the batch statistics of the evaluation at
// θ_t, the step's starting point, once per step: those the training objective
// kept with the Memo's remembered point, whether the Memo served θ_t from
// the last line search's accepted point or evaluated it now. The model's
// last run may be a line-search trial or a hook's probe elsewhere; it is
// never folded.
func (t *Trainer) step() error {
	if t.held == 0 {
		if err := t.setBatch(t.batch.Next(t.state.Step), t.state.Step); err != nil {
			return err
		}
		if t.ResetOnNewBatch {
			optim.ResetMemory(t.Optimizer)
		}
	}
	// The optimizer acts on x, θ itself or its trainable coordinates.
	var obj optim.Objective = t.obj
	x, grad := t.theta, t.grad
	if t.view != nil {
		obj, x, grad = t.view, t.view.Restrict(t.theta), t.grad[:t.view.Dim()]
	}
	// Nothing evaluates θ again on this minibatch: no Memo copies, and an
	// elementwise method on a float32 graph steps on its tensors in place.
	once := t.view == nil && t.HoldBatch <= 1 && !optim.MakesEvaluations(t.Optimizer)
	inPlace := once && t.inPlace
	var loss float64
	var err error
	switch {
	case inPlace:
		loss, err = t.obj.EvalInPlace(x)
	case once:
		loss, err = t.obj.EvalOnce(x, grad)
	default:
		loss, err = obj.Eval(x, grad)
	}
	if err != nil {
		return err
	}
	if math.IsNaN(t.firstLoss) && !math.IsInf(loss, 0) && t.weighed {
		t.firstLoss = loss
	}
	if err := t.checkLoss(t.state.Step+1, loss, "the minibatch loss"); err != nil {
		return err
	}
	if err := t.training.FoldBatchStats(); err != nil {
		return fmt.Errorf("train: step %d: %w", t.state.Step+1, err)
	}
	t.lastTerms = t.training.Terms()
	lr := t.LR.At(t.state.Step)
	var info optim.Info
	if inPlace {
		info, err = t.Optimizer.(optim.InPlaceStepper).StepInPlace(t.training, x, loss, lr)
	} else {
		info, err = t.Optimizer.Step(obj, x, loss, grad, lr)
		if t.view != nil {
			t.view.Embed(x, t.theta)
		}
	}
	// A line search that failed on this minibatch, after the method's own
	// restart along −∇J, left θ at the best point it saw and the method's
	// memory forgotten; the minibatch offers no further descent, so the run
	// goes on with the next one (and counts the failure).
	searchFailed := optim.IsRecoverableSearchFailure(err)
	if err != nil && !searchFailed {
		if nonFinite := (*optim.NonFiniteError)(nil); errors.As(err, &nonFinite) {
			return t.diverged(t.state.Step+1, fmt.Sprintf("a parameter became %v", nonFinite.Value))
		}
		return fmt.Errorf("train: step %d: %w", t.state.Step+1, err)
	}
	if !inPlace { // StepInPlace checks θ in its pass
		if i := finite.First(t.theta); i >= 0 {
			return t.diverged(t.state.Step+1, fmt.Sprintf("a parameter became %v", t.theta[i]))
		}
	}
	t.state.Step++
	t.state.Examples += len(t.batchIndices)
	t.state.FuncEvals, t.state.GradEvals = t.obj.FuncEvals, t.obj.GradEvals
	if t.held++; t.held >= max(t.HoldBatch, 1) || searchFailed {
		t.held = 0
	}
	t.last = stepInfo{loss: loss, info: info, searchFailed: searchFailed}
	t.window.add(t.last)
	return nil
}

// setBatch makes the training examples idx, drawn at step, the current
// minibatch, on which the Memo's remembered point is no longer valid. Its
// input jitter, the model's dropout masks, its terms' weights and its
// examples' weights are those of step.
func (t *Trainer) setBatch(idx []int, step int) error {
	t.batchIndices = append(t.batchIndices[:0], idx...)
	t.Model.DrawDropout(uint64(step))
	if err := t.Model.SetStep(step); err != nil {
		return err
	}
	t.obj.Reset()
	if err := t.setInputs(idx, step); err != nil {
		return err
	}
	t.weighed = true
	if t.ExampleWeights == nil {
		return nil
	}
	t.wBuf = slices.Grow(t.wBuf[:0], len(idx))[:len(idx)]
	if err := t.ExampleWeights.Weights(idx, step, t.wBuf); err != nil {
		return fmt.Errorf("train: example weights at step %d: %w", step+1, err)
	}
	t.weighed = slices.Max(t.wBuf) > 0
	return t.Model.SetExampleWeights(t.wBuf)
}

// setInputs makes the examples idx the model's minibatch, jittered as
// drawn at step; without jitter they go straight into the graph's input
// (model.Model.GatherBatch).
func (t *Trainer) setInputs(idx []int, step int) error {
	if t.Jitter == 0 {
		return t.Model.GatherBatch(t.Train, idx)
	}
	if err := t.Train.Gather(idx, t.xBuf, t.yBuf); err != nil {
		return err
	}
	if err := (data.Jitter{Pixels: t.Jitter, Seed: t.Seed}).Apply(t.xBuf, t.Train.Shape, uint64(step)); err != nil {
		return fmt.Errorf("train: %w", err)
	}
	return t.Model.SetBatch(t.xBuf, t.yBuf)
}
