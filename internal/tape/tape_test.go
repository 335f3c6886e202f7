package tape

import (
	"math"
	"slices"
	"testing"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// The network's input and weights, row-major.
var (
	inputs  = []float64{0.1, -0.2, 0.3, 0.5, -1, 2, 0.25, 0.75, 1.5, -0.5, 0.125, 3}
	weights = []float64{0.3, -0.7, 1.1, 0.2, -0.4, 0.9, 0.05, -1.3}
)

// network is a small graph with a gradient: a tanh layer's squared norm
// and its gradient with respect to the weights.
func network(t *testing.T) (*G.ExprGraph, *G.Node, *G.Node) {
	t.Helper()
	g := G.NewGraph()
	x := G.NewMatrix(g, tensor.Float64, G.WithShape(3, 4), G.WithName("x"),
		G.WithValue(tensor.New(tensor.WithShape(3, 4), tensor.WithBacking(slices.Clone(inputs)))))
	w := G.NewMatrix(g, tensor.Float64, G.WithShape(4, 2), G.WithName("w"),
		G.WithValue(tensor.New(tensor.WithShape(4, 2), tensor.WithBacking(slices.Clone(weights)))))
	y := G.Must(G.Tanh(G.Must(G.Mul(x, w))))
	loss := G.Must(G.Sum(G.Must(G.Square(y))))
	grads, err := G.Grad(loss, w)
	if err != nil {
		t.Fatal(err)
	}
	return g, loss, grads[0]
}

// TestRunMatchesRunAll runs the program of two copies of one graph, one
// with RunAll and one with Run (several times, with Reset between), and
// compares the loss and the gradient bit for bit; the two graphs keep
// their own values, so a Run that computed nothing would leave its loss
// unset. The loss is also checked against its closed form.
func TestRunMatchesRunAll(t *testing.T) {
	results := func(loss, grad *G.Node) (float64, []float64) {
		if loss.Value() == nil || grad.Value() == nil {
			t.Fatal("the program left the loss or the gradient without a value")
		}
		return loss.Value().Data().(float64), slices.Clone(grad.Value().Data().([]float64))
	}
	g, loss, grad := network(t)
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		t.Fatal(err)
	}
	wantLoss, wantGrad := results(loss, grad)

	g, loss, grad = network(t)
	vm = G.NewTapeMachine(g)
	defer vm.Close()
	for range 3 {
		if err := Run(vm); err != nil {
			t.Fatal(err)
		}
		gotLoss, gotGrad := results(loss, grad)
		vm.Reset()
		if math.Float64bits(gotLoss) != math.Float64bits(wantLoss) {
			t.Fatalf("loss %v, RunAll's %v", gotLoss, wantLoss)
		}
		for i := range wantGrad {
			if math.Float64bits(gotGrad[i]) != math.Float64bits(wantGrad[i]) {
				t.Fatalf("gradient[%d] %v, RunAll's %v", i, gotGrad[i], wantGrad[i])
			}
		}
	}
	var closed float64
	for i := range 3 {
		for j := range 2 {
			var z float64
			for k := range 4 {
				z += inputs[4*i+k] * weights[2*k+j]
			}
			closed += math.Tanh(z) * math.Tanh(z)
		}
	}
	if math.Abs(wantLoss-closed) > 1e-12 {
		t.Fatalf("loss %v, closed form %v", wantLoss, closed)
	}
}

// TestRunReportsErrors checks that an instruction's failure (a matrix
// product whose input was reshaped under it to (4, 3)) comes back from Run
// with RunAll's message, and that the machine runs again after Reset.
func TestRunReportsErrors(t *testing.T) {
	g, _, _ := network(t)
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	x := g.ByName("x")[0].Value().(*tensor.Dense)
	if err := x.Reshape(4, 3); err != nil {
		t.Fatal(err)
	}
	want := vm.RunAll()
	vm.Reset()
	if want == nil {
		t.Fatal("RunAll accepted a (4, 3)·(4, 2) product")
	}
	if got := Run(vm); got == nil || got.Error() != want.Error() {
		t.Fatalf("Run returned %v, want RunAll's %v", got, want)
	}
	vm.Reset()
	if err := x.Reshape(3, 4); err != nil {
		t.Fatal(err)
	}
	if err := Run(vm); err != nil {
		t.Fatalf("after Reset: %v", err)
	}
}

// TestRunOtherMachines checks that a machine other than a tape machine
// runs by its own RunAll.
func TestRunOtherMachines(t *testing.T) {
	g, loss, _ := network(t)
	vm := G.NewLispMachine(g, G.ExecuteFwdOnly())
	defer vm.Close()
	if err := Run(vm); err != nil {
		t.Fatal(err)
	}
	if loss.Value() == nil {
		t.Fatal("the lisp machine did not compute the loss")
	}
}

// BenchmarkRun times Run and RunAll on a program of a few instructions:
// what a run costs beside its instructions.
func BenchmarkRun(b *testing.B) {
	g := G.NewGraph()
	x := G.NewScalar(g, tensor.Float64, G.WithName("x"), G.WithValue(1.0))
	y := G.NewScalar(g, tensor.Float64, G.WithName("y"), G.WithValue(2.0))
	G.Must(G.Add(x, y))
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	for _, f := range []struct {
		name string
		run  func() error
	}{{"Run", func() error { return Run(vm) }}, {"RunAll", vm.RunAll}} {
		b.Run(f.name, func(b *testing.B) {
			for b.Loop() {
				if err := f.run(); err != nil {
					b.Fatal(err)
				}
				vm.Reset()
			}
		})
	}
}
