package deep

import (
	"bytes"
	"fmt"
	"path/filepath"
	"strconv"
	"strings"

	"deepopt/plots"
	"deepopt/repro"
	"deepopt/rundir"
)

// Files written into the report directory besides report.md.
const (
	AccuracyPNG     = "accuracy.png"
	AccuracyCSV     = "accuracy.csv"
	GradPlainPNG    = "gradnorm-plain.png"
	GradDSNPNG      = "gradnorm-dsn.png"
	GradCSV         = "gradnorm.csv"
	OutcomesCSV     = "outcomes.csv"
	transferClasses = "5–9"
)

// label describes a deep-MLP arm.
func (r *Report) label(arm string) string {
	switch arm {
	case Plain:
		return "plain SGD"
	case DSN:
		var at []string
		for _, h := range r.Config.Model.AuxHeads {
			at = append(at, h.At)
		}
		return fmt.Sprintf("aux heads on %s (weight %s)", strings.Join(at, ", "), repro.G(r.Config.Model.AuxHeads[0].Weight))
	case BN:
		return "batch normalization"
	}
	return fmt.Sprintf("greedy supervised pretraining (%.0f%% of the budget) + fine-tuning", 100*r.Options.PretrainShare)
}

func (r *Report) write() error {
	dir := r.Options.Dir
	header := []string{"arm", "seed", "examples", "test_acc"}
	var rows [][]string
	for _, arm := range Arms {
		b := r.Accuracy[arm]
		for k, seed := range r.Options.Seeds {
			for i, x := range b.X {
				rows = append(rows, []string{arm, strconv.Itoa(seed), repro.G(x), repro.G(b.Runs[k][i])})
			}
		}
	}
	if err := rundir.WriteCSV(filepath.Join(dir, AccuracyCSV), header, rows); err != nil {
		return err
	}
	rows = nil
	for _, arm := range []string{Plain, DSN} {
		g := r.Grad[arm]
		for l, name := range g.Layers {
			for t, v := range g.Norms[l] {
				rows = append(rows, []string{arm, name, strconv.Itoa(t + 1), repro.G(v)})
			}
		}
	}
	if err := rundir.WriteCSV(filepath.Join(dir, GradCSV), []string{"arm", "layer", "step", "grad_norm"}, rows); err != nil {
		return err
	}
	rows = nil
	add := func(group, arm string, s repro.Spread) {
		rows = append(rows, []string{group, arm, repro.G(s.Mean), repro.G(s.Min), repro.G(s.Max)})
	}
	for _, arm := range []string{Plain, DSN} {
		add("cnn", arm, r.CNN[arm])
	}
	add("transfer", "source 0–4", r.Source)
	for _, arm := range TransferArms {
		add("transfer", arm, r.Transfer[arm])
	}
	if err := rundir.WriteCSV(filepath.Join(dir, OutcomesCSV), []string{"study", "arm", "test_acc_mean", "test_acc_min", "test_acc_max"}, rows); err != nil {
		return err
	}
	seeds := fmt.Sprintf("mean over seeds %s, shaded: min–max", repro.JoinInts(r.Options.Seeds, ", "))
	acc := plots.Figure{Title: "Deep sigmoid MLP on MNIST: test accuracy, " + seeds, XLabel: "examples passed forward", YLabel: "test accuracy (%)"}
	for _, arm := range Arms {
		acc.Series = append(acc.Series, r.Accuracy[arm].Scaled(100).Series(r.label(arm)))
	}
	if err := plots.Lines(filepath.Join(dir, AccuracyPNG), acc); err != nil {
		return err
	}
	for arm, file := range map[string]string{Plain: GradPlainPNG, DSN: GradDSNPNG} {
		g := r.Grad[arm]
		fig := plots.Figure{Title: fmt.Sprintf("‖∂J/∂W‖ per layer, %s, seed %d", r.label(arm), r.Options.Seeds[0]),
			XLabel: "training step", YLabel: "gradient norm", LogY: true}
		for l, name := range g.Layers {
			x := make([]float64, len(g.Norms[l]))
			for t := range x {
				x[t] = float64(t + 1)
			}
			fig.Series = append(fig.Series, plots.Series{Name: name, X: x, Y: g.Norms[l]})
		}
		if err := plots.Lines(filepath.Join(dir, file), fig); err != nil {
			return err
		}
	}
	return repro.WriteFile(filepath.Join(dir, repro.ReportFile), r.markdown())
}

// mean is the mean of v.
func mean(v []float64) float64 {
	var s float64
	for _, x := range v {
		s += x / float64(len(v))
	}
	return s
}

