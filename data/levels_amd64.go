package data

import "deepopt/internal/avx2"

// useLevelsKernel is whether the processor runs levelsKernel's AVX2
// instructions.
var useLevelsKernel = avx2.Available

// levelsKernel writes float32(k)/255 for the n grey levels k of src into
// dst, n a multiple of 32, eight at a time: the division is IEEE's, which
// for every level gives the bits of pixelValues (float64 k/255 rounded to
// float32; a test compares all 256). It first prefetches the n bytes from
// next, which must be readable.
//
//go:noescape
func levelsKernel(dst *float32, src *uint8, n int, next *uint8)
