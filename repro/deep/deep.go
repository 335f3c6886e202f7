// Package deep measures what the lecture offers for a deep network that
// plain SGD trains slowly: auxiliary heads on intermediate layers
// (deeply-supervised nets, Lee et al. 2015), batch normalization (Ioffe &
// Szegedy 2015) and greedy supervised layer-wise pretraining followed by
// fine-tuning (Bengio et al. 2007), each on the deep sigmoid MLP of
// configs/mnist-deep-sigmoid-dsn.yaml against plain SGD at a learning rate
// tuned for plain SGD, at equal counted work (examples passed forward), for
// several seeds and budgets; the per-layer gradient norms of the first steps
// with and without the heads; the CNN of configs/mnist-cnn-dsn.yaml with and
// without its heads; and transfer from digits 0–4 to 5–9 with few labels
// (frozen features and a new head, full fine-tuning, training from scratch).
// It writes report.md with its figures and CSVs.
package deep

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"sync"

	"deepopt/config"
	"deepopt/repro"
	"deepopt/stage"
)

// Options describe the study; the CLI's defaults are given in brackets.
type Options struct {
	// Dir is the report directory; every run lives in a subdirectory.
	Dir string
	// Config is the deep MLP with its auxiliary heads
	// (configs/mnist-deep-sigmoid-dsn.yaml), CNN the CNN with its heads
	// (configs/mnist-cnn-dsn.yaml), Source the network transferred
	// (configs/mnist-bn.yaml).
	Config, CNN, Source string
	// Sets override keys of every run (none; the tests point data.dir at
	// the fixture).
	Sets []string
	// Seeds are the seeds of every arm (1, 2, 3); CNNSeeds those of the
	// CNN's two arms (Seeds).
	Seeds, CNNSeeds []int
	// Budgets are the training steps at which the deep MLP's arms are
	// compared (250, 500, 1000, 2000), each a multiple of the first; every step
	// passes train.batch_size examples forward in every arm.
	Budgets []int
	// LRs are the learning rates of plain SGD's sweep (0.1, 0.3, 1, 3), each
	// trained for TuneSteps (400) at seed TuneSeed (100, a seed no arm uses)
	// with TuneValidation (5000) training examples held out, which decide
	// (Report.LR).
	LRs                      []float64
	TuneSteps, TuneSeed      int
	TuneValidation           int
	PretrainShare            float64 // share of the budget pretraining takes (0.5)
	GradSteps                int     // steps of the gradient-norm record (100)
	CNNSteps                 int     // steps of the CNN arms (500)
	SourceSteps, TargetSteps int     // steps on digits 0–4 (600) and on 5–9 (150)
	PerClass                 int     // labelled examples per class of 5–9 (100)
	Parallel                 int     // runs trained at once (1)
	Command                  string  // the command line quoted in the report
	Log                      io.Writer
}

// The deep MLP's arms.
const (
	Plain    = "plain"
	DSN      = "dsn"
	BN       = "bn"
	Pretrain = "pretrain"
)

// Arms are the deep MLP's arms in report order.
var Arms = []string{Plain, DSN, BN, Pretrain}

// The transfer arms.
const (
	Frozen   = "frozen"
	FineTune = "finetune"
	Scratch  = "scratch"
)

// TransferArms are the transfer arms in report order.
var TransferArms = []string{Frozen, FineTune, Scratch}

// defaults fills the options left at their zero value.
func (o *Options) defaults() {
	o.Config = cmp.Or(o.Config, "configs/mnist-deep-sigmoid-dsn.yaml")
	o.CNN = cmp.Or(o.CNN, "configs/mnist-cnn-dsn.yaml")
	o.Source = cmp.Or(o.Source, "configs/mnist-bn.yaml")
	if len(o.Seeds) == 0 {
		o.Seeds = []int{1, 2, 3}
	}
	if len(o.CNNSeeds) == 0 {
		o.CNNSeeds = o.Seeds
	}
	if len(o.Budgets) == 0 {
		o.Budgets = []int{250, 500, 1000, 2000}
	}
	if len(o.LRs) == 0 {
		o.LRs = []float64{0.1, 0.3, 1, 3}
	}
	o.TuneSteps = cmp.Or(o.TuneSteps, 400)
	o.TuneSeed = cmp.Or(o.TuneSeed, 100)
	o.TuneValidation = cmp.Or(o.TuneValidation, 5000)
	o.PretrainShare = cmp.Or(o.PretrainShare, 0.5)
	o.GradSteps = cmp.Or(o.GradSteps, 100)
	o.CNNSteps = cmp.Or(o.CNNSteps, 500)
	o.SourceSteps = cmp.Or(o.SourceSteps, 600)
	o.TargetSteps = cmp.Or(o.TargetSteps, 150)
	o.PerClass = cmp.Or(o.PerClass, 100)
	o.Command = cmp.Or(o.Command, "make repro-deep")
}

