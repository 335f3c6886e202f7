package sigmoid

import (
	"math"

	"deepopt/internal/avx2"
)

// useKernel is whether the processor runs the kernel's AVX2 instructions.
var useKernel = avx2.Available

// The kernel's constants, each repeated across a 256-bit register, in the
// order kernel_amd64.s reads them; converted to float32 as Float32's
// expressions convert them.
const (
	kLog2e = iota
	kHalf
	kLn2Hi
	kLn2Lo
	kC7
	kC6
	kC5
	kC4
	kC3
	kOne
	kMinus80
	kSeventeen
	kSign
	kBias
	kCount
)

var constants = func() (c [kCount][8]float32) {
	for i, v := range [kCount]float32{
		kLog2e: log2e, kHalf: 0.5, kLn2Hi: ln2Hi, kLn2Lo: ln2Lo,
		kC7: c7, kC6: c6, kC5: c5, kC4: c4, kC3: c3, kOne: 1,
		kMinus80: -80, kSeventeen: 17,
		kSign: math.Float32frombits(1 << 31), // the sign bit, to negate by XOR
		kBias: math.Float32frombits(127),     // the exponent bias, an int32
	} {
		for j := range c[i] {
			c[i][j] = v
		}
	}
	return c
}()

// kernel writes σ(x) into y for blocks of eight values, n a multiple of 8,
// and returns how many it wrote: n, or fewer when it met a block that holds
// a value below −80, which it leaves to the caller.
//
//go:noescape
func kernel(y, x *float32, n int, c *[kCount][8]float32) int

// gradientKernel is Gradient for n values, n a multiple of 8.
//
//go:noescape
func gradientKernel(dx, y, dy *float32, n int)
