package continuation

import (
	"fmt"
	"math"
	"path/filepath"
	"slices"
	"strconv"
	"strings"

	"deepopt/plots"
	"deepopt/repro"
	"deepopt/rundir"
	"deepopt/smooth"

	"gonum.org/v1/gonum/stat"
)

// Files written into the report directory besides repro.ReportFile.
const (
	OutcomesCSV     = "outcomes.csv"
	SummaryCSV      = "summary.csv"
	SmoothingCSV    = "smoothing.csv"
	SmoothingRBF    = "smoothing-rbf.png"
	SmoothingRastr  = "smoothing-rastrigin.png"
	FinalValuesRBF  = "final-values-rbf.png"
	FinalValuesRast = "final-values-rastrigin.png"
)

// Summary is one method on one problem over all starts.
type Summary struct {
	// Problem and Method are names, as in Outcome.
	Problem, Method string
	Runs, Successes int
	// MeanF, SDF: mean and standard deviation of the final f; MeanEvals,
	// SDEvals: of the evaluations.
	MeanF, SDF, MeanEvals, SDEvals float64
}

// Summaries returns one Summary per problem and method, in report order.
func (rep *Report) Summaries() []Summary {
	var out []Summary
	for _, p := range rep.Problems {
		for _, method := range rep.Methods {
			s := Summary{Problem: p.Name, Method: method}
			var values, evals []float64
			for _, o := range rep.Outcomes {
				if o.Problem == p.Name && o.Method == method {
					s.Runs++
					if o.Success {
						s.Successes++
					}
					values, evals = append(values, o.F), append(evals, float64(o.Evals))
				}
			}
			s.MeanF, s.SDF = stat.MeanStdDev(values, nil)
			s.MeanEvals, s.SDEvals = stat.MeanStdDev(evals, nil)
			out = append(out, s)
		}
	}
	return out
}

// The 1-D functions of the smoothing figures and their widths t.
var (
	figureWidths = []float64{0, 0.25, 0.5, 1, 2}
	mixture1D    = &smooth.RBFMixture{
		Centers: [][]float64{{-3}, {-1.8}, {-0.6}, {0.4}, {1.5}, {2.7}},
		Weights: []float64{-0.8, -1.1, -0.9, -1.3, -1, -0.7},
		Widths:  []float64{0.3, 0.25, 0.4, 0.2, 0.35, 0.3},
	}
)

// write writes the CSVs, the figures and report.md.
func (rep *Report) write() error {
	dir := rep.Options.Dir
	var rows [][]string
	for _, o := range rep.Outcomes {
		rows = append(rows, []string{o.Problem, o.Method, strconv.Itoa(o.Start), repro.G(o.F), strconv.FormatBool(o.Success), strconv.Itoa(o.Evals)})
	}
	if err := rundir.WriteCSV(filepath.Join(dir, OutcomesCSV), []string{"problem", "method", "start", "final_f", "global", "evaluations"}, rows); err != nil {
		return err
	}
	rows = rows[:0]
	for _, s := range rep.Summaries() {
		rows = append(rows, []string{s.Problem, s.Method, strconv.Itoa(s.Runs), strconv.Itoa(s.Successes),
			repro.G(s.MeanF), repro.G(s.SDF), repro.G(s.MeanEvals), repro.G(s.SDEvals)})
	}
	if err := rundir.WriteCSV(filepath.Join(dir, SummaryCSV), []string{"problem", "method", "runs", "global", "mean_final_f", "sd_final_f", "mean_evaluations", "sd_evaluations"}, rows); err != nil {
		return err
	}
	if err := writeSmoothing(dir); err != nil {
		return err
	}
	for i, file := range []string{FinalValuesRBF, FinalValuesRast} {
		p := rep.Problems[i]
		fig := plots.Figure{Title: fmt.Sprintf("%s: final f of the %d starts, sorted", p.Title, rep.Options.Starts),
			XLabel: "start (sorted by final f)", YLabel: "final f − f*"}
		for _, method := range rep.Methods {
			var values []float64
			for _, o := range rep.Outcomes {
				if o.Problem == p.Name && o.Method == method {
					values = append(values, o.F-p.Min)
				}
			}
			slices.Sort(values)
			s := plots.Series{Name: Describe(method), Y: values}
			for k := range values {
				s.X = append(s.X, float64(k+1))
			}
			fig.Series = append(fig.Series, s)
		}
		if err := plots.Lines(filepath.Join(dir, file), fig); err != nil {
			return err
		}
	}
	return repro.WriteFile(filepath.Join(dir, repro.ReportFile), rep.markdown())
}

// title is the prose name of the named problem.
func (rep *Report) title(name string) string {
	for _, p := range rep.Problems {
		if p.Name == name {
			return p.Title
		}
	}
	return name
}

