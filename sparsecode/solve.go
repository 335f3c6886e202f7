package sparsecode

import (
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"
)

// Defaults of Settings.
const (
	// DefaultTolerance is the default bound on J's relative decrease.
	DefaultTolerance = 1e-4
	// DefaultMaxIterations is the default iteration limit.
	DefaultMaxIterations = 100
)

// Settings are the stop rule of BlockCoordinateDescent and
// ProximalGradient: stop when an iteration lowers J by less than Tolerance
// relative to J, or after MaxIterations iterations.
type Settings struct {
	// Tolerance is the bound on (J_prev − J)/J_prev; 0 means
	// DefaultTolerance.
	Tolerance float64
	// MaxIterations bounds the iterations; 0 means DefaultMaxIterations.
	MaxIterations int
}

// Point is the state of a descent after an iteration (iteration 0 is the
// start): J and its parts, the share of zero codes, and the wall time
// since the start.
type Point struct {
	Iteration            int
	Seconds              float64
	J, Residual, Penalty float64
	// Sparsity is the share of codes H_ij that are exactly 0.
	Sparsity float64
	// CodeSweeps and DictSweeps are the inner sweeps of the block steps
	// (block coordinate descent: the most any example took in CodeStep,
	// and DictionaryStep's); StepLength is the proximal gradient's t.
	CodeSweeps, DictSweeps int
	StepLength             float64
}

// check validates p, the shapes of W and H against X, and s.
func (p Problem) check(W, H *mat.Dense, s Settings) (Settings, error) {
	if err := p.Validate(); err != nil {
		return s, err
	}
	features, examples := p.X.Dims()
	if W == nil || H == nil {
		return s, fmt.Errorf("sparsecode: no starting dictionary or codes; build them with Init")
	}
	atoms, wFeatures := W.Dims()
	hAtoms, hExamples := H.Dims()
	if wFeatures != features || hAtoms != atoms || hExamples != examples {
		return s, fmt.Errorf("sparsecode: W is %d×%d and H %d×%d for X of %d×%d; want W k×%d and H k×%d", atoms, wFeatures, hAtoms, hExamples, features, examples, features, examples)
	}
	switch {
	case !(s.Tolerance >= 0) || math.IsInf(s.Tolerance, 1):
		return s, fmt.Errorf("sparsecode: Settings.Tolerance = %v; want a relative decrease ≥ 0 (0 for %g)", s.Tolerance, DefaultTolerance)
	case s.MaxIterations < 0:
		return s, fmt.Errorf("sparsecode: Settings.MaxIterations = %d; want ≥ 1, or 0 for %d", s.MaxIterations, DefaultMaxIterations)
	}
	if s.Tolerance == 0 {
		s.Tolerance = DefaultTolerance
	}
	if s.MaxIterations == 0 {
		s.MaxIterations = DefaultMaxIterations
	}
	return s, nil
}

// BlockCoordinateDescent minimises J from (W, H), updated in place, by
// alternating CodeStep and DictionaryStep (one iteration is both) until
// the stop rule of s; it returns the start and every iteration.
func (p Problem) BlockCoordinateDescent(W, H *mat.Dense, s Settings) ([]Point, error) {
	return p.descend(W, H, s, func(point *Point) error {
		point.CodeSweeps = p.CodeStep(W, H)
		point.DictSweeps = p.DictionaryStep(W, H)
		return nil
	})
}

