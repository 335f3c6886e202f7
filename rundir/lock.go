package rundir

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"syscall"
)

// LockFile marks a run directory in use: the process that trains in it
// holds an exclusive lock on the file (flock) and has written its PID into
// it.
const LockFile = ".lock"

// Lock is one process's exclusive hold on a run directory, so that two runs
// (or a run and a resume of it) never write the same files at once. The
// kernel releases it when the process ends, however it ends, so a lock left
// by a killed process never blocks the next run.
type Lock struct {
	f *os.File
}

// Acquire creates dir if needed and locks it for this process, or reports
// that another process holds it, naming that process.
func Acquire(dir string) (*Lock, error) {
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return nil, err
	}
	path := filepath.Join(dir, LockFile)
	f, err := os.OpenFile(path, os.O_RDWR|os.O_CREATE, 0o644)
	if err != nil {
		return nil, fmt.Errorf("lock %s: %w", dir, err)
	}
	if err := syscall.Flock(int(f.Fd()), syscall.LOCK_EX|syscall.LOCK_NB); err != nil {
		holder, _ := os.ReadFile(path)
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, fmt.Errorf("%s is in use by another run (process %s); wait for it to end, or stop it, before starting or resuming a run there", dir, describePID(holder))
		}
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if err := f.Truncate(0); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	if _, err := f.WriteAt([]byte(strconv.Itoa(os.Getpid())+"\n"), 0); err != nil {
		f.Close()
		return nil, fmt.Errorf("lock %s: %w", path, err)
	}
	return &Lock{f: f}, nil
}

// describePID reads the PID a lock file holds, for messages.
func describePID(text []byte) string {
	if pid, err := strconv.Atoi(string(bytes.TrimSpace(text))); err == nil {
		return strconv.Itoa(pid)
	}
	return "of unknown PID"
}

// Release gives the directory up; the lock file stays, unlocked.
func (l *Lock) Release() error {
	if l == nil || l.f == nil {
		return nil
	}
	err := l.f.Close()
	l.f = nil
	return err
}

// Holds reports whether dir holds a run: its config, metrics or checkpoint,
// even without a checkpoint (a run stopped before its first is still a
// run, and its rows are the user's).
func Holds(dir string) (bool, error) {
	for _, name := range []string{ConfigFile, MetricsFile, CheckpointFile} {
		_, err := os.Stat(filepath.Join(dir, name))
		if err == nil {
			return true, nil
		}
		if !errors.Is(err, os.ErrNotExist) {
			return false, err
		}
	}
	return false, nil
}
