package landscape

import (
	"errors"
	"fmt"
	"math"

	"deepopt/internal/bounds"
	"deepopt/optim"

	"gonum.org/v1/gonum/floats"
)

// DefaultEtas returns the step sizes of Santurkar et al.'s landscape plots:
// eight values evenly spaced over their range 0.05–0.4.
func DefaultEtas() []float64 {
	return []float64{0.05, 0.1, 0.15, 0.2, 0.25, 0.3, 0.35, 0.4}
}

// Probe measures the landscape along the gradient at one point. Its zero
// value measures the loss and gradient ranges on DefaultEtas, without ICS.
type Probe struct {
	// Etas are the step sizes η > 0 of the points θ − η·g; nil uses
	// DefaultEtas.
	Etas []float64
	// Layers are the layers whose internal covariate shift is measured:
	// disjoint ranges of θ in network order (see Layers); nil measures none.
	Layers []optim.Block
	// LR is the step size of the update θ ← θ − LR·g applied to the earlier
	// layers for ICS; it must be positive when Layers is set.
	LR float64
}

// Result is what a Probe measured at one point.
type Result struct {
	// Loss is L(θ) and GradNorm ‖∇L(θ)‖₂.
	Loss, GradNorm float64
	// Etas are the step sizes; Losses[j] = L(θ − Etas[j]·g) and
	// GradChanges[j] = ‖∇L(θ − Etas[j]·g) − ∇L(θ)‖₂.
	Etas, Losses, GradChanges []float64
	// LossMin and LossMax are the range of Losses (the loss landscape).
	LossMin, LossMax float64
	// GradChangeMin and GradChangeMax are the range of GradChanges
	// (gradient predictiveness: a narrow range means a predictive gradient).
	GradChangeMin, GradChangeMax float64
	// BetaSmoothness is max_j GradChanges[j] / (Etas[j]·GradNorm), the
	// effective β-smoothness along the gradient; 0 at a stationary point,
	// where no step moves.
	BetaSmoothness float64
	// ICS holds the internal covariate shift of every layer, in order.
	ICS []Shift
}

// Shift is the internal covariate shift of one layer (Santurkar et al.,
// Definition 2.1).
type Shift struct {
	// Layer names the layer.
	Layer string
	// L2 is ‖G − G'‖₂ and Cos is cos∠(G, G') (NaN when G or G' is zero).
	L2, Cos float64
}

// Measure probes obj at theta, which it leaves unchanged. It makes
// 1 + len(Etas) + (number of layers with earlier layers) gradient
// evaluations; whatever else the objective does on Eval is the caller's
// concern (see Hook).
func (p Probe) Measure(obj optim.Objective, theta []float64) (Result, error) {
	etas := p.Etas
	if etas == nil {
		etas = DefaultEtas()
	}
	if err := p.validate(etas, obj.Dim(), len(theta)); err != nil {
		return Result{}, err
	}
	n := len(theta)
	g := make([]float64, n)
	loss, err := obj.Eval(theta, g)
	if err != nil {
		return Result{}, fmt.Errorf("landscape: at θ: %w", err)
	}
	r := Result{Loss: loss, GradNorm: floats.Norm(g, 2), Etas: append([]float64(nil), etas...)}
	trial, gTrial := make([]float64, n), make([]float64, n)
	for _, eta := range etas {
		for i := range trial {
			trial[i] = theta[i] - eta*g[i]
		}
		l, err := obj.Eval(trial, gTrial)
		if err != nil {
			return Result{}, fmt.Errorf("landscape: at θ − %g·g: %w", eta, err)
		}
		r.Losses = append(r.Losses, l)
		r.GradChanges = append(r.GradChanges, floats.Distance(gTrial, g, 2))
	}
	r.LossMin, r.LossMax = span(r.Losses)
	r.GradChangeMin, r.GradChangeMax = span(r.GradChanges)
	if r.GradNorm > 0 {
		r.BetaSmoothness = math.Inf(-1)
		for j, eta := range etas {
			r.BetaSmoothness = math.Max(r.BetaSmoothness, r.GradChanges[j]/(eta*r.GradNorm))
		}
	}
	for i, layer := range p.Layers {
		G := g[layer.Start:layer.End]
		if i == 0 { // nothing before the first layer moves: G' = G
			r.ICS = append(r.ICS, Shift{Layer: layer.Name, L2: 0, Cos: cosine(G, G)})
			continue
		}
		copy(trial, theta)
		for _, earlier := range p.Layers[:i] {
			for k := earlier.Start; k < earlier.End; k++ {
				trial[k] -= p.LR * g[k]
			}
		}
		if _, err := obj.Eval(trial, gTrial); err != nil {
			return Result{}, fmt.Errorf("landscape: ICS of layer %s: %w", layer.Name, err)
		}
		G2 := gTrial[layer.Start:layer.End]
		r.ICS = append(r.ICS, Shift{Layer: layer.Name, L2: floats.Distance(G, G2, 2), Cos: cosine(G, G2)})
	}
	return r, nil
}

// CheckEtas reports, each as a *bounds.Error naming Probe.Etas, an empty
// list of step sizes and every step size η that is not finite and > 0. nil
// is valid: Probe and Hook read it as DefaultEtas. Probe.Measure calls it;
// package config calls it on probe.etas.
func CheckEtas(etas []float64) error {
	if etas != nil && len(etas) == 0 {
		return &bounds.Error{Field: "Probe.Etas", Problem: "want at least one step size, e.g. [0.05, 0.1, 0.2, 0.4]",
			Hint: "nil selects DefaultEtas"}
	}
	var errs []error
	for j, eta := range etas {
		errs = append(errs, bounds.Check(fmt.Sprintf("Probe.Etas[%d]", j), eta, bounds.Positive, ""))
	}
	return errors.Join(errs...)
}

func (p Probe) validate(etas []float64, dim, n int) error {
	var errs []error
	if n != dim {
		errs = append(errs, fmt.Errorf("landscape: θ has %d values, the objective %d", n, dim))
	}
	found, _ := bounds.Errors(CheckEtas(etas))
	for _, e := range found {
		errs = append(errs, fmt.Errorf("landscape: %w", e))
	}
	if len(p.Layers) > 0 && !bounds.Positive.Contains(p.LR) {
		errs = append(errs, fmt.Errorf("landscape: ICS step size LR = %v; want a finite LR > 0 (the run's learning rate)", p.LR))
	}
	end := 0
	for _, l := range p.Layers {
		if l.Start < end || l.End <= l.Start || l.End > dim {
			errs = append(errs, fmt.Errorf("landscape: layer %s covers θ[%d:%d]; layers must be non-empty, disjoint, in order and within θ's %d values",
				l.Name, l.Start, l.End, dim))
			break
		}
		end = l.End
	}
	return errors.Join(errs...)
}

// cosine is cos∠(a, b), NaN when either is zero.
func cosine(a, b []float64) float64 {
	na, nb := floats.Norm(a, 2), floats.Norm(b, 2)
	if na == 0 || nb == 0 {
		return math.NaN()
	}
	return floats.Dot(a, b) / (na * nb)
}

// span returns the smallest and largest of v (NaN if any is NaN).
func span(v []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, x := range v {
		lo, hi = math.Min(lo, x), math.Max(hi, x)
	}
	return lo, hi
}
