//go:build !amd64

package finite

// useKernel is false: the kernel is amd64 assembly.
const useKernel = false

func finite32(x *float32, n int) bool { return false }
