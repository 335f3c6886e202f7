//go:build !openblas

package layers

import (
	"deepopt/internal/sgemm"

	"gonum.org/v1/gonum/blas/blas32"
	G "gorgonia.org/gorgonia"
)

// In the default (pure-Go) build, every float32 matrix product — the dense
// layers' through blas32, the convolutions' through Gorgonia's BLAS — runs
// on internal/sgemm's kernel; the rest of BLAS stays gonum's. The build tag
// openblas replaces both with OpenBLAS (openblas.go).
func init() {
	blas32.Use(sgemm.Implementation{})
	G.Use(sgemm.Implementation{})
}
