//go:build !amd64

package optim

// useSGDKernel is false: the kernel is amd64 assembly.
const useSGDKernel = false

func sgdKernel(theta, velocity *float64, grad, params *float32, n int, lr, decay, momentum, penalty float64, mode int) float64 {
	return 0
}
