package atomicfile

import (
	"errors"
	"io"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// files lists the names in dir.
func files(t *testing.T, dir string) []string {
	t.Helper()
	entries, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range entries {
		names = append(names, e.Name())
	}
	return names
}

func TestWriteWritesAndReplaces(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "metrics.csv")
	for _, text := range []string{"first\n", "second, longer than the first\n", ""} {
		err := Write(path, func(w io.Writer) error {
			_, err := io.WriteString(w, text)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil || string(got) != text {
			t.Fatalf("file = %q, %v; want %q", got, err, text)
		}
	}
	info, err := os.Stat(path)
	if err != nil || info.Mode().Perm() != 0o644 {
		t.Errorf("mode = %v, %v; want 0644", info.Mode(), err)
	}
	if names := files(t, dir); len(names) != 1 {
		t.Errorf("folder holds %v, want only metrics.csv", names)
	}
}

func TestWriteKeepsTheOldFileWhenWriteFails(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "checkpoint.npz")
	if err := os.WriteFile(path, []byte("old checkpoint"), 0o600); err != nil {
		t.Fatal(err)
	}
	failure := errors.New("disk full")
	err := Write(path, func(w io.Writer) error {
		// More than the 64 KiB buffer, so part reaches the temporary file.
		if _, err := io.WriteString(w, strings.Repeat("new", 50000)); err != nil {
			return err
		}
		return failure
	})
	if !errors.Is(err, failure) || !strings.Contains(err.Error(), path) {
		t.Errorf("error = %v, want it to wrap the writer's error and name %s", err, path)
	}
	func() {
		defer func() { recover() }()
		Write(path, func(w io.Writer) error {
			io.WriteString(w, "half")
			panic("writer crashed")
		})
	}()
	got, err := os.ReadFile(path)
	if err != nil || string(got) != "old checkpoint" {
		t.Errorf("file = %q, %v; want the old contents", got, err)
	}
	if names := files(t, dir); len(names) != 1 {
		t.Errorf("folder holds %v, want only the old file (no temporary files)", names)
	}
	// A successful replacement keeps the old file's permission bits.
	if err := Write(path, func(w io.Writer) error { return nil }); err != nil {
		t.Fatal(err)
	}
	if info, err := os.Stat(path); err != nil || info.Mode().Perm() != 0o600 {
		t.Errorf("mode = %v, %v; want the old 0600", info.Mode(), err)
	}
}

func TestWriteErrorsNameThePath(t *testing.T) {
	dir := t.TempDir()
	write := func(w io.Writer) error { return nil }
	missing := filepath.Join(dir, "no-such-folder", "config.yaml")
	wantError(t, Write(missing, write), "write "+missing+": ")
	wantError(t, Write(dir, write), "write "+dir+": not a regular file")
}

// A relative path writes into the working directory.
func TestWriteRelativePath(t *testing.T) {
	t.Chdir(t.TempDir())
	if err := Write("plain.txt", func(w io.Writer) error {
		_, err := io.WriteString(w, "x")
		return err
	}); err != nil {
		t.Fatal(err)
	}
	if got, err := os.ReadFile("plain.txt"); err != nil || string(got) != "x" {
		t.Errorf("plain.txt = %q, %v", got, err)
	}
}

func wantError(t *testing.T, err error, want string) {
	t.Helper()
	if err == nil || !strings.Contains(err.Error(), want) {
		t.Errorf("error = %v\nwant one containing %q", err, want)
	}
}

// RemoveLeftovers removes what a killed Write left and nothing else.
func TestRemoveLeftovers(t *testing.T) {
	dir := t.TempDir()
	for _, name := range []string{".checkpoint.npz.tmp-123", ".metrics.csv.tmp-9", "checkpoint.npz", ".lock", "notes.tmp-1"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte("x"), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	removed, err := RemoveLeftovers(dir)
	if err != nil || !slices.Equal(removed, []string{".checkpoint.npz.tmp-123", ".metrics.csv.tmp-9"}) {
		t.Fatalf("RemoveLeftovers = %v, %v", removed, err)
	}
	entries, _ := os.ReadDir(dir)
	var left []string
	for _, e := range entries {
		left = append(left, e.Name())
	}
	if !slices.Equal(left, []string{".lock", "checkpoint.npz", "notes.tmp-1"}) {
		t.Errorf("left %v", left)
	}
}
