package data

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"

	"deepopt/internal/regularfile"
)

// MNIST's layout: 28×28 grey-scale images of the digits 0–9 (LeCun et al.).
const (
	mnistRows    = 28
	mnistCols    = 28
	mnistClasses = 10
)

// mnistFiles are the base names of the MNIST IDX files: training images and
// labels, test images and labels. Each may carry a .gz suffix.
var mnistFiles = [4]string{
	"train-images-idx3-ubyte",
	"train-labels-idx1-ubyte",
	"t10k-images-idx3-ubyte",
	"t10k-labels-idx1-ubyte",
}

// LoadMNIST reads the MNIST training and test sets from dir, which holds the
// four files train-images-idx3-ubyte, train-labels-idx1-ubyte,
// t10k-images-idx3-ubyte and t10k-labels-idx1-ubyte, each gzipped (.gz) or
// plain. dir == "" means the copy in the Go module MNISTModule, downloaded on
// first use (see LocateMNIST). Progress goes to log (nil for silence).
//
// Examples have Shape [1 28 28] and pixels scaled from 0–255 to [0, 1];
// labels are the digits 0–9 (Classes 10).
func LoadMNIST(dir string, log io.Writer) (train, test *Dataset, err error) {
	hint := "point data.dir at a folder with the four MNIST IDX files"
	if dir == "" {
		if dir, err = LocateMNIST(log); err != nil {
			return nil, nil, err
		}
		hint = fmt.Sprintf("the module cache copy is damaged: run `go clean -modcache` and `go mod download %s@%s`, or %s", MNISTModule, MNISTModuleVersion, hint)
	}
	var paths [4]string
	for i, base := range mnistFiles {
		if paths[i], err = findIDX(dir, base); err != nil {
			return nil, nil, fmt.Errorf("mnist: %w; %s", err, hint)
		}
	}
	if train, err = loadIDXSet(paths[0], paths[1], mnistLayout); err != nil {
		return nil, nil, fmt.Errorf("mnist: %w; %s", err, hint)
	}
	if test, err = loadIDXSet(paths[2], paths[3], mnistLayout); err != nil {
		return nil, nil, fmt.Errorf("mnist: %w; %s", err, hint)
	}
	if log != nil {
		fmt.Fprintf(log, "MNIST from %s: %d training and %d test examples\n", dir, train.Len(), test.Len())
	}
	return train, test, nil
}

// findIDX returns the path of base.gz or base in dir, preferring the
// compressed file.
func findIDX(dir, base string) (string, error) {
	for _, name := range []string{base + ".gz", base} {
		path := filepath.Join(dir, name)
		info, err := os.Stat(path)
		switch {
		case err == nil && info.Mode().IsRegular():
			return path, nil
		case err == nil:
			return "", fmt.Errorf("%s is a %s, not an IDX file; move it away or point data.dir elsewhere", path, regularfile.Kind(info.Mode()))
		case !errors.Is(err, fs.ErrNotExist):
			return "", err
		}
	}
	return "", fmt.Errorf("%s has neither %s.gz nor %s", dir, base, base)
}

// idxLayout is what the IDX files of one data set hold: images of
// Rows×Cols unsigned bytes and labels in [0, Classes).
type idxLayout struct {
	name             string
	rows, cols       int
	classes          int
	labelDescription string
}

// mnistLayout is MNIST's: 28×28 images of the digits 0–9.
var mnistLayout = idxLayout{name: "MNIST", rows: mnistRows, cols: mnistCols, classes: mnistClasses, labelDescription: "a digit 0–9"}

// loadIDXSet reads one images file and its labels file of the given layout
// and checks that they belong together. The set holds the images' grey
// levels 0–255 as Pixels, for the values k/255 in [0, 1].
func loadIDXSet(imagesPath, labelsPath string, layout idxLayout) (*Dataset, error) {
	images, err := ReadIDXFile(imagesPath)
	if err != nil {
		return nil, err
	}
	labels, err := ReadIDXFile(labelsPath)
	if err != nil {
		return nil, err
	}
	if images.Type != UnsignedByte || len(images.Dims) != 3 || images.Dims[1] != layout.rows || images.Dims[2] != layout.cols {
		return nil, fmt.Errorf("%s: images of %s with dims %v: %s images are unsigned bytes with dims [N %d %d]", imagesPath, images.Type, images.Dims, layout.name, layout.rows, layout.cols)
	}
	if labels.Type != UnsignedByte || len(labels.Dims) != 1 {
		return nil, fmt.Errorf("%s: labels of %s with dims %v: %s labels are unsigned bytes with dims [N]", labelsPath, labels.Type, labels.Dims, layout.name)
	}
	if images.Dims[0] != labels.Dims[0] {
		return nil, fmt.Errorf("%s has %d images but %s has %d labels: the files do not belong together", imagesPath, images.Dims[0], labelsPath, labels.Dims[0])
	}
	set := &Dataset{
		Pixels:  images.Data, // the grey levels as read, kept without a copy
		Shape:   []int{1, layout.rows, layout.cols},
		Y:       make([]int, len(labels.Data)),
		Classes: layout.classes,
	}
	for i, label := range labels.Data {
		if int(label) >= layout.classes {
			return nil, fmt.Errorf("%s: label %d of example %d is not %s", labelsPath, label, i, layout.labelDescription)
		}
		set.Y[i] = int(label)
	}
	return set, nil
}
