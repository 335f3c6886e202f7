package kd

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

// The report directory's files besides the run directories and report.md.
const (
	ErrorsCSV   = "errors.csv"
	AccuracyPNG = "accuracy.png"
)

// Spread is a mean with its minimum and maximum over seeds.
type Spread struct{ Mean, Min, Max float64 }

// spread folds values over seeds.
func spread(v []float64) Spread {
	s := Spread{Min: slices.Min(v), Max: slices.Max(v)}
	for _, x := range v {
		s.Mean += x / float64(len(v))
	}
	return s
}

// Errors is the spread over seeds of a network's test errors: in all, or
// on the omitted class, before or after the bias shift.
func (r *Report) Errors(network string, onClass, shifted bool, class int) Spread {
	var v []float64
	for _, c := range r.Counts[network] {
		n, by := c.Errors, c.ByClass
		if shifted {
			n, by = c.Shifted, c.ShiftedByClass
		}
		if onClass {
			n = by[class]
		}
		v = append(v, float64(n))
	}
	return spread(v)
}

// cell writes a spread as "mean [min–max]", or the value alone for one seed.
func (r *Report) cell(s Spread) string {
	if len(r.Seeds) == 1 {
		return fmt.Sprintf("%.0f", s.Mean)
	}
	return fmt.Sprintf("%.1f [%.0f–%.0f]", s.Mean, s.Min, s.Max)
}

// write writes errors.csv, the figure and report.md into o.Dir.
func (r *Report) write(o Options) error {
	var rows [][]string
	for _, nw := range Networks {
		for _, c := range r.Counts[nw.Key] {
			row := []string{nw.Key, strconv.Itoa(c.Seed), strconv.Itoa(c.Errors), strconv.Itoa(c.ByClass[o.Omitted]), "", "", ""}
			if nw.Key == Omitted {
				row[4], row[5], row[6] = repro.G(c.Shift), strconv.Itoa(c.Shifted), strconv.Itoa(c.ShiftedByClass[o.Omitted])
			}
			rows = append(rows, row)
		}
	}
	header := []string{"network", "seed", "test_errors", fmt.Sprintf("errors_on_%d", o.Omitted), "bias_shift", "test_errors_shifted", fmt.Sprintf("errors_on_%d_shifted", o.Omitted)}
	if err := rundir.WriteCSV(filepath.Join(o.Dir, ErrorsCSV), header, rows); err != nil {
		return err
	}
	var groups []repro.Group
	for _, nw := range Networks[:3] {
		var dirs []string
		for _, seed := range r.Seeds {
			dirs = append(dirs, filepath.Join(o.Dir, repro.SeedName(nw.Key, seed)))
		}
		groups = append(groups, repro.Group{Label: nw.Label, Dirs: dirs})
	}
	fig := plots.Figure{Title: "MNIST test accuracy, " + r.seedText()}
	if err := repro.Curves(filepath.Join(o.Dir, AccuracyPNG), fig, "step", "test_acc", groups); err != nil {
		return err
	}
	return repro.WriteFile(filepath.Join(o.Dir, repro.ReportFile), r.markdown(o))
}

func (r *Report) seedText() string {
	s := make([]string, len(r.Seeds))
	for i, v := range r.Seeds {
		s[i] = strconv.Itoa(v)
	}
	if len(s) == 1 {
		return "seed " + s[0]
	}
	return "mean over seeds " + strings.Join(s, ", ") + ", shaded: min–max"
}

