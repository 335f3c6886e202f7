package curriculum

import (
	"bytes"
	"fmt"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"deepopt/plots"
	"deepopt/repro"
	"deepopt/rundir"
)

// The report directory's files besides report.md (repro.ReportFile).
const (
	SwitchCSV = "switch.csv"
	SwitchPNG = "switch.png"
	WuCSV     = "wu.csv"
	SweepCSV  = "sweep.csv"
	wuPNG     = "wu-%s.png" // per setting
)

// WuPNG is the box plot of a setting of the MNIST comparison.
func WuPNG(setting string) string { return fmt.Sprintf(wuPNG, setting) }

// switchLabel describes an arm of the switch experiment.
func (s *SwitchResult) label(arm string) string {
	if arm == Union {
		return "union, no curriculum"
	}
	for _, f := range Switches {
		if SwitchName(f) == arm {
			return fmt.Sprintf("switch at %d%%", int(100*f+0.5))
		}
	}
	return arm
}

func (r *Report) write(o Options) error {
	s, w := r.Switch, r.Wu
	var rows [][]string
	for _, arm := range s.Arms {
		for i, seed := range s.Seeds {
			rows = append(rows, []string{arm, strconv.Itoa(seed), strconv.Itoa(s.Steps), repro.G(s.Error[arm][i])})
		}
	}
	if err := rundir.WriteCSV(filepath.Join(o.Dir, SwitchCSV), []string{"arm", "seed", "steps", "geom_test_error"}, rows); err != nil {
		return err
	}
	rows = nil
	for _, setting := range Settings {
		for _, arm := range append([]string{Standard}, Arms...) {
			pacing := ""
			if arm != Standard {
				pacing = w.Chosen[setting][arm].Name()
			}
			for i, seed := range w.Seeds {
				rows = append(rows, []string{setting, arm, pacing, strconv.Itoa(seed), strconv.Itoa(w.steps(setting)), repro.G(w.Accuracy[setting][arm][i])})
			}
		}
	}
	if err := rundir.WriteCSV(filepath.Join(o.Dir, WuCSV), []string{"setting", "arm", "pacing", "seed", "steps", "test_acc"}, rows); err != nil {
		return err
	}
	rows = nil
	for _, setting := range Settings {
		rows = append(rows, []string{setting, Standard, "", strconv.Itoa(w.SweepSeed), repro.G(w.SweepStandard[setting]), "false"})
		for _, arm := range Orderings {
			for k, p := range w.Pacings {
				rows = append(rows, []string{setting, arm, p.Name(), strconv.Itoa(w.SweepSeed), repro.G(w.Sweep[setting][arm][k]),
					strconv.FormatBool(p == w.Chosen[setting][arm])})
			}
		}
	}
	if err := rundir.WriteCSV(filepath.Join(o.Dir, SweepCSV), []string{"setting", "arm", "pacing", "seed", "val_acc", "chosen"}, rows); err != nil {
		return err
	}
	if err := r.plot(o.Dir); err != nil {
		return err
	}
	text, err := r.markdown(o)
	if err != nil {
		return err
	}
	return repro.WriteFile(filepath.Join(o.Dir, repro.ReportFile), text)
}

// percent scales values by 100.
func percent(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = 100 * x
	}
	return out
}

func (r *Report) plot(dir string) error {
	s, w := r.Switch, r.Wu
	fig := plots.Boxes{Title: fmt.Sprintf("GeomShapes test error after %d steps, %d seeds", s.Steps, len(s.Seeds)),
		XLabel: "training: BasicShapes until the switch, then GeomShapes", YLabel: "test error (%)"}
	for _, arm := range s.Arms {
		fig.Groups = append(fig.Groups, plots.Group{Name: s.label(arm), Values: percent(s.Error[arm])})
	}
	if err := plots.BoxPlot(filepath.Join(dir, SwitchPNG), fig); err != nil {
		return err
	}
	for _, setting := range Settings {
		fig := plots.Boxes{Title: fmt.Sprintf("MNIST, %s: test error after %d steps, %d seeds", w.settingTitle(setting), w.steps(setting), len(w.Seeds)),
			XLabel: "training (each ordering at its pacing chosen on held-out data)", YLabel: "test error (%)"}
		for _, arm := range append([]string{Standard}, Arms...) {
			errs := make([]float64, len(w.Accuracy[setting][arm]))
			for i, a := range w.Accuracy[setting][arm] {
				errs[i] = 100 * (1 - a)
			}
			fig.Groups = append(fig.Groups, plots.Group{Name: arm, Values: errs})
		}
		if err := plots.BoxPlot(filepath.Join(dir, WuPNG(setting)), fig); err != nil {
			return err
		}
	}
	return nil
}

// settingTitle describes a setting.
func (r *WuResult) settingTitle(setting string) string {
	switch setting {
	case Tenth:
		return "a tenth of the budget"
	case Noisy:
		return fmt.Sprintf("%.0f%% label noise", 100*LabelNoise)
	}
	return "full budget"
}

