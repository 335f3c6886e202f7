package curriculum

import (
	"context"
	"fmt"
	"slices"
	"strconv"

	"deepopt/config"
	"deepopt/repro"
	"deepopt/schedule"
)

// Pacing is one pacing function of the sweep: Wu et al.'s family with its
// a (the fraction of the run at which every example is available) and b
// (the fraction available at the start).
type Pacing struct {
	Family string
	A, B   float64
}

// DefaultPacings are the sweep of `make repro-curriculum`: four of the
// (family, a, b) of Wu et al.'s grid (six families, a ∈ {0.01, 0.1, 0.2,
// 0.4, 0.8, 1.6}, b ∈ {0.0025, 0.1, 0.2, 0.4, 0.8}), chosen to span it on a
// shared machine: the whole set reached early (a = 0.2), late (a = 0.8) or
// never within the run (a = 1.6, where the run ends with 66% and 83% of the
// examples available).
var DefaultPacings = []Pacing{{"linear", 0.2, 0.1}, {"linear", 0.8, 0.1}, {"linear", 1.6, 0.1}, {"root", 1.6, 0.2}}

// Name names the pacing in run names and tables, e.g. linear-a0.8-b0.2.
func (p Pacing) Name() string {
	return fmt.Sprintf("%s-a%s-b%s", p.Family, strconv.FormatFloat(p.A, 'g', -1, 64), strconv.FormatFloat(p.B, 'g', -1, 64))
}

func (p Pacing) validate() error {
	if _, err := schedule.ParsePacingFamily(p.Family); err != nil {
		return fmt.Errorf("repro-curriculum: pacing %s: %w", p.Name(), err)
	}
	if !(p.A > 0) || !(p.B > 0 && p.B <= 1) {
		return fmt.Errorf("repro-curriculum: pacing %s: want a > 0 and b in (0, 1]", p.Name())
	}
	return nil
}

// sets are the --set overrides of a sample curriculum at this pacing.
func (p Pacing) sets() []string {
	return []string{"curriculum.pacing=" + p.Family, "curriculum.a=" + strconv.FormatFloat(p.A, 'g', -1, 64), "curriculum.b=" + strconv.FormatFloat(p.B, 'g', -1, 64)}
}

// The settings of the MNIST comparison: the full budget, a tenth of it, and
// the full budget with 40% of the training labels changed.
const (
	Full  = "full"
	Tenth = "tenth"
	Noisy = "noisy"
)

// Settings are the settings in report order.
var Settings = []string{Full, Tenth, Noisy}

// LabelNoise is the noisy setting's data.label_noise, Wu et al.'s 40%.
const LabelNoise = 0.4

// Standard names the arm without a curriculum (uniform shuffling).
const Standard = "standard"

// Weighted names the arm that applies the curriculum ordering as example
// weights (curriculum.kind weight: minibatches from every example, the loss
// of each weighted by W_λ(x), 1 for the g(t) easiest and 0 for the rest,
// the lecture's Q_λ ∝ W_λ·P) rather than by drawing from the easiest. It
// takes the pacing chosen for the sampled curriculum, so that the two differ
// only in how the same Q_λ is applied.
const Weighted = "weighted"

// Orderings are Wu et al.'s three orderings (the values of
// curriculum.ordering: easy first, hard first, random), each drawing its
// minibatches from the g(t) first examples (curriculum.kind sample) at the
// pacing of the sweep with the best held-out accuracy.
var Orderings = []string{"curriculum", "anti", "random"}

// Arms are the curriculum arms compared with Standard: the Orderings, then
// Weighted.
var Arms = append(slices.Clone(Orderings), Weighted)

// armSets are the --set overrides of a curriculum arm.
func armSets(arm string) []string {
	if arm == Weighted {
		return []string{"curriculum.kind=weight", "curriculum.ordering=curriculum"}
	}
	return []string{"curriculum.kind=sample", "curriculum.ordering=" + arm}
}

// WuResult is the MNIST comparison.
type WuResult struct {
	// Steps is the full budget; TenthSteps the tenth; Seeds the reported
	// seeds, SweepSeed the seed of the sweep and Validation the training
	// examples it holds out to judge the pacings on.
	Steps, TenthSteps int
	Seeds             []int
	SweepSeed         int
	Validation        int
	Pacings           []Pacing
	// Sweep holds the sweep's final validation accuracy per setting and
	// ordering, one per pacing, and SweepStandard standard training's in
	// each setting; Chosen the pacing with the highest per setting and arm
	// (Weighted's is the curriculum ordering's).
	Sweep         map[string]map[string][]float64
	SweepStandard map[string]float64
	Chosen        map[string]map[string]Pacing
	// Accuracy holds the final test accuracy per setting and arm (Standard
	// or one of Arms), one per reported seed.
	Accuracy map[string]map[string][]float64
}

// settingSets are the --set overrides of a setting.
func (r *WuResult) settingSets(setting string, evalEvery int) []string {
	switch setting {
	case Tenth:
		return []string{"train.steps=" + strconv.Itoa(r.TenthSteps), "train.eval_every=" + strconv.Itoa(max(evalEvery/10, 1))}
	case Noisy:
		return []string{"data.label_noise=" + strconv.FormatFloat(LabelNoise, 'g', -1, 64)}
	}
	return nil
}