// Report holds the study's numbers.
type Report struct {
	Options Options
	Config  *config.Config
	// Tuned and TunedLoss map each swept learning rate to plain SGD's
	// validation accuracy and loss; LR is the best: the highest accuracy,
	// ties (a sweep that leaves the plateau at no rate) broken by the lower
	// loss.
	Tuned, TunedLoss map[float64]float64
	LR               float64
	// Accuracy is each deep-MLP arm's test accuracy against the examples
	// passed forward (every multiple of the first budget), over the seeds:
	// that of its last evaluation at or before them.
	Accuracy map[string]repro.Band
	// Grad holds the per-layer gradient norms of the first steps.
	Grad map[string]GradNorms
	// CNN is the CNN's test accuracy at its last step, without and with
	// heads; Transfer each transfer arm's on digits 5–9.
	CNN, Transfer map[string]repro.Spread
	// Source is the test accuracy on digits 0–4 of the networks
	// transferred.
	Source repro.Spread
}

// Run trains (or resumes, or reuses) every run of the study, then writes
// the report into o.Dir.
func Run(ctx context.Context, o Options) (*Report, error) {
	if o.Dir == "" {
		return nil, errors.New("repro-deep: no report directory; set --out (e.g. runs/repro-deep)")
	}
	o.defaults()
	last := o.Budgets[len(o.Budgets)-1]
	for _, b := range o.Budgets {
		if b%o.Budgets[0] != 0 || b > last {
			return nil, fmt.Errorf("repro-deep: budgets %v; give increasing step counts, each a multiple of the first (the evaluation cadence)", o.Budgets)
		}
	}
	cfg, err := config.Load(o.Config, o.Sets)
	if err != nil {
		return nil, err
	}
	if len(cfg.Model.AuxHeads) == 0 {
		return nil, fmt.Errorf("repro-deep: %s has no model.aux_heads; the study compares the network with its heads against it without them", o.Config)
	}
	rep := &Report{Options: o, Config: cfg}
	if err := rep.tune(ctx); err != nil {
		return nil, err
	}
	if err := rep.trainArms(ctx); err != nil {
		return nil, err
	}
	if rep.Grad, err = gradNorms(ctx, rep.LR, o); err != nil {
		return nil, err
	}
	if err := rep.trainCNN(ctx); err != nil {
		return nil, err
	}
	if err := rep.trainTransfer(ctx); err != nil {
		return nil, err
	}
	return rep, rep.write()
}

// study returns a study of o's directory.
func (r *Report) study(runs ...repro.Run) repro.Study {
	o := r.Options
	return repro.Study{Dir: o.Dir, Parallel: o.Parallel, Log: o.Log, Runs: runs}
}

// tune sweeps plain SGD's learning rate on held-out training examples.
func (r *Report) tune(ctx context.Context) error {
	o := r.Options
	var runs []repro.Run
	for _, lr := range o.LRs {
		runs = append(runs, repro.Run{Name: "tune-lr" + repro.G(lr), Config: o.Config, Sets: slices.Concat(o.Sets, []string{
			"seed=" + strconv.Itoa(o.TuneSeed), "model.aux_heads=[]", "schedule.lr=" + repro.G(lr),
			"train.steps=" + strconv.Itoa(o.TuneSteps), "train.eval_every=" + strconv.Itoa(o.TuneSteps),
			"data.validation=" + strconv.Itoa(o.TuneValidation)})})
	}
	s := r.study(runs...)
	if _, err := s.Train(ctx); err != nil {
		return err
	}
	r.Tuned, r.TunedLoss = map[float64]float64{}, map[float64]float64{}
	bestAcc, bestLoss := math.Inf(-1), math.Inf(1)
	for i, lr := range o.LRs {
		last, err := repro.Last(s.RunDir(runs[i].Name), "test_acc", "test_loss")
		if err != nil {
			return err
		}
		acc, loss := last[0], last[1]
		r.Tuned[lr], r.TunedLoss[lr] = acc, loss
		if acc > bestAcc || (acc == bestAcc && loss < bestLoss) {
			bestAcc, bestLoss, r.LR = acc, loss, lr
		}
	}
	return nil
}

