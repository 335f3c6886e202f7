package train

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"

	"deepopt/rundir"
)

// orderHook logs its events into a shared journal under its name.
type orderHook struct {
	name     string
	priority Priority
	journal  *[]string
}

func (h orderHook) Attach(t *Trainer) error {
	log := func(event string) { *h.journal = append(*h.journal, fmt.Sprintf("%s %s %d", h.name, event, t.Step())) }
	t.OnStart(h.priority, func(*Trainer) error { log("start"); return nil })
	t.OnStep(h.priority, func(*Trainer) error { log("step"); return nil })
	t.OnEval(h.priority, func(_ *Trainer, r Report) error { log("eval"); return nil })
	t.OnEnd(h.priority, func(_ *Trainer, err error) error { log("end " + fmt.Sprint(err)); return nil })
	return nil
}

// TestHookOrder runs three hooks, two of them at the same priority, through
// a run of 4 steps evaluated at 2 and 4: every event calls the handlers by
// priority, equal priorities in attachment order, and OnEval handlers run
// inside the step's handlers at PriorityEvaluate (after the default
// priority, before a later one).
func TestHookOrder(t *testing.T) {
	var journal []string
	tr := newTrainer(t, "", 4, 0.1)
	tr.EvalEvery = 2
	tr.Hooks = []Hook{orderHook{"late", PriorityProgress, &journal}, orderHook{"a", PriorityDefault, &journal}, orderHook{"b", PriorityDefault, &journal}}
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	want := []string{"a start 0", "b start 0", "late start 0"}
	for step := 1; step <= 4; step++ {
		s := strconv.Itoa(step)
		want = append(want, "a step "+s, "b step "+s)
		if step%2 == 0 {
			want = append(want, "a eval "+s, "b eval "+s, "late eval "+s)
		}
		want = append(want, "late step "+s)
	}
	want = append(want, "a end <nil> 4", "b end <nil> 4", "late end <nil> 4")
	if !slices.Equal(journal, want) {
		t.Errorf("events:\n%s\nwant:\n%s", strings.Join(journal, "\n"), strings.Join(want, "\n"))
	}
}

// TestHookErrorsEndTheRun: an error of a step handler stops the run at that
// step and reaches the end handlers and the caller.
func TestHookErrorsEndTheRun(t *testing.T) {
	tr := newTrainer(t, "", 10, 0.1)
	stop := errors.New("stop here")
	var ended error
	tr.Hooks = []Hook{StepFunc(func(t *Trainer) error {
		if t.Step() == 3 {
			return stop
		}
		return nil
	})}
	tr.OnEnd(PriorityDefault, func(_ *Trainer, err error) error { ended = err; return nil })
	if _, err := tr.Run(context.Background()); !errors.Is(err, stop) || !errors.Is(ended, stop) || tr.Step() != 3 {
		t.Errorf("Run = %v at step %d, end handlers saw %v; want the hook's error at step 3 in both", err, tr.Step(), ended)
	}
}

// TestHookColumns: a hook's column follows the loop's own in metrics.csv,
// with its value at each evaluation.
func TestHookColumns(t *testing.T) {
	tr := newTrainer(t, t.TempDir(), 80, 0.1)
	tr.AddColumns(Column{"theta_0", func(t *Trainer) string { return strconv.FormatFloat(t.Theta()[0], 'g', -1, 64) }})
	var at40 float64
	tr.OnStep(PriorityDefault, func(t *Trainer) error {
		if t.Step() == 40 {
			at40 = t.Theta()[0]
		}
		return nil
	})
	if _, err := tr.Run(context.Background()); err != nil {
		t.Fatal(err)
	}
	tab, err := rundir.ReadCSV(filepath.Join(tr.Dir, rundir.MetricsFile))
	if err != nil {
		t.Fatal(err)
	}
	if want := append(slices.Clone(rundir.Columns), "theta_0"); !slices.Equal(tab.Header, want) {
		t.Fatalf("header %v, want %v", tab.Header, want)
	}
	got, err := tab.Floats(nil, "theta_0")
	if err != nil || len(got[0]) != 2 || got[0][0] != at40 || got[0][1] != tr.Theta()[0] {
		t.Errorf("theta_0 column %v (err %v); want θ₀ at steps 40 and 80: %v, %v", got, err, at40, tr.Theta()[0])
	}
}

// TestProgressWithoutTerminal: written to a file, the progress is plain
// lines, one per event: every LogEvery steps the last minibatch's loss, at
// every evaluation the train loss (the mean metrics.csv reports) and the
// test numbers; each quantity is named, rates come in steps/s and
// examples/s.
func TestProgressWithoutTerminal(t *testing.T) {
	f, err := os.Create(filepath.Join(t.TempDir(), "log"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	tr := newTrainer(t, "", 100, 0.1)
	tr.LogEvery, tr.Progress = 20, f
	res, err := tr.Run(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	text, _ := os.ReadFile(f.Name())
	lines := strings.Split(strings.TrimSuffix(string(text), "\n"), "\n")
	rates := `; \d+\.\d steps/s, \d+ examples/s, ETA \d+s$`
	minibatch := regexp.MustCompile(`^step (20|60)/100: minibatch loss \d\.\d{4}` + rates)
	eval := regexp.MustCompile(`^step (40|80|100)/100: train loss (\d\.\d{4}) \(mean of (40|20) steps\), test loss \d\.\d{4}, test accuracy \d+\.\d\d%` + rates)
	if len(lines) != 5 || bytes.ContainsAny(text, "\r█") {
		t.Fatalf("progress:\n%s\nwant 5 plain lines (steps 20, 40, 60, 80, 100)", text)
	}
	for i, line := range lines {
		re := eval
		if i == 0 || i == 2 {
			re = minibatch
		}
		if !re.MatchString(line) {
			t.Errorf("line %d: %q does not match %s", i+1, line, re)
		}
	}
	if m := eval.FindStringSubmatch(lines[4]); m == nil || m[2] != fmt.Sprintf("%.4f", res.TrainLoss) {
		t.Errorf("last line %q; want the result's train loss %.4f", lines[4], res.TrainLoss)
	}
}
