package main

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"deepopt/rundir"
)

// files reads every file of dir.
func files(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, e := range entries {
		out[e.Name()], _ = os.ReadFile(filepath.Join(dir, e.Name()))
	}
	return out
}

// sameFiles fails the test when dir no longer holds exactly before.
func sameFiles(t *testing.T, dir string, before map[string][]byte, what string) {
	t.Helper()
	after := files(t, dir)
	for name, text := range before {
		if !bytes.Equal(after[name], text) {
			t.Errorf("%s changed %s", what, name)
		}
	}
	for name := range after {
		if _, ok := before[name]; !ok {
			t.Errorf("%s wrote %s", what, name)
		}
	}
}

// exitStatus is the status a finished command exited with.
func exitStatus(err error) int {
	var exit *exec.ExitError
	if errors.As(err, &exit) {
		return exit.ExitCode()
	}
	if err != nil {
		return -1
	}
	return 0
}

// metricsRows waits until the run in dir has written at least n rows.
func waitForRows(t *testing.T, dir string, n int) {
	t.Helper()
	path := filepath.Join(dir, rundir.MetricsFile)
	for deadline := time.Now().Add(2 * time.Minute); time.Now().Before(deadline); time.Sleep(20 * time.Millisecond) {
		if text, err := os.ReadFile(path); err == nil && strings.Count(string(text), "\n") > n {
			return
		}
	}
	t.Fatalf("%s did not reach %d rows within 2 minutes", path, n)
}

// A run killed before its first checkpoint is still a run: a new run with
// the same --out is refused and changes nothing, and --resume starts it
// again from step 0, saying that its rows after step 0 are replaced.
func TestRunWithoutCheckpointIsARun(t *testing.T) {
	cfg := writeConfig(t, "")
	out := filepath.Join(t.TempDir(), "run")
	cmd, stderr := command(t, "--config", cfg, "--out", out, "--set", "train.steps=1000000", "--set", "train.eval_every=5",
		"--set", "train.checkpoint_every=1000000")
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	waitForRows(t, out, 3)
	cmd.Process.Kill()
	cmd.Wait()
	if _, err := os.Stat(filepath.Join(out, rundir.CheckpointFile)); !os.IsNotExist(err) {
		t.Fatalf("the killed run left a checkpoint (%v)\n%s", err, stderr)
	}
	before := files(t, out)

	err := execute([]string{"--config", cfg, "--out", out})
	if err == nil || !strings.Contains(err.Error(), "already holds a run, stopped before its first checkpoint; continue it from step 0 with `go run ./cmd/train --resume "+out+"`") {
		t.Fatalf("a new run over a run without checkpoint: %v", err)
	}
	sameFiles(t, out, before, "the refused new run")

	resume, stderr := command(t, "--resume", out, "--set", "train.steps=10")
	if err := resume.Run(); err != nil {
		t.Fatalf("resume from step 0: %v\n%s", err, stderr)
	}
	for _, want := range []string{"has no checkpoint yet: the run starts again from step 0", "rows after step 0, the checkpoint's, dropped"} {
		if !strings.Contains(stderr.String(), want) {
			t.Errorf("the resume does not say %q:\n%s", want, stderr)
		}
	}
	if rows := readLines(t, filepath.Join(out, rundir.MetricsFile)); len(rows) != 3 || !strings.HasPrefix(rows[2], "10,") {
		t.Errorf("metrics.csv after the resume to step 10: %q", rows)
	}
}

