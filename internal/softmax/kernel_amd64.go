package softmax

import (
	"math"

	"deepopt/internal/avx2"
)

// useKernel is whether the processor runs the kernels' AVX2 and FMA
// instructions, and so whether math.Exp takes its own FMA path, which the
// kernels repeat.
var useKernel = avx2.Available

// The kernels' constants, each repeated across a 256-bit register, in the
// order kernel_amd64.s reads them: math.Exp's (src/math/exp_amd64.s), ln 2
// split in an upper and a lower half and the coefficients of its Taylor
// series on r/16, then the smallest exponent, the exponent bias (an int64)
// and the lanes' row numbers 0–3 (int32s, in the low half).
const (
	kLog2e = iota
	kLn2U
	kLn2L
	kSixteenth
	kT64
	kT56
	kT48
	kT40
	kT32
	kT24
	kHalf
	kOne
	kTwo
	kLo
	kBias
	kLanes
	kCount
)

var constants = func() (c [kCount][4]float64) {
	for i, v := range [kCount - 1]float64{
		kLog2e:     1.4426950408889634073599246810018920,
		kLn2U:      0.69314718055966295651160180568695068359375,
		kLn2L:      0.28235290563031577122588448175013436025525412068e-12,
		kSixteenth: 0.0625,
		kT64:       2.4801587301587301587e-5,
		kT56:       1.9841269841269841270e-4,
		kT48:       1.3888888888888888889e-3,
		kT40:       8.3333333333333333333e-3,
		kT32:       4.1666666666666666667e-2,
		kT24:       1.6666666666666666667e-1,
		kHalf:      0.5,
		kOne:       1,
		kTwo:       2,
		kLo:        lo,
		kBias:      math.Float64frombits(1023),
	} {
		for j := range c[i] {
			c[i][j] = v
		}
	}
	c[kLanes][0] = math.Float64frombits(1 << 32) // int32s 0, 1
	c[kLanes][1] = math.Float64frombits(3<<32 | 2)
	return c
}()

// sums is Sums for groups of four rows of float32 values, n a multiple of
// 4, and returns how many rows it did: n, or fewer when it met a group
// with an exponent below lo or NaN, which it leaves to the caller.
//
//go:noescape
func sums(s, dot, mass *float64, z, t *float32, k, n int, c *[kCount][4]float64) int

// gradient is Gradient for groups of four rows of float32 values, n a
// multiple of 4, with e scratch for 4·k values, and returns how many rows
// it did, as sums.
//
//go:noescape
func gradient(out, z, t *float32, k, n int, scale float64, e *float64, c *[kCount][4]float64) int
