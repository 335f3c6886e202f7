package train

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"deepopt/checkpoint"
	"deepopt/rundir"
)

// snapshotFiles reads every file of dir.
func snapshotFiles(t *testing.T, dir string) map[string][]byte {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	files := map[string][]byte{}
	for _, e := range entries {
		files[e.Name()], _ = os.ReadFile(filepath.Join(dir, e.Name()))
	}
	return files
}

// A Trainer never replaces the run in its Dir: a second trainer on the same
// directory is refused and changes nothing; one that restored the run's
// checkpoint continues it; one that finished writes nothing.
func TestTrainerRefusesADirectoryHoldingARun(t *testing.T) {
	dir := t.TempDir()
	if _, err := newTrainer(t, dir, 20, 0.1).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	before := snapshotFiles(t, dir)
	_, err := newTrainer(t, dir, 20, 0.1).Run(context.Background())
	if err == nil || !strings.Contains(err.Error(), dir+" already holds a run; continue it (Restore its checkpoint), or choose another Dir") {
		t.Fatalf("a second run into the same Dir: %v", err)
	}
	for name, text := range snapshotFiles(t, dir) {
		if !bytes.Equal(text, before[name]) {
			t.Errorf("the refused run changed %s", name)
		}
	}

	a, err := checkpoint.Load(filepath.Join(dir, rundir.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	finished := newTrainer(t, dir, 20, 0.1)
	if err := finished.Restore(a); err != nil {
		t.Fatal(err)
	}
	if !finished.Finished() {
		t.Fatal("a run restored at its last step is not Finished")
	}
	if _, err := finished.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	for name, text := range snapshotFiles(t, dir) {
		if !bytes.Equal(text, before[name]) {
			t.Errorf("resuming the finished run changed %s", name)
		}
	}

	extended := newTrainer(t, dir, 30, 0.1)
	if err := extended.Restore(a); err != nil {
		t.Fatal(err)
	}
	if res, err := extended.Run(context.Background()); err != nil || res.Steps != 30 {
		t.Fatalf("extending the run: %d steps, %v", res.Steps, err)
	}
}

// While a run holds its directory, another run there is refused with the
// holder's PID; once it has ended, the lock it left never blocks.
func TestRunDirectoryHasOneWriter(t *testing.T) {
	dir := t.TempDir()
	held, err := rundir.Acquire(dir)
	if err != nil {
		t.Fatal(err)
	}
	tr := newTrainer(t, dir, 5, 0.1)
	_, err = tr.Run(context.Background())
	if want := "is in use by another run (process " + strconv.Itoa(os.Getpid()) + ")"; err == nil || !strings.Contains(err.Error(), want) {
		t.Fatalf("a run into a locked directory: %v, want %q", err, want)
	}
	if files := snapshotFiles(t, dir); len(files) != 1 {
		t.Errorf("the refused run wrote into the directory: %v", files)
	}
	if err := held.Release(); err != nil {
		t.Fatal(err)
	}
	if _, err := newTrainer(t, dir, 5, 0.1).Run(context.Background()); err != nil {
		t.Fatalf("after the holder released the directory: %v", err)
	}
}

// The temporary files a run killed while writing its checkpoint leaves are
// removed when the next run there starts.
func TestLeftoverTemporaryFilesAreRemoved(t *testing.T) {
	dir := t.TempDir()
	if _, err := newTrainer(t, dir, 10, 0.1).Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	leftover := filepath.Join(dir, ".checkpoint.npz.tmp-4242")
	if err := os.WriteFile(leftover, make([]byte, 1<<20), 0o644); err != nil {
		t.Fatal(err)
	}
	a, err := checkpoint.Load(filepath.Join(dir, rundir.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	tr := newTrainer(t, dir, 12, 0.1)
	var log bytes.Buffer
	tr.Progress = &log
	if err := tr.Restore(a); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Stat(leftover); !os.IsNotExist(err) {
		t.Errorf("%s is still there (%v)", leftover, err)
	}
	if !strings.Contains(log.String(), ".checkpoint.npz.tmp-4242") {
		t.Errorf("the removal is not reported:\n%s", log.String())
	}
}
