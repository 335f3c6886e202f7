package sgemm

//go:generate go run ./asmgen

import "deepopt/internal/avx2"

// useKernel is whether the processor runs the kernels' AVX2 and FMA
// instructions.
var useKernel = avx2.Available

// kernel6x16 adds the 6×16 block A[0:6, 0:k]·B[0:k, 0:16] to C[0:6, 0:16],
// strides in elements: A(r, l) at a[r*rsa + l*csa], B(l, j) at b[l*ldb + j],
// C(r, j) at c[r*ldc + j]; with zero it writes the product into C instead,
// its accumulators starting at +0 rather than at C's values. Its twelve 8-wide accumulators are more than the
// eight that two fused multiply-adds per cycle of 4 cycles' latency keep
// busy, and each row of B it loads serves six rows of A.
//
// kernelRxW does the same for an R×W block: 12×8 and 12×4 for the last
// columns of a product (a narrow block needs many rows to have enough
// independent accumulators), 6×8 and 6×4 for those of a block of 6 rows,
// 4×16, 4×8 and 4×4 for those of a block of 4.
//
// kernel6x16p and kernel4x16p are kernel6x16 and kernel4x16 for np blocks
// in one call, C's 16 columns and B's bstep values after each other: a
// product with a short inner dimension (dy·Wᵀ of a 10-class output layer
// has 10) spent as much around each call as in it.
//
// kernel8x10, kernel6x10 and kernel4x10 are a 10-column product's blocks:
// the first 8 columns as the kernels above compute them, with the last two
// (its last n mod 4) besides, read in place from B's rows: their sums
// start from zero, or from t with tzero false, and go to t, 4 values per
// row, as kernel4x4's for the last columns would from a padded copy of B.
// The two columns of four rows share one 8-wide register, so that eight
// rows' ten columns take ten fused multiply-adds per inner index.
//
//go:noescape
func kernel6x16(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool)

//go:noescape
func kernel6x8(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool)

//go:noescape
func kernel6x4(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool)

//go:noescape
func kernel12x8(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool)

//go:noescape
func kernel12x4(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool)

//go:noescape
func kernel4x16(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool)

//go:noescape
func kernel4x8(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool)

//go:noescape
func kernel4x4(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool)

//go:noescape
func kernel6x16p(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool, np, bstep int)

//go:noescape
func kernel4x16p(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool, np, bstep int)

//go:noescape
func kernel8x10(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool, t *float32, tzero bool)

//go:noescape
func kernel6x10(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool, t *float32, tzero bool)

//go:noescape
func kernel4x10(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool, t *float32, tzero bool)

// transpose8 copies B's 8 rows from b, ldb apart, over their first 8·k8
// columns into bt transposed: B(r, l) to bt[l*n + r], 8×8 values at a time
// in registers.
//
//go:noescape
func transpose8(k8 int, b *float32, ldb int, bt *float32, n int)