// markdown is report.md: the budget, the table of test errors beside the
// paper's, the omitted-class experiment and the provenance.
func (r *Report) markdown(o Options) []byte {
	var b bytes.Buffer
	k := o.Omitted
	fmt.Fprintf(&b, "# Knowledge distillation on MNIST (Hinton, Vinyals & Dean 2015, §3)\n\n")
	fmt.Fprintf(&b, "Budget: %d steps of %d examples per network (%.1f epochs of 60,000), seeds %s; test errors of %d test examples, ",
		r.Steps, r.BatchSize, float64(r.Steps*r.BatchSize)/60000, strings.Trim(fmt.Sprint(r.Seeds), "[]"), r.TestSize)
	fmt.Fprintf(&b, "as mean [min–max] over the seeds. Every run's settings are in its `config.yaml`; overrides of this study: `%s`.\n\n", strings.Join(o.Sets, " "))
	fmt.Fprintf(&b, "| network | paper | ours |\n|---|---|---|\n")
	for _, nw := range Networks[:3] {
		fmt.Fprintf(&b, "| %s | %d | %s |\n", nw.Label, nw.Paper, r.cell(r.Errors(nw.Key, false, false, k)))
	}
	teacher, student, dist := r.Errors(Teacher, false, false, k), r.Errors(Student, false, false, k), r.Errors(Distilled, false, false, k)
	verdict := "no fewer errors than"
	switch {
	case dist.Max < student.Min:
		verdict = "fewer errors than"
	case dist.Mean < student.Mean:
		verdict = "fewer errors on average, within the seeds' spread, than"
	}
	fmt.Fprintf(&b, "\nThe distilled student makes %s the same network trained on the hard labels (%.1f against %.1f; the teacher %.1f). ",
		verdict, dist.Mean, student.Mean, teacher.Mean)
	fmt.Fprintf(&b, "Why the numbers differ from the paper's: every network here trains for %.1f epochs, the paper's far longer; "+
		"a teacher regularised by dropout and jitter converges slowly, so at a short budget it is further from its 67 errors than the unregularised student is from its 146, and it can only pass on what it has learned. "+
		"The optimizer (Nesterov SGD, cosine schedule, no max-norm constraint) and λ = 1 are ours; the paper does not give its distillation weight.\n",
		float64(r.Steps*r.BatchSize)/60000)
	om := Networks[3]
	fmt.Fprintf(&b, "\n## Omitting every %d from the transfer set\n\n", k)
	fmt.Fprintf(&b, "The distilled student of each seed's teacher, trained without any %d (and with %d training examples held out to choose the bias shift on); the %d output learns from the soft targets alone. ", k, o.Validation, k)
	fmt.Fprintf(&b, "The bias shift of class %d is chosen among %v..%v (step %v) for the fewest errors on the held-out examples, then applied to the test set (`distill.ShiftedErrors`). The paper chose 3.5.\n\n",
		k, o.Shifts[0], o.Shifts[len(o.Shifts)-1], o.Shifts[1]-o.Shifts[0])
	fmt.Fprintf(&b, "| | paper errors | paper on %ds | ours | ours on %ds |\n|---|---|---|---|---|\n", k, k)
	fmt.Fprintf(&b, "| %s | %d | %d | %s | %s |\n", om.Label, om.Paper, om.PaperOnClass, r.cell(r.Errors(Omitted, false, false, k)), r.cell(r.Errors(Omitted, true, false, k)))
	var shifts []string
	for _, c := range r.Counts[Omitted] {
		shifts = append(shifts, repro.G(c.Shift))
	}
	fmt.Fprintf(&b, "| after the bias shift (ours: %s by seed) | 109 | 14 | %s | %s |\n\n", strings.Join(shifts, ", "),
		r.cell(r.Errors(Omitted, false, true, k)), r.cell(r.Errors(Omitted, true, true, k)))
	fmt.Fprintf(&b, "![test accuracy](%s)\n\nPer seed: [%s](%s).\n\n", AccuracyPNG, ErrorsCSV, ErrorsCSV)
	var dirs []string
	for _, nw := range Networks {
		for _, seed := range r.Seeds {
			dirs = append(dirs, filepath.Join(o.Dir, repro.SeedName(nw.Key, seed)))
		}
	}
	b.WriteString(repro.Provenance(o.Command, dirs))
	return b.Bytes()
}
