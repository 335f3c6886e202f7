// Package gradcheck compares Gorgonia's symbolic gradients with central finite
// differences, the independent reference behind every layer, loss and
// batch-normalization test. It is internal: a testing aid, not an API.
package gradcheck

import (
	"errors"
	"fmt"
	"math"
	"math/rand/v2"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// Builder builds a scalar loss on g, a fresh float64 graph, and returns it with
// the leaf nodes (parameters or inputs, each holding a value) to differentiate
// with respect to.
type Builder func(g *G.ExprGraph) (loss *G.Node, wrt G.Nodes, err error)

// Check differentiates the loss that build makes with G.Grad and compares
// every gradient element with the central difference
// (J(θ+h·e_i) − J(θ−h·e_i)) / 2h. It returns an error naming the worst
// element when |analytic − numeric| > tol·(1 + max(|analytic|, |numeric|)).
func Check(build Builder, h, tol float64) error {
	g := G.NewGraph()
	loss, wrt, err := build(g)
	if err != nil {
		return err
	}
	grads, err := G.Grad(loss, wrt...)
	if err != nil {
		return fmt.Errorf("gradcheck: symbolic gradient: %w", err)
	}
	prog, locMap, err := G.CompileFunction(g, g.Inputs(), append(G.Nodes{loss}, grads...))
	if err != nil {
		return fmt.Errorf("gradcheck: compile: %w", err)
	}
	vm := G.NewTapeMachine(g, G.WithPrecompiled(prog, locMap))
	defer vm.Close()
	eval := func() (float64, error) {
		defer vm.Reset()
		if err := vm.RunAll(); err != nil {
			return 0, err
		}
		return loss.Value().Data().(float64), nil
	}
	if _, err := eval(); err != nil {
		return fmt.Errorf("gradcheck: forward: %w", err)
	}
	analytic := make([][]float64, len(wrt))
	for i, gr := range grads {
		analytic[i] = append([]float64(nil), float64s(gr.Value())...)
	}
	worst, worstErr := "", 0.0
	for i, n := range wrt {
		theta := float64s(n.Value())
		for j := range theta {
			orig := theta[j]
			theta[j] = orig + h
			fp, err := eval()
			if err != nil {
				return err
			}
			theta[j] = orig - h
			fm, err := eval()
			if err != nil {
				return err
			}
			theta[j] = orig
			numeric := (fp - fm) / (2 * h)
			a := analytic[i][j]
			e := math.Abs(a-numeric) / (1 + math.Max(math.Abs(a), math.Abs(numeric)))
			if e > worstErr || math.IsNaN(e) {
				worstErr = e
				worst = fmt.Sprintf("%s[%d]: analytic %.10g, numeric %.10g", n.Name(), j, a, numeric)
			}
		}
	}
	if worstErr > tol || math.IsNaN(worstErr) {
		return fmt.Errorf("gradcheck: gradient mismatch %.3g > tol %.3g at %s", worstErr, tol, worst)
	}
	return nil
}

// Objective is a function of a flat parameter vector that also writes its
// gradient, as optim.Objective and model.Model evaluate it.
type Objective interface {
	Eval(theta, grad []float64) (float64, error)
}

// Worst compares obj's gradient at theta with the central difference
// (J(θ+h·e_i) − J(θ−h·e_i)) / 2h of every coordinate and returns the largest
// |analytic − numeric| / (1 + |analytic|) and its coordinate, +Inf where
// either is NaN. theta is left as it was.
func Worst(obj Objective, theta []float64, h float64) (worst float64, at int, err error) {
	grad := make([]float64, len(theta))
	if _, err := obj.Eval(theta, grad); err != nil {
		return 0, 0, err
	}
	for i := range theta {
		orig := theta[i]
		theta[i] = orig + h
		fp, errp := obj.Eval(theta, nil)
		theta[i] = orig - h
		fm, errm := obj.Eval(theta, nil)
		theta[i] = orig
		if err := errors.Join(errp, errm); err != nil {
			return 0, 0, err
		}
		e := math.Abs(grad[i]-(fp-fm)/(2*h)) / (1 + math.Abs(grad[i]))
		if math.IsNaN(e) {
			e = math.Inf(1)
		}
		if e > worst {
			worst, at = e, i
		}
	}
	return worst, at, nil
}

// Project returns Σ out ⊙ R for a fixed random R of out's shape, a scalar
// whose gradient exercises every output element differently (a plain sum would
// hide errors: the sum of a normalized output has zero gradient).
func Project(out *G.Node, rng *rand.Rand) (*G.Node, error) {
	r := tensor.New(tensor.WithShape(out.Shape().Clone()...), tensor.Of(tensor.Float64))
	for i, d := 0, r.Data().([]float64); i < len(d); i++ {
		d[i] = rng.NormFloat64()
	}
	R := G.NewConstant(r, G.WithName("gradcheck.R"))
	prod, err := G.HadamardProd(out, R)
	if err != nil {
		return nil, err
	}
	return G.Sum(prod)
}

// Leaf makes a float64 leaf node of the given shape filled with N(0, std²)
// values from rng.
func Leaf(g *G.ExprGraph, name string, rng *rand.Rand, std float64, shape ...int) *G.Node {
	t := tensor.New(tensor.WithShape(shape...), tensor.Of(tensor.Float64))
	for i, d := 0, t.Data().([]float64); i < len(d); i++ {
		d[i] = std * rng.NormFloat64()
	}
	return G.NodeFromAny(g, t, G.WithName(name))
}

func float64s(v G.Value) []float64 {
	return v.Data().([]float64)
}
