//go:build !amd64

package optim

// useKernels is false: the kernels are amd64 assembly.
const useKernels = false

func sgdKernel(theta, velocity *float64, grad, params *float32, n int, lr, decay, momentum, penalty float64, mode int) float64 {
	return 0
}

func adamKernel(theta, first, second, maxSecond *float64, grad, params *float32, n int, c *[adamCount][4]float64, mode int) float64 {
	return 0
}
