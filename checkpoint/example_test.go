package checkpoint_test

import (
	"fmt"
	"os"
	"path/filepath"

	"deepopt/checkpoint"
)

func Example() {
	dir, err := os.MkdirTemp("", "run")
	if err != nil {
		fmt.Println(err)
		return
	}
	defer os.RemoveAll(dir)
	path := filepath.Join(dir, "checkpoint.npz") // numpy.load(path) reads it

	a := checkpoint.NewArchive()
	a.SetFloat64("param/W", []int{2, 2}, []float64{0.5, -1, 2, 0.25})
	a.SetInt64("loop/step", []int{1}, []int64{3000})
	if err := checkpoint.Save(path, a); err != nil {
		fmt.Println(err)
		return
	}

	loaded, err := checkpoint.Load(path)
	if err != nil {
		fmt.Println(err)
		return
	}
	shape, w, _ := loaded.Float64("param/W")
	_, step, _ := loaded.Int64("loop/step")
	fmt.Println(loaded.Names(), shape, w, step)
	_, _, err = loaded.Float64("param/b")
	fmt.Println(err != nil)
	// Output:
	// [loop/step param/W] [2 2] [0.5 -1 2 0.25] [3000]
	// true
}
