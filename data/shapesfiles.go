package data

import (
	"compress/gzip"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"math"
	"os"
	"path/filepath"

	"deepopt/internal/atomicfile"
)

// ShapesSide is the image side of the shape sets on disk, 32 as in Bengio et
// al. (2009).
const ShapesSide = 32

// shapesLayout is that of the shape sets: 32×32 images of 3 classes.
var shapesLayout = idxLayout{name: "shapes", rows: ShapesSide, cols: ShapesSide, classes: len(ShapeClasses), labelDescription: "a shape class 0–2"}

// shapesDifficultyFiles are the IDX files (doubles, dims [N]) of the
// training and test examples' difficulty, beside the four MNIST-named files.
var shapesDifficultyFiles = [2]string{"train-difficulty-idx1-double", "t10k-difficulty-idx1-double"}

// WriteShapes generates a training set of nTrain and a test set of nTest
// 32×32 images of set (GenerateShapes, the two sets from independent
// streams of seed) and writes them into dir as gzipped IDX files named as
// MNIST's (train-images-idx3-ubyte.gz, train-labels-idx1-ubyte.gz,
// t10k-images-idx3-ubyte.gz, t10k-labels-idx1-ubyte.gz), plus each
// example's difficulty (train-difficulty-idx1-double.gz,
// t10k-difficulty-idx1-double.gz), so that LoadShapes reads them back
// exactly. It refuses bad sizes, and a dir that already holds any of these
// files, before writing anything; each file is written atomically.
func WriteShapes(dir string, set ShapeSet, nTrain, nTest int, seed uint64) error {
	trainSet, err := generateShapes(set, nTrain, ShapesSide, seed, 0)
	if err != nil {
		return fmt.Errorf("%w (training set)", err)
	}
	testSet, err := generateShapes(set, nTest, ShapesSide, seed, 1)
	if err != nil {
		return fmt.Errorf("%w (test set)", err)
	}
	names := []string{mnistFiles[0], mnistFiles[1], shapesDifficultyFiles[0], mnistFiles[2], mnistFiles[3], shapesDifficultyFiles[1]}
	for _, name := range names {
		path := filepath.Join(dir, name+".gz")
		if _, err := os.Stat(path); !errors.Is(err, fs.ErrNotExist) {
			if err != nil {
				return err
			}
			return fmt.Errorf("shapes: %s already exists; write the set into an empty folder or remove the old one", path)
		}
	}
	if err := os.MkdirAll(dir, 0o755); err != nil {
		return err
	}
	var arrays []*IDX
	for _, ds := range []*Dataset{trainSet, testSet} {
		arrays = append(arrays, shapesIDX(ds)...)
	}
	for i, m := range arrays {
		err := atomicfile.Write(filepath.Join(dir, names[i]+".gz"), func(w io.Writer) error {
			zw := gzip.NewWriter(w)
			if err := WriteIDX(zw, m); err != nil {
				return err
			}
			return zw.Close()
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// shapesIDX returns the images, labels and difficulty of a generated set as
// IDX arrays.
func shapesIDX(ds *Dataset) []*IDX {
	n := ds.Len()
	values := ds.Values()
	images := &IDX{Type: UnsignedByte, Dims: []int{n, ds.Shape[1], ds.Shape[2]}, Data: make([]byte, len(values))}
	for i, v := range values {
		images.Data[i] = byte(math.Round(255 * float64(v)))
	}
	labels := &IDX{Type: UnsignedByte, Dims: []int{n}, Data: make([]byte, n)}
	for i, y := range ds.Y {
		labels.Data[i] = byte(y)
	}
	difficulty := &IDX{Type: Double, Dims: []int{n}, Data: make([]byte, 8*n)}
	for i, d := range ds.Difficulty {
		binary.BigEndian.PutUint64(difficulty.Data[8*i:], math.Float64bits(d))
	}
	return []*IDX{images, labels, difficulty}
}

// LoadShapes reads a shape set that WriteShapes wrote into dir: examples of
// Shape [1 32 32] with pixels in [0, 1], labels 0–2 (ShapeClasses) and each
// example's Difficulty.
func LoadShapes(dir string, log io.Writer) (train, test *Dataset, err error) {
	hint := "point data.dir at a folder written by `train shapes --out DIR`"
	if dir == "" {
		return nil, nil, fmt.Errorf("shapes: data.dir is empty; %s", hint)
	}
	var sets [2]*Dataset
	for i, files := range [2][3]string{
		{mnistFiles[0], mnistFiles[1], shapesDifficultyFiles[0]},
		{mnistFiles[2], mnistFiles[3], shapesDifficultyFiles[1]},
	} {
		var paths [3]string
		for j, base := range files {
			if paths[j], err = findIDX(dir, base); err != nil {
				return nil, nil, fmt.Errorf("shapes: %w; %s", err, hint)
			}
		}
		if sets[i], err = loadIDXSet(paths[0], paths[1], shapesLayout); err != nil {
			return nil, nil, fmt.Errorf("shapes: %w; %s", err, hint)
		}
		if sets[i].Difficulty, err = readDifficulty(paths[2], sets[i].Len()); err != nil {
			return nil, nil, fmt.Errorf("shapes: %w; %s", err, hint)
		}
	}
	if log != nil {
		fmt.Fprintf(log, "shapes from %s: %d training and %d test examples\n", dir, sets[0].Len(), sets[1].Len())
	}
	return sets[0], sets[1], nil
}

// readDifficulty reads n finite difficulty scores from an IDX file.
func readDifficulty(path string, n int) ([]float64, error) {
	m, err := ReadIDXFile(path)
	if err != nil {
		return nil, err
	}
	if len(m.Dims) != 1 || m.Dims[0] != n {
		return nil, fmt.Errorf("%s: dims %v, want [%d], one score per example", path, m.Dims, n)
	}
	values, err := m.Values()
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	if err := CheckScores(values, n); err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return values, nil
}
