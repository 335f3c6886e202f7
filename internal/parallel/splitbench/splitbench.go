// Package splitbench measures what splitting work between two goroutines
// (internal/parallel) saves and costs, in benchmarks: Time reports the
// median wall time of single calls, which a machine shared with other
// programs disturbs less than the mean (a thread that loses its processor
// for a time slice adds milliseconds to a few calls), and the process's
// CPU time per call, which includes the worker's polling.
package splitbench

import (
	"fmt"
	"slices"
	"syscall"
	"testing"
	"time"
)

// Time runs f b.N times and reports, per call, the median wall time as
// p50-µs/op, the mean as µs/op and the process's user + system CPU time as
// cpu-µs/op.
func Time(b *testing.B, f func()) {
	var calls []time.Duration
	cpu0 := CPU()
	for b.Loop() {
		t := time.Now()
		f()
		calls = append(calls, time.Since(t))
	}
	cpu := CPU() - cpu0
	slices.Sort(calls)
	b.ReportMetric(micro(calls[len(calls)/2]), "p50-µs/op")
	b.ReportMetric(micro(b.Elapsed())/float64(b.N), "µs/op")
	b.ReportMetric(micro(cpu)/float64(b.N), "cpu-µs/op")
}

func micro(d time.Duration) float64 { return float64(d.Nanoseconds()) / 1e3 }

// CPU is the process's user + system CPU time so far.
func CPU() time.Duration {
	var u syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &u); err != nil {
		panic(fmt.Sprint("getrusage: ", err))
	}
	return time.Duration(u.Utime.Nano() + u.Stime.Nano())
}