// armSets are the overrides of a deep-MLP arm (Pretrain's are those of
// its stages' run).
func (r *Report) armSets(arm string) []string {
	o := r.Options
	last := o.Budgets[len(o.Budgets)-1]
	sets := slices.Concat(o.Sets, []string{"schedule.lr=" + repro.G(r.LR), "train.steps=" + strconv.Itoa(last),
		"train.eval_every=" + strconv.Itoa(o.Budgets[0]), "train.checkpoint_every=" + strconv.Itoa(last)})
	switch arm {
	case Plain:
		sets = append(sets, "model.aux_heads=[]")
	case BN:
		sets = append(sets, "model.aux_heads=[]", "model.batchnorm=true")
	case Pretrain:
		layers := len(r.Config.Model.Hidden)
		per := int(o.PretrainShare * float64(last) / float64(layers))
		sets = append(sets, "model.aux_heads=[]", "pretrain.steps_per_layer="+strconv.Itoa(max(per, 1)),
			"pretrain.finetune_steps="+strconv.Itoa(last-layers*max(per, 1)))
	}
	return sets
}

// trainArms trains the deep MLP's arms at every seed and folds their test
// accuracy against the examples passed forward.
func (r *Report) trainArms(ctx context.Context) error {
	o := r.Options
	last := o.Budgets[len(o.Budgets)-1]
	var runs []repro.Run
	for _, seed := range o.Seeds {
		for _, arm := range []string{Plain, DSN, BN} {
			runs = append(runs, repro.Seeded(arm, o.Config, r.armSets(arm), []int{seed})...)
		}
	}
	s := r.study(runs...)
	if _, err := s.Train(ctx); err != nil {
		return err
	}
	errs := make([]error, len(o.Seeds))
	sem := make(chan struct{}, max(o.Parallel, 1))
	var wg sync.WaitGroup
	for i, seed := range o.Seeds {
		wg.Add(1)
		sem <- struct{}{}
		go func() {
			defer wg.Done()
			defer func() { <-sem }()
			errs[i] = r.trainPretrain(ctx, seed)
		}()
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return err
	}
	r.Accuracy = map[string]repro.Band{}
	for _, arm := range Arms {
		var runs [][]float64
		var x []float64
		for _, seed := range o.Seeds {
			steps, acc, err := r.curve(arm, seed)
			if err != nil {
				return err
			}
			n := last / o.Budgets[0]
			x = make([]float64, n)
			at := make([]float64, n)
			for i := range n {
				b := (i + 1) * o.Budgets[0]
				x[i], at[i] = float64(b*r.Config.Train.BatchSize), math.NaN()
				for j, s := range steps {
					if s <= float64(b) {
						at[i] = acc[j]
					}
				}
			}
			runs = append(runs, at)
		}
		r.Accuracy[arm] = repro.NewBand(x, runs)
	}
	return nil
}

// curve is an arm's test accuracy against the step, counted from the start
// of the run (for Pretrain over its stages: the model of the stage running
// then, its temporary head or the fine-tuned network).
func (r *Report) curve(arm string, seed int) (steps, acc []float64, err error) {
	return repro.Curve(filepath.Join(r.Options.Dir, repro.SeedName(arm, seed)), "test_acc")
}

// trainPretrain trains (or continues, or reuses) the pretraining arm's run
// of stages at seed.
func (r *Report) trainPretrain(ctx context.Context, seed int) error {
	o := r.Options
	dir := filepath.Join(o.Dir, repro.SeedName(Pretrain, seed))
	var run *stage.Run
	var err error
	if stage.IsStaged(dir) {
		run, err = stage.Resume(dir, io.Discard)
	} else {
		var cfg *config.Config
		if cfg, err = config.Load(o.Config, append([]string{"seed=" + strconv.Itoa(seed)}, r.armSets(Pretrain)...)); err != nil {
			return err
		}
		run, err = stage.New(cfg, dir, io.Discard)
	}
	if err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	if o.Log != nil {
		fmt.Fprintf(o.Log, "%s: greedy pretraining, %d stages\n", dir, len(run.Stages))
	}
	if _, err := run.Start(ctx); err != nil {
		return fmt.Errorf("%s: %w", dir, err)
	}
	return nil
}

