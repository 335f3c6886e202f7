package batchnorm_test

import (
	"fmt"

	"deepopt/batchnorm"

	G "gorgonia.org/gorgonia"
	"gorgonia.org/tensor"
)

// A training run records the batch statistics; Update folds them into the
// running statistics. For the batch x = (1, 3) of one feature, μ_B = 2 and
// σ²_B = 1 (biased), so the unbiased variance is 2, and with momentum 0.1
// the running statistics move from (0, 1) to (0.2, 0.9·1 + 0.1·2 = 1.1).
// The training output is x̂ = (−1, 1)/sqrt(1 + ε).
func Example() {
	g := G.NewGraph()
	bn, err := batchnorm.New(g, "bn1", 1, tensor.Float64, batchnorm.Options{})
	if err != nil {
		fmt.Println(err)
		return
	}
	x := G.NodeFromAny(g, tensor.New(tensor.WithShape(2, 1), tensor.WithBacking([]float64{1, 3})), G.WithName("x"))
	y, err := bn.Forward(x, true)
	if err != nil {
		fmt.Println(err)
		return
	}
	vm := G.NewTapeMachine(g)
	defer vm.Close()
	if err := vm.RunAll(); err != nil {
		fmt.Println(err)
		return
	}
	fmt.Printf("y = %.4f\n", y.Value().Data())
	batchMean, batchVariance, _ := bn.BatchStatistics()
	fmt.Println("batch:", batchMean, batchVariance)
	fmt.Println("folded:", bn.Update())
	mean, variance := bn.Running()
	fmt.Printf("running: %.4f %.4f\n", mean, variance)
	// Output:
	// y = [-1.0000 1.0000]
	// batch: [2] [1]
	// folded: true
	// running: [0.2000] [1.1000]
}
