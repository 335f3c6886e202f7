package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// count is a job that counts how often each part runs.
type count struct{ runs [5]atomic.Int32 }

func (c *count) Run(part int) { c.runs[part].Add(1) }

// withProcs runs f with GOMAXPROCS set to n.
func withProcs(t testing.TB, n int, f func()) {
	t.Helper()
	defer runtime.GOMAXPROCS(runtime.GOMAXPROCS(n))
	f()
}

// TestDoRunsEachPartOnce checks that Do runs each part exactly once, on one
// thread and on two, with the worker polling and with it asleep, for jobs
// of 0 to 5 parts.
func TestDoRunsEachPartOnce(t *testing.T) {
	for _, procs := range []int{1, 2} {
		withProcs(t, procs, func() {
			for parts := range 6 {
				var c count
				for i := range 1000 {
					if i%250 == 249 {
						time.Sleep(2 * Spin) // let the worker block
					}
					Do(&c, parts)
				}
				for p := range c.runs {
					want := int32(0)
					if p < parts {
						want = 1000
					}
					if n := c.runs[p].Load(); n != want {
						t.Errorf("GOMAXPROCS=%d: 1000 jobs of %d parts ran part %d %d times", procs, parts, p, n)
					}
				}
			}
		})
	}
}

// rendezvous is a job of two parts whose part 0 waits (up to a second) for
// part 1 to start, which it can only see when the parts run at once.
type rendezvous struct{ started, met atomic.Bool }

func (r *rendezvous) Run(part int) {
	if part == 1 {
		r.started.Store(true)
		return
	}
	for t := time.Now(); time.Since(t) < time.Second; {
		if r.started.Load() {
			r.met.Store(true)
			return
		}
	}
}

// TestPartsRunAtOnce checks that with two threads the worker runs part 1
// while the caller runs part 0 (the caller takes part 1 back only if the
// worker has not started it within the second part 0 waits).
func TestPartsRunAtOnce(t *testing.T) {
	if runtime.NumCPU() < 2 {
		t.Skip("one processor")
	}
	withProcs(t, 2, func() {
		for range 5 {
			var r rendezvous
			Do(&r, 2)
			if r.met.Load() {
				return
			}
		}
		t.Errorf("in 5 jobs the worker never ran part 1 while part 0 waited for it (state %d)", w.state.Load())
	})
}

// tree is a job that sums the integers [lo, hi) by splitting the range
// into three parts, each a tree again down to a few values: jobs inside
// jobs, which find the worker busy and run their parts themselves.
type tree struct {
	lo, hi int
	sums   [3]int
}

func (t *tree) Run(part int) {
	lo, hi := t.lo+(t.hi-t.lo)*part/3, t.lo+(t.hi-t.lo)*(part+1)/3
	if hi-lo <= 4 {
		for v := lo; v < hi; v++ {
			t.sums[part] += v
		}
		return
	}
	sub := tree{lo: lo, hi: hi}
	t.sums[part] = sub.sum()
}

// sum returns Σ [lo, hi), computed by Do.
func (t *tree) sum() int {
	Do(t, 3)
	return t.sums[0] + t.sums[1] + t.sums[2]
}

// TestNestedAndConcurrent runs jobs that start jobs inside their parts, from
// eight goroutines at once: each must get its exact sum, without deadlock.
func TestNestedAndConcurrent(t *testing.T) {
	for _, procs := range []int{1, 2, 4} {
		withProcs(t, procs, func() {
			var wg sync.WaitGroup
			for g := range 8 {
				wg.Go(func() {
					for n := 1; n < 300; n += 7 + g {
						j := tree{lo: 0, hi: n}
						if got, want := j.sum(), n*(n-1)/2; got != want {
							t.Errorf("GOMAXPROCS=%d: the sum of [0, %d) by nested jobs is %d, want %d", procs, n, got, want)
						}
					}
				})
			}
			wg.Wait()
		})
	}
}

// TestDoAllocatesNothing checks that a job whose value is a pointer runs
// without an allocation, on one thread and on two.
func TestDoAllocatesNothing(t *testing.T) {
	for _, procs := range []int{1, 2} {
		withProcs(t, procs, func() {
			var c count
			if n := testing.AllocsPerRun(1000, func() { Do(&c, 4) }); n != 0 {
				t.Errorf("GOMAXPROCS=%d: %g allocations per Do", procs, n)
			}
		})
	}
}

// marks counts how often Halves' parts visit each index.
var marks [10]atomic.Int32

func mark(part, lo, hi int) {
	for i := lo; i < hi; i++ {
		marks[i].Add(int32(1 + 100*part))
	}
}

// TestHalves checks that Halves visits [0, mid) as part 0 and [mid, n) as
// part 1, once each, and allocates nothing for a function that captures
// nothing.
func TestHalves(t *testing.T) {
	for _, procs := range []int{1, 2} {
		withProcs(t, procs, func() {
			for mid := range 11 {
				for i := range marks {
					marks[i].Store(0)
				}
				Halves(mid, 10, mark)
				for i := range marks {
					want := int32(1)
					if i >= mid {
						want = 101
					}
					if got := marks[i].Load(); got != want {
						t.Errorf("GOMAXPROCS=%d: Halves(%d, 10) visited %d as %d, want %d", procs, mid, i, got, want)
					}
				}
			}
			if n := testing.AllocsPerRun(1000, func() { Halves(5, 10, mark) }); n != 0 {
				t.Errorf("GOMAXPROCS=%d: %g allocations per Halves", procs, n)
			}
		})
	}
}

// hold is a job whose part 0 records Idle while the worker is taken.
type hold struct{ idle [2]bool }

func (h *hold) Run(part int) { h.idle[part] = Idle() }

// TestIdle checks that Idle is false with one thread and inside a job's
// parts, and true otherwise.
func TestIdle(t *testing.T) {
	withProcs(t, 1, func() {
		if Idle() {
			t.Error("Idle at GOMAXPROCS=1")
		}
	})
	withProcs(t, 2, func() {
		if !Idle() {
			t.Error("not Idle at GOMAXPROCS=2 with no job running")
		}
		var h hold
		Do(&h, 2)
		if h.idle[0] || h.idle[1] {
			t.Errorf("Idle inside a job's parts: %v", h.idle)
		}
	})
}
