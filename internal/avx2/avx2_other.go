//go:build !amd64

package avx2

// Available is false: the kernels are amd64 assembly.
const Available = false