// ProximalGradient minimises J from (W, H), updated in place, by proximal
// gradient descent on both blocks at once: a gradient step on the squared
// error F = ‖X − WᵀH‖², then the proximal map of the rest (soft
// thresholding of H by tλ, projection of each atom onto the unit ball),
// with the step length t found by backtracking until F at the new point is
// below its quadratic model at the old one (Beck & Teboulle 2009, FISTA's
// backtracking without momentum), which makes J decrease. Each iteration
// starts from twice the last accepted step. It returns the start and every
// iteration.
func (p Problem) ProximalGradient(W, H *mat.Dense, s Settings) ([]Point, error) {
	step := 1.0
	var residual, gradW, gradH, nextW, nextH, diffW, diffH mat.Dense
	return p.descend(W, H, s, func(point *Point) error {
		// residual R = WᵀH − X; ∇_W F = 2HRᵀ, ∇_H F = 2WR.
		residual.Mul(W.T(), H)
		residual.Sub(&residual, p.X)
		f := frobenius2(&residual)
		gradW.Mul(H, residual.T())
		gradW.Scale(2, &gradW)
		gradH.Mul(W, &residual)
		gradH.Scale(2, &gradH)
		step *= 2
		for range 60 {
			nextW.Scale(-step, &gradW)
			nextW.Add(W, &nextW)
			projectRows(&nextW)
			nextH.Scale(-step, &gradH)
			nextH.Add(H, &nextH)
			shrink(&nextH, step*p.Lambda)
			// F(next) ≤ F + ⟨∇F, next − old⟩ + ‖next − old‖²/2t
			residual.Mul(nextW.T(), &nextH)
			residual.Sub(&residual, p.X)
			model := f
			diffW.Sub(&nextW, W)
			diffH.Sub(&nextH, H)
			model += inner(&diffW, &gradW) + frobenius2(&diffW)/(2*step)
			model += inner(&diffH, &gradH) + frobenius2(&diffH)/(2*step)
			if frobenius2(&residual) <= model {
				W.Copy(&nextW)
				H.Copy(&nextH)
				point.StepLength = step
				return nil
			}
			step /= 2
		}
		return fmt.Errorf("sparsecode: proximal gradient found no step length down to %g; the data may be badly scaled", step)
	})
}

// descend runs iterate until the stop rule, recording each point.
func (p Problem) descend(W, H *mat.Dense, s Settings, iterate func(*Point) error) ([]Point, error) {
	s, err := p.check(W, H, s)
	if err != nil {
		return nil, err
	}
	start := time.Now()
	trace := []Point{p.point(W, H, 0, 0)}
	for iteration := 1; iteration <= s.MaxIterations; iteration++ {
		var point Point
		if err := iterate(&point); err != nil {
			return trace, err
		}
		measured := p.point(W, H, iteration, time.Since(start).Seconds())
		measured.CodeSweeps, measured.DictSweeps, measured.StepLength = point.CodeSweeps, point.DictSweeps, point.StepLength
		before := trace[len(trace)-1].J
		trace = append(trace, measured)
		if before-measured.J < s.Tolerance*before {
			break
		}
	}
	return trace, nil
}

// point measures J and the sparsity of H.
func (p Problem) point(W, H *mat.Dense, iteration int, seconds float64) Point {
	j, residual, penalty := p.J(W, H)
	zeros := 0
	rows, cols := H.Dims()
	for i := range rows {
		for _, v := range H.RawRowView(i) {
			if v == 0 {
				zeros++
			}
		}
	}
	return Point{Iteration: iteration, Seconds: seconds, J: j, Residual: residual, Penalty: penalty,
		Sparsity: float64(zeros) / float64(rows*cols)}
}

// frobenius2 is Σ a_ij².
func frobenius2(a *mat.Dense) float64 { return inner(a, a) }

// inner is Σ a_ij b_ij for matrices of one shape.
func inner(a, b *mat.Dense) float64 {
	sum := 0.0
	rows, _ := a.Dims()
	for i := range rows {
		sum += dot(a.RawRowView(i), b.RawRowView(i))
	}
	return sum
}

// projectRows scales every row of a with norm above 1 onto the unit sphere.
func projectRows(a *mat.Dense) {
	rows, _ := a.Dims()
	for i := range rows {
		row := a.RawRowView(i)
		if norm := math.Sqrt(dot(row, row)); norm > 1 {
			for f := range row {
				row[f] /= norm
			}
		}
	}
}

// shrink soft-thresholds every entry of a by tau.
func shrink(a *mat.Dense, tau float64) {
	rows, _ := a.Dims()
	for i := range rows {
		row := a.RawRowView(i)
		for f, v := range row {
			row[f] = softThreshold(v, tau)
		}
	}
}
