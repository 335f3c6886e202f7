package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

// stopSignals end a run the way Ctrl-C does (a checkpoint of the last
// completed step, then exit): SIGINT (Ctrl-C), SIGTERM (kill, timeouts,
// service managers) and SIGHUP (the terminal closed).
var stopSignals = []os.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP}

// interruption is how a command stopped by one of stopSignals ends: with
// the status shells give a process killed by that signal, 128 + its number
// (130 for SIGINT, 143 for SIGTERM, 129 for SIGHUP), so that scripts can
// tell an interrupted run from a finished one.
type interruption struct {
	sig syscall.Signal
	// err is what the command reported, if anything beyond the
	// interruption itself.
	err error
}

func (i interruption) Error() string {
	if i.err != nil {
		return i.err.Error()
	}
	return fmt.Sprintf("interrupted by %s", signalName(i.sig))
}

func (i interruption) Unwrap() error { return i.err }

// exitCode is 128 + the signal's number.
func (i interruption) exitCode() int { return 128 + int(i.sig) }

// signalName is the conventional name of a stop signal.
func signalName(sig syscall.Signal) string {
	switch sig {
	case syscall.SIGINT:
		return "SIGINT"
	case syscall.SIGTERM:
		return "SIGTERM"
	case syscall.SIGHUP:
		return "SIGHUP"
	}
	return sig.String()
}

// stopContext returns a context that the first of stopSignals cancels, with
// the interruption as its cause. Only the first signal is caught: a second
// one takes its default action and ends the process at once, for a user
// who does not want to wait for the checkpoint. release stops catching.
func stopContext() (ctx context.Context, release func()) {
	ctx, cancel := context.WithCancelCause(context.Background())
	caught := make(chan os.Signal, 1)
	signal.Notify(caught, stopSignals...)
	done := make(chan struct{})
	go func() {
		select {
		case sig := <-caught:
			signal.Stop(caught)
			cancel(interruption{sig: sig.(syscall.Signal)})
		case <-done:
		}
	}()
	return ctx, func() {
		signal.Stop(caught)
		close(done)
		cancel(nil)
	}
}
