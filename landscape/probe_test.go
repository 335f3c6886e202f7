package landscape

import (
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"deepopt/optim"

	"gonum.org/v1/gonum/floats"
	"gonum.org/v1/gonum/mat"
)

// quadratic is L(θ) = ½θᵀAθ with ∇L = Aθ.
type quadratic struct{ a *mat.SymDense }

func (q quadratic) Dim() int { return q.a.SymmetricDim() }

func (q quadratic) Eval(theta, grad []float64) (float64, error) {
	g := mat.NewVecDense(len(theta), nil)
	g.MulVec(q.a, mat.NewVecDense(len(theta), theta))
	if grad != nil {
		copy(grad, g.RawVector().Data)
	}
	return 0.5 * mat.Dot(g, mat.NewVecDense(len(theta), theta)), nil
}

// randomSPD is a seeded symmetric positive definite n×n matrix BᵀB + I; with
// blocks set, entries coupling different blocks are zero (a separable
// objective).
func randomSPD(n int, seed uint64, blocks []optim.Block) *mat.SymDense {
	rng := rand.New(rand.NewPCG(seed, 2))
	b := mat.NewDense(n, n, nil)
	for i := range n {
		for j := range n {
			b.Set(i, j, rng.NormFloat64())
		}
	}
	a := mat.NewSymDense(n, nil)
	a.SymOuterK(1, b)
	for i := range n {
		a.SetSym(i, i, a.At(i, i)+1)
	}
	block := func(i int) int {
		return slices.IndexFunc(blocks, func(b optim.Block) bool { return i >= b.Start && i < b.End })
	}
	if blocks != nil {
		for i := range n {
			for j := range i {
				if block(i) != block(j) {
					a.SetSym(i, j, 0)
				}
			}
		}
	}
	return a
}

var threeLayers = []optim.Block{{Name: "l1", Start: 0, End: 2}, {Name: "l2", Start: 2, End: 5}, {Name: "l3", Start: 5, End: 7}}

func startPoint(n int) []float64 {
	rng := rand.New(rand.NewPCG(9, 9))
	theta := make([]float64, n)
	for i := range theta {
		theta[i] = rng.NormFloat64()
	}
	return theta
}

// close reports |got − want| ≤ 1e-12·(1 + |want|): the probe and the closed
// forms do the same few float64 operations in different orders.
func close(got, want float64) bool { return math.Abs(got-want) <= 1e-12*(1+math.Abs(want)) }

// TestQuadraticClosedForms checks every landscape quantity on L = ½θᵀAθ,
// where with g = Aθ: L(θ − ηg) = L − η‖g‖² + ½η²gᵀAg, the gradient change is
// −ηAg, so its norm is η‖Ag‖ and the effective β-smoothness is ‖Ag‖/‖g‖ for
// every η.
func TestQuadraticClosedForms(t *testing.T) {
	q := quadratic{randomSPD(7, 1, nil)}
	theta := startPoint(7)
	orig := slices.Clone(theta)
	p := Probe{Etas: []float64{0.05, 0.2, 0.4}}
	r, err := p.Measure(q, theta)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(theta, orig) {
		t.Fatal("Measure changed θ")
	}
	g := make([]float64, 7)
	loss, _ := q.Eval(theta, g)
	ag := mat.NewVecDense(7, nil)
	ag.MulVec(q.a, mat.NewVecDense(7, g))
	gg, gAg, agNorm := floats.Dot(g, g), floats.Dot(g, ag.RawVector().Data), floats.Norm(ag.RawVector().Data, 2)
	var losses []float64
	for j, eta := range p.Etas {
		want := loss - eta*gg + 0.5*eta*eta*gAg
		losses = append(losses, want)
		if !close(r.Losses[j], want) {
			t.Errorf("L(θ − %gg) = %.15g, want %.15g", eta, r.Losses[j], want)
		}
		if !close(r.GradChanges[j], eta*agNorm) {
			t.Errorf("gradient change at η = %g: %.15g, want η‖Ag‖ = %.15g", eta, r.GradChanges[j], eta*agNorm)
		}
	}
	if !close(r.Loss, loss) || !close(r.GradNorm, math.Sqrt(gg)) {
		t.Errorf("L(θ) = %g, ‖g‖ = %g; want %g, %g", r.Loss, r.GradNorm, loss, math.Sqrt(gg))
	}
	if !close(r.LossMin, slices.Min(losses)) || !close(r.LossMax, slices.Max(losses)) {
		t.Errorf("loss range [%g, %g], want [%g, %g]", r.LossMin, r.LossMax, slices.Min(losses), slices.Max(losses))
	}
	if !close(r.GradChangeMin, 0.05*agNorm) || !close(r.GradChangeMax, 0.4*agNorm) {
		t.Errorf("gradient-change range [%g, %g], want [%g, %g]", r.GradChangeMin, r.GradChangeMax, 0.05*agNorm, 0.4*agNorm)
	}
	if want := agNorm / math.Sqrt(gg); !close(r.BetaSmoothness, want) {
		t.Errorf("β-smoothness %.15g, want ‖Ag‖/‖g‖ = %.15g", r.BetaSmoothness, want)
	}
	if r.ICS != nil {
		t.Errorf("ICS %v without layers", r.ICS)
	}
}

// quartic is L(θ) = θ⁴/4 in one dimension.
type quartic struct{}

func (quartic) Dim() int { return 1 }

