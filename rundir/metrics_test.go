package rundir

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestReadMetricsRoundTrip(t *testing.T) {
	path := filepath.Join(t.TempDir(), "metrics.csv")
	want := []Row{
		{Step: 10, Epoch: 0.5, Examples: 600, WallSeconds: 1.25, LR: 0.1, TrainLoss: 2.25, TestLoss: 2.5, TestAcc: 0.125,
			FuncEvals: 31, GradEvals: 29, LineSearchIters: 12, StepLength: 0.75, Restarts: 2, SearchFailures: 1},
		{Step: 20, Epoch: 1, Examples: 1200, WallSeconds: 2.5, LR: 0.05, TrainLoss: 1.5, TestLoss: 1.75, TestAcc: 0.5,
			FuncEvals: 62, GradEvals: 58},
	}
	if _, err := PrepareCSV(path, Columns, 0); err != nil {
		t.Fatal(err)
	}
	for _, r := range want {
		if err := AppendCSV(path, r.Fields()); err != nil {
			t.Fatal(err)
		}
	}
	got, err := ReadMetrics(path)
	if err != nil {
		t.Fatal(err)
	}
	if len(got) != len(want) || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("ReadMetrics = %+v, want %+v", got, want)
	}
	// A hook's column after the loop's own is skipped.
	text, _ := os.ReadFile(path)
	lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	lines[0] += ",probe"
	for i := 1; i < len(lines); i++ {
		lines[i] += ",0.5"
	}
	os.WriteFile(path, []byte(strings.Join(lines, "\n")+"\n"), 0o644)
	if got, err := ReadMetrics(path); err != nil || len(got) != 2 || got[0] != want[0] || got[1] != want[1] {
		t.Fatalf("with a hook's column: ReadMetrics = %+v, %v; want %+v", got, err, want)
	}
	os.WriteFile(path, []byte("step,loss\n1,2\n"), 0o644)
	if _, err := ReadMetrics(path); err == nil || !strings.Contains(err.Error(), "is not the metrics header") {
		t.Errorf("foreign header: err = %v", err)
	}
	os.WriteFile(path, []byte(strings.Join(Columns, ",")+"\n1,x,2,3,4,5,6,7,8,9,10,11,12,13\n"), 0o644)
	if _, err := ReadMetrics(path); err == nil || !strings.Contains(err.Error(), "line 2: epoch") {
		t.Errorf("bad number: err = %v", err)
	}
}
