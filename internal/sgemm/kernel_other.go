//go:build !amd64

package sgemm

// useKernel is false: the kernels are AVX2 assembly for amd64 only (a
// variable, as on amd64, so that tests can choose the Go loops either way).
var useKernel = false

func kernel6x16(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool) {
}
func kernel6x8(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool) {
}
func kernel6x4(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool) {
}
func kernel12x8(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool) {
}
func kernel12x4(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool) {
}
func kernel4x16(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool) {
}
func kernel4x8(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool) {
}
func kernel4x4(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool) {
}
func kernel6x16p(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool, np, bstep int) {
}
func kernel4x16p(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool, np, bstep int) {
}
func kernel8x10(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool, t *float32, tzero bool) {
}
func kernel6x10(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool, t *float32, tzero bool) {
}
func kernel4x10(k int, a *float32, rsa, csa int, b *float32, ldb int, c *float32, ldc int, zero bool, t *float32, tzero bool) {
}
func transpose8(k8 int, b *float32, ldb int, bt *float32, n int) {}
