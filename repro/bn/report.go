package bn

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

// The report directory's files besides the run directories and report.md
// (repro.ReportFile).
const (
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
	return repro.WriteFile(filepath.Join(o.Dir, repro.ReportFile), r.markdown(o))
}

func (r *Report) writeCSVs(dir string) error {
	header := []string{"step"}
	for _, nw := range networks {
		header = append(header, nw.key+"_mean", nw.key+"_min", nw.key+"_max")
	}
	var rows [][]string
	for i, s := range r.Accuracy[NoBN].X {
		row := []string{repro.G(s)}
		for _, nw := range networks {
			c := r.Accuracy[nw.key]
			row = append(row, repro.G(c.Mean[i]), repro.G(c.Min[i]), repro.G(c.Max[i]))
		}
		rows = append(rows, row)
	}
	if err := rundir.WriteCSV(filepath.Join(dir, AccuracyCSV), header, rows); err != nil {
		return err
	}
	rows = nil
	for _, nw := range networks {
		p := r.Percentiles[nw.key]
		for i, s := range p.Step {
			rows = append(rows, []string{nw.key, strconv.Itoa(r.Seeds[0]), r.Node, strconv.Itoa(r.Unit),
				repro.G(s), repro.G(p.P15[i]), repro.G(p.P50[i]), repro.G(p.P85[i])})
		}
	}
	return rundir.WriteCSV(filepath.Join(dir, PercentilesCSV), strings.Split("network,seed,node,unit,step,p15,p50,p85", ","), rows)
}

func (r *Report) seedText() string {
	if len(r.Seeds) == 1 {
		return fmt.Sprintf("seed %d", r.Seeds[0])
	}
	return fmt.Sprintf("mean over seeds %s, shaded: min–max", repro.JoinInts(r.Seeds, ", "))
}

func (r *Report) plot(dir string) error {
	acc := plots.Figure{Title: "(a) MNIST test accuracy, " + r.seedText(), XLabel: "training step", YLabel: "test accuracy (%)"}
	for _, nw := range networks {
		acc.Series = append(acc.Series, r.Accuracy[nw.key].Scaled(100).Series(nw.label))
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

// accuracyCell is the accuracy at evaluation i: the mean, with the min–max
// range over several seeds.
func (r *Report) accuracyCell(c repro.Band, i int) string {
	return repro.Spread{Mean: c.Mean[i], Min: c.Min[i], Max: c.Max[i], N: len(r.Seeds)}.Percent()
}

func (r *Report) markdown(o Options) []byte {
	var b bytes.Buffer
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	nobn, bn := r.Accuracy[NoBN], r.Accuracy[BN]
	last := int(nobn.X[len(nobn.X)-1])
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
		if i := nobn.At(float64(step)); i >= 0 {
			w("| %d | %s | %s |\n", int(nobn.X[i]), r.accuracyCell(nobn, i), r.accuracyCell(bn, i))
		}
	}
	n := len(nobn.X) - 1
	w("| %d | %s | %s |\n\n", last, r.accuracyCell(nobn, n), r.accuracyCell(bn, n))
	w("Steps to first reach a test accuracy (per seed, %s; evaluated every %d steps):\n\n", repro.JoinInts(r.Seeds, ", "), int(nobn.X[0]))
	w("| accuracy | without BN | with BN |\n|---:|---:|---:|\n")
	for _, t := range Thresholds {
		w("| %.0f%% | %s | %s |\n", 100*t, repro.ReachText(nobn.Reach(t)), repro.ReachText(bn.Reach(t)))
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
	w("\n%s", repro.Provenance(o.Command, append(runDirs(o, NoBN), runDirs(o, BN)...)))
	return b.Bytes()
}
