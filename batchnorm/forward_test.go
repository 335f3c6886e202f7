package batchnorm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"gorgonia.org/tensor"
)

var shapes = [][]int{{7, 3}, {5, 1}, {3, 2, 4, 5}, {2, 1, 3, 3}}

// TestTrainingForwardMatchesAlgorithm1 compares the training path's output
// and recorded batch statistics with Alg. 1 computed by plain loops.
func TestTrainingForwardMatchesAlgorithm1(t *testing.T) {
	for i, shape := range shapes {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(10, uint64(i)))
			n := newNet(t, shape, tensor.Float64, Options{Eps: 1e-3}, rng)
			x := randomValues(rng, tensor.Shape(shape).TotalSize(), 2, 3)
			setInput(n.x, x)
			run(t, n.trainVM)

			mean, variance := referenceStatistics(x, shape)
			gotMean, gotVariance, ok := n.bn.BatchStatistics()
			if !ok {
				t.Fatal("BatchStatistics reports no run after a training run")
			}
			closeTo(t, "μ_B", gotMean, mean, 1e-12)
			closeTo(t, "σ²_B", gotVariance, variance, 1e-12)
			want := referenceTransform(x, shape, mean, variance, n.gamma, n.beta, 1e-3)
			closeTo(t, "y", values64(t, n.train), want, 1e-12)
		})
	}
}

// TestEvalForwardUsesRunningStatistics sets running statistics and compares
// the evaluation path with Alg. 2's γ (x − E[x])/sqrt(Var[x] + ε) + β.
func TestEvalForwardUsesRunningStatistics(t *testing.T) {
	for i, shape := range shapes {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			rng := rand.New(rand.NewPCG(11, uint64(i)))
			n := newNet(t, shape, tensor.Float64, Options{}, rng)
			mean := randomValues(rng, shape[1], 0, 2)
			variance := randomValues(rng, shape[1], 0, 1)
			for c := range variance {
				variance[c] *= variance[c]
			}
			if err := n.bn.SetRunning(mean, variance); err != nil {
				t.Fatal(err)
			}
			x := randomValues(rng, tensor.Shape(shape).TotalSize(), 1, 2)
			setInput(n.xEval, x)
			run(t, n.evVM)
			want := referenceTransform(x, shape, mean, variance, n.gamma, n.beta, DefaultEps)
			closeTo(t, "y", values64(t, n.eval), want, 1e-12)
		})
	}
}

// TestFloat32AgreesWithFloat64 runs both paths in both precisions on the same
// data and compares within float32 rounding.
func TestFloat32AgreesWithFloat64(t *testing.T) {
	for i, shape := range [][]int{{16, 5}, {4, 3, 6, 6}} {
		t.Run(fmt.Sprint(shape), func(t *testing.T) {
			x := randomValues(rand.New(rand.NewPCG(12, uint64(i))), tensor.Shape(shape).TotalSize(), 3, 2)
			mean := randomValues(rand.New(rand.NewPCG(13, uint64(i))), shape[1], 3, 1)
			variance := filled(shape[1], 2.5)
			outputs := map[tensor.Dtype][2][]float64{}
			for _, dt := range []tensor.Dtype{tensor.Float64, tensor.Float32} {
				n := newNet(t, shape, dt, Options{}, rand.New(rand.NewPCG(14, uint64(i))))
				if err := n.bn.SetRunning(mean, variance); err != nil {
					t.Fatal(err)
				}
				setInput(n.x, x)
				setInput(n.xEval, x)
				run(t, n.trainVM)
				run(t, n.evVM)
				outputs[dt] = [2][]float64{values64(t, n.train), values64(t, n.eval)}
			}
			closeTo(t, "training y", outputs[tensor.Float32][0], outputs[tensor.Float64][0], 1e-5)
			closeTo(t, "evaluation y", outputs[tensor.Float32][1], outputs[tensor.Float64][1], 1e-5)
		})
	}
}

// TestSingleValuePerChannel runs the training path on one example of an
// (N, C) input: σ²_B = 0, so x̂ = 0/sqrt(ε) = 0 and y = β, finite; Update
// declines the batch and leaves the running statistics alone.
func TestSingleValuePerChannel(t *testing.T) {
	rng := rand.New(rand.NewPCG(15, 1))
	n := newNet(t, []int{1, 4}, tensor.Float64, Options{}, rng)
	setInput(n.x, randomValues(rng, 4, 5, 3))
	run(t, n.trainVM)
	y := values64(t, n.train)
	for c, v := range y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			t.Fatalf("y[%d] = %g for a single example", c, v)
		}
	}
	closeTo(t, "y", y, n.beta, 1e-12)
	if n.bn.Update() {
		t.Fatal("Update folded a batch with one value per channel")
	}
	mean, variance := n.bn.Running()
	closeTo(t, "running mean", mean, filled(4, 0), 0)
	closeTo(t, "running variance", variance, filled(4, 1), 0)
	if n.bn.Count() != 0 {
		t.Fatalf("Count = %d after a declined batch, want 0", n.bn.Count())
	}
}

// TestFloat32StatisticsAccumulateInFloat64 normalises float32 data with a
// large offset (1000 ± 1): the batch statistics must match a float64
// computation on the same float32 values to float64 accuracy, which float32
// accumulation (and the one-pass E[x²] − E[x]²) would miss by far.
func TestFloat32StatisticsAccumulateInFloat64(t *testing.T) {
	for i, shape := range [][]int{{64, 3}, {8, 2, 8, 8}} {
		rng := rand.New(rand.NewPCG(16, uint64(i)))
		n := newNet(t, shape, tensor.Float32, Options{}, rng)
		x := randomValues(rng, tensor.Shape(shape).TotalSize(), 1000, 1)
		for j, v := range x {
			x[j] = float64(float32(v))
		}
		setInput(n.x, x)
		run(t, n.trainVM)
		mean, variance := referenceStatistics(x, shape)
		gotMean, gotVariance, _ := n.bn.BatchStatistics()
		closeTo(t, "μ_B", gotMean, mean, 1e-12)
		closeTo(t, "σ²_B", gotVariance, variance, 1e-10)
	}
}
