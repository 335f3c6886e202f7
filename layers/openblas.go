//go:build openblas

package layers

import (
	"gonum.org/v1/gonum/blas/blas32"
	"gonum.org/v1/gonum/blas/blas64"
	"gonum.org/v1/netlib/blas/netlib"
	G "gorgonia.org/gorgonia"
)

// With the build tag openblas, every matrix product (the dense layers'
// through blas32 and blas64, Gorgonia's own through G.Use) runs on the
// system's OpenBLAS through gonum's cgo binding. It needs cgo and
// libopenblas (Debian: apt-get install libopenblas-dev); build with
// CGO_LDFLAGS=-lopenblas go build -tags openblas, or make bench BLAS=openblas.
func init() {
	blas32.Use(netlib.Implementation{})
	blas64.Use(netlib.Implementation{})
	G.Use(netlib.Implementation{})
}
