//go:build !amd64

package softmax

const useKernel = false

var constants [0][4]float64

func sums(s, dot, mass *float64, z, t *float32, k, n int, c *[0][4]float64) int { return 0 }

func gradient(out, z, t *float32, k, n int, scale float64, e *float64, c *[0][4]float64) int {
	return 0
}
