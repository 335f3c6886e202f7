// Package sparsecoding runs sparse coding on MNIST digits by block coordinate
// descent and by joint proximal gradient descent from the same starts, and
// reports J against iterations and wall time, the sparsity of the codes and
// the learned dictionaries.
package sparsecoding

import (
	"fmt"
	"io"
	"os"

	"deepopt/data"
	"deepopt/sparsecode"

	"gonum.org/v1/gonum/mat"
)

// Options configure Run; the CLI's defaults are given in brackets.
type Options struct {
	// Dir is the report directory; it is created if missing.
	Dir string
	// DataDir holds the MNIST IDX files; "" means the Go module copy.
	DataDir string
	// Examples is the number m of training digits, the first ones (1000).
	Examples int
	// Atoms is the dictionary size k (64).
	Atoms int
	// Lambda is the sparsity weight λ (1).
	Lambda float64
	// Seeds each choose a starting dictionary ([1 2 3]).
	Seeds []uint64
	// BCDIterations and PGIterations bound the two methods' iterations (30
	// and 150); block coordinate descent also stops when an iteration
	// lowers J by less than 10⁻⁴ of it.
	BCDIterations, PGIterations int
	// Command is the command line that reproduces the report, quoted in it.
	Command string
	// Log receives progress (nil for none).
	Log io.Writer
}

// The two methods.
const (
	BCD = "block coordinate descent"
	PG  = "proximal gradient"
)

// Methods lists the methods in report order.
var Methods = []string{BCD, PG}

// Run is one method from one seed's start.
type Run struct {
	Method string
	Seed   uint64
	Trace  []sparsecode.Point
	// W is the final dictionary.
	W *mat.Dense
}

// Report is the study's outcome.
type Report struct {
	Options Options
	Runs    []Run
}

// Study runs both methods from each seed's start and writes the report,
// its CSV and figures into Options.Dir.
func Study(o Options) (*Report, error) {
	switch {
	case o.Dir == "":
		return nil, fmt.Errorf("repro-sparse-coding: no report directory; set --out")
	case o.Examples < 1:
		return nil, fmt.Errorf("repro-sparse-coding: %d examples; want at least 1", o.Examples)
	case len(o.Seeds) == 0:
		return nil, fmt.Errorf("repro-sparse-coding: no seeds; give at least one")
	case o.BCDIterations < 1 || o.PGIterations < 1:
		return nil, fmt.Errorf("repro-sparse-coding: %d and %d iterations; want at least 1 for each method", o.BCDIterations, o.PGIterations)
	}
	x, err := digits(o.DataDir, o.Examples, o.Log)
	if err != nil {
		return nil, err
	}
	problem := sparsecode.Problem{X: x, Lambda: o.Lambda}
	if _, _, err := problem.Init(o.Atoms, 0); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(o.Dir, 0o755); err != nil {
		return nil, err
	}
	rep := &Report{Options: o}
	for _, seed := range o.Seeds {
		for _, method := range Methods {
			W, H, err := problem.Init(o.Atoms, seed)
			if err != nil {
				return nil, err
			}
			var trace []sparsecode.Point
			if method == BCD {
				trace, err = problem.BlockCoordinateDescent(W, H, sparsecode.Settings{MaxIterations: o.BCDIterations})
			} else {
				// A tolerance no iteration meets: the iteration limit stops it.
				trace, err = problem.ProximalGradient(W, H, sparsecode.Settings{Tolerance: 1e-300, MaxIterations: o.PGIterations})
			}
			if err != nil {
				return nil, fmt.Errorf("%s, seed %d: %w", method, seed, err)
			}
			rep.Runs = append(rep.Runs, Run{Method: method, Seed: seed, Trace: trace, W: W})
			if o.Log != nil {
				last := trace[len(trace)-1]
				fmt.Fprintf(o.Log, "seed %d, %s: J = %.1f after %d iterations, %.1f s\n", seed, method, last.J, last.Iteration, last.Seconds)
			}
		}
	}
	return rep, rep.write()
}

// digits returns the first n MNIST training digits as the columns of a
// 784×n matrix, pixels in [0, 1].
func digits(dir string, n int, log io.Writer) (*mat.Dense, error) {
	train, _, err := data.LoadMNIST(dir, log)
	if err != nil {
		return nil, err
	}
	if n > train.Len() {
		return nil, fmt.Errorf("repro-sparse-coding: %d examples asked for, the training set has %d", n, train.Len())
	}
	// Gather gives the digits as rows (n×784); X holds them as columns.
	idx := make([]int, n)
	for j := range idx {
		idx[j] = j
	}
	rows := make([]float64, n*train.Dim())
	if err := train.Gather(idx, rows, nil); err != nil {
		return nil, err
	}
	return mat.DenseCopyOf(mat.NewDense(n, train.Dim(), rows).T()), nil
}
