package smooth

import (
	"fmt"
	"math"
)

var (
	_ Exact = (*RBFMixture)(nil)
	_ Exact = Rastrigin{}
)

// RBFMixture is a mixture of Gaussian radial basis functions,
// f(x) = Σ_k a_k exp(−‖x − c_k‖² / 2δ_k²), the test problem of Mobahi &
// Fisher (2015). Negative weights make wells, so f has a local minimum
// near each centre with a < 0; its smoothing is again such a mixture, with
// widths √(δ² + σ²) and weights scaled by (δ²/(δ² + σ²))^{d/2}.
type RBFMixture struct {
	// Centers are the c_k, each of the problem's dimension d.
	Centers [][]float64
	// Weights are the a_k, one per centre.
	Weights []float64
	// Widths are the δ_k > 0, one per centre.
	Widths []float64
}

// Validate reports a mixture without centres, centres of different
// dimensions, and weights or widths that do not match the centres.
func (m *RBFMixture) Validate() error {
	if len(m.Centers) == 0 {
		return fmt.Errorf("smooth: RBFMixture has no centres; give at least one")
	}
	if len(m.Weights) != len(m.Centers) || len(m.Widths) != len(m.Centers) {
		return fmt.Errorf("smooth: RBFMixture has %d centres, %d weights and %d widths; want one weight and one width per centre", len(m.Centers), len(m.Weights), len(m.Widths))
	}
	for k, c := range m.Centers {
		if len(c) != len(m.Centers[0]) {
			return fmt.Errorf("smooth: RBFMixture centre %d has dimension %d, centre 0 has %d; want one dimension", k, len(c), len(m.Centers[0]))
		}
		if !(m.Widths[k] > 0) || math.IsInf(m.Widths[k], 1) {
			return fmt.Errorf("smooth: RBFMixture width %d = %v; want a finite width > 0", k, m.Widths[k])
		}
	}
	return nil
}

// Dim implements optim.Objective.
func (m *RBFMixture) Dim() int { return len(m.Centers[0]) }

// Eval implements optim.Objective: f(x) and ∇f(x).
func (m *RBFMixture) Eval(x, grad []float64) (float64, error) {
	return m.EvalSmoothed(0, x, grad)
}

// EvalSmoothed implements Exact: g(x; σ) = Σ_k a_k (δ_k²/s_k²)^{d/2}
// exp(−‖x − c_k‖²/2s_k²) with s_k² = δ_k² + σ², and its gradient
// −Σ_k (that term)·(x − c_k)/s_k².
func (m *RBFMixture) EvalSmoothed(sigma float64, x, grad []float64) (float64, error) {
	d := float64(len(x))
	clear(grad)
	value := 0.0
	for k, c := range m.Centers {
		width2 := m.Widths[k] * m.Widths[k]
		s2 := width2 + sigma*sigma
		dist2 := 0.0
		for i := range x {
			dist2 += (x[i] - c[i]) * (x[i] - c[i])
		}
		term := m.Weights[k] * math.Pow(width2/s2, d/2) * math.Exp(-dist2/(2*s2))
		value += term
		for i := range grad {
			grad[i] -= term * (x[i] - c[i]) / s2
		}
	}
	return value, nil
}

// Rastrigin is Rastrigin's function in N dimensions,
// f(x) = 10N + Σ_i [x_i² − 10 cos 2πx_i], with about 10^N local minima on
// the integer grid around its global minimum f(0) = 0 (Rastrigin 1974; in N
// dimensions Mühlenbein, Schomisch & Born 1991). Smoothing lifts the parabola by σ² and damps the ripples by
// e^{−2π²σ²}: g(x; σ) = 10N + Σ_i [x_i² + σ² − 10 e^{−2π²σ²} cos 2πx_i].
type Rastrigin struct {
	// N is the dimension.
	N int
}

// Dim implements optim.Objective.
func (r Rastrigin) Dim() int { return r.N }

// Eval implements optim.Objective: f(x) and ∇f(x).
func (r Rastrigin) Eval(x, grad []float64) (float64, error) {
	return r.EvalSmoothed(0, x, grad)
}

// EvalSmoothed implements Exact; see Rastrigin.
func (r Rastrigin) EvalSmoothed(sigma float64, x, grad []float64) (float64, error) {
	damping := 10 * math.Exp(-2*math.Pi*math.Pi*sigma*sigma)
	value := 10 * float64(len(x))
	for i, xi := range x {
		value += xi*xi + sigma*sigma - damping*math.Cos(2*math.Pi*xi)
		if grad != nil {
			grad[i] = 2*xi + 2*math.Pi*damping*math.Sin(2*math.Pi*xi)
		}
	}
	return value, nil
}