// trainCNN trains the CNN with and without its heads (decayed to 0 by half
// the steps, as the config does over its own run) at every seed.
func (r *Report) trainCNN(ctx context.Context) error {
	o := r.Options
	cfg, err := config.Load(o.CNN, o.Sets)
	if err != nil {
		return err
	}
	heads := "model.aux_heads=["
	for i, h := range cfg.Model.AuxHeads {
		if i > 0 {
			heads += ", "
		}
		heads += fmt.Sprintf("{at: %s, weight: %s, until: %d, decay: %t}", h.At, repro.G(h.Weight), o.CNNSteps/2, h.Decay)
	}
	heads += "]"
	sets := slices.Concat(o.Sets, []string{"train.steps=" + strconv.Itoa(o.CNNSteps), "train.eval_every=" + strconv.Itoa(o.CNNSteps),
		"train.checkpoint_every=" + strconv.Itoa(o.CNNSteps)})
	var runs []repro.Run
	for _, seed := range o.CNNSeeds {
		runs = append(runs, repro.Seeded("cnn-"+Plain, o.CNN, append(slices.Clone(sets), "model.aux_heads=[]"), []int{seed})...)
		runs = append(runs, repro.Seeded("cnn-"+DSN, o.CNN, append(slices.Clone(sets), heads), []int{seed})...)
	}
	s := r.study(runs...)
	if _, err := s.Train(ctx); err != nil {
		return err
	}
	r.CNN = map[string]repro.Spread{}
	for _, arm := range []string{Plain, DSN} {
		if r.CNN[arm], err = r.finals("cnn-"+arm, "test_acc", o.CNNSeeds); err != nil {
			return err
		}
	}
	return nil
}

// finals is the spread over seeds of a run's last value of column.
func (r *Report) finals(name, column string, seeds []int) (repro.Spread, error) {
	var v []float64
	for _, seed := range seeds {
		last, err := repro.Last(filepath.Join(r.Options.Dir, repro.SeedName(name, seed)), column)
		if err != nil {
			return repro.Spread{}, err
		}
		v = append(v, last[0])
	}
	return repro.SpreadOf(v), nil
}

// trainTransfer trains the source network on digits 0–4 at every seed,
// then the three transfer arms on PerClass labelled examples of each of
// 5–9.
func (r *Report) trainTransfer(ctx context.Context) error {
	o := r.Options
	base := slices.Concat(o.Sets, []string{"train.checkpoint_every=0", "record.nodes=[]"})
	source := append(slices.Clone(base), "data.classes=[0, 1, 2, 3, 4]", "train.steps="+strconv.Itoa(o.SourceSteps),
		"train.eval_every="+strconv.Itoa(o.SourceSteps))
	s := r.study(repro.Seeded("source", o.Source, source, o.Seeds)...)
	if _, err := s.Train(ctx); err != nil {
		return err
	}
	var err error
	if r.Source, err = r.finals("source", "test_acc", o.Seeds); err != nil {
		return err
	}
	target := append(slices.Clone(base), "data.classes=[5, 6, 7, 8, 9]", "data.per_class="+strconv.Itoa(o.PerClass),
		"train.steps="+strconv.Itoa(o.TargetSteps), "train.eval_every="+strconv.Itoa(o.TargetSteps))
	var runs []repro.Run
	for _, seed := range o.Seeds {
		from := "init.from=" + s.RunDir(repro.SeedName("source", seed))
		runs = append(runs, repro.Seeded(Frozen, o.Source, append(slices.Clone(target), from, "init.exclude=[out.*]", "train.freeze=[fc*, bn*]"), []int{seed})...)
		runs = append(runs, repro.Seeded(FineTune, o.Source, append(slices.Clone(target), from, "init.exclude=[out.*]"), []int{seed})...)
		runs = append(runs, repro.Seeded(Scratch, o.Source, target, []int{seed})...)
	}
	s = r.study(runs...)
	if _, err := s.Train(ctx); err != nil {
		return err
	}
	r.Transfer = map[string]repro.Spread{}
	for _, arm := range TransferArms {
		if r.Transfer[arm], err = r.finals(arm, "test_acc", o.Seeds); err != nil {
			return err
		}
	}
	return nil
}
