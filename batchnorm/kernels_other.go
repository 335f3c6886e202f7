//go:build !amd64

package batchnorm

// useKernels is false: the kernels are amd64 assembly, and the loops of
// kernels.go run in Go.
const useKernels = false

func affine(out, u *float32, n int, a, d float64)                           {}
func affine2(out, u, v *float32, n int, a, b, d float64)                    {}
func affineRow(out, u *float32, n int, a, d *float64)                       {}
func affineRow2(out, u, v *float32, n int, a, b, d *float64)                {}
func sumLanes(v *float32, n int, s *[4]float64)                             {}
func squaresLanes(v *float32, n int, mu float64, s *[4]float64)             {}
func gradientLanes(dy, v *float32, n int, mu float64, sg, sgv *[4]float64)  {}
func addRow(acc *float64, x *float32, n int)                                {}
func addSquaresRow(acc *float64, x *float32, mean *float64, n int)          {}
func addGradientRow(sg, sgv *float64, dy, x *float32, mean *float64, n int) {}
