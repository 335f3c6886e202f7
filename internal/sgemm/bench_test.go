package sgemm

import (
	"fmt"
	"math"
	"math/rand/v2"
	"syscall"
	"testing"
	"time"

	"deepopt/internal/parallel/splitbench"

	"gonum.org/v1/gonum/blas"
)

// benchShapes are the products of the benchmark networks' steps, as their
// operations call Sgemm: the MLP's (784-100-100-100-10) forward products
// x·W, weight gradients xᵀ·dy and input gradients dy·Wᵀ at batch 60 and
// 256, its evaluation at batch 1000, and the CNN's per-example products
// (layers/conv_op.go: W·colᵀ, the weight gradient dy·col and the input
// gradient Wᵀ·dy) for its two 5×5 convolutions.
var benchShapes = []struct {
	name       string
	m, n, k    int
	tA, tB     bool
	accumulate bool // beta 1, else 0
}{
	{"x·W/60x784x100", 60, 100, 784, false, false, true},
	{"x·W/60x100x100", 60, 100, 100, false, false, true},
	{"x·W/60x100x10", 60, 10, 100, false, false, true},
	{"xT·dy/784x60x100", 784, 100, 60, true, false, false},
	{"xT·dy/100x60x100", 100, 100, 60, true, false, false},
	{"xT·dy/100x60x10", 100, 10, 60, true, false, false},
	{"dy·WT/60x100x100", 60, 100, 100, false, true, false},
	{"dy·WT/60x10x100", 60, 100, 10, false, true, false},
	{"x·W/256x784x100", 256, 100, 784, false, false, true},
	{"xT·dy/784x256x100", 784, 100, 256, true, false, false},
	{"x·W/1000x784x100", 1000, 100, 784, false, false, true},
	{"conv1/W·colT/16x25x784", 16, 784, 25, false, false, true},
	{"conv1/dy·col/16x784x25", 16, 25, 784, false, false, true},
	{"conv2/W·colT/32x400x196", 32, 196, 400, false, false, true},
	{"conv2/dy·col/32x196x400", 32, 400, 196, false, false, true},
	{"conv2/WT·dy/400x32x196", 400, 196, 32, true, false, false},
}

// BenchmarkSgemm times Implementation.Sgemm on benchShapes and reports
// GFLOP/s of wall time and, as cpu-µs/op, the process's user + system CPU
// time per product, which a loaded machine disturbs less than wall time.
func BenchmarkSgemm(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	for _, s := range benchShapes {
		b.Run(s.name, func(b *testing.B) {
			tA, tB, lda, ldb := blas.NoTrans, blas.NoTrans, s.k, s.n
			if s.tA {
				tA, lda = blas.Trans, s.m
			}
			if s.tB {
				tB, ldb = blas.Trans, s.k
			}
			a, w, c := randoms(rng, s.m*s.k), randoms(rng, s.k*s.n), randoms(rng, s.m*s.n)
			beta := float32(0)
			if s.accumulate {
				beta = 1
			}
			cpu0 := cpuTime()
			for b.Loop() {
				Implementation{}.Sgemm(tA, tB, s.m, s.n, s.k, 1, a, lda, w, ldb, beta, c, s.n)
			}
			flops := float64(2*s.m*s.n*s.k) * float64(b.N)
			b.ReportMetric(flops/b.Elapsed().Seconds()/1e9, "GFLOP/s")
			b.ReportMetric(float64((cpuTime()-cpu0).Microseconds())/float64(b.N), "cpu-µs/op")
		})
	}
}

// cpuTime is the process's user + system CPU time so far.
func cpuTime() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		panic(fmt.Sprint("getrusage: ", err))
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}

// BenchmarkSplit times Mul on benchShapes' shapes (A and B untransposed)
// with its rows split between two goroutines ("two", as parallel.Do
// splits them when the worker is free) and on one ("one"), and reports the
// microseconds of wall time and, as cpu-µs/op, of process CPU time per
// product: what the second core saves a product, and what it costs.
func BenchmarkSplit(b *testing.B) {
	rng := rand.New(rand.NewPCG(1, 2))
	defer func(w int) { parallelWork = w }(parallelWork)
	for _, s := range benchShapes {
		a := Matrix{Data: randoms(rng, s.m*s.k), Rows: s.m, Cols: s.k, RowStride: s.k, ColStride: 1}
		w := Matrix{Data: randoms(rng, s.k*s.n), Rows: s.k, Cols: s.n, RowStride: s.n, ColStride: 1}
		c := Matrix{Data: randoms(rng, s.m*s.n), Rows: s.m, Cols: s.n, RowStride: s.n, ColStride: 1}
		for _, split := range []struct {
			name string
			work int
		}{{"two", 0}, {"one", math.MaxInt}} {
			b.Run(s.name+"/"+split.name, func(b *testing.B) {
				parallelWork = split.work
				splitbench.Time(b, func() { Mul(c, a, w) })
			})
		}
	}
}
