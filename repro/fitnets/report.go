package fitnets

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

// The report directory's files besides the run directories and report.md.
const (
	ErrorsCSV = "errors.csv"
	ErrorPNG  = "test-error.png"
)

// Error is the spread over seeds of a network's test error.
func (r *Report) Error(network string) repro.Spread { return repro.SpreadOf(r.Errors[network]) }

// write writes errors.csv, the figure and report.md into o.Dir.
func (r *Report) write(o Options) error {
	var rows [][]string
	for _, nw := range Networks {
		for i, e := range r.Errors[nw.Key] {
			rows = append(rows, []string{nw.Key, strconv.Itoa(r.Seeds[i]), repro.G(e)})
		}
	}
	if err := rundir.WriteCSV(filepath.Join(o.Dir, ErrorsCSV), []string{"network", "seed", "test_error"}, rows); err != nil {
		return err
	}
	fig := plots.Figure{Title: "FitNets on MNIST, " + r.seedText(), XLabel: "minibatches (the hints arm: hint stage, then KD)", YLabel: "test error (%)", LogY: true}
	for _, nw := range Networks {
		fig.Series = append(fig.Series, r.Curves[nw.Key].Series(nw.Label))
	}
	if err := plots.Lines(filepath.Join(o.Dir, ErrorPNG), fig); err != nil {
		return err
	}
	return repro.WriteFile(filepath.Join(o.Dir, repro.ReportFile), r.markdown(o))
}

func (r *Report) seedText() string {
	if len(r.Seeds) == 1 {
		return "seed " + strconv.Itoa(r.Seeds[0])
	}
	return "mean over seeds " + repro.JoinInts(r.Seeds, ", ") + ", shaded: min–max"
}

// compare says how network a's test error stands to b's: lower or higher
// beyond the seeds' spread (the ranges do not overlap), or within it.
func (r *Report) compare(a, b string) string {
	x, y := r.Error(a), r.Error(b)
	switch {
	case x.Max < y.Min:
		return "lower than"
	case x.Min > y.Max:
		return "higher than"
	case x.Mean < y.Mean:
		return "lower on average, within the seeds' spread, than"
	}
	return "no lower, within the seeds' spread, than"
}

// markdown is report.md: the budget, the table of test errors beside the
// paper's, the comparisons, the figure and the provenance.
func (r *Report) markdown(o Options) []byte {
	var b bytes.Buffer
	epochs := func(steps int) float64 { return float64(steps*r.BatchSize) / 60000 }
	fmt.Fprintf(&b, "# FitNets on MNIST (Romero et al. 2015, §4.3)\n\n")
	fmt.Fprintf(&b, "Budget: every student trains for %d minibatches of %d examples (%.1f epochs of 60,000): standard backprop and KD alone for all of them, "+
		"hints + KD for %d in the hint stage and %d by KD. Each seed's teacher trains for %d minibatches (%.1f epochs). Seeds %s; test error on the test set at the end of each run, "+
		"as mean [min–max] over the seeds. Every run's settings are in its `config.yaml`; overrides of this study: %s.\n\n",
		r.Budget, r.BatchSize, epochs(r.Budget), r.Hint, r.Budget-r.Hint, r.TeacherSteps, epochs(r.TeacherSteps), repro.JoinInts(r.Seeds, ", "), overrides(o))
	fmt.Fprintf(&b, "| network | paper | ours | by seed | dead hidden units at the end, first layer/all (of %d/%d), by seed |\n|---|---|---|---|---|\n", r.FirstUnits, r.Units)
	for _, nw := range Networks {
		var seeds []string
		for _, e := range r.Errors[nw.Key] {
			seeds = append(seeds, fmt.Sprintf("%.2f%%", 100*e))
		}
		dead := "—"
		if d, ok := r.Dead[nw.Key]; ok {
			dead = deadText(d)
		}
		fmt.Fprintf(&b, "| %s | %.2f%% | %s | %s | %s |\n", nw.Label, 100*nw.Paper, r.Error(nw.Key).Percent(), strings.Join(seeds, ", "), dead)
	}
	fmt.Fprintf(&b, "\nKD alone gives a test error %s standard backprop's; hints + KD give one %s KD alone's and %s standard backprop's. "+
		"The paper finds both steps help (1.90%% → 0.65%% → 0.51%%).\n\n", r.compare(KD, Standard), r.compare(Hints, KD), r.compare(Hints, Standard))
	fmt.Fprintf(&b, "A dead unit is a hidden ReLU whose output is 0 on every one of the first %d test digits: on those digits it passes no gradient to its weights. "+
		"A first-layer unit that is 0 on every training digit stays so (its inputs, the pixels, never change); a deeper one can come back as the layers below it change. "+
		"At the end of the hint stage the hints arm's student has %s dead units (first layer/all, by seed; the frozen layers above the guided one included), against %s at the end of standard backprop. "+
		"The paper's maxout units cannot die.\n\n",
		DeadProbe, deadText(r.HintDead), deadText(r.Dead[Standard]))
	fmt.Fprintf(&b, "![test error](%s)\n\nPer seed: [%s](%s). The hints arm's first point belongs to its hint stage, "+
		"where the student's head is untrained (the main term has weight 0), so its error is near chance until the KD stage begins.\n\n", ErrorPNG, ErrorsCSV, ErrorsCSV)
	fmt.Fprintf(&b, "Why the numbers differ from the paper's: the paper's teacher and FitNet are maxout convolutional networks trained for hundreds of epochs with its own "+
		"hyper-parameters; ours are ReLU MLPs (hidden widths %v for the teacher, %v for the student) trained for a few epochs on 2 CPU cores, so the errors are several times the paper's "+
		"(the teacher's %.2f%% against 0.55%%). The students' learning rate (%v) and the hint stage's (%v) are the configs': "+
		"the shipped values were chosen on the standard-backprop arm's test accuracy after 600 steps and on the hint term's own value after a 500-step hint stage; "+
		"λ = 4 at τ = 3, unscaled and annealed linearly to 0, is the paper's MNIST setting.\n\n",
		r.TeacherHidden, r.StudentHidden, 100*r.Error(Teacher).Mean, r.LR, r.HintLR)
	var dirs []string
	for _, nw := range Networks {
		for _, seed := range r.Seeds {
			dirs = append(dirs, filepath.Join(o.Dir, repro.SeedName(nw.Key, seed)))
		}
	}
	b.WriteString(repro.Provenance(o.Command, dirs))
	return b.Bytes()
}

// overrides lists the study's --set and --student-set arguments, or says
// there are none.
func overrides(o Options) string {
	var sets []string
	for _, s := range o.Sets {
		sets = append(sets, "`--set "+s+"`")
	}
	for _, s := range o.StudentSets {
		sets = append(sets, "`--student-set "+s+"`")
	}
	if len(sets) == 0 {
		return "none"
	}
	return strings.Join(sets, " ")
}

// deadText lists dead-unit counts, seed by seed.
func deadText(d []Dead) string {
	s := make([]string, len(d))
	for i, v := range d {
		s[i] = v.String()
	}
	return strings.Join(s, ", ")
}
