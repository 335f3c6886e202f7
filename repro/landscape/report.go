package landscape

import (
	"fmt"
	"path/filepath"
	"slices"
	"strings"

	probe "deepopt/landscape"
	"deepopt/plots"
	"deepopt/repro"
)

// Files written into the report directory besides report.md
// (repro.ReportFile).
const (
	LossFigure     = "loss_landscape.png"
	GradientFigure = "gradient_predictiveness.png"
	BetaFigure     = "beta_smoothness.png"
	ICSFigure      = "ics.png"
)

// quantity is one of the probe's per-η measurements drawn as a band.
type quantity struct {
	file, title, ylabel string
	values              func(probe.Record) []float64
}

var bands = []quantity{
	{LossFigure, "Loss landscape: L(θ − ηg) over η (band: min–max, line: mean)", "training loss on the probe set",
		func(r probe.Record) []float64 { return r.Losses }},
	{GradientFigure, "Gradient predictiveness: ‖g(θ − ηg) − g(θ)‖, g = grad L (band: min–max over η)", "ℓ2 change of the gradient",
		func(r probe.Record) []float64 { return r.GradChanges }},
}

// write draws the figures and writes report.md.
func (rep *Report) write() error {
	dir := rep.Options.Dir
	for _, q := range bands {
		fig := plots.Figure{Title: q.title, XLabel: "training step", YLabel: q.ylabel, LogY: true}
		for _, n := range rep.Networks {
			// One band over the step sizes: Runs[k] is the quantity at η_k.
			var steps []float64
			perEta := make([][]float64, len(etasOf(rep)))
			for _, r := range n.Records {
				steps = append(steps, float64(r.Step))
				for k, v := range q.values(r) {
					perEta[k] = append(perEta[k], v)
				}
			}
			fig.Series = append(fig.Series, repro.NewBand(steps, perEta).Series(n.Label))
		}
		if err := plots.Lines(filepath.Join(dir, q.file), fig); err != nil {
			return err
		}
	}
	beta := plots.Figure{Title: "Effective β-smoothness: max over η of ‖g(θ − ηg) − g(θ)‖ / ‖ηg‖", XLabel: "training step", YLabel: "β"}
	ics := plots.Figure{Title: "Internal covariate shift ‖G − G'‖ (Santurkar et al. §2.1)", XLabel: "training step",
		YLabel: "ℓ2 change of the layer's gradient", LogY: true}
	for _, n := range rep.Networks {
		s := plots.Series{Name: n.Label}
		for _, r := range n.Records {
			s.X, s.Y = append(s.X, float64(r.Step)), append(s.Y, r.BetaSmoothness)
		}
		beta.Series = append(beta.Series, s)
		if len(n.Records) == 0 {
			continue
		}
		// The first shifted layer (the second; the first has no earlier
		// layers, so its ICS is 0) and the last: four readable lines.
		last := len(n.Records[0].ICS) - 1
		for _, l := range slices.Compact([]int{min(1, last), last}) {
			s := plots.Series{Name: n.Label + ", " + n.Records[0].ICS[l].Layer}
			for _, r := range n.Records {
				s.X, s.Y = append(s.X, float64(r.Step)), append(s.Y, r.ICS[l].L2)
			}
			ics.Series = append(ics.Series, s)
		}
	}
	for file, fig := range map[string]plots.Figure{BetaFigure: beta, ICSFigure: ics} {
		if err := plots.Lines(filepath.Join(dir, file), fig); err != nil {
			return err
		}
	}
	return repro.WriteFile(filepath.Join(dir, repro.ReportFile), []byte(rep.markdown()))
}

