// Package curriculum reproduces two studies of curriculum learning at small
// scale. Bengio et al. (2009, section 5, "Curriculum learning"): a network
// trained on BasicShapes until a switch point, then on GeomShapes, at a
// fixed total budget, with GeomShapes test error per switch point, and the
// control that trains on the union of both sets without a curriculum. Wu,
// Dyer & Neyshabur (2021, "When do curricula work?"): standard training
// against curriculum, anti-curriculum and random orderings on MNIST, and
// the curriculum applied as example weights (the lecture's W_λ), each at
// the pacing of a small sweep with the best accuracy on held-out training
// examples, at the full budget, at a tenth of it and at the full budget
// with 40% label noise.
//
// Run trains everything as repro.Study runs (reusing finished ones,
// resuming interrupted ones), then writes report.md, the CSVs and the
// figures. `make repro-curriculum` runs it at its documented budget; a
// shortened run is part of the test suite.
package curriculum

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"io"
	"path/filepath"

	"deepopt/config"
)

// Options describe a reproduction; the CLI's defaults are given in
// brackets.
type Options struct {
	// Dir is the report directory; the shape sets live in Dir/data, the
	// runs in Dir/switch and Dir/wu.
	Dir string
	// ShapesConfig and MNISTConfig are the base configurations of the two
	// studies (configs/curriculum-shapes.yaml, configs/curriculum-mnist.yaml).
	ShapesConfig, MNISTConfig string
	// ShapesSets and MNISTSets are --set overrides of each (none; the tests
	// shorten the runs and use the fixture with them).
	ShapesSets, MNISTSets []string
	// ShapesTrain and ShapesTest are the sizes of each shape set (10,000 and
	// 5,000, Bengio et al.'s); ShapesSeed seeds BasicShapes, GeomShapes
	// takes the next seed (1).
	ShapesTrain, ShapesTest int
	ShapesSeed              uint64
	// SwitchSeeds are the seeds of the switch experiment (1–5); WuSeeds of
	// the MNIST comparison (1–3); SweepSeed is the seed of the pacing sweep,
	// kept out of the reported seeds so that choosing the best pacing does
	// not select on the reported runs' noise (0).
	SwitchSeeds, WuSeeds []int
	SweepSeed            int
	// Validation is the number of MNIST training examples the sweep's runs
	// hold out (data.validation) to choose the pacings on, so that the
	// choice never sees the test set (5,000).
	Validation int
	// Pacings are the pacings of the sweep (DefaultPacings).
	Pacings []Pacing
	// Parallel is how many runs train at once (1).
	Parallel int
	// Command is the command line that reproduces the report, quoted in it
	// (make repro-curriculum).
	Command string
	// Log receives a line as each run starts and ends (nil: none).
	Log io.Writer
}

func (o *Options) defaults() {
	o.ShapesConfig = cmp.Or(o.ShapesConfig, "configs/curriculum-shapes.yaml")
	o.MNISTConfig = cmp.Or(o.MNISTConfig, "configs/curriculum-mnist.yaml")
	o.ShapesTrain = cmp.Or(o.ShapesTrain, 10000)
	o.ShapesTest = cmp.Or(o.ShapesTest, 5000)
	o.ShapesSeed = cmp.Or(o.ShapesSeed, 1)
	if len(o.SwitchSeeds) == 0 {
		o.SwitchSeeds = []int{1, 2, 3, 4, 5}
	}
	if len(o.WuSeeds) == 0 {
		o.WuSeeds = []int{1, 2, 3}
	}
	o.Validation = cmp.Or(o.Validation, 5000)
	if len(o.Pacings) == 0 {
		o.Pacings = DefaultPacings
	}
	o.Command = cmp.Or(o.Command, "make repro-curriculum")
}

// Report holds both studies' numbers, read back from their runs.
type Report struct {
	Switch *SwitchResult
	Wu     *WuResult
}

// Run trains (or resumes, or reuses) every run of both studies, then
// writes the report into o.Dir and returns its numbers.
func Run(ctx context.Context, o Options) (*Report, error) {
	o.defaults()
	if o.Dir == "" {
		return nil, errors.New("repro-curriculum: no report directory; set --out (e.g. runs/repro-curriculum)")
	}
	for _, s := range append(append([]int{o.SweepSeed}, o.SwitchSeeds...), o.WuSeeds...) {
		if s < 0 {
			return nil, fmt.Errorf("repro-curriculum: seed %d; seeds are integers ≥ 0", s)
		}
	}
	for _, p := range o.Pacings {
		if err := p.validate(); err != nil {
			return nil, err
		}
	}
	shapes, err := config.Load(o.ShapesConfig, o.ShapesSets)
	if err != nil {
		return nil, err
	}
	mnist, err := config.Load(o.MNISTConfig, o.MNISTSets)
	if err != nil {
		return nil, err
	}
	sw, err := runSwitch(ctx, o, shapes.Train.Steps)
	if err != nil {
		return nil, err
	}
	wu, err := runWu(ctx, o, mnist)
	if err != nil {
		return nil, err
	}
	rep := &Report{Switch: sw, Wu: wu}
	return rep, rep.write(o)
}

// studyDir is the directory of one study's runs.
func studyDir(o Options, study string) string { return filepath.Join(o.Dir, study) }