func (r *Report) markdown(o Options) ([]byte, error) {
	var b bytes.Buffer
	p := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	s, w := r.Switch, r.Wu
	p("# Curriculum learning at small scale: Bengio et al. (2009) and Wu, Dyer & Neyshabur (2021)\n\n")

	p("## Bengio et al.'s switch experiment (shapes)\n\n")
	p("`%s`", o.ShapesConfig)
	if len(o.ShapesSets) > 0 {
		p(" with `%s`", strings.Join(o.ShapesSets, "`, `"))
	}
	p(", %d steps in all; BasicShapes and GeomShapes of %d training and %d test images each (seeds %d and %d, in `data/`). ",
		s.Steps, o.ShapesTrain, o.ShapesTest, o.ShapesSeed, o.ShapesSeed+1)
	p("A switch at fraction f trains on BasicShapes for f·%d steps, then continues the same network, optimizer state and step count on GeomShapes to step %d (0: GeomShapes only); ", s.Steps, s.Steps)
	p("the union control trains on both training sets together (`data.also`), uniformly shuffled. Error on the GeomShapes test set at the last step; seeds %s; runs in `switch/`.\n\n", repro.JoinInts(s.Seeds, ", "))
	p("![GeomShapes test error per switch point](%s)\n\n", SwitchPNG)
	p("| training | GeomShapes test error, mean [min–max] | per seed |\n|---|---:|---|\n")
	best := s.Arms[0]
	for _, arm := range s.Arms {
		p("| %s | %s | %s |\n", s.label(arm), repro.SpreadOf(s.Error[arm]).Percent(), perSeed(s.Error[arm]))
		if repro.SpreadOf(s.Error[arm]).Mean < repro.SpreadOf(s.Error[best]).Mean {
			best = arm
		}
	}
	p("\nLowest mean error: %s. Bengio et al. (their Figure 5, 3-hidden-layer networks, 256 epochs) found the lowest error at the latest switch, and training on the union without a curriculum no better than GeomShapes alone.\n\n", s.label(best))

	p("## Wu, Dyer & Neyshabur: orderings on MNIST\n\n")
	p("`%s`", o.MNISTConfig)
	if len(o.MNISTSets) > 0 {
		p(" with `%s`", strings.Join(o.MNISTSets, "`, `"))
	}
	p("; full budget %d steps, a tenth %d steps, and the full budget with %.0f%% of the training labels changed (`data.label_noise`). ", w.Steps, w.TenthSteps, 100*LabelNoise)
	p("The orderings draw each minibatch from the g(t) easiest examples (`curriculum.kind: sample`); *weighted* applies the curriculum ordering as example weights instead (`curriculum.kind: weight`: minibatches from every example, the loss of the g(t) easiest weighted 1, the rest 0). The examples are scored by the per-example loss of the standard run of the same seed at the full budget on the same labels (noisy ones in the noisy setting). ")
	p("Each ordering uses the pacing with the highest accuracy on %d training examples held out at seed %d (`data.validation`) among %d pacings (`%s`), the weighted curriculum the curriculum ordering's; the table's seeds are %s and train on every training example, so the choice saw neither the test set nor the reported runs. Runs in `wu/`.\n\n",
		w.Validation, w.SweepSeed, len(w.Pacings), pacingNames(w.Pacings), repro.JoinInts(w.Seeds, ", "))
	p("| setting | standard | curriculum | anti-curriculum | random | curriculum, weighted |\n|---|---:|---:|---:|---:|---:|\n")
	for _, setting := range Settings {
		p("| %s (%d steps) | %s |", w.settingTitle(setting), w.steps(setting), repro.SpreadOf(w.Accuracy[setting][Standard]).Percent())
		for _, arm := range Arms {
			p(" %s (%s) |", repro.SpreadOf(w.Accuracy[setting][arm]).Percent(), w.Chosen[setting][arm].Name())
		}
		p("\n")
	}
	p("\nTest accuracy, mean [min–max] over seeds %s; in brackets each curriculum's pacing.\n\n", repro.JoinInts(w.Seeds, ", "))
	for _, setting := range Settings {
		p("![%s](%s)\n\n", w.settingTitle(setting), WuPNG(setting))
	}
	p("Wu et al. (CIFAR-10/100, ResNets, best of a large pacing sweep) found no ordering better than standard training at the full budget, curricula (and random orderings) better with a limited budget, and curricula better with noisy labels.\n\n")
	p("The sweep (seed %d, accuracy on the %d held-out examples; standard training: ", w.SweepSeed, w.Validation)
	for i, setting := range Settings {
		if i > 0 {
			p(", ")
		}
		p("%.2f%% %s", 100*w.SweepStandard[setting], w.settingTitle(setting))
	}
	p("):\n\n| setting | ordering |")
	for _, pc := range w.Pacings {
		p(" %s |", pc.Name())
	}
	p("\n|---|---|%s\n", strings.Repeat("---:|", len(w.Pacings)))
	for _, setting := range Settings {
		for _, arm := range Orderings {
			p("| %s | %s |", w.settingTitle(setting), arm)
			for k := range w.Pacings {
				p(" %.2f%% |", 100*w.Sweep[setting][arm][k])
			}
			p("\n")
		}
	}
	p("\n## Files\n\n`%s` (GeomShapes test error per arm and seed), `%s` (MNIST test accuracy per setting, arm and seed), `%s` (the sweep), `%s`, `%s`, `%s`, `%s`.\n\n",
		SwitchCSV, WuCSV, SweepCSV, SwitchPNG, WuPNG(Full), WuPNG(Tenth), WuPNG(Noisy))
	dirs, err := filepath.Glob(filepath.Join(o.Dir, "*", "*", rundir.MetricsFile))
	if err != nil {
		return nil, err
	}
	for i, d := range dirs {
		dirs[i] = filepath.Dir(d)
	}
	slices.Sort(dirs)
	p("%s", repro.Provenance(o.Command, dirs))
	return b.Bytes(), nil
}

func perSeed(v []float64) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = fmt.Sprintf("%.1f", 100*x)
	}
	return strings.Join(s, " / ")
}

func pacingNames(ps []Pacing) string {
	s := make([]string, len(ps))
	for i, p := range ps {
		s[i] = p.Name()
	}
	return strings.Join(s, "`, `")
}
