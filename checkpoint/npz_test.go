package checkpoint

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"hash/crc32"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"deepopt/internal/memory"
)

// rawEntry writes a zip archive with one entry whose zip header claims
// claimed uncompressed bytes, whatever data holds; method is zip.Store or
// zip.Deflate (then data is deflated first).
func rawEntry(t *testing.T, name string, method uint16, data []byte, claimed uint64) []byte {
	t.Helper()
	body := data
	if method == zip.Deflate {
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, flate.BestCompression)
		w.Write(data)
		w.Close()
		body = buf.Bytes()
	}
	var out bytes.Buffer
	zw := zip.NewWriter(&out)
	entry, err := zw.CreateRaw(&zip.FileHeader{Name: name, Method: method, CRC32: crc32.ChecksumIEEE(data),
		CompressedSize64: uint64(len(body)), UncompressedSize64: claimed})
	if err != nil {
		t.Fatal(err)
	}
	entry.Write(body)
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return out.Bytes()
}

// A crafted archive cannot make Load read or allocate what the file cannot
// hold: an entry claiming more than deflate can inflate its bytes to, or
// data its .npy header does not ask for, is refused from the headers alone,
// at once.
func TestLoadRefusesClaimsBeyondTheFile(t *testing.T) {
	npy := npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1,), }\n", le(0))
	tests := []struct {
		name string
		file []byte
		want string
	}{
		{"stored entry larger than it is", rawEntry(t, "a.npy", zip.Store, npy, 1<<31), "a stored entry whose zip header claims 2147483648 bytes uncompressed but 76 stored"},
		{"inflation beyond deflate", rawEntry(t, "a.npy", zip.Deflate, npy, 1<<31), "compressed, more than deflate can produce (1032:1)"},
		{"header asks for less than the entry claims", rawEntry(t, "a.npy", zip.Deflate, npy, 40*1000), "shape [1] needs 1 values (8 bytes) of data, the entry holds 39932 bytes"},
	}
	dir := t.TempDir()
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			path := filepath.Join(dir, "crafted.npz")
			if err := os.WriteFile(path, tt.file, 0o644); err != nil {
				t.Fatal(err)
			}
			start := time.Now()
			_, err := Load(path)
			wantError(t, err, "checkpoint "+path+": entry a.npy: ")
			wantError(t, err, tt.want)
			if elapsed := time.Since(start); elapsed > 5*time.Second {
				t.Errorf("refused after %v; the headers alone decide", elapsed)
			}
		})
	}
}

// An array that the file does hold but memory cannot is refused before its
// values are allocated, naming the memory it needs and what is available.
func TestReadNPYRefusesArraysBeyondMemory(t *testing.T) {
	file := npyFile(1, "{'descr': '<f8', 'fortran_order': False, 'shape': (1000,), }\n", make([]byte, 8000))
	budget := memory.Available{Bytes: 7999, Source: "a test's budget", Known: true}
	_, err := readNPY(bytes.NewReader(file), int64(len(file)), &budget)
	wantError(t, err, "shape [1000] needs 8.0 kB of memory, more than the 8.0 kB (a test's budget) available")
	budget.Bytes = 8000
	if _, err := readNPY(bytes.NewReader(file), int64(len(file)), &budget); err != nil || budget.Bytes != 0 {
		t.Errorf("an array that fits: %v, budget left %d, want none and 0", err, budget.Bytes)
	}
}

// A FIFO or a folder where the checkpoint should be is refused at once
// (opening a FIFO for reading would otherwise wait for a writer forever).
func TestLoadRefusesNonRegularFiles(t *testing.T) {
	dir := t.TempDir()
	fifo := filepath.Join(dir, "fifo.npz")
	if err := syscall.Mkfifo(fifo, 0o644); err != nil {
		t.Skip("no FIFOs here:", err)
	}
	folder := filepath.Join(dir, "folder.npz")
	if err := os.Mkdir(folder, 0o755); err != nil {
		t.Fatal(err)
	}
	for path, kind := range map[string]string{fifo: "named pipe (FIFO)", folder: "folder"} {
		done := make(chan error, 1)
		go func() { _, err := Load(path); done <- err }()
		select {
		case err := <-done:
			wantError(t, err, "checkpoint: "+path+" is a "+kind+", not a regular file")
		case <-time.After(10 * time.Second):
			t.Fatalf("Load(%s) still blocks after 10 s", kind)
		}
	}
}

// Every error message states the problem in words, never only an offset.
func TestLoadErrorsAreSentences(t *testing.T) {
	_, err := load(bytes.NewReader(nil), 0, "x.npz")
	if err == nil || !strings.HasPrefix(err.Error(), "checkpoint x.npz: not a valid .npz (zip) archive") {
		t.Errorf("empty input: %v", err)
	}
}
