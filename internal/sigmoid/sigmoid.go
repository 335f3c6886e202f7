// Package sigmoid is the float32 logistic sigmoid σ(x) = 1/(1 + e^(−x)) of
// deepopt's activations: Float32 for one value and Slice for a slice, which
// runs eight values at a time in AVX2 assembly on amd64 processors that
// have it, and Gradient for its gradient dy·σ'(x) from σ(x). The kernels
// perform the Go code's float32 operations in the same order with the same
// roundings (no fused multiply-adds), so both give the same bits and a
// run's results do not depend on which one computed them.
package sigmoid

import (
	"math"
	"sync"

	"deepopt/internal/parallel"
)

// Float32 is σ(x) in float32 with e^(−x) from exp32, within 2 ulp of the
// correctly rounded value.
func Float32(x float32) float32 {
	switch {
	case x > 17: // 1 − σ(x) < 2⁻²⁴: σ rounds to 1
		return 1
	case x < -80: // near and below the subnormal range (σ < 2⁻¹¹⁵), where float32 rounding errors grow
		return float32(1 / (1 + math.Exp(-float64(x))))
	}
	return 1 / (1 + exp32(-x))
}

// exp32's constants: ln 2 split so that k·ln2Hi is exact, and the
// coefficients 1/n! of e^r's Taylor polynomial from n = 3 (n = 0, 1, 2 are
// 1, 1 and 1/2).
const (
	log2e = 1.44269504088896341
	ln2Hi = 0.693359375
	ln2Lo = -2.12194440e-4
	c3    = 1.0 / 6
	c4    = 1.0 / 24
	c5    = 1.0 / 120
	c6    = 1.0 / 720
	c7    = 1.0 / 5040
)

// exp32 is e^x for |x| ≤ 87 in float32: x = k·ln 2 + r with |r| ≤ ln 2 / 2,
// e^r by its degree-7 Taylor polynomial (truncation error below 2⁻²⁷
// relative), scaled by 2^k through the exponent bits.
func exp32(x float32) float32 {
	k := float32(math.Floor(float64(x*log2e + 0.5)))
	r := x - k*ln2Hi - k*ln2Lo
	p := 1 + r*(1+r*(1.0/2+r*(c3+r*(c4+r*(c5+r*(c6+r*c7))))))
	return p * math.Float32frombits(uint32(int32(k)+127)<<23)
}

// Slice writes σ(x[i]) into y[i] for every i; y must be at least as long
// as x. It gives Float32's values, eight at a time on the kernel; slices of
// splitValues values or more are split in two halves computed at once by
// the caller and internal/parallel's worker when it is idle (each value is
// computed alone, so the halves give the same bits as one pass).
func Slice(y, x []float32) {
	y = y[:len(x)]
	if len(x) < splitValues || !parallel.Idle() {
		slice(y, x)
		return
	}
	h := halves.Get().(*sliceHalves)
	h.y, h.x = y, x
	parallel.Do(h, 2)
	*h = sliceHalves{}
	halves.Put(h)
}

// splitValues is the length from which Slice splits its work in two.
var splitValues = 1 << 12

// sliceHalves is Slice's job for parallel.Do: part 0 the values before the
// middle (rounded down to a multiple of 8), part 1 the rest.
type sliceHalves struct{ y, x []float32 }

func (h *sliceHalves) Run(part int) {
	mid := len(h.x) / 2 &^ 7
	if part == 0 {
		slice(h.y[:mid], h.x[:mid])
	} else {
		slice(h.y[mid:], h.x[mid:])
	}
}

// halves holds *sliceHalves between calls of Slice.
var halves = sync.Pool{New: func() any { return new(sliceHalves) }}

// slice is Slice on one goroutine.
func slice(y, x []float32) {
	i := 0
	for useKernel && i+8 <= len(x) {
		// The kernel stops before the first block of eight that holds a
		// value below −80 (Float32's float64 branch); that block runs in Go.
		i += kernel(&y[i], &x[i], (len(x)-i)&^7, &constants)
		for j := i; j < min(i+8, len(x)); j++ {
			y[j] = Float32(x[j])
		}
		i = min(i+8, len(x))
	}
	for ; i < len(x); i++ {
		y[i] = Float32(x[i])
	}
}

// Gradient writes dx[i] = dy[i]·y[i]·(1 − y[i]), the gradient of σ at x
// from its value y = σ(x), in float32 in that order; dx, y and dy have the
// same length. It runs eight values at a time on the kernel.
func Gradient(dx, y, dy []float32) {
	dx, dy = dx[:len(y)], dy[:len(y)]
	i := 0
	if useKernel && len(y) >= 8 {
		i = len(y) &^ 7
		gradientKernel(&dx[0], &y[0], &dy[0], i)
	}
	for ; i < len(y); i++ {
		dx[i] = dy[i] * y[i] * (1 - y[i])
	}
}
