package bnrepro

import (
	"bytes"
	"fmt"
	"io"
	"path/filepath"
	"strconv"
	"strings"

	"deepopt/internal/atomicfile"
	"deepopt/plots"
)

// The report directory's files besides the run directories.
const (
	ReportFile     = "report.md"
	AccuracyCSV    = "accuracy.csv"
	PercentilesCSV = "percentiles.csv"
	AccuracyPNG    = "accuracy.png"
	AccuracyLogPNG = "accuracy-logx.png"
	percentilesPNG = "percentiles-%s.png" // per network
)

// accuracySteps are the steps of the report's accuracy table (those before
// the last step; the last step is always given).
var accuracySteps = []int{1000, 2000, 5000, 10000, 50000}

// Thresholds are the test accuracies whose first reaching step the report
// gives.
var Thresholds = []float64{0.95, 0.97, 0.98}

// PercentilesPNG is the percentile figure of a network (NoBN or BN).
func PercentilesPNG(network string) string { return fmt.Sprintf(percentilesPNG, network) }

// write writes the CSVs, the figures and report.md into o.Dir.
func (r *Report) write(o Options) error {
	if err := r.writeCSVs(o.Dir); err != nil {
		return err
	}
	if err := r.plot(o.Dir); err != nil {
		return err
	}
	return writeFile(filepath.Join(o.Dir, ReportFile), r.markdown(o))
}

func writeFile(path string, text []byte) error {
	return atomicfile.Write(path, func(w io.Writer) error {
		_, err := w.Write(text)
		return err
	})
}

func g(v float64) string { return strconv.FormatFloat(v, 'g', 8, 64) }

func (r *Report) writeCSVs(dir string) error {
	var b bytes.Buffer
	b.WriteString("step")
	for _, nw := range networks {
		fmt.Fprintf(&b, ",%[1]s_mean,%[1]s_min,%[1]s_max", nw.key)
	}
	b.WriteString("\n")
	steps := r.Accuracy[NoBN].Step
	for i, s := range steps {
		b.WriteString(g(s))
		for _, nw := range networks {
			c := r.Accuracy[nw.key]
			fmt.Fprintf(&b, ",%s,%s,%s", g(c.Mean[i]), g(c.Min[i]), g(c.Max[i]))
		}
		b.WriteString("\n")
	}
	if err := writeFile(filepath.Join(dir, AccuracyCSV), b.Bytes()); err != nil {
		return err
	}
	b.Reset()
	b.WriteString("network,seed,node,unit,step,p15,p50,p85\n")
	for _, nw := range networks {
		p := r.Percentiles[nw.key]
		for i, s := range p.Step {
			fmt.Fprintf(&b, "%s,%d,%s,%d,%s,%s,%s,%s\n", nw.key, r.Seeds[0], r.Node, r.Unit, g(s), g(p.P15[i]), g(p.P50[i]), g(p.P85[i]))
		}
	}
	return writeFile(filepath.Join(dir, PercentilesCSV), b.Bytes())
}

func percent(v []float64) []float64 {
	out := make([]float64, len(v))
	for i, x := range v {
		out[i] = 100 * x
	}
	return out
}

func (r *Report) seedText() string {
	if len(r.Seeds) == 1 {
		return fmt.Sprintf("seed %d", r.Seeds[0])
	}
	return fmt.Sprintf("mean over seeds %s, shaded: min–max", joinInts(r.Seeds, ", "))
}

func (r *Report) plot(dir string) error {
	acc := plots.Figure{Title: "(a) MNIST test accuracy, " + r.seedText(), XLabel: "training step", YLabel: "test accuracy (%)"}
	for _, nw := range networks {
		c := r.Accuracy[nw.key]
		s := plots.Series{Name: nw.label, X: c.Step, Y: percent(c.Mean)}
		if len(r.Seeds) > 1 {
			s.Low, s.High = percent(c.Min), percent(c.Max)
		}
		acc.Series = append(acc.Series, s)
	}
	if err := plots.Lines(filepath.Join(dir, AccuracyPNG), acc); err != nil {
		return err
	}
	// The networks differ most in the first few thousand steps, which a
	// logarithmic step axis spreads out.
	acc.Title, acc.LogX = "(a) on a log step axis, "+r.seedText(), true
	if err := plots.Lines(filepath.Join(dir, AccuracyLogPNG), acc); err != nil {
		return err
	}
	for k, nw := range networks {
		p := r.Percentiles[nw.key]
		fig := plots.Figure{
			Title:  fmt.Sprintf("(%c) %s: input of %s unit %d, seed %d", 'b'+k, nw.label, strings.TrimSuffix(r.Node, ".in"), r.Unit, r.Seeds[0]),
			XLabel: "training step", YLabel: "sigmoid input (" + r.Node + ")",
			Series: []plots.Series{
				{Name: "85th percentile", X: p.Step, Y: p.P85},
				{Name: "50th percentile", X: p.Step, Y: p.P50, Low: p.P15, High: p.P85},
				{Name: "15th percentile", X: p.Step, Y: p.P15},
			}}
		if err := plots.Lines(filepath.Join(dir, PercentilesPNG(nw.key)), fig); err != nil {
			return err
		}
	}
	return nil
}

