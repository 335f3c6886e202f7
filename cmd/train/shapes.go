package main

import (
	"errors"
	"fmt"

	"deepopt/data"

	"github.com/spf13/cobra"
)

// newShapesCommand writes a synthetic shape set (data.WriteShapes).
func newShapesCommand() *cobra.Command {
	var out string
	var nTrain, nTest int
	var seed uint64
	cmd := &cobra.Command{
		Use:   "shapes basic|geom --out DIR [--train N] [--test N] [--seed S]",
		Short: "Write Bengio et al.'s (2009) BasicShapes or GeomShapes as IDX files",
		Long: `shapes draws 32×32 grey images of one shape each in three classes,
rectangle, ellipse and triangle, with random position, size, orientation and
grey levels: basic draws only squares, circles and equilateral triangles
(the easy set), geom rectangles, ellipses and arbitrary triangles. It writes
a training and a test set into DIR as gzipped IDX files named as MNIST's,
plus each example's difficulty (its irregularity: 0 for every basic shape);
train with data.dataset: shapes and data.dir: DIR. The seed fixes the
images; an existing set in DIR is never overwritten.`,
		Example: `  train shapes basic --out data/basic
  train shapes geom --out data/geom --train 10000 --test 5000 --seed 2`,
		Args: cobra.ExactArgs(1),
		RunE: func(cmd *cobra.Command, args []string) error {
			set, err := data.ParseShapeSet(args[0])
			if err != nil {
				return err
			}
			if out == "" {
				return errors.New("--out DIR is required: the folder to write the IDX files into")
			}
			if err := data.WriteShapes(out, set, nTrain, nTest, seed); err != nil {
				return err
			}
			fmt.Printf("%s: %d training and %d test images of %s shapes; train on them with data.dataset: shapes, data.dir: %s\n", out, nTrain, nTest, set, out)
			return nil
		},
	}
	f := cmd.Flags()
	f.StringVarP(&out, "out", "o", "", "folder to write the IDX files into (created; must not hold a set already)")
	f.IntVar(&nTrain, "train", 10000, "training examples (Bengio et al. used 10,000)")
	f.IntVar(&nTest, "test", 5000, "test examples (Bengio et al. used 5,000)")
	f.Uint64Var(&seed, "seed", 1, "seed of the images")
	return cmd
}