// Two runs started at once with the same --out: one trains, the other is
// refused, and the directory holds one consistent run. A --resume of a run
// still training is refused naming the process that trains.
func TestOneWriterPerRunDirectory(t *testing.T) {
	cfg := writeConfig(t, "")
	out := filepath.Join(t.TempDir(), "run")
	args := []string{"--config", cfg, "--out", out, "--set", "train.steps=60", "--set", "train.eval_every=10"}
	a, stderrA := command(t, args...)
	b, stderrB := command(t, args...)
	if err := a.Start(); err != nil {
		t.Fatal(err)
	}
	if err := b.Start(); err != nil {
		t.Fatal(err)
	}
	statusA, statusB := exitStatus(a.Wait()), exitStatus(b.Wait())
	if statusA+statusB != 1 || statusA*statusB != 0 {
		t.Fatalf("exit statuses %d and %d, want one run to finish (0) and one to be refused (1)\nA:\n%s\nB:\n%s", statusA, statusB, stderrA, stderrB)
	}
	refused := stderrA.String() + stderrB.String()
	if !strings.Contains(refused, "is in use by another run (process ") && !strings.Contains(refused, "already holds a run") {
		t.Errorf("the refused run does not say why:\n%s", refused)
	}
	rows := readLines(t, filepath.Join(out, rundir.MetricsFile))
	if len(rows) != 7 || !strings.HasPrefix(rows[6], "60,") {
		t.Errorf("metrics.csv holds %d lines, want the header and the 6 rows of one run:\n%s", len(rows), strings.Join(rows, "\n"))
	}

	long, stderr := command(t, "--resume", out, "--set", "train.steps=1000000", "--set", "train.checkpoint_every=1000000")
	if err := long.Start(); err != nil {
		t.Fatal(err)
	}
	defer long.Process.Kill()
	waitForRows(t, out, 7)
	config := files(t, out)[rundir.ConfigFile]
	err := execute([]string{"--resume", out, "--set", "train.steps=70"})
	if want := fmt.Sprintf("is in use by another run (process %d)", long.Process.Pid); err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("--resume of a run still training: %v, want %q", err, want)
	}
	long.Process.Signal(syscall.SIGTERM)
	if status := exitStatus(long.Wait()); status != 143 {
		t.Errorf("the training run exited %d after SIGTERM, want 143\n%s", status, stderr)
	}
	if !bytes.Equal(files(t, out)[rundir.ConfigFile], config) {
		t.Error("the refused resume rewrote config.yaml")
	}
	// One writer: every row's step follows the previous one.
	previous := -1
	for _, row := range readLines(t, filepath.Join(out, rundir.MetricsFile))[1:] {
		var step int
		fmt.Sscan(strings.Split(row, ",")[0], &step)
		if step <= previous {
			t.Fatalf("metrics.csv has step %d after step %d: two writers", step, previous)
		}
		previous = step
	}
}

// Resuming a finished run says it is finished, with its final numbers, and
// how to extend it, and writes nothing.
func TestResumeOfAFinishedRun(t *testing.T) {
	cfg := writeConfig(t, "")
	out := filepath.Join(t.TempDir(), "run")
	if err := execute([]string{"--config", cfg, "--out", out, "--set", "train.steps=20"}); err != nil {
		t.Fatal(err)
	}
	metrics := readLines(t, filepath.Join(out, rundir.MetricsFile))
	last := strings.Split(metrics[len(metrics)-1], ",")
	before := files(t, out)
	resume, stderr := command(t, "--resume", out)
	stdout, err := resume.Output()
	if err != nil {
		t.Fatalf("%v\n%s", err, stderr)
	}
	want := fmt.Sprintf("%s is finished at step 20 of 20: train loss ", out)
	extend := fmt.Sprintf("; nothing was written. Extend it with: go run ./cmd/train --resume %s --set train.steps=40\n", out)
	if !strings.HasPrefix(string(stdout), want) || !strings.HasSuffix(string(stdout), extend) {
		t.Errorf("stdout %q\nwant %q … %q", stdout, want, extend)
	}
	var trainLoss, testLoss, testAcc float64
	fmt.Sscan(last[5], &trainLoss)
	fmt.Sscan(last[6], &testLoss)
	fmt.Sscan(last[7], &testAcc)
	if numbers := fmt.Sprintf("train loss %.4f, test loss %.4f, test accuracy %.2f%%", trainLoss, testLoss, 100*testAcc); !strings.Contains(string(stdout), numbers) {
		t.Errorf("stdout %q lacks the last metrics row's %q", stdout, numbers)
	}
	sameFiles(t, out, before, "resuming the finished run")
}

