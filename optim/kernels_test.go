package optim

import (
	"math"
	"math/rand/v2"
	"slices"
	"testing"
)

// TestSGDKernelMatchesGo runs sgdSegment, whose multiples of four
// coordinates go to the AVX2 kernel, and sgdUpdate, Go alone, on the same
// segments of every length up to 19, with and without momentum, Nesterov's
// step, weight decay and a penalty, on values of every kind (±0,
// subnormals, huge values whose step overflows), and requires the same
// bits of θ, the velocity and the parameters, and the same finiteness
// report.
func TestSGDKernelMatchesGo(t *testing.T) {
	if !useKernels {
		t.Skip("the processor has no AVX2: the kernel is not used")
	}
	rng := rand.New(rand.NewPCG(1, 2))
	thetas := []float64{0, math.Copysign(0, -1), 5e-324, -1e-310, 1e300, -3e200, 1, -0.25}
	grads := []float32{0, float32(math.Copysign(0, -1)), 1e-45, -1e-40, 3e38, -2e30, 1, 0.125}
	value := func(special []float64) float64 {
		if rng.IntN(3) == 0 {
			return special[rng.IntN(len(special))]
		}
		return rng.NormFloat64() * math.Pow(10, float64(rng.IntN(7)-3))
	}
	for _, s := range []SGD{{}, {WeightDecay: 0.01}, {Momentum: 0.9}, {Momentum: 0.5, WeightDecay: 1e-3}, {Momentum: 0.9, Nesterov: true}, {Momentum: 0.7, Nesterov: true, WeightDecay: 0.1}} {
		for _, penalty := range []float64{0, 5e-4} {
			for n := range 20 {
				theta, velocity, grad := make([]float64, n), make([]float64, n), make([]float32, n)
				for i := range n {
					theta[i], velocity[i] = value(thetas), value(thetas)
					grad[i] = float32(value([]float64{0, math.Copysign(0, -1), 1e-45, -1e-40, 3e38, -2e30}))
					if rng.IntN(4) == 0 {
						grad[i] = grads[rng.IntN(len(grads))]
					}
				}
				if s.Momentum == 0 {
					velocity = nil
				}
				for _, lr := range []float64{0.1, 0, 1e300} {
					goTheta, goVelocity, goParams := slices.Clone(theta), slices.Clone(velocity), make([]float32, n)
					kTheta, kVelocity, kParams := slices.Clone(theta), slices.Clone(velocity), make([]float32, n)
					want := sgdUpdate(&s, goTheta, goVelocity, grad, penalty, goParams, lr)
					got := sgdSegment(&s, kTheta, kVelocity, Segment{Grad: grad, Penalty: penalty, Param: kParams}, lr)
					if !sameBits(kTheta, goTheta) || !sameBits(kVelocity, goVelocity) || !slices.EqualFunc(kParams, goParams, func(a, b float32) bool {
						return math.Float32bits(a) == math.Float32bits(b)
					}) || (got == 0) != (want == 0) {
						t.Fatalf("%+v, penalty %v, lr %v, n %d: kernel θ %v, v %v, parameters %v, check %v; Go %v, %v, %v, %v",
							s, penalty, lr, n, kTheta, kVelocity, kParams, got, goTheta, goVelocity, goParams, want)
					}
				}
			}
		}
	}
}

// TestAdamKernelMatchesGo is TestSGDKernelMatchesGo for Adam: adamSegment
// against adamUpdate with coupled and decoupled weight decay, AMSGrad and a
// penalty, moments of every size (second moments ≥ 0, some zero).
func TestAdamKernelMatchesGo(t *testing.T) {
	if !useKernels {
		t.Skip("the processor has no AVX2: the kernel is not used")
	}
	rng := rand.New(rand.NewPCG(3, 4))
	value := func(special []float64) float64 {
		if rng.IntN(3) == 0 {
			return special[rng.IntN(len(special))]
		}
		return rng.NormFloat64() * math.Pow(10, float64(rng.IntN(9)-4))
	}
	thetas := []float64{0, math.Copysign(0, -1), 5e-324, -1e-310, 1e300, -3e200, 1}
	for _, settings := range []Adam{{}, {WeightDecay: 0.01}, {WeightDecay: 0.05, Decoupled: true}, {AMSGrad: true}, {Beta1: 0.5, Beta2: 0.9, Eps: 1e-3, WeightDecay: 0.1, Decoupled: true, AMSGrad: true}} {
		for _, penalty := range []float64{0, 5e-4} {
			for n := range 20 {
				theta, grad := make([]float64, n), make([]float32, n)
				first, second, maxSecond := make([]float64, n), make([]float64, n), make([]float64, n)
				for i := range n {
					theta[i], first[i] = value(thetas), value(thetas)
					second[i], maxSecond[i] = math.Abs(value([]float64{0, 1e-300, 1e300})), math.Abs(value([]float64{0, 1e-300}))
					grad[i] = float32(value([]float64{0, math.Copysign(0, -1), 1e-45, -1e-40, 3e38, -2e30}))
				}
				for _, lr := range []float64{1e-3, 0, 1e300} {
					var xs, params [2][]float64
					var results [2]float64
					var states [2]State
					for k := range 2 {
						a := settings
						a.first, a.second, a.steps = slices.Clone(first), slices.Clone(second), 2
						if a.AMSGrad {
							a.maxSecond = slices.Clone(maxSecond)
						}
						x, p := slices.Clone(theta), make([]float32, n)
						u := a.begin(n, lr)
						if k == 0 {
							results[k] = adamSegment(u, x, Segment{Grad: grad, Penalty: penalty, Param: p})
						} else {
							results[k] = adamUpdate(u, x, grad, penalty, p)
						}
						xs[k], states[k] = x, a.State()
						for _, v := range p {
							params[k] = append(params[k], float64(v))
						}
					}
					if !sameBits(xs[0], xs[1]) || !sameBits(params[0], params[1]) || !sameStateBits(states[0], states[1]) || (results[0] == 0) != (results[1] == 0) {
						t.Fatalf("%+v, penalty %v, lr %v, n %d: kernel θ %v, parameters %v, state %v, check %v; Go %v, %v, %v, %v",
							settings, penalty, lr, n, xs[0], params[0], states[0], results[0], xs[1], params[1], states[1], results[1])
					}
				}
			}
		}
	}
}
