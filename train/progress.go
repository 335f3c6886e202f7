package train

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"
)

// progress shows the run's advance on Trainer.Progress. On a terminal it
// redraws a one-line bar (steps/s, examples/s, ETA, the last minibatch's
// loss, the last test accuracy). Otherwise (files, CI logs) it prints one
// plain line per event, every LogEvery steps and at every evaluation, with
// each quantity named: an evaluation's line gives the train loss as
// metrics.csv does (the mean over the steps since the previous evaluation),
// a line between evaluations the last minibatch's loss.
type progress struct {
	w                   io.Writer
	terminal            bool
	start, last         time.Time
	startStep, examples int
	acc                 float64
	// report is the evaluation of the step being reported, if any; since
	// is the step of the evaluation before it.
	report *Report
	since  int
}

// attachProgress registers the progress display on t.
func attachProgress(t *Trainer) {
	p := &progress{w: t.Progress}
	if f, ok := p.w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	t.OnStart(PriorityProgress, p.begin)
	t.OnEval(PriorityProgress, func(_ *Trainer, r Report) error {
		p.acc, p.report = r.Test.Accuracy, &r
		return nil
	})
	t.OnStep(PriorityProgress, p.step)
	t.OnEnd(PriorityProgress, func(*Trainer, error) error {
		if p.terminal {
			fmt.Fprintln(p.w)
		}
		return nil
	})
}

func (p *progress) begin(t *Trainer) error {
	p.start, p.startStep, p.examples = time.Now(), t.Step(), t.state.Examples
	p.since, p.acc = t.Step(), math.NaN()
	return nil
}

func (p *progress) step(t *Trainer) error {
	now, step := time.Now(), t.Step()
	elapsed := math.Max(now.Sub(p.start).Seconds(), 1e-9)
	stepRate := float64(step-p.startStep) / elapsed
	exampleRate := float64(t.state.Examples-p.examples) / elapsed
	eta := time.Duration(float64(t.Steps-step)/math.Max(stepRate, 1e-9)) * time.Second
	rates := fmt.Sprintf("%.1f steps/s, %.0f examples/s, ETA %s", stepRate, exampleRate, eta.Round(time.Second))
	report := p.report
	p.report = nil
	if p.terminal {
		if now.Sub(p.last) < 200*time.Millisecond && step != t.Steps {
			return nil
		}
		p.last = now
		const width = 24
		done := float64(step) / float64(t.Steps)
		bar := strings.Repeat("█", int(done*width)) + strings.Repeat("·", width-int(done*width))
		acc := "—"
		if !math.IsNaN(p.acc) {
			acc = fmt.Sprintf("%.2f%%", 100*p.acc)
		}
		_, err := fmt.Fprintf(p.w, "\r%s %6d/%d %5.1f%%  %-44s  batch loss %.4f  test acc %s ",
			bar, step, t.Steps, 100*done, rates, t.last.loss, acc)
		return err
	}
	var err error
	switch {
	case report != nil:
		_, err = fmt.Fprintf(p.w, "step %d/%d: train loss %.4f (mean of %d steps), test loss %.4f, test accuracy %.2f%%; %s\n",
			step, t.Steps, report.TrainLoss, step-p.since, report.Test.Loss, 100*report.Test.Accuracy, rates)
		p.since = step
	case step%t.LogEvery == 0:
		_, err = fmt.Fprintf(p.w, "step %d/%d: minibatch loss %.4f; %s\n", step, t.Steps, t.last.loss, rates)
	}
	return err
}