// writeSmoothing draws g(x; t) of a 1-D mixture and of 1-D Rastrigin.
func writeSmoothing(dir string) error {
	var rows [][]string
	for _, f := range []struct {
		name, file string
		f          smooth.Exact
		lo, hi     float64
	}{
		{"rbf-mixture", SmoothingRBF, mixture1D, -4.5, 4},
		{"rastrigin", SmoothingRastr, smooth.Rastrigin{N: 1}, -4, 4},
	} {
		fig := plots.Figure{Title: fmt.Sprintf("Gaussian smoothing g(x; t) of the 1-D %s", strings.ReplaceAll(f.name, "-", " ")), XLabel: "x", YLabel: "g(x; t)"}
		for _, t := range figureWidths {
			s := plots.Series{Name: fmt.Sprintf("t = %g", t)}
			for i := range 401 {
				x := f.lo + (f.hi-f.lo)*float64(i)/400
				g, err := f.f.EvalSmoothed(t, []float64{x}, nil)
				if err != nil {
					return err
				}
				s.X, s.Y = append(s.X, x), append(s.Y, g)
				rows = append(rows, []string{f.name, repro.G(t), repro.G(x), repro.G(g)})
			}
			fig.Series = append(fig.Series, s)
		}
		if err := plots.Lines(filepath.Join(dir, f.file), fig); err != nil {
			return err
		}
	}
	return rundir.WriteCSV(filepath.Join(dir, SmoothingCSV), []string{"function", "t", "x", "g"}, rows)
}

// markdown is report.md.
func (rep *Report) markdown() []byte {
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }
	o := rep.Options
	w("# Continuation (Gaussian homotopy) against plain local minimisation\n\n")
	w("Mobahi & Fisher (2015); Algorithm 4 of the lecture. From %d starts drawn uniformly in a cube around 0 (seed %d), ", o.Starts, o.Seed)
	w("each problem is minimised by L-BFGS on f (plain), and by continuation: L-BFGS on the smoothed g(·; t_k) for ")
	w("t = %v, each level started at the last one's solution, the last level f itself. ", []float64(rep.Levels))
	w("Exact continuation smooths in closed form; Monte-Carlo continuation estimates g and ∇g from K antithetic pairs, K in %v ", o.Samples)
	w("(2K evaluations of f per evaluation of g), with the noise fixed within a level (common random numbers, so L-BFGS and its line search see one function per level: ")
	w("a sample-average approximation of g) and seeded per start. ")
	w("Every local minimisation stops at ‖∇‖∞ ≤ 1e-8 or 2000 iterations. A run reaches the global minimum when its final f ≤ f* + 1e-6.\n\n")
	for _, p := range rep.Problems {
		w("- **%s**: f* = %.6g; starts in [−%g, %g]^%d.", p.Title, p.Min, p.Box, p.Box, p.F.Dim())
		if _, ok := p.F.(*smooth.RBFMixture); ok {
			w(" The mixture: a broad well (depth 1, width 3) at the origin and 24 narrow wells (depths 0.5–1.5, widths 0.2–0.5) centred N(0, 1.5²); f* found by L-BFGS from every centre and a 61×61 grid over [−6, 6]².")
		} else {
			w(" f(x) = 10N + Σ[x_i² − 10 cos 2πx_i], global minimum 0 at 0, about 10 local minima per coordinate in the box.")
		}
		w("\n")
	}
	w("\n| problem | method | reached f* | final f, mean ± sd | evaluations of f, mean ± sd |\n|---|---|---|---|---|\n")
	for _, s := range rep.Summaries() {
		share := float64(s.Successes) / float64(s.Runs)
		w("| %s | %s | %d/%d (%.0f%% ± %.0f%%) | %.4g ± %.3g | %.0f ± %.0f |\n", rep.title(s.Problem), Describe(s.Method), s.Successes, s.Runs,
			100*share, 100*math.Sqrt(share*(1-share)/float64(s.Runs)), s.MeanF, s.SDF, s.MeanEvals, s.SDEvals)
	}
	w("\nThe ± of the share is its binomial standard error over the starts. ")
	w("Evaluations count f (with its gradient) and, for exact continuation, g in closed form, which costs about as much as f here.\n\n")
	w("Mobahi & Fisher report no success rate over random starts for these problems, so there is no number of theirs to set beside ours.\n\n")
	w("![smoothed mixture](%s)\n\n![smoothed Rastrigin](%s)\n\n", SmoothingRBF, SmoothingRastr)
	w("![final values, mixture](%s)\n\n![final values, Rastrigin](%s)\n\n", FinalValuesRBF, FinalValuesRast)
	w("Files: %s (one row per start and method), %s, %s (the curves of the smoothing figures).\n\n", OutcomesCSV, SummaryCSV, SmoothingCSV)
	w("%s", repro.Provenance(o.Command, nil))
	return []byte(b.String())
}
