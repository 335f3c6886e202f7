// Package continuation reproduces the claim of continuation methods (Mobahi &
// Fisher 2015; Algorithm 4 of the lecture) on two problems whose Gaussian
// smoothing is known in closed form, a 2-D mixture of Gaussian wells and
// 10-D Rastrigin: from random starts, how often plain local minimisation
// and continuation reach the global minimum, their final values and the
// function evaluations they spend. It also draws the smoothed 1-D
// functions g(x; t) for several t, as the lecture's Figure 1.
package continuation

import (
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"os"

	"deepopt/optim"
	"deepopt/schedule"
	"deepopt/smooth"
)

// Options configure Run; the CLI's defaults are given in brackets.
type Options struct {
	// Dir is the report directory; it is created if missing.
	Dir string
	// Starts is the number of random starts per problem (100).
	Starts int
	// Seed fixes the mixture, the starts and the Monte-Carlo noise (1).
	Seed uint64
	// Samples are the numbers K of antithetic pairs per Monte-Carlo
	// evaluation, one Monte-Carlo continuation each (16 and 256; none for
	// exact continuation only).
	Samples []int
	// Command is the command line that reproduces the report, quoted in it.
	Command string
	// Log receives progress (nil for none).
	Log io.Writer
}

// The methods compared from every start: plain L-BFGS, continuation with
// exact smoothing, and continuation with Monte-Carlo smoothing for each
// Options.Samples (named by MonteCarlo).
const (
	Plain = "plain"
	Exact = "exact"
)

// MonteCarlo names continuation with Monte-Carlo smoothing from K pairs.
func MonteCarlo(pairs int) string { return fmt.Sprintf("mc-%d", pairs) }

// Describe is a method's name in prose.
func Describe(method string) string {
	var pairs int
	switch _, err := fmt.Sscanf(method, "mc-%d", &pairs); {
	case method == Plain:
		return "plain L-BFGS"
	case method == Exact:
		return "continuation, exact smoothing"
	case err == nil:
		return fmt.Sprintf("continuation, Monte-Carlo smoothing, K = %d", pairs)
	}
	return method
}

// successSlack is how far above f* a final value still counts as f*.
const successSlack = 1e-6

// Outcome is one run from one start.
type Outcome struct {
	// Problem and Method are names of Problem and of Report.Methods.
	Problem, Method string
	Start           int
	// F is f at the final point; Success says F ≤ f* + 10⁻⁶.
	F       float64
	Success bool
	// Evals counts evaluations of f (with its gradient) and, for exact
	// continuation, of g in closed form, which costs about as much.
	Evals int
}

// Problem is a test problem of the study.
type Problem struct {
	// Name is its name in the CSVs, Title in prose.
	Name, Title string
	F           smooth.Exact
	// Min is the global minimum f*; Box is the half-width of the cube of
	// starts around 0.
	Min, Box float64
}

// Report is the study's outcome.
type Report struct {
	Options  Options
	Problems []Problem
	Levels   schedule.Levels
	// Methods are the methods in report order.
	Methods  []string
	Outcomes []Outcome
}

// Run runs every method from Options.Starts random starts on each problem
// and writes the report, its CSVs and figures into Options.Dir.
func Run(o Options) (*Report, error) {
	if o.Dir == "" {
		return nil, fmt.Errorf("repro-continuation: no report directory; set --out")
	}
	if o.Starts < 1 {
		return nil, fmt.Errorf("repro-continuation: %d starts; want at least 1", o.Starts)
	}
	methods := []string{Plain, Exact}
	for _, k := range o.Samples {
		if k < 1 {
			return nil, fmt.Errorf("repro-continuation: K = %d antithetic pairs; want K ≥ 1", k)
		}
		methods = append(methods, MonteCarlo(k))
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, err
	}
	levels, err := schedule.GeometricLevels(2, 0.5, 6)
	if err != nil {
		return nil, err
	}
	rbf, err := Mixture(o.Seed)
	if err != nil {
		return nil, err
	}
	rbfMin, err := globalMinimum(rbf)
	if err != nil {
		return nil, err
	}
	rep := &Report{Options: o, Levels: levels, Methods: methods, Problems: []Problem{
		{Name: "rbf-2d", Title: "RBF mixture, 2-D", F: rbf, Min: rbfMin, Box: 5},
		{Name: "rastrigin-10d", Title: "Rastrigin, 10-D", F: smooth.Rastrigin{N: 10}, Min: 0, Box: 5.12},
	}}
	for _, p := range rep.Problems {
		rng := rand.New(rand.NewPCG(o.Seed, 2))
		for start := range o.Starts {
			theta := make([]float64, p.F.Dim())
			for i := range theta {
				theta[i] = p.Box * (2*rng.Float64() - 1)
			}
			for m, method := range rep.Methods {
				outcome, err := rep.run(p, m, start, theta)
				if err != nil {
					return nil, fmt.Errorf("%s, %s, start %d: %w", p.Title, Describe(method), start, err)
				}
				rep.Outcomes = append(rep.Outcomes, outcome)
			}
		}
		if o.Log != nil {
			fmt.Fprintf(o.Log, "%s: %d starts done\n", p.Title, o.Starts)
		}
	}
	return rep, rep.write()
}

