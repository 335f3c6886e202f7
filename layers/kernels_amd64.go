package layers

import "deepopt/internal/avx2"

// useKernels is whether the processor runs the AVX instructions of
// maxPool2x2 (pool_amd64.s), addRows, copyRows, im2colTaps and col2imTaps
// (conv_amd64.s), relu and
// reluGradient (relu_amd64.s).
var useKernels = avx2.Available

//go:noescape
func maxPool2x2(y *float32, at *int32, x *float32, w, ow, oh int)

//go:noescape
func addRows(dst, src *float32, rows, n, dstStride int)

//go:noescape
func copyRows(dst, src *float32, rows, n, dstStride, srcStride int)

//go:noescape
func relu(y, x *float32, n int)

//go:noescape
func reluGradient(dx, y, dy *float32, n int)

//go:noescape
func im2colTaps(col, plane *float32, c, k, oh, ow, hp, wp int)

//go:noescape
func col2imTaps(col, plane *float32, c, k, oh, ow, hp, wp int)
