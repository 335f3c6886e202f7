package sgemm

import "deepopt/internal/avx2"

// useKernel is whether the processor runs the kernels' AVX2 and FMA
// instructions.
var useKernel = avx2.Available

// kernel4x16 adds the 4×16 block A[0:4, 0:k]·B[0:k, 0:16] to C[0:4, 0:16],
// strides in elements: A(r, l) at a[r*rsa + l*csa], B(l, j) at b[l*ldb + j],
// C(r, j) at c[r*ldc + j]. kernel4x8 and kernel4x4 do the same for 8 and 4
// columns.
//
//go:noescape
func kernel4x16(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int)

//go:noescape
func kernel4x8(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int)

//go:noescape
func kernel4x4(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int)