func joinInts(v []int, sep string) string {
	s := make([]string, len(v))
	for i, x := range v {
		s[i] = strconv.Itoa(x)
	}
	return strings.Join(s, sep)
}

// accuracyCell is the accuracy at evaluation i: the mean, with the min–max
// range over several seeds.
func (r *Report) accuracyCell(c Curve, i int) string {
	if len(r.Seeds) == 1 {
		return fmt.Sprintf("%.2f%%", 100*c.Mean[i])
	}
	return fmt.Sprintf("%.2f%% [%.2f–%.2f]", 100*c.Mean[i], 100*c.Min[i], 100*c.Max[i])
}

// reachCell gives the steps at which each seed first reached a threshold.
func reachCell(steps []int) string {
	s := make([]string, len(steps))
	for i, v := range steps {
		s[i] = strconv.Itoa(v)
		if v < 0 {
			s[i] = "not reached"
		}
	}
	return strings.Join(s, " / ")
}

func (r *Report) markdown(o Options) []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	nobn, bn := r.Accuracy[NoBN], r.Accuracy[BN]
	last := int(nobn.Step[len(nobn.Step)-1])
	w("# Ioffe & Szegedy (2015), Figure 1, on MNIST\n\n")
	w("784-100-100-100-10 sigmoid network, plain SGD, minibatches of 60, without BN (`%s`) and with BN before each hidden sigmoid (`%s`), same learning rate and initialisation; %d steps; %s.",
		o.NoBN, o.BN, last, r.seedText())
	if len(o.Sets) > 0 {
		w(" Overrides: `%s`.", strings.Join(o.Sets, "`, `"))
	}
	w(" Runs: `<network>-seed<k>/` (config, metrics.csv, activations.csv, checkpoint).\n\n")

	w("## (a) Test accuracy\n\n![test accuracy](%s)\n\n![test accuracy, log step axis](%s)\n\n", AccuracyPNG, AccuracyLogPNG)
	w("| step | without BN | with BN |\n|---:|---:|---:|\n")
	for _, step := range accuracySteps {
		if step >= last {
			break
		}
		if i := nobn.at(step); i >= 0 {
			w("| %d | %s | %s |\n", int(nobn.Step[i]), r.accuracyCell(nobn, i), r.accuracyCell(bn, i))
		}
	}
	n := len(nobn.Step) - 1
	w("| %d | %s | %s |\n\n", last, r.accuracyCell(nobn, n), r.accuracyCell(bn, n))
	w("Steps to first reach a test accuracy (per seed, %s; evaluated every %d steps):\n\n", joinInts(r.Seeds, ", "), int(nobn.Step[0]))
	w("| accuracy | without BN | with BN |\n|---:|---:|---:|\n")
	for _, t := range Thresholds {
		w("| %.0f%% | %s | %s |\n", 100*t, reachCell(nobn.reach(t)), reachCell(bn.reach(t)))
	}

	w("\n## (b, c) The distribution of a last-hidden-layer sigmoid's input\n\n")
	w("The 15th, 50th and 85th percentiles (linear interpolation, NumPy's default) of `%s` unit %d over the recorded test examples, seed %d.\n\n",
		r.Node, r.Unit, r.Seeds[0])
	w("![without BN](%s)\n\n![with BN](%s)\n\n", PercentilesPNG(NoBN), PercentilesPNG(BN))
	w("Drift from step %d on, relative to the 15–85th percentile band width w₀ at that step: *median drift* = max |p50(s) − p50(%d)| / w₀, *band change* = max |w(s) − w₀| / w₀.\n\n",
		int(r.Drift[NoBN].From), int(r.Drift[NoBN].From))
	w("| network | p15 / p50 / p85 at step %d | at step %d | median drift | band change | over all %d units: median drift | band change |\n|---|---|---|---:|---:|---:|---:|\n",
		int(r.Drift[NoBN].From), last, r.Units)
	for _, nw := range networks {
		d, a := r.Drift[nw.key], r.DriftAll[nw.key]
		w("| %s | %.2f / %.2f / %.2f | %.2f / %.2f / %.2f | %.2f | %.2f | %.2f | %.2f |\n", nw.label,
			d.Start15, d.Start50, d.Start85, d.End15, d.End50, d.End85, d.Median, d.Band, a.Median, a.Band)
	}
	w("\nThe columns over all units give the median over the %d recorded units (and the seeds) of each unit's drift.\n", r.Units)
	w("\n## Files\n\n`%s` (step, then mean/min/max test accuracy of each network over the seeds), `%s` (the percentiles drawn in b and c), `%s`, `%s`, `%s`, `%s`.\n",
		AccuracyCSV, PercentilesCSV, AccuracyPNG, AccuracyLogPNG, PercentilesPNG(NoBN), PercentilesPNG(BN))
	return b.Bytes()
}