// settings is every local minimisation's stop rule.
var settings = optim.Settings{GradientTolerance: 1e-8, MaxIterations: 2000}

// lbfgs returns a fresh L-BFGS for each level.
func lbfgs(int) optim.Optimizer { return &optim.LBFGS{} }

// run minimises p from theta with method m of rep.Methods.
func (rep *Report) run(p Problem, m int, start int, theta []float64) (Outcome, error) {
	f := &counted{Exact: p.F}
	var final []float64
	switch method := rep.Methods[m]; method {
	case Plain:
		result, err := optim.Minimize(f, theta, lbfgs(0), settings)
		if err != nil && result.Status != optim.LineSearchFailed {
			return Outcome{}, err
		}
		final = result.Theta
	default:
		pairs := 0
		if method != Exact {
			pairs = rep.Options.Samples[m-2]
		}
		smoothed := func(sigma float64) optim.Objective {
			return &smooth.Gaussian{Objective: f, Sigma: sigma, Samples: pairs, Antithetic: true,
				MonteCarlo: method != Exact, Seed: rep.Options.Seed<<32 + uint64(start)}
		}
		c := schedule.Continuation{Levels: rep.Levels, Method: lbfgs, Settings: []optim.Settings{settings}}
		path, err := c.Minimize(smoothed, theta)
		if err != nil {
			return Outcome{}, err
		}
		final = path[len(path)-1].Theta
	}
	value, _ := p.F.Eval(final, nil)
	return Outcome{Problem: p.Name, Method: rep.Methods[m], Start: start, F: value,
		Success: value <= p.Min+successSlack, Evals: f.evals}, nil
}

// counted counts the evaluations of an exact problem, of f and of g alike.
type counted struct {
	smooth.Exact
	evals int
}

func (c *counted) Eval(theta, grad []float64) (float64, error) {
	c.evals++
	return c.Exact.Eval(theta, grad)
}

func (c *counted) EvalSmoothed(sigma float64, theta, grad []float64) (float64, error) {
	c.evals++
	return c.Exact.EvalSmoothed(sigma, theta, grad)
}

// Mixture is the study's 2-D mixture: a broad shallow well at the origin
// (depth 1, width 3) under 24 narrow wells of depths 0.5–1.5 and widths
// 0.2–0.5, centred around the origin with spread 1.5, all drawn from seed.
// Many narrow wells make many local minima; the broad one and the wells'
// crowding near the origin give the smoothed function one minimum there.
func Mixture(seed uint64) (*smooth.RBFMixture, error) {
	rng := rand.New(rand.NewPCG(seed, 1))
	m := &smooth.RBFMixture{Centers: [][]float64{{0, 0}}, Weights: []float64{-1}, Widths: []float64{3}}
	for range 24 {
		m.Centers = append(m.Centers, []float64{1.5 * rng.NormFloat64(), 1.5 * rng.NormFloat64()})
		m.Weights = append(m.Weights, -(0.5 + rng.Float64()))
		m.Widths = append(m.Widths, 0.2+0.3*rng.Float64())
	}
	return m, m.Validate()
}

// globalMinimum finds f* of a mixture by L-BFGS from every centre and from
// a 61×61 grid over [−6, 6]², keeping the lowest value; the grid's step,
// 0.2, is the narrowest well's width.
func globalMinimum(m *smooth.RBFMixture) (float64, error) {
	starts := m.Centers
	for i := range 61 {
		for j := range 61 {
			starts = append(starts, []float64{-6 + 0.2*float64(i), -6 + 0.2*float64(j)})
		}
	}
	best := math.Inf(1)
	for _, start := range starts {
		result, err := optim.Minimize(m, start, &optim.LBFGS{}, settings)
		if err != nil && result.Status != optim.LineSearchFailed {
			return 0, fmt.Errorf("global minimum of the mixture from %v: %w", start, err)
		}
		best = math.Min(best, result.F)
	}
	return best, nil
}
