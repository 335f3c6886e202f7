package activations

import (
	"context"
	"errors"
	"math"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"

	"deepopt/checkpoint"
	"deepopt/internal/traintest"
	"deepopt/rundir"
	"deepopt/train"
)

// recorded attaches a recorder of two units of two nodes, on the first 37
// test examples, every 25 steps.
func recorded(t *testing.T, tr *train.Trainer) *Recorder {
	t.Helper()
	examples, err := tr.Test.Head(37)
	if err != nil {
		t.Fatal(err)
	}
	r := &Recorder{Examples: examples, Nodes: []string{"act1.in", "act2"}, Units: []int{0, 3}, Every: 25}
	tr.Hooks = append(tr.Hooks, r)
	return r
}

func readActivations(t *testing.T, dir string) []string {
	t.Helper()
	text, err := os.ReadFile(filepath.Join(dir, File))
	if err != nil {
		t.Fatal(err)
	}
	return strings.Split(strings.TrimSpace(string(text)), "\n")
}

// TestRecorderRows: rows at steps 25, 50 and the last step 60, one per node
// and unit; the last rows' percentiles equal those worked out from the
// node's values at the final parameters (37 examples: the median is the
// 19th smallest, p15 has h = 36·0.15 = 5.4, p85 has h = 30.6).
func TestRecorderRows(t *testing.T) {
	tr := traintest.NewTrainer(t, t.TempDir(), 60, 0.1)
	r := recorded(t, tr)
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	rows := readActivations(t, tr.Dir)
	if rows[0] != "step,node,unit,p15,p50,p85" || len(rows) != 1+3*2*2 {
		t.Fatalf("activations.csv: header %q and %d rows, want 12 rows:\n%s", rows[0], len(rows)-1, strings.Join(rows, "\n"))
	}
	idx := make([]int, 37)
	for i := range idx {
		idx[i] = i
	}
	values, err := tr.Model.Nodes(r.Examples, idx, r.Nodes)
	if err != nil {
		t.Fatal(err)
	}
	sizes := []int{64, 32}
	last := rows[len(rows)-4:]
	for i, name := range r.Nodes {
		for k, u := range r.Units {
			col := make([]float64, 37)
			for e := range col {
				col[e] = values[i][e*sizes[i]+u]
			}
			slices.Sort(col)
			want := []float64{col[5] + 0.4*(col[6]-col[5]), col[18], col[30] + 0.6*(col[31]-col[30])}
			f := strings.Split(last[2*i+k], ",")
			if f[0] != "60" || f[1] != name || f[2] != strconv.Itoa(u) {
				t.Fatalf("row %q, want step 60, node %s, unit %d", last[2*i+k], name, u)
			}
			for j, w := range want {
				got, _ := strconv.ParseFloat(f[3+j], 64)
				if math.Abs(got-w) > 1e-9*(1+math.Abs(w)) {
					t.Errorf("%s unit %d %s = %v, want %v", name, u, []string{"p15", "p50", "p85"}[j], got, w)
				}
			}
		}
	}
}

// TestRecorderResume: a run interrupted at step 53 (with a stray row past
// the checkpoint, as a crash could leave) and resumed writes the same
// activations.csv as an uninterrupted run.
func TestRecorderResume(t *testing.T) {
	whole := traintest.NewTrainer(t, t.TempDir(), 100, 0.1)
	recorded(t, whole)
	if _, err := whole.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	first := traintest.NewTrainer(t, dir, 100, 0.1)
	ctx, cancel := context.WithCancel(context.Background())
	first.Hooks = []train.Hook{traintest.CancelAt{Step: 53, Cancel: cancel}}
	recorded(t, first)
	if _, err := first.Run(ctx); !errors.Is(err, train.ErrInterrupted) {
		t.Fatalf("want ErrInterrupted, got %v", err)
	}
	if err := rundir.AppendCSV(filepath.Join(dir, File), []string{"75", "act1.in", "0", "1", "2", "3"}); err != nil {
		t.Fatal(err)
	}
	a, err := checkpoint.Load(filepath.Join(dir, rundir.CheckpointFile))
	if err != nil {
		t.Fatal(err)
	}
	second := traintest.NewTrainer(t, dir, 100, 0.1)
	recorded(t, second)
	if err := second.Restore(a); err != nil {
		t.Fatal(err)
	}
	if _, err := second.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	if w, s := readActivations(t, whole.Dir), readActivations(t, dir); !slices.Equal(w, s) {
		t.Fatalf("activations differ:\nuninterrupted %v\nresumed       %v", w, s)
	}
}

// TestRecorderCheck names each bad setting.
func TestRecorderCheck(t *testing.T) {
	tr := traintest.NewTrainer(t, t.TempDir(), 10, 0.1)
	r := &Recorder{Examples: tr.Test, Nodes: []string{"act3.in", "act2"}, Units: []int{40},
		Percentiles: []float64{15, 150}, Every: 0}
	err := r.Check(tr.Model)
	for _, want := range []string{`"act3.in"`, "unit 40 of node act2 is outside 0..31", "Percentiles[1] = 150", "Every = 0"} {
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("Check: %v; want it to mention %s", err, want)
		}
	}
	for _, tt := range []struct {
		percentiles []float64
		want        string
	}{
		{[]float64{50, 50}, "Recorder.Percentiles[1]: want percentiles in ascending order without repeats, got 50 after 50"},
		{[]float64{}, "Recorder.Percentiles: want at least one percentile"},
	} {
		r := &Recorder{Examples: tr.Test, Nodes: []string{"act2"}, Percentiles: tt.percentiles, Every: 1}
		if err := r.Check(tr.Model); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("percentiles %v: Check gave %v; want it to contain %q", tt.percentiles, err, tt.want)
		}
	}
}
