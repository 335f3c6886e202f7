//go:build !amd64

package layers

// useKernels is false: maxPool2x2, addRows, copyRows, im2colTaps,
// col2imTaps, relu and reluGradient are amd64 assembly.
const useKernels = false

func maxPool2x2(y *float32, at *int32, x *float32, w, ow, oh int)   {}
func addRows(dst, src *float32, rows, n, dstStride int)             {}
func copyRows(dst, src *float32, rows, n, dstStride, srcStride int) {}
func relu(y, x *float32, n int)                                     {}
func reluGradient(dx, y, dy *float32, n int)                        {}
func im2colTaps(col, plane *float32, c, k, oh, ow, hp, wp int)      {}
func col2imTaps(col, plane *float32, c, k, oh, ow, hp, wp int)      {}
