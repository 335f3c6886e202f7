package batchnorm

import "deepopt/internal/avx2"

// useKernels is whether the processor runs the AVX2 kernels of
// kernels_amd64.s, the float32 paths of the loops in kernels.go. Each takes
// n values, n a multiple of 4, and gives the bits of the Go loop it
// replaces.
var useKernels = avx2.Available

//go:noescape
func affine(out, u *float32, n int, a, d float64)

//go:noescape
func affine2(out, u, v *float32, n int, a, b, d float64)

//go:noescape
func affineRow(out, u *float32, n int, a, d *float64)

//go:noescape
func affineRow2(out, u, v *float32, n int, a, b, d *float64)

//go:noescape
func sumLanes(v *float32, n int, s *[4]float64)

//go:noescape
func squaresLanes(v *float32, n int, mu float64, s *[4]float64)

//go:noescape
func gradientLanes(dy, v *float32, n int, mu float64, sg, sgv *[4]float64)

//go:noescape
func addRow(acc *float64, x *float32, n int)

//go:noescape
func addSquaresRow(acc *float64, x *float32, mean *float64, n int)

//go:noescape
func addGradientRow(sg, sgv *float64, dy, x *float32, mean *float64, n int)