func (r *Report) markdown() []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	o, c := r.Options, r.Config
	batch := c.Train.BatchSize
	w("# Deep supervision, batch normalization and greedy pretraining on a deep sigmoid MLP\n\n")
	w("`%s`", o.Config)
	if len(o.Sets) > 0 {
		w(" with `%s`", strings.Join(o.Sets, "`, `"))
	}
	w(": %d sigmoid layers of %v units, no batch normalization, weights N(0, %g²), plain SGD, minibatches of %d. ", len(c.Model.Hidden), c.Model.Hidden, c.Model.InitStd, batch)
	w("Every arm passes %d examples forward per step (the counted work; an arm's extra heads or its shorter pretraining stages are not charged), so a budget of B steps is %d·B examples. Seeds %s.\n\n", batch, batch, repro.JoinInts(o.Seeds, ", "))

	w("## Learning rate\n\nPlain SGD's rate was tuned: each of %s for %d steps at seed %d (used by no arm), with %d training examples held out; the best validation accuracy (ties broken by the lower validation loss) chose **%s** for every arm.\n\n",
		joinFloats(o.LRs), o.TuneSteps, o.TuneSeed, o.TuneValidation, repro.G(r.LR))
	w("| lr | validation accuracy | validation loss |\n|---:|---:|---:|\n")
	for _, lr := range o.LRs {
		w("| %s | %.2f%% | %.5f |\n", repro.G(lr), 100*r.Tuned[lr], r.TunedLoss[lr])
	}

	w("\n## Test accuracy at equal work\n\n![test accuracy](%s)\n\n| arm |", AccuracyPNG)
	for _, budget := range o.Budgets {
		w(" %d steps (%dk examples) |", budget, budget*batch/1000)
	}
	w("\n|---|")
	for range o.Budgets {
		w("---:|")
	}
	w("\n")
	for _, arm := range Arms {
		band := r.Accuracy[arm]
		w("| %s |", r.label(arm))
		for _, budget := range o.Budgets {
			i := band.At(float64(budget * batch))
			var v []float64
			for _, run := range band.Runs {
				v = append(v, run[i])
			}
			w(" %s |", repro.SpreadOf(v).Percent())
		}
		w("\n")
	}
	w("\nMean [min–max] over the seeds of the test accuracy at the last evaluation at or before the budget (every %d steps). ", o.Budgets[0])
	layers := len(c.Model.Hidden)
	per := int(o.PretrainShare * float64(o.Budgets[len(o.Budgets)-1]) / float64(layers))
	w("Pretraining trains hidden layer k with a fresh softmax head for %d steps, the layers below frozen, then fine-tunes the whole network for the rest of the budget; before fine-tuning, its accuracy is that of the stage's temporary head (and its run exists at the largest budget only: its smaller budgets are points on the way, not runs of their own). ", per)
	w("The heads (`model.aux_heads`) keep their weight for the whole budget; batch normalization and the heads train at the rate tuned for plain SGD.\n\n")

	w("## Gradient reaching the lower layers\n\n![plain](%s)\n\n![aux heads](%s)\n\n", GradPlainPNG, GradDSNPNG)
	w("Mean over the first %d steps (seed %d) of ‖∂J/∂W‖, J the whole objective (with the heads' weighted terms), after each step on its minibatch:\n\n| layer | plain SGD | aux heads | ratio |\n|---|---:|---:|---:|\n", o.GradSteps, o.Seeds[0])
	p, d := r.Grad[Plain], r.Grad[DSN]
	for l, name := range p.Layers {
		mp, md := mean(p.Norms[l]), mean(d.Norms[l])
		w("| %s | %.3g | %.3g | %.2f |\n", name, mp, md, md/mp)
	}

	w("\n## CNN with auxiliary heads\n\n`%s`, %d steps (%dk examples), heads decayed to 0 by step %d, against the same network and schedule without heads, seeds %s:\n\n| CNN | test accuracy |\n|---|---:|\n",
		o.CNN, o.CNNSteps, o.CNNSteps*batch/1000, o.CNNSteps/2, repro.JoinInts(o.CNNSeeds, ", "))
	w("| without heads | %s |\n| with heads | %s |\n", r.CNN[Plain].Percent(), r.CNN[DSN].Percent())

	w("\n## Transfer from digits 0–4 to %s\n\n`%s` trained on digits 0–4 for %d steps (test accuracy on 0–4: %s), then on %s with %d labelled training examples per class for %d steps (test accuracy on the %s test digits):\n\n| arm | test accuracy |\n|---|---:|\n",
		transferClasses, o.Source, o.SourceSteps, r.Source.Percent(), transferClasses, o.PerClass, o.TargetSteps, transferClasses)
	for _, arm := range TransferArms {
		w("| %s | %s |\n", transferLabel(arm), r.Transfer[arm].Percent())
	}

	w("\n## Beside the papers\n\n")
	w("Lee et al. (2015, Table 1) report 0.39%% MNIST test error for their deeply-supervised convolutional net against 0.47%% without the companion losses, after full training of a much larger network; Bengio et al. (2007, Table 1) 2.04%% for a deep net with supervised greedy pretraining against 2.40%% without pretraining; Ioffe & Szegedy (2015, Fig. 1a) a three-layer sigmoid MLP that reaches higher accuracy faster with BN. Our budgets are a few epochs at most, so the numbers above are early-training accuracies, not converged errors: they measure how fast each method gets the deep network going.\n\n")
	var dirs []string
	for _, arm := range []string{Plain, DSN, BN} {
		for _, s := range o.Seeds {
			dirs = append(dirs, filepath.Join(o.Dir, repro.SeedName(arm, s)))
		}
	}
	w("%s", repro.Provenance(o.Command, dirs))
	return b.Bytes()
}

// transferLabel describes a transfer arm.
func transferLabel(arm string) string {
	switch arm {
	case Frozen:
		return "frozen features + new head (`init.exclude: [out.*]`, `train.freeze: [fc*, bn*]`)"
	case FineTune:
		return "full fine-tuning (`init.exclude: [out.*]`)"
	}
	return "from scratch"
}

// joinFloats lists v.
func joinFloats(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = repro.G(x)
	}
	return strings.Join(s, ", ")
}
