package optim

import "deepopt/internal/avx2"

// useKernels is whether the processor runs the AVX2 instructions of
// sgdKernel and adamKernel.
var useKernels = avx2.Available

// sgdKernel is sgdUpdate on a float32 segment's first n coordinates, n a
// multiple of 4, four at a time in AVX2 (kernels_amd64.s); velocity is read
// only with mode&sgdMomentum, so it may be nil for plain SGD.
//
//go:noescape
func sgdKernel(theta, velocity *float64, grad, params *float32, n int, lr, decay, momentum, penalty float64, mode int) float64

// adamKernel is adamUpdate on a float32 segment's first n coordinates, n a
// multiple of 4, four at a time in AVX2 (kernels_amd64.s), with the
// constants c; maxSecond is read only with mode&adamAMSGrad.
//
//go:noescape
func adamKernel(theta, first, second, maxSecond *float64, grad, params *float32, n int, c *[adamCount][4]float64, mode int) float64
