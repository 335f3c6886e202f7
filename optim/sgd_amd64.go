package optim

import "deepopt/internal/avx2"

// useSGDKernel is whether the processor runs sgdKernel's AVX2
// instructions.
var useSGDKernel = avx2.Available

// sgdKernel is sgdUpdate on a float32 segment's first n coordinates, n a
// multiple of 4, four at a time in AVX2 (sgd_amd64.s); velocity is read
// only with mode&sgdMomentum, so it may be nil for plain SGD.
//
//go:noescape
func sgdKernel(theta, velocity *float64, grad, params *float32, n int, lr, decay, momentum, penalty float64, mode int) float64
