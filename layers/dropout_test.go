package layers

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"deepopt/internal/gradcheck"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// TestDropoutGradient checks the training path's gradient against central
// differences with a fixed drawn mask: the loss is a random projection of
// x ⊙ mask, so ∂/∂x is the projection times the mask, zero where a unit is
// dropped.
func TestDropoutGradient(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	err := gradcheck.Check(func(g *G.ExprGraph) (*G.Node, G.Nodes, error) {
		d, err := NewDropout("drop", 0.4)
		if err != nil {
			return nil, nil, err
		}
		x := input(g, "x", tensor.Float64, awayFromZero(rng, 5*6), 5, 6)
		y, err := d.Forward(x, true)
		if err != nil {
			return nil, nil, err
		}
		d.Draw(rng)
		loss, err := gradcheck.Project(y, rng)
		return loss, G.Nodes{x}, err
	}, 1e-6, 1e-7)
	if err != nil {
		t.Error(err)
	}
}

// TestDropoutForward compares the training path with x ⊙ mask computed in Go
// from the drawn mask, and checks that the evaluation path is the identity
// (the input node itself).
func TestDropoutForward(t *testing.T) {
	g := G.NewGraph()
	xs := awayFromZero(rand.New(rand.NewPCG(1, 2)), 12)
	x := input(g, "x", tensor.Float64, xs, 3, 4)
	d, err := NewDropout("drop", 0.5)
	if err != nil {
		t.Fatal(err)
	}
	y, err := d.Forward(x, true)
	if err != nil {
		t.Fatal(err)
	}
	d.Draw(rand.New(rand.NewPCG(3, 4)))
	mask := d.mask.Data().([]float64)
	want := make([]float64, len(xs))
	dropped := 0
	for i, v := range xs {
		want[i] = v * mask[i]
		if mask[i] == 0 {
			dropped++
		} else if mask[i] != 2 {
			t.Errorf("mask entry %v, want 0 or 1/(1 − 0.5) = 2", mask[i])
		}
	}
	if dropped == 0 || dropped == len(xs) {
		t.Errorf("%d of %d units dropped at rate 0.5", dropped, len(xs))
	}
	assertClose(t, "x ⊙ mask", forward(t, g, y)[0], want, 0)
	if e, err := d.Forward(x, false); err != nil || e != x {
		t.Errorf("evaluation path: %v, %v; want the input node", e, err)
	}
	if _, err := d.Forward(x, true); err == nil {
		t.Error("a second training path gave no error")
	}
}

// TestDropoutExpectation draws many masks at rate p = 0.3 and checks
// inverted dropout's defining properties: the fraction of dropped units is p
// and the mean mask entry (the factor by which the expected output scales
// the input) is 1, each within 4 standard errors (variances p(1 − p)/N and
// p/(1 − p)/N over N entries).
func TestDropoutExpectation(t *testing.T) {
	const p, draws = 0.3, 20
	g := G.NewGraph()
	x := input(g, "x", tensor.Float32, make([]float64, 200*50), 200, 50)
	d, err := NewDropout("drop", p)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := d.Forward(x, true); err != nil {
		t.Fatal(err)
	}
	rng := rand.New(rand.NewPCG(7, 8))
	var sum float64
	dropped, n := 0, 0
	for range draws {
		d.Draw(rng)
		for _, v := range d.mask.Data().([]float32) {
			sum += float64(v)
			if v == 0 {
				dropped++
			}
			n++
		}
	}
	N := float64(n)
	if f := float64(dropped) / N; math.Abs(f-p) > 4*math.Sqrt(p*(1-p)/N) {
		t.Errorf("dropped fraction %.5f, want %v", f, p)
	}
	if mean := sum / N; math.Abs(mean-1) > 4*math.Sqrt(p/(1-p)/N) {
		t.Errorf("mean mask entry %.5f, want 1", mean)
	}
}

// TestNewDropoutRejectsBadRates names the layer, the rate and the valid
// range.
func TestNewDropoutRejectsBadRates(t *testing.T) {
	for _, rate := range []float64{-0.1, 1, 1.5, math.NaN()} {
		_, err := NewDropout("drop1", rate)
		if err == nil || !strings.Contains(err.Error(), "drop1") || !strings.Contains(err.Error(), "[0, 1)") {
			t.Errorf("rate %v: error %v, want one naming drop1 and [0, 1)", rate, err)
		}
	}
}