// reference is the run whose per-example loss scores the training set of a
// setting at a seed: standard training at the full budget on the same
// labels (noisy ones in the noisy setting), as Wu et al. score by a trained
// network's loss.
func reference(setting string, seed int) string {
	if setting == Noisy {
		return repro.SeedName(Noisy+"-"+Standard, seed)
	}
	return repro.SeedName(Full+"-"+Standard, seed)
}

// armName is the run name of a curriculum arm at a pacing (without the
// seed).
func armName(setting, arm string, p Pacing) string {
	return setting + "-" + arm + "-" + p.Name()
}

// runWu trains the comparison in three rounds: the standard runs (which
// are also the reference runs of the scores), the sweep of every ordering's
// pacings at SweepSeed, and every curriculum arm at its chosen pacing at
// the reported seeds. The runs of SweepSeed hold out Validation training
// examples and report their accuracy instead of the test set's, so the
// pacings are chosen without seeing the test set.
func runWu(ctx context.Context, o Options, cfg *config.Config) (*WuResult, error) {
	r := &WuResult{Steps: cfg.Train.Steps, TenthSteps: cfg.Train.Steps / 10, Seeds: o.WuSeeds, SweepSeed: o.SweepSeed, Validation: o.Validation, Pacings: o.Pacings,
		Sweep: map[string]map[string][]float64{}, SweepStandard: map[string]float64{}, Chosen: map[string]map[string]Pacing{}, Accuracy: map[string]map[string][]float64{}}
	if r.TenthSteps < 1 {
		return nil, fmt.Errorf("repro-curriculum: a tenth of %d steps is no step; give the MNIST runs at least 10 steps", cfg.Train.Steps)
	}
	study := repro.Study{Dir: studyDir(o, "wu"), Parallel: o.Parallel, Log: o.Log}
	run := func(name, setting string, seed int, extra ...string) repro.Run {
		sets := slices.Concat([]string{"seed=" + strconv.Itoa(seed)}, o.MNISTSets, r.settingSets(setting, cfg.Train.EvalEvery), extra)
		if seed == o.SweepSeed {
			sets = append(sets, "data.validation="+strconv.Itoa(o.Validation))
		}
		return repro.Run{Name: repro.SeedName(name, seed), Config: o.MNISTConfig, Sets: sets}
	}
	curriculum := func(setting, arm string, p Pacing, seed int) repro.Run {
		sets := slices.Concat(armSets(arm), []string{"curriculum.scores=loss", "curriculum.from=" + study.RunDir(reference(setting, seed))}, p.sets())
		return run(armName(setting, arm, p), setting, seed, sets...)
	}
	train := func(runs []repro.Run) error {
		study.Runs = runs
		_, err := study.Train(ctx)
		return err
	}
	// accuracy reads the final accuracy of the runs of name at seeds.
	accuracy := func(name, setting string, seeds ...int) ([]float64, error) {
		var accs []float64
		for _, seed := range seeds {
			acc, err := finalAccuracy(study.RunDir(repro.SeedName(name, seed)), r.steps(setting))
			if err != nil {
				return nil, err
			}
			accs = append(accs, acc)
		}
		return accs, nil
	}

	var standard []repro.Run
	for _, seed := range append([]int{o.SweepSeed}, o.WuSeeds...) {
		for _, setting := range Settings {
			standard = append(standard, run(setting+"-"+Standard, setting, seed))
		}
	}
	if err := train(standard); err != nil {
		return nil, err
	}

	var sweep []repro.Run
	for _, setting := range Settings {
		for _, arm := range Orderings {
			for _, p := range o.Pacings {
				sweep = append(sweep, curriculum(setting, arm, p, o.SweepSeed))
			}
		}
	}
	if err := train(sweep); err != nil {
		return nil, err
	}
	var finals []repro.Run
	for _, setting := range Settings {
		acc, err := accuracy(setting+"-"+Standard, setting, o.SweepSeed)
		if err != nil {
			return nil, err
		}
		r.SweepStandard[setting] = acc[0]
		r.Sweep[setting], r.Chosen[setting] = map[string][]float64{}, map[string]Pacing{}
		for _, arm := range Orderings {
			for _, p := range o.Pacings {
				acc, err := accuracy(armName(setting, arm, p), setting, o.SweepSeed)
				if err != nil {
					return nil, err
				}
				r.Sweep[setting][arm] = append(r.Sweep[setting][arm], acc[0])
			}
			accs := r.Sweep[setting][arm]
			r.Chosen[setting][arm] = o.Pacings[slices.Index(accs, slices.Max(accs))]
		}
		r.Chosen[setting][Weighted] = r.Chosen[setting]["curriculum"]
		for _, arm := range Arms {
			for _, seed := range o.WuSeeds {
				finals = append(finals, curriculum(setting, arm, r.Chosen[setting][arm], seed))
			}
		}
	}
	if err := train(finals); err != nil {
		return nil, err
	}

	for _, setting := range Settings {
		r.Accuracy[setting] = map[string][]float64{}
		for _, arm := range append([]string{Standard}, Arms...) {
			name := setting + "-" + Standard
			if arm != Standard {
				name = armName(setting, arm, r.Chosen[setting][arm])
			}
			acc, err := accuracy(name, setting, o.WuSeeds...)
			if err != nil {
				return nil, err
			}
			r.Accuracy[setting][arm] = acc
		}
	}
	return r, nil
}

// steps is the budget of a setting.
func (r *WuResult) steps(setting string) int {
	if setting == Tenth {
		return r.TenthSteps
	}
	return r.Steps
}
