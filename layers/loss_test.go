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

// referenceLogSoftmax is log softmax(z/T) of one row by the textbook formula
// with the maximum subtracted, computed in Go.
func referenceLogSoftmax(z []float64, temperature float64) []float64 {
	m := math.Inf(-1)
	for _, v := range z {
		m = math.Max(m, v/temperature)
	}
	sum := 0.0
	for _, v := range z {
		sum += math.Exp(v/temperature - m)
	}
	out := make([]float64, len(z))
	for i, v := range z {
		out[i] = v/temperature - m - math.Log(sum)
	}
	return out
}

// TestSoftmaxCrossEntropyByHand checks the loss on a two-example batch
// against the closed forms written out by hand: for logits (1, 2, 3) with
// class 3 the loss is log(e + e² + e³) − 3, for logits (0, 0, 0) with any
// one-hot target it is log 3, and the soft target (½, ½, 0) on (1, 2, 3)
// gives log(e + e² + e³) − 1.5.
func TestSoftmaxCrossEntropyByHand(t *testing.T) {
	lse := math.Log(math.E + math.Exp(2) + math.Exp(3))
	for _, tc := range []struct {
		name    string
		targets []float64
		want    float64
	}{
		{"one-hot", []float64{0, 0, 1, 1, 0, 0}, ((lse - 3) + math.Log(3)) / 2},
		{"soft", []float64{0.5, 0.5, 0, 0.2, 0.3, 0.5}, ((lse - 1.5) + math.Log(3)) / 2},
	} {
		for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
			g := G.NewGraph()
			z := input(g, "z", dt, []float64{1, 2, 3, 0, 0, 0}, 2, 3)
			y := input(g, "y", dt, tc.targets, 2, 3)
			loss, err := SoftmaxCrossEntropy(z, y)
			if err != nil {
				t.Fatal(err)
			}
			tol := 1e-15
			if dt == tensor.Float32 {
				tol = 1e-6
			}
			assertClose(t, tc.name+" "+dt.String(), forward(t, g, loss)[0], []float64{tc.want}, tol)
		}
	}
}

// TestCrossEntropyWithTemperature checks CrossEntropy(LogSoftmax(z, T), t)
// at T = 2 on logits (2, 4, 6), which equal (1, 2, 3) after division by T, so
// the loss for class 3 is log(e + e² + e³) − 3 as in the hand computation
// above; its gradient is checked by finite differences.
func TestCrossEntropyWithTemperature(t *testing.T) {
	build := func(g *G.ExprGraph) (*G.Node, G.Nodes, error) {
		z := input(g, "z", tensor.Float64, []float64{2, 4, 6}, 1, 3)
		logp, err := LogSoftmax(z, 2)
		if err != nil {
			return nil, nil, err
		}
		loss, err := CrossEntropy(logp, input(g, "y", tensor.Float64, []float64{0, 0, 1}, 1, 3))
		return loss, G.Nodes{z}, err
	}
	g := G.NewGraph()
	loss, _, err := build(g)
	if err != nil {
		t.Fatal(err)
	}
	want := math.Log(math.E+math.Exp(2)+math.Exp(3)) - 3
	assertClose(t, "cross-entropy at T = 2", forward(t, g, loss)[0], []float64{want}, 1e-15)
	if err := gradcheck.Check(build, 1e-6, 1e-8); err != nil {
		t.Fatal(err)
	}
}

// TestSoftmaxCrossEntropyLargeLogits checks that logits of ±1000 (where a
// naive exp overflows to +Inf) give the exact loss and the exact gradient
// (softmax(z) − t)/N, in float64 and float32.
func TestSoftmaxCrossEntropyLargeLogits(t *testing.T) {
	logits := []float64{1000, 0, -1000, 1000, 1000, 0}
	targets := []float64{0, 1, 0, 1, 0, 0}
	// Row 1: loss 1000 − 0 = 1000; row 2: log(2 + e^−1000) − 0 = log 2.
	wantLoss := (1000 + math.Ln2) / 2
	wantGrad := []float64{0.5, -0.5, 0, -0.25, 0.25, 0} // (softmax − t)/2: softmax rows (1, 0, 0) and (½, ½, 0)
	for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
		g := G.NewGraph()
		z := input(g, "z", dt, logits, 2, 3)
		loss, err := SoftmaxCrossEntropy(z, input(g, "y", dt, targets, 2, 3))
		if err != nil {
			t.Fatal(err)
		}
		grads, err := G.Grad(loss, z)
		if err != nil {
			t.Fatal(err)
		}
		values := forward(t, g, loss, grads[0])
		tol := 1e-15
		if dt == tensor.Float32 {
			tol = 1e-6
		}
		assertClose(t, "loss "+dt.String(), values[0], []float64{wantLoss}, tol)
		assertClose(t, "gradient "+dt.String(), values[1], wantGrad, tol)
	}
}