func (quartic) Eval(theta, grad []float64) (float64, error) {
	if grad != nil {
		grad[0] = theta[0] * theta[0] * theta[0]
	}
	return theta[0] * theta[0] * theta[0] * theta[0] / 4, nil
}

// TestQuarticPicksLargestRatio checks that β-smoothness is the largest ratio
// over the grid, not the ratio at one η: for L = θ⁴/4 at θ = 1 (g = 1) the
// ratio (1 − (1 − η)³)/η = 3 − 3η + η² is largest at the smallest η.
func TestQuarticPicksLargestRatio(t *testing.T) {
	r, err := Probe{}.Measure(quartic{}, []float64{1})
	if err != nil {
		t.Fatal(err)
	}
	if want := 3 - 3*0.05 + 0.05*0.05; !close(r.BetaSmoothness, want) {
		t.Fatalf("β-smoothness %.15g, want 3 − 3η + η² at η = 0.05: %.15g", r.BetaSmoothness, want)
	}
	if want := math.Pow(0.6, 4) / 4; !close(r.LossMin, want) || !close(r.LossMax, math.Pow(0.95, 4)/4) {
		t.Fatalf("loss range [%g, %g], want [(0.6)⁴/4, (0.95)⁴/4] = [%g, %g]", r.LossMin, r.LossMax, want, math.Pow(0.95, 4)/4)
	}
	if !slices.Equal(r.Etas, DefaultEtas()) {
		t.Fatalf("default grid %v, want %v", r.Etas, DefaultEtas())
	}
}

// TestICSSeparableIsZero: when the loss is a sum of per-layer terms, moving
// the earlier layers cannot change a layer's gradient.
func TestICSSeparableIsZero(t *testing.T) {
	q := quadratic{randomSPD(7, 2, threeLayers)}
	r, err := Probe{Layers: threeLayers, LR: 0.3}.Measure(q, startPoint(7))
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range r.ICS {
		if s.L2 != 0 || math.Abs(s.Cos-1) > 1e-15 {
			t.Errorf("layer %s: ‖G − G'‖ = %g, cos = %.17g; want 0 and 1", s.Layer, s.L2, s.Cos)
		}
	}
	if len(r.ICS) != 3 || r.ICS[2].Layer != "l3" {
		t.Fatalf("ICS %v, want one entry per layer", r.ICS)
	}
}

// TestICSCoupledClosedForm: for a coupled quadratic, moving layers j < i by
// −lr·g_j changes layer i's gradient by −lr·Σ_{j<i} A_ij g_j.
func TestICSCoupledClosedForm(t *testing.T) {
	const lr = 0.3
	q := quadratic{randomSPD(7, 3, nil)}
	theta := startPoint(7)
	r, err := Probe{Layers: threeLayers, LR: lr}.Measure(q, theta)
	if err != nil {
		t.Fatal(err)
	}
	g := make([]float64, 7)
	q.Eval(theta, g)
	for i, layer := range threeLayers {
		G := g[layer.Start:layer.End]
		G2 := slices.Clone(G)
		for k := layer.Start; k < layer.End; k++ {
			for j := 0; j < layer.Start; j++ {
				G2[k-layer.Start] -= lr * q.a.At(k, j) * g[j]
			}
		}
		wantL2 := floats.Distance(G, G2, 2)
		wantCos := floats.Dot(G, G2) / (floats.Norm(G, 2) * floats.Norm(G2, 2))
		s := r.ICS[i]
		if !close(s.L2, wantL2) || !close(s.Cos, wantCos) {
			t.Errorf("layer %s: ‖G − G'‖ = %.15g, cos = %.15g; want %.15g, %.15g", s.Layer, s.L2, s.Cos, wantL2, wantCos)
		}
		if i > 0 && !(wantL2 > 0.01) {
			t.Errorf("layer %s: the coupled test problem has no shift (%g)", s.Layer, wantL2)
		}
	}
}

func TestStationaryPoint(t *testing.T) {
	r, err := Probe{}.Measure(quadratic{randomSPD(3, 4, nil)}, make([]float64, 3))
	if err != nil {
		t.Fatal(err)
	}
	if r.GradNorm != 0 || r.BetaSmoothness != 0 || r.GradChangeMax != 0 || r.LossMax != 0 {
		t.Fatalf("at the minimum: %+v; want zero gradient, changes, loss and β", r)
	}
}

func TestBadProbes(t *testing.T) {
	q := quadratic{randomSPD(7, 1, nil)}
	for _, tc := range []struct {
		p     Probe
		theta []float64
		want  string
	}{
		{Probe{Etas: []float64{}}, startPoint(7), "want at least one step size"},
		{Probe{Etas: []float64{0.1, -1}}, startPoint(7), "Etas[1] = -1"},
		{Probe{Etas: []float64{math.NaN()}}, startPoint(7), "Etas[0] = NaN"},
		{Probe{Layers: threeLayers}, startPoint(7), "LR = 0"},
		{Probe{Layers: []optim.Block{{Name: "a", Start: 0, End: 4}, {Name: "b", Start: 3, End: 7}}, LR: 1}, startPoint(7), "layer b covers θ[3:7]"},
		{Probe{Layers: []optim.Block{{Name: "a", Start: 0, End: 9}}, LR: 1}, startPoint(7), "layer a covers θ[0:9]"},
		{Probe{}, startPoint(6), "θ has 6 values, the objective 7"},
	} {
		_, err := tc.p.Measure(q, tc.theta)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%+v: error %v, want one containing %q", tc.p, err, tc.want)
		}
	}
}
