package curriculum

import (
	"context"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

	"deepopt/repro"
	"deepopt/rundir"
)

// TestRunWritesReport runs both studies at a tiny scale (shape sets of 120
// images, 8 steps; the MNIST fixture, 20 steps, one seed, a sweep of two
// pacings, 200 examples held out to judge them) and checks the report's
// structure and what must hold whatever the numbers: every file is written
// with a row per arm and seed; the chosen pacing is the sweep's best, and
// the weighted curriculum takes the curriculum ordering's; only the sweep's
// runs hold out examples; the runs switching at 1/2 and 3/4 of
// the budget trained the same network on BasicShapes up to step 4, so they
// agree there exactly, and both end on GeomShapes at step 8.
func TestRunWritesReport(t *testing.T) {
	dir := t.TempDir()
	o := Options{Dir: dir, ShapesConfig: "../../configs/curriculum-shapes.yaml", MNISTConfig: "../../configs/curriculum-mnist.yaml",
		ShapesSets: []string{"model.hidden=[8]", "train.steps=8", "train.eval_every=2", "train.batch_size=10", "train.eval_batch=60", "train.checkpoint_every=0"},
		MNISTSets: []string{"data.dir=../../testdata/mnist", "model.hidden=[8]", "train.steps=20", "train.eval_every=10", "train.batch_size=20",
			"train.eval_batch=250", "train.checkpoint_every=0"},
		ShapesTrain: 120, ShapesTest: 60, SwitchSeeds: []int{1, 2}, WuSeeds: []int{1}, Validation: 200,
		Pacings: []Pacing{{"linear", 0.8, 0.2}, {"step", 0.5, 0.5}}, Parallel: 2}
	rep, err := Run(context.Background(), o)
	if err != nil {
		t.Fatal(err)
	}
	for _, file := range []string{repro.ReportFile, SwitchCSV, WuCSV, SweepCSV, SwitchPNG, WuPNG(Full), WuPNG(Tenth), WuPNG(Noisy)} {
		if info, err := os.Stat(filepath.Join(dir, file)); err != nil || info.Size() == 0 {
			t.Errorf("%s: %v", file, err)
		}
	}
	for file, rows := range map[string]int{SwitchCSV: 5 * 2, WuCSV: 3 * 5, SweepCSV: 3 * (1 + 3*2)} {
		table, err := rundir.ReadCSV(filepath.Join(dir, file))
		if err != nil {
			t.Fatal(err)
		}
		if len(table.Rows) != rows {
			t.Errorf("%s has %d rows, want %d", file, len(table.Rows), rows)
		}
	}
	for arm, errs := range rep.Switch.Error {
		for _, e := range errs {
			if !(e >= 0 && e <= 1) {
				t.Errorf("%s: test error %v outside [0, 1]", arm, e)
			}
		}
	}
	for _, setting := range Settings {
		if rep.Wu.Chosen[setting][Weighted] != rep.Wu.Chosen[setting]["curriculum"] {
			t.Errorf("%s: the weighted curriculum has pacing %s, the curriculum ordering %s", setting, rep.Wu.Chosen[setting][Weighted].Name(), rep.Wu.Chosen[setting]["curriculum"].Name())
		}
		for _, arm := range Orderings {
			accs := rep.Wu.Sweep[setting][arm]
			chosen := slices.Index(rep.Wu.Pacings, rep.Wu.Chosen[setting][arm])
			if accs[chosen] != slices.Max(accs) {
				t.Errorf("%s, %s: chose %s at %v of the sweep's %v", setting, arm, rep.Wu.Chosen[setting][arm].Name(), accs[chosen], accs)
			}
		}
	}

	half := filepath.Join(dir, "switch", repro.SeedName(SwitchName(0.5), 1))
	late := filepath.Join(dir, "switch", repro.SeedName(SwitchName(0.75), 1))
	a, err := repro.Column(half, "step", "test_loss")
	if err != nil {
		t.Fatal(err)
	}
	b, err := repro.Column(late, "step", "test_loss")
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(a[0], []float64{2, 4, 6, 8}) || !slices.Equal(b[0], []float64{2, 4, 6, 8}) {
		t.Fatalf("evaluated at steps %v and %v, want 2, 4, 6, 8", a[0], b[0])
	}
	if !slices.Equal(a[1][:2], b[1][:2]) || a[1][2] == b[1][2] {
		t.Errorf("test losses %v (switch at 4) and %v (at 6): want equal up to step 4 (both on BasicShapes), apart at step 6", a[1], b[1])
	}
	for _, run := range []string{half, late} {
		text, err := os.ReadFile(filepath.Join(run, rundir.ConfigFile))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(text), filepath.Join(dir, "data", "geom")) {
			t.Errorf("%s does not end on GeomShapes:\n%s", run, text)
		}
	}
	for run, want := range map[string]bool{repro.SeedName(armName(Noisy, "anti", o.Pacings[1]), 0): true, repro.SeedName(Full+"-"+Standard, 0): true,
		repro.SeedName(armName(Noisy, "anti", rep.Wu.Chosen[Noisy]["anti"]), 1): false, repro.SeedName(Tenth+"-"+Standard, 1): false} {
		text, err := os.ReadFile(filepath.Join(dir, "wu", run, rundir.ConfigFile))
		if err != nil {
			t.Fatal(err)
		}
		if got := strings.Contains(string(text), "validation: 200"); got != want {
			t.Errorf("%s holds out the validation examples: %v, want %v:\n%s", run, got, want, text)
		}
	}
	if math.IsNaN(repro.SpreadOf(rep.Wu.Accuracy[Noisy][Standard]).Mean) {
		t.Error("no accuracy for standard training with noisy labels")
	}
	report, _ := os.ReadFile(filepath.Join(dir, repro.ReportFile))
	for _, want := range []string{"Lowest mean error", "union, no curriculum", "| 40% label noise (20 steps) |"} {
		if !strings.Contains(string(report), want) {
			t.Errorf("report.md lacks %q:\n%s", want, report)
		}
	}
}

func TestRunRefusesBadOptions(t *testing.T) {
	for _, bad := range []struct {
		o        Options
		fragment string
	}{
		{Options{}, "set --out"},
		{Options{Dir: t.TempDir(), WuSeeds: []int{-1}}, "seed -1"},
		{Options{Dir: t.TempDir(), Pacings: []Pacing{{"cubic", 0.5, 0.1}}}, "cubic"},
		{Options{Dir: t.TempDir(), Pacings: []Pacing{{"linear", 0, 0.1}}}, "want a > 0"},
	} {
		if _, err := Run(context.Background(), bad.o); err == nil || !strings.Contains(err.Error(), bad.fragment) {
			t.Errorf("%+v: error %v, want one mentioning %q", bad.o, err, bad.fragment)
		}
	}
}