// TestSoftmaxCrossEntropyGradient checks ∂L/∂z against central differences
// and against the closed form (softmax(z) − t)/N, for one-hot and soft
// targets.
func TestSoftmaxCrossEntropyGradient(t *testing.T) {
	const n, k = 4, 5
	rng := rand.New(rand.NewPCG(1, 2))
	oneHot := make([]float64, n*k)
	for i := range n {
		oneHot[i*k+rng.IntN(k)] = 1
	}
	soft := make([]float64, n*k)
	for i := range n {
		row := soft[i*k : (i+1)*k]
		copy(row, referenceLogSoftmax(normals(rng, k), 1))
		for j := range row {
			row[j] = math.Exp(row[j])
		}
	}
	for name, targets := range map[string][]float64{"one-hot": oneHot, "soft": soft} {
		logits := normals(rng, n*k)
		build := func(g *G.ExprGraph) (*G.Node, G.Nodes, error) {
			z := input(g, "z", tensor.Float64, logits, n, k)
			loss, err := SoftmaxCrossEntropy(z, input(g, "y", tensor.Float64, targets, n, k))
			return loss, G.Nodes{z}, err
		}
		if err := gradcheck.Check(build, 1e-6, 1e-8); err != nil {
			t.Errorf("%s: %v", name, err)
		}
		g := G.NewGraph()
		loss, wrt, err := build(g)
		if err != nil {
			t.Fatal(err)
		}
		grads, err := G.Grad(loss, wrt...)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float64, n*k)
		for i := range n {
			logp := referenceLogSoftmax(logits[i*k:(i+1)*k], 1)
			for j := range k {
				want[i*k+j] = (math.Exp(logp[j]) - targets[i*k+j]) / n
			}
		}
		assertClose(t, name+" closed-form gradient", forward(t, g, grads[0])[0], want, 1e-15)
	}
}

// TestSoftmaxTemperature compares Softmax and LogSoftmax at T = 1 and T = 4
// with the Go reference, and checks LogSoftmax's gradient at T = 4 by finite
// differences.
func TestSoftmaxTemperature(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	logits := normals(rng, 2*3)
	for i := range logits {
		logits[i] *= 10
	}
	for _, temperature := range []float64{1, 4} {
		g := G.NewGraph()
		z := input(g, "z", tensor.Float64, logits, 2, 3)
		logp, err := LogSoftmax(z, temperature)
		if err != nil {
			t.Fatal(err)
		}
		p, err := Softmax(z, temperature)
		if err != nil {
			t.Fatal(err)
		}
		values := forward(t, g, logp, p)
		want := append(referenceLogSoftmax(logits[:3], temperature), referenceLogSoftmax(logits[3:], temperature)...)
		assertClose(t, "log-softmax", values[0], want, 1e-14)
		for i := range want {
			want[i] = math.Exp(want[i])
		}
		assertClose(t, "softmax", values[1], want, 1e-14)
	}
	err := gradcheck.Check(func(g *G.ExprGraph) (*G.Node, G.Nodes, error) {
		z := gradcheck.Leaf(g, "z", rng, 3, 3, 4)
		logp, err := LogSoftmax(z, 4)
		if err != nil {
			return nil, nil, err
		}
		loss, err := gradcheck.Project(logp, rng)
		return loss, G.Nodes{z}, err
	}, 1e-6, 1e-8)
	if err != nil {
		t.Fatal(err)
	}
}

// TestLossErrors checks that malformed logits, targets and temperatures are
// reported with the offending value.
func TestLossErrors(t *testing.T) {
	g := G.NewGraph()
	z := input(g, "z", tensor.Float64, make([]float64, 6), 2, 3)
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"targets shape", second(SoftmaxCrossEntropy(z, input(g, "y", tensor.Float64, make([]float64, 4), 2, 2))), "targets have shape (2, 2), predictions have (2, 3)"},
		{"targets dtype", second(SoftmaxCrossEntropy(z, input(g, "y32", tensor.Float32, make([]float64, 6), 2, 3))), "dtype float32"},
		{"logits rank", second(LogSoftmax(input(g, "v", tensor.Float64, make([]float64, 3), 3), 1)), "logits have shape (3)"},
		{"temperature", second(Softmax(z, 0)), "temperature 0"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: got %v, want an error containing %q", tc.name, tc.err, tc.want)
		}
	}
}

func second(_ *G.Node, err error) error { return err }

// TestSoftmaxCrossEntropyTargetGradient checks ∂L/∂z and ∂L/∂t against
// central differences for targets whose rows do not sum to 1 (where ∂L/∂z
// is (softmax(z)·Σ_k t_k − t)/N), scaled by a following operation so that
// the incoming gradient is not 1.
func TestSoftmaxCrossEntropyTargetGradient(t *testing.T) {
	const n, k = 3, 4
	rng := rand.New(rand.NewPCG(8, 9))
	logits, targets := normals(rng, n*k), normals(rng, n*k)
	err := gradcheck.Check(func(g *G.ExprGraph) (*G.Node, G.Nodes, error) {
		z := input(g, "z", tensor.Float64, logits, n, k)
		y := input(g, "y", tensor.Float64, targets, n, k)
		loss, err := SoftmaxCrossEntropy(z, y)
		if err != nil {
			return nil, nil, err
		}
		scaled, err := G.Mul(loss, scalar(tensor.Float64, -2.5))
		return scaled, G.Nodes{z, y}, err
	}, 1e-6, 1e-8)
	if err != nil {
		t.Fatal(err)
	}
}
