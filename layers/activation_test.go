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

// awayFromZero returns n N(0, 1) values pushed at least 0.05 away from 0, the
// ReLU kink, so finite differences with h = 1e-6 stay on one side.
func awayFromZero(rng *rand.Rand, n int) []float64 {
	v := normals(rng, n)
	for i := range v {
		v[i] += math.Copysign(0.05, v[i])
	}
	return v
}

var activationReferences = map[ActivationKind]func(float64) float64{
	Sigmoid: func(x float64) float64 { return 1 / (1 + math.Exp(-x)) },
	Tanh:    math.Tanh,
	ReLU:    func(x float64) float64 { return math.Max(0, x) },
}

// TestActivationForward compares each activation with its Go definition.
func TestActivationForward(t *testing.T) {
	for _, kind := range ActivationKinds() {
		g := G.NewGraph()
		xs := awayFromZero(rand.New(rand.NewPCG(1, 2)), 12)
		act, err := NewActivation("act", kind)
		if err != nil {
			t.Fatal(err)
		}
		y, err := act.Forward(input(g, "x", tensor.Float64, xs, 3, 4), true)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float64, len(xs))
		for i, x := range xs {
			want[i] = activationReferences[kind](x)
		}
		assertClose(t, string(kind), forward(t, g, y)[0], want, 1e-15)
	}
}

// TestActivationGradient checks each activation's derivative against central
// differences with h = 1e-6, away from the ReLU kink.
func TestActivationGradient(t *testing.T) {
	for _, kind := range ActivationKinds() {
		rng := rand.New(rand.NewPCG(3, 4))
		err := gradcheck.Check(func(g *G.ExprGraph) (*G.Node, G.Nodes, error) {
			act, err := NewActivation("act", kind)
			if err != nil {
				return nil, nil, err
			}
			x := input(g, "x", tensor.Float64, awayFromZero(rng, 2*3*2*2), 2, 3, 2, 2)
			y, err := act.Forward(x, true)
			if err != nil {
				return nil, nil, err
			}
			loss, err := gradcheck.Project(y, rng)
			return loss, G.Nodes{x}, err
		}, 1e-6, 1e-7)
		if err != nil {
			t.Errorf("%s: %v", kind, err)
		}
	}
}

// TestNewActivationUnknown checks that an unknown kind is rejected with the
// valid choices.
func TestNewActivationUnknown(t *testing.T) {
	_, err := NewActivation("act1", "softplus")
	if err == nil || !strings.Contains(err.Error(), `"softplus"`) || !strings.Contains(err.Error(), "sigmoid, tanh, relu") {
		t.Fatalf("got %v, want an error naming softplus and the choices sigmoid, tanh, relu", err)
	}
}

// TestActivation32 checks each float32 kernel and gradient against the
// float64 ones to float32 precision.
func TestActivation32(t *testing.T) {
	xs := awayFromZero(rand.New(rand.NewPCG(5, 6)), 1000)
	for i := range xs {
		xs[i] *= 4
	}
	x32, dy32, dy := make([]float32, len(xs)), make([]float32, len(xs)), normals(rand.New(rand.NewPCG(7, 8)), len(xs))
	for i := range xs {
		x32[i], dy32[i] = float32(xs[i]), float32(dy[i])
	}
	for _, kind := range ActivationKinds() {
		y64, y32 := make([]float64, len(xs)), make([]float32, len(xs))
		activate64(kind, y64, xs)
		activate32(kind, y32, x32)
		d64, d32 := make([]float64, len(xs)), make([]float32, len(xs))
		activationGradient(kind, d64, y64, dy)
		activationGradient(kind, d32, y32, dy32)
		for i := range xs {
			if math.Abs(float64(y32[i])-y64[i]) > 1e-6 || math.Abs(float64(d32[i])-d64[i]) > 1e-6*(1+math.Abs(d64[i])) {
				t.Fatalf("%s at %g: float32 f = %g, f'·dy = %g; float64 %g, %g", kind, xs[i], y32[i], d32[i], y64[i], d64[i])
			}
		}
	}
}
