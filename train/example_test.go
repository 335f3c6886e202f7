package train_test

import (
	"context"
	"fmt"

	"deepopt/data"
	"deepopt/model"
	"deepopt/optim"
	"deepopt/schedule"
	"deepopt/train"

	"gorgonia.org/tensor"
)

// Train a batch-normalized MLP on MNIST from Go. data.LoadMNIST("", os.Stderr)
// loads the full data set from the Go module cache; this example uses the
// small subset checked into testdata.
func Example() {
	trainSet, testSet, err := data.LoadMNIST("../testdata/mnist", nil)
	if err != nil {
		panic(err)
	}
	m, err := model.New(model.Spec{Kind: "mlp", Input: []int{784}, Classes: 10, Hidden: []int{100, 100},
		Activation: "sigmoid", BatchNorm: true, Init: "gaussian", InitStd: 0.1,
		Dtype: tensor.Float32, BatchSize: 50, EvalBatch: 500, Seed: 1})
	if err != nil {
		panic(err)
	}
	t := &train.Trainer{Model: m, Optimizer: &optim.SGD{Momentum: 0.9}, LR: schedule.Constant{Rate: 0.05},
		Train: trainSet, Test: testSet, Seed: 1, Steps: 200}
	res, err := t.Run(context.Background())
	if err != nil {
		panic(err)
	}
	fmt.Printf("after %d steps the test accuracy is above 80%%: %v\n", res.Steps, res.Test.Accuracy > 0.8)
	// Output: after 200 steps the test accuracy is above 80%: true
}
