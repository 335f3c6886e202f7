// Package parallel runs a job's parts on two goroutines at once, the
// calling one and one shared worker goroutine, for work too short to be
// worth starting a goroutine: on the virtual machines deepopt is measured
// on, a goroutine started when the other thread has gone idle begins about
// 100 µs later (82–213 µs, 10th–90th percentile), since waking an idle
// virtual CPU goes through the host, while most products and elementwise
// passes of a training step take 5–60 µs. The worker instead polls for its
// next job for a while (Spin) after each one, so that the jobs of a step
// reach it in a fraction of a microsecond, and only then blocks, so that
// an idle program uses no processor time.
//
// Do runs every part on the caller, in order, when GOMAXPROCS is below 2;
// when the worker is already busy (a job started inside another job's
// part, or by another goroutine: no job waits for the worker, so none can
// deadlock on it). When the
// worker has not started by the time the caller has run all the parts (a
// sleeping worker takes the hand-off's 100 µs to wake) the caller has run
// them alone. Which goroutine runs a part is the only thing that varies,
// so a job whose parts compute each value the same way whoever runs them
// gives the same bits on one thread or two.
package parallel

import (
	"runtime"
	"sync"
	"sync/atomic"
	"time"
)

// Job is work in parts, numbered from 0. Two parts may run at once on two
// goroutines, so different parts must not write the same memory, and
// together they must do the whole job.
type Job interface{ Run(part int) }

// Spin is how long the worker polls for its next job after finishing one
// that came while it polled, before it blocks (see loop), and how long Do
// polls for the worker's parts before it blocks. Longer keeps the worker awake across the gaps between a step's
// jobs, at the price of processor time burnt polling when no job comes.
var Spin = 200 * time.Microsecond

// yieldEvery is how many polls the worker makes between yields of its
// thread (runtime.Gosched), a few microseconds.
var yieldEvery = 1024

// The worker's states, held in worker.state.
const (
	idle     int32 = iota // polling for a job
	sleeping              // blocked on wake
	posted                // a job waits in worker.job
	running               // running parts of worker.job
	waiting               // running parts, the caller blocked on done
	finished              // out of parts, the caller not yet told
)

// worker is the one goroutine that helps Do. busy is held by the Do that
// owns it from posting its job until it has collected the worker's parts;
// the state machine orders the hand-offs between that Do and the worker.
// Both take the job's parts in turn from next.
type worker struct {
	busy  atomic.Bool
	state atomic.Int32
	job   Job
	parts int32
	next  atomic.Int32
	wake  chan struct{} // a sleeping worker's job has been posted
	done  chan struct{} // a waiting caller's parts have finished
	start sync.Once
}

var w = worker{wake: make(chan struct{}, 1), done: make(chan struct{}, 1)}

// Do runs j.Run(p) for p in [0, parts) and returns when all have returned:
// the calling goroutine and the worker, when it is free and GOMAXPROCS is
// at least 2, each take the next part not yet taken until none is left.
// More parts than two cost an atomic addition each and keep the two
// goroutines busy to the end when one of them loses its processor for a
// while (a machine shared with other programs). It allocates nothing.
func Do(j Job, parts int) {
	if parts < 2 || !Idle() || !w.busy.CompareAndSwap(false, true) {
		for p := range parts {
			j.Run(p)
		}
		return
	}
	w.start.Do(func() { go w.loop() })
	w.job, w.parts = j, int32(parts)
	w.next.Store(0)
	for !w.state.CompareAndSwap(idle, posted) {
		if w.state.CompareAndSwap(sleeping, posted) {
			w.wake <- struct{}{}
			break
		}
	}
	w.runParts()
	if !w.state.CompareAndSwap(posted, idle) {
		w.await()
		w.state.Store(idle)
	}
	// Else the worker has not started (it is waking up, or its thread is
	// not running) and will not: the state is left idle, or sleeping if
	// the worker goes to sleep meanwhile.
	w.job = nil
	w.busy.Store(false)
}

// Idle reports whether a Do now would run parts on the worker: GOMAXPROCS
// is at least 2 and the worker is not running a job. A job that can also
// run whole checks it first, so that on one thread, and inside another
// job's part, it runs as one pass.
func Idle() bool {
	return !w.busy.Load() && runtime.GOMAXPROCS(0) >= 2
}

// runParts runs the job's parts not yet taken, one at a time.
func (w *worker) runParts() {
	for p := w.next.Add(1) - 1; p < w.parts; p = w.next.Add(1) - 1 {
		w.job.Run(int(p))
	}
}

// await returns when the worker has finished its parts: it polls for Spin,
// then blocks.
func (w *worker) await() {
	deadline := time.Now().Add(Spin)
	for i := 0; w.state.Load() != finished; i++ {
		if i%64 == 63 && time.Now().After(deadline) {
			if w.state.CompareAndSwap(running, waiting) {
				<-w.done
			}
			return
		}
	}
}

// loop runs parts of posted jobs for ever: after each job it polls for the
// next one, then blocks until Do wakes it. It polls for Spin after a job
// that came while it polled; after one that had to wake it, for a quarter
// of the time it polled before (down to minSpin), so that a program that
// posts a job now and then (tests, a convolution at the end of a long
// computation) does not pay Spin of polling for each, while the jobs of a
// training step, each a few microseconds after the last, keep it polling.
// While polling it yields its thread every few microseconds, so that
// other goroutines do not wait for it.
func (w *worker) loop() {
	spin := Spin
	deadline := time.Now().Add(spin)
	woken := false
	for i := 0; ; i++ {
		if w.state.Load() == posted && w.state.CompareAndSwap(posted, running) {
			w.runParts()
			if w.state.Swap(finished) == waiting {
				w.done <- struct{}{}
			}
			if woken {
				spin = max(spin/4, minSpin)
			} else {
				spin = Spin
			}
			woken = false
			deadline = time.Now().Add(spin)
			continue
		}
		switch {
		case i%64 != 63:
		case time.Now().After(deadline) && w.state.CompareAndSwap(idle, sleeping):
			<-w.wake
			woken = true
			deadline = time.Now().Add(spin)
		case i%yieldEvery == yieldEvery-1:
			runtime.Gosched()
		}
	}
}

// minSpin is the shortest time the worker polls after a job.
const minSpin = 10 * time.Microsecond

// Halves runs f(0, 0, mid) and f(1, mid, n) as the two parts of a Do: the
// two halves of a range of rows, examples or channels split at mid. f
// escapes to the heap, so a closure that captures variables costs its
// caller an allocation per call, which a Job of the caller's own, kept
// between calls, avoids.
func Halves(mid, n int, f func(part, lo, hi int)) {
	h := ranges.Get().(*halves)
	h.mid, h.n, h.f = mid, n, f
	Do(h, 2)
	*h = halves{}
	ranges.Put(h)
}

// halves is Halves' job.
type halves struct {
	mid, n int
	f      func(part, lo, hi int)
}

func (h *halves) Run(part int) {
	if part == 0 {
		h.f(0, 0, h.mid)
	} else {
		h.f(1, h.mid, h.n)
	}
}

// ranges holds *halves between calls of Halves.
var ranges = sync.Pool{New: func() any { return new(halves) }}
