package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"deepopt/checkpoint"
	"deepopt/rundir"
)

// TestMain lets the tests run this command as a separate process: with
// TRAIN_MAIN=1 the test binary is the command itself.
func TestMain(m *testing.M) {
	if os.Getenv("TRAIN_MAIN") == "1" {
		main()
		os.Exit(0)
	}
	os.Exit(m.Run())
}

// command returns the command with args, run as a separate process.
func command(t *testing.T, args ...string) (*exec.Cmd, *bytes.Buffer) {
	t.Helper()
	self, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(self, args...)
	cmd.Env = append(os.Environ(), "TRAIN_MAIN=1")
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	return cmd, &stderr
}

// waitFor polls until path exists.
func waitFor(t *testing.T, path string) {
	t.Helper()
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if _, err := os.Stat(path); err == nil {
			return
		}
	}
	t.Fatalf("%s did not appear within 2 minutes", path)
}

// SIGINT, SIGTERM and SIGHUP each save a checkpoint, as Ctrl-C does, and
// end the process with 128 + the signal's number, so that a script tells an
// interrupted run from a finished one; the run then resumes.
func TestSignalsSaveAndExitNonZero(t *testing.T) {
	cfg := writeConfig(t, "")
	for _, sig := range []syscall.Signal{syscall.SIGINT, syscall.SIGTERM, syscall.SIGHUP} {
		t.Run(signalName(sig), func(t *testing.T) {
			out := filepath.Join(t.TempDir(), "run")
			cmd, stderr := command(t, "--config", cfg, "--out", out, "--set", "train.steps=1000000", "--set", "train.checkpoint_every=0")
			if err := cmd.Start(); err != nil {
				t.Fatal(err)
			}
			waitFor(t, filepath.Join(out, rundir.MetricsFile))
			time.Sleep(300 * time.Millisecond) // a few steps
			if err := cmd.Process.Signal(sig); err != nil {
				t.Fatal(err)
			}
			err := cmd.Wait()
			var exit *exec.ExitError
			if !errors.As(err, &exit) || exit.ExitCode() != 128+int(sig) {
				t.Fatalf("exit %v, want status %d\n%s", err, 128+int(sig), stderr)
			}
			if !strings.Contains(stderr.String(), "checkpoint saved. Continue with:") || strings.Contains(stderr.String(), "goroutine") {
				t.Errorf("stderr lacks the resume hint or holds a stack trace:\n%s", stderr)
			}
			a, err := checkpoint.Load(filepath.Join(out, rundir.CheckpointFile))
			if err != nil {
				t.Fatalf("no checkpoint after %v: %v", sig, err)
			}
			_, step, err := a.Int64("loop/step")
			if err != nil {
				t.Fatal(err)
			}
			steps := fmt.Sprintf("train.steps=%d", step[0]+2)
			if err := execute([]string{"--resume", out, "--set", steps}); err != nil {
				t.Errorf("resume after %v: %v", sig, err)
			}
		})
	}
}
