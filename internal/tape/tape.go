// Package tape runs a Gorgonia tape machine's program on the calling
// goroutine.
//
// Gorgonia's tapeMachine.RunAll locks the caller to its OS thread and runs
// the program on a new goroutine while the caller waits: two hand-offs
// between OS threads per run, the second processor's thread woken to start
// the program and the caller's to go on after it. Waking an idle processor
// of a virtual machine goes through the host, so on the 2-core machines
// deepopt is measured on an empty program's RunAll took 35–160 µs (10th–90th
// percentile), up to a quarter of a batch-60 BN MLP step. Run calls the
// machine's own loop over its instructions (tapeMachine.runall, reached by
// go:linkname, Gorgonia v0.9.18) on the calling goroutine: the same
// instructions in the same order, so the same bits, without the hand-offs.
// The model's machines use no CUDA and no cgo batching that a locked thread
// would serve, and bind no dual values (whose closures RunAll would run
// after the program).
package tape

import (
	"reflect"
	"sync"
	"unsafe"

	G "gorgonia.org/gorgonia"
)

// runall is (*gorgonia.tapeMachine).runall: it executes the instructions
// from the machine's program counter on, then sends on done, or sends the
// first error on errs and stops.
//
//go:linkname runall gorgonia.org/gorgonia.(*tapeMachine).runall
func runall(m unsafe.Pointer, errs chan error, done chan struct{})

// isTapeMachine reports whether vm is one of G.NewTapeMachine's machines,
// a *gorgonia.tapeMachine.
func isTapeMachine(vm G.VM) bool {
	t := reflect.TypeOf(vm)
	return t.Kind() == reflect.Pointer && t.Elem().PkgPath() == "gorgonia.org/gorgonia" && t.Elem().Name() == "tapeMachine"
}

// Run runs vm's program from its program counter to the end, as
// vm.RunAll does, and returns the first instruction's error. A machine of
// another kind runs by its own RunAll.
func Run(vm G.VM) error {
	if !isTapeMachine(vm) {
		return vm.RunAll()
	}
	c := channels.Get().(*results)
	defer channels.Put(c)
	// The interface's second word is the *tapeMachine.
	runall((*[2]unsafe.Pointer)(unsafe.Pointer(&vm))[1], c.errs, c.done)
	select {
	case err := <-c.errs:
		return err
	case <-c.done:
	}
	if w, ok := vm.(interface{ DoWork() error }); ok {
		return w.DoWork()
	}
	return nil
}

// results are runall's two channels, buffered so that it sends without a
// receiver waiting; each run sends on exactly one, and Run empties it.
type results struct {
	errs chan error
	done chan struct{}
}

var channels = sync.Pool{New: func() any {
	return &results{errs: make(chan error, 1), done: make(chan struct{}, 1)}
}}
