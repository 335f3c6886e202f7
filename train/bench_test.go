package train

import (
	"context"
	"testing"

	"deepopt/data"
	"deepopt/model"
	"deepopt/optim"
	"deepopt/schedule"

	"gorgonia.org/tensor"
)

// benchSpecs are the networks `make bench` measures: the paper's MLP
// (784-100-100-100-10, sigmoid) with and without BN in both dtypes, and the
// small CNN of configs/mnist-cnn-bn.yaml, all at batch 60.
var benchSpecs = []struct {
	name string
	spec model.Spec
}{
	{"mlp/float32/bn", mlpSpec(tensor.Float32, true)},
	{"mlp/float32/nobn", mlpSpec(tensor.Float32, false)},
	{"mlp/float64/bn", mlpSpec(tensor.Float64, true)},
	{"mlp/float64/nobn", mlpSpec(tensor.Float64, false)},
	{"cnn/float32/bn", model.Spec{Kind: "cnn", Input: []int{1, 28, 28}, Classes: 10, Hidden: []int{100},
		Conv:       []model.ConvStage{{Channels: 16, Kernel: 5, Stride: 1, Padding: 2, Pool: 2}, {Channels: 32, Kernel: 5, Stride: 1, Padding: 2, Pool: 2}},
		Activation: "relu", BatchNorm: true, Init: "he", Dtype: tensor.Float32, BatchSize: 60, EvalBatch: 500, Seed: 1}},
}

func mlpSpec(dt tensor.Dtype, bn bool) model.Spec {
	return model.Spec{Kind: "mlp", Input: []int{784}, Classes: 10, Hidden: []int{100, 100, 100}, Activation: "sigmoid",
		BatchNorm: bn, Init: "gaussian", InitStd: 0.1, Dtype: dt, BatchSize: 60, EvalBatch: 1000, Seed: 1}
}

func benchData(b *testing.B, spec model.Spec) *data.Dataset {
	trainSet, _ := fixture(b)
	if spec.Kind == "mlp" {
		trainSet.Shape = []int{784}
	}
	return trainSet
}

// BenchmarkTrainingThroughput measures whole training steps (batch drawing,
// forward, backward, BN commit, momentum SGD update) in examples/s.
func BenchmarkTrainingThroughput(b *testing.B) {
	for _, bs := range benchSpecs {
		b.Run(bs.name, func(b *testing.B) {
			m, err := model.New(bs.spec)
			if err != nil {
				b.Fatal(err)
			}
			t := &Trainer{Model: m, Optimizer: &optim.SGD{Momentum: 0.9}, LR: schedule.Constant{Rate: 0.01},
				Train: benchData(b, bs.spec), Steps: b.N}
			b.ResetTimer()
			if _, err := t.Run(context.Background()); err != nil {
				b.Fatal(err)
			}
			b.ReportMetric(float64(b.N*bs.spec.BatchSize)/b.Elapsed().Seconds(), "examples/s")
		})
	}
}

// BenchmarkTestSetEvaluation measures one evaluation of 10,000 examples (the
// size of MNIST's test set) on the forward-only machine.
func BenchmarkTestSetEvaluation(b *testing.B) {
	for _, bs := range benchSpecs {
		b.Run(bs.name, func(b *testing.B) {
			m, err := model.New(bs.spec)
			if err != nil {
				b.Fatal(err)
			}
			small := benchData(b, bs.spec)
			idx := make([]int, 10000)
			for i := range idx {
				idx[i] = i % small.Len()
			}
			ds, err := small.Subset(idx)
			if err != nil {
				b.Fatal(err)
			}
			b.ResetTimer()
			for range b.N {
				if _, err := m.Evaluate(ds); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