// markdown is the text of report.md: the set-up, a table of every fourth
// probe, and counts of the probed steps at which BN orders each quantity as
// Santurkar et al. report.
func (rep *Report) markdown() string {
	o := rep.Options
	var b strings.Builder
	nobn, bn := rep.Networks[0], rep.Networks[1]
	fmt.Fprintf(&b, "# Landscape probes (Santurkar et al. 2018) on the Ioffe & Szegedy MNIST network\n\n")
	fmt.Fprintf(&b, "Configurations `%s` and `%s` (784-100-100-100-10 sigmoid MLP, plain SGD, same learning rate and seed), "+
		"%d steps each, probed every %d steps on a fixed probe set of %d training minibatches (seeded draw, the same for both networks) "+
		"at the step sizes η = %v. Extra settings: %v.\n\n", o.NoBN, o.BN, o.Steps, o.Every, o.Batches, etasOf(rep), o.Sets)
	fmt.Fprintf(&b, "| network | final test accuracy | training wall time (probes included) |\n|---|---|---|\n")
	for _, n := range rep.Networks {
		fmt.Fprintf(&b, "| %s | %.2f%% | %.1f s |\n", n.Label, 100*n.TestAccuracy, n.WallSeconds)
	}
	fmt.Fprintf(&b, "\nFigures: [%s](%s), [%s](%s), [%s](%s), [%s](%s).\n\n", LossFigure, LossFigure, GradientFigure, GradientFigure, BetaFigure, BetaFigure, ICSFigure, ICSFigure)
	fmt.Fprintf(&b, "## Probes (every fourth)\n\n")
	fmt.Fprintf(&b, "| step | L(θ) no BN | L(θ) BN | loss range no BN | loss range BN | grad change range no BN | grad change range BN | β no BN | β BN | ICS ‖G−G'‖ last layer no BN | BN |\n")
	fmt.Fprintf(&b, "|---|---|---|---|---|---|---|---|---|---|---|\n")
	for i := range min(len(nobn.Records), len(bn.Records)) {
		if (i+1)%4 != 0 && i != len(nobn.Records)-1 {
			continue
		}
		a, c := nobn.Records[i], bn.Records[i]
		fmt.Fprintf(&b, "| %d | %.4g | %.4g | [%.4g, %.4g] | [%.4g, %.4g] | [%.4g, %.4g] | [%.4g, %.4g] | %.3g | %.3g | %.3g | %.3g |\n",
			a.Step, a.Loss, c.Loss, a.LossMin, a.LossMax, c.LossMin, c.LossMax, a.GradChangeMin, a.GradChangeMax,
			c.GradChangeMin, c.GradChangeMax, a.BetaSmoothness, c.BetaSmoothness, a.ICS[len(a.ICS)-1].L2, c.ICS[len(c.ICS)-1].L2)
	}
	provenance := "\n" + repro.Provenance(o.Command, []string{filepath.Join(o.Dir, "nobn"), filepath.Join(o.Dir, "bn")})
	if len(pairs(rep)) == 0 {
		return b.String() + provenance
	}
	fmt.Fprintf(&b, "\n## How often BN orders each quantity as the paper reports\n\n")
	fmt.Fprintf(&b, "Over all %d probed steps (the median is of the ratio BN / no BN at equal steps):\n\n", len(pairs(rep)))
	fmt.Fprintf(&b, "| quantity | BN smaller at | median ratio BN / no BN |\n|---|---|---|\n")
	for _, c := range []struct {
		name string
		f    func(probe.Record) float64
	}{
		{"loss range width max − min", func(r probe.Record) float64 { return r.LossMax - r.LossMin }},
		{"gradient change, max over η", func(r probe.Record) float64 { return r.GradChangeMax }},
		{"gradient change range width", func(r probe.Record) float64 { return r.GradChangeMax - r.GradChangeMin }},
		{"effective β-smoothness", func(r probe.Record) float64 { return r.BetaSmoothness }},
		{"ICS ‖G − G'‖, last layer", func(r probe.Record) float64 { return r.ICS[len(r.ICS)-1].L2 }},
		{"gradient norm ‖g‖", func(r probe.Record) float64 { return r.GradNorm }},
	} {
		smaller, ratios := 0, []float64{}
		for _, p := range pairs(rep) {
			x, y := c.f(p[0]), c.f(p[1])
			if y < x {
				smaller++
			}
			ratios = append(ratios, y/x)
		}
		slices.Sort(ratios)
		fmt.Fprintf(&b, "| %s | %d of %d | %.3g |\n", c.name, smaller, len(ratios), ratios[len(ratios)/2])
	}
	return b.String() + provenance
}

// pairs are the probes of both networks at the same steps: [no BN, BN].
func pairs(rep *Report) [][2]probe.Record {
	var out [][2]probe.Record
	for _, a := range rep.Networks[0].Records {
		for _, c := range rep.Networks[1].Records {
			if a.Step == c.Step {
				out = append(out, [2]probe.Record{a, c})
			}
		}
	}
	return out
}

func etasOf(rep *Report) []float64 {
	for _, n := range rep.Networks {
		if len(n.Records) > 0 {
			return n.Records[0].Etas
		}
	}
	return nil
}
