package finite

import "deepopt/internal/avx2"

// useKernel is whether the processor runs finite32's AVX2 instructions.
var useKernel = avx2.Available

// finite32 reports whether the first n values of x, n a multiple of 32,
// are all finite, eight at a time in AVX2 (finite_amd64.s).
//
//go:noescape
func finite32(x *float32, n int) bool
