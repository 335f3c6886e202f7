package layers

import "deepopt/internal/avx2"

// usePoolKernel is whether the processor runs maxPool2x2's AVX
// instructions.
var usePoolKernel = avx2.Available

//go:noescape
func maxPool2x2(y *float32, at *int32, x *float32, w, n, base int)