// A learning rate far too large stops the run with an error naming the
// step and the rate, instead of finishing with losses up to 1e300 and
// diverged weights in the checkpoint; with no checkpoint written yet the
// message says so, and none is written (1e38 overflows float32).
func TestDivergedRunStops(t *testing.T) {
	cfg := writeConfig(t, "")
	for _, lr := range []string{"1e6", "1e300", "1e38"} {
		out := filepath.Join(t.TempDir(), "run")
		err := execute([]string{"--config", cfg, "--out", out, "--set", "schedule.lr=" + lr})
		rate, _ := strconv.ParseFloat(lr, 64)
		for _, want := range []string{"the run diverged", "no checkpoint was written yet", fmt.Sprintf("lower the learning rate (schedule.lr; %g at this step)", rate)} {
			if err == nil || !strings.Contains(err.Error(), want) {
				t.Errorf("lr %s: error %v\nwant one containing %q", lr, err, want)
			}
		}
		if _, serr := os.Stat(filepath.Join(out, rundir.CheckpointFile)); !os.IsNotExist(serr) {
			t.Errorf("lr %s: a checkpoint was written (%v)", lr, serr)
		}
	}
}

// One garbage line or one blank line among the rows a resume keeps stops
// it with the line's number, and nothing is deleted.
func TestResumeRefusesDamagedMetrics(t *testing.T) {
	cfg := writeConfig(t, "")
	out := filepath.Join(t.TempDir(), "run")
	if err := execute([]string{"--config", cfg, "--out", out, "--set", "train.steps=40", "--set", "train.eval_every=10"}); err != nil {
		t.Fatal(err)
	}
	metrics := filepath.Join(out, rundir.MetricsFile)
	rows := readLines(t, metrics)
	for _, damage := range []string{"garbage", ""} {
		damaged := strings.Join(slices.Insert(slices.Clone(rows), 3, damage), "\n") + "\n"
		if err := os.WriteFile(metrics, []byte(damaged), 0o644); err != nil {
			t.Fatal(err)
		}
		before := files(t, out)
		err := execute([]string{"--resume", out, "--set", "train.steps=60"})
		if want := fmt.Sprintf("metrics.csv: line 4, %q, is not a row of", damage); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("resume with %q in metrics.csv: %v, want %q", damage, err, want)
		}
		sameFiles(t, out, before, "the refused resume")
	}
}

// A FIFO named checkpoint.npz is refused at once, not waited on forever.
func TestResumeRefusesAFIFOCheckpoint(t *testing.T) {
	cfg := writeConfig(t, "")
	out := filepath.Join(t.TempDir(), "run")
	if err := execute([]string{"--config", cfg, "--out", out, "--set", "train.steps=20"}); err != nil {
		t.Fatal(err)
	}
	path := filepath.Join(out, rundir.CheckpointFile)
	if err := os.Remove(path); err != nil {
		t.Fatal(err)
	}
	if err := syscall.Mkfifo(path, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	resume, stderr := command(t, "--resume", out, "--set", "train.steps=40")
	if err := resume.Start(); err != nil {
		t.Fatal(err)
	}
	done := make(chan error, 1)
	go func() { done <- resume.Wait() }()
	select {
	case err := <-done:
		if exitStatus(err) != 1 || !strings.Contains(stderr.String(), path+" is a named pipe (FIFO), not a regular file") {
			t.Errorf("exit %v\n%s", err, stderr)
		}
	case <-time.After(time.Minute):
		resume.Process.Kill()
		t.Fatal("--resume still waits on the FIFO after a minute")
	}
}

// A model or evaluation batch that cannot fit into memory, and a batch
// larger than the training set, are refused with the key to change before
// the run directory is made (no out-of-memory crash, no stack trace).
func TestRefusedBeforeTheRunDirectoryIsMade(t *testing.T) {
	cfg := writeConfig(t, "")
	for set, want := range map[string]string{
		"model.hidden=[100000000]":   "lower model.hidden",
		"train.eval_batch=100000000": "lower train.eval_batch",
		"train.batch_size=5000":      "train.batch_size: 5000 exceeds the 1000 training examples",
	} {
		out := filepath.Join(t.TempDir(), "run")
		cmd, stderr := command(t, "--config", cfg, "--out", out, "--set", set)
		err := cmd.Run()
		if exitStatus(err) != 1 || !strings.Contains(stderr.String(), want) || strings.Contains(stderr.String(), "goroutine") {
			t.Errorf("--set %s: exit %v, want 1 and %q\n%s", set, err, want, stderr)
		}
		if _, err := os.Stat(out); !os.IsNotExist(err) {
			t.Errorf("--set %s: the run directory was made (%v)", set, err)
		}
	}
}
