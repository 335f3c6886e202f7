package curriculum

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strconv"

	"deepopt/data"
	"deepopt/repro"
)

// Switches are the switch points of Bengio et al.'s experiment as
// fractions of the budget: 0 trains on GeomShapes only.
var Switches = []float64{0, 0.25, 0.5, 0.75}

// Union names the control that trains on BasicShapes and GeomShapes
// together, without a curriculum.
const Union = "union"

// SwitchName is the run name of a switch point (a fraction of the budget).
func SwitchName(fraction float64) string {
	return "switch-" + strconv.Itoa(int(100*fraction+0.5))
}

// SwitchResult is the switch experiment: the GeomShapes test error of
// every run at the end of the budget, by arm (SwitchName or Union) and
// seed.
type SwitchResult struct {
	Steps int
	Seeds []int
	// Arms are the arms in report order: the switch points, then Union.
	Arms []string
	// Error maps an arm to its test errors, one per seed.
	Error map[string][]float64
}

// shapeSets writes BasicShapes and GeomShapes into Dir/data once; a later
// study reads them back.
func shapeSets(o Options) (basic, geom string, err error) {
	basic, geom = filepath.Join(o.Dir, "data", "basic"), filepath.Join(o.Dir, "data", "geom")
	for i, set := range []struct {
		dir  string
		kind data.ShapeSet
	}{{basic, data.BasicShapes}, {geom, data.GeomShapes}} {
		if train, test, err := data.LoadShapes(set.dir, nil); err == nil && train.Len() == o.ShapesTrain && test.Len() == o.ShapesTest {
			continue
		}
		// A missing, partly written or other-sized set is written afresh.
		if err := os.RemoveAll(set.dir); err != nil {
			return "", "", err
		}
		if err := data.WriteShapes(set.dir, set.kind, o.ShapesTrain, o.ShapesTest, o.ShapesSeed+uint64(i)); err != nil {
			return "", "", err
		}
	}
	return basic, geom, nil
}

// switchRuns lists the runs of the switch experiment: per seed, one run per
// switch point (trained in two stages, BasicShapes then GeomShapes, unless
// the switch is at 0) and the union control.
func switchRuns(o Options, steps int, basic, geom string) []repro.Run {
	var runs []repro.Run
	for _, seed := range o.SwitchSeeds {
		sets := append([]string{"seed=" + strconv.Itoa(seed)}, o.ShapesSets...)
		for _, f := range Switches {
			r := repro.Run{Name: repro.SeedName(SwitchName(f), seed), Config: o.ShapesConfig, Sets: sets}
			if at := int(f * float64(steps)); at > 0 {
				r.Stages = [][]string{{"data.dir=" + basic, "train.steps=" + strconv.Itoa(at)}, {"data.dir=" + geom, "train.steps=" + strconv.Itoa(steps)}}
			} else {
				r.Sets = append(r.Sets, "data.dir="+geom)
			}
			runs = append(runs, r)
		}
		runs = append(runs, repro.Run{Name: repro.SeedName(Union, seed), Config: o.ShapesConfig,
			Sets: append(sets, "data.dir="+geom, "data.also=["+basic+"]")})
	}
	return runs
}

// runSwitch trains the switch experiment and reads its test errors.
func runSwitch(ctx context.Context, o Options, steps int) (*SwitchResult, error) {
	basic, geom, err := shapeSets(o)
	if err != nil {
		return nil, err
	}
	study := repro.Study{Dir: studyDir(o, "switch"), Runs: switchRuns(o, steps, basic, geom), Parallel: o.Parallel, Log: o.Log}
	if _, err := study.Train(ctx); err != nil {
		return nil, err
	}
	res := &SwitchResult{Steps: steps, Seeds: o.SwitchSeeds, Error: map[string][]float64{}}
	for _, f := range Switches {
		res.Arms = append(res.Arms, SwitchName(f))
	}
	res.Arms = append(res.Arms, Union)
	for _, arm := range res.Arms {
		for _, seed := range o.SwitchSeeds {
			acc, err := finalAccuracy(study.RunDir(repro.SeedName(arm, seed)), steps)
			if err != nil {
				return nil, err
			}
			res.Error[arm] = append(res.Error[arm], 1-acc)
		}
	}
	return res, nil
}

// finalAccuracy is the test accuracy of the run in dir at its last step,
// which must be steps.
func finalAccuracy(dir string, steps int) (float64, error) {
	last, err := repro.Last(dir, "step", "test_acc")
	if err != nil {
		return 0, err
	}
	if int(last[0]) != steps {
		return 0, fmt.Errorf("%s ends at step %v, not at the budget's %d; run the study again to finish it", dir, last[0], steps)
	}
	return last[1], nil
}
