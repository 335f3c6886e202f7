package train

import (
	"fmt"
	"io"
	"math"
	"os"
	"strings"
	"time"

	"deepopt/model"
)

// progress shows the run's advance: a redrawn one-line bar on a terminal,
// plain log lines every logEvery steps otherwise (files, CI logs).
type progress struct {
	w           io.Writer
	terminal    bool
	total       int
	logEvery    int
	startStep   int
	start, last time.Time
	loss        float64
	acc         float64
}

func newProgress(w io.Writer, total, startStep, logEvery int) *progress {
	p := &progress{w: w, total: total, startStep: startStep, logEvery: logEvery, start: time.Now(), acc: math.NaN()}
	if f, ok := w.(*os.File); ok {
		if st, err := f.Stat(); err == nil && st.Mode()&os.ModeCharDevice != 0 {
			p.terminal = true
		}
	}
	return p
}

func (p *progress) eval(step int, ev model.Evaluation) {
	p.acc = ev.Accuracy
	if p.w != nil && !p.terminal {
		fmt.Fprintf(p.w, "step %d/%d: test loss %.4f, test accuracy %.2f%%\n", step, p.total, ev.Loss, 100*ev.Accuracy)
	}
}

func (p *progress) step(step int, loss float64) {
	if p.w == nil {
		return
	}
	p.loss = loss
	now := time.Now()
	if p.terminal {
		if now.Sub(p.last) < 200*time.Millisecond && step != p.total {
			return
		}
		p.last = now
		fmt.Fprintf(p.w, "\r%s", p.line(step, now))
		return
	}
	if step%p.logEvery == 0 || step == p.total {
		fmt.Fprintln(p.w, p.line(step, now))
	}
}

func (p *progress) line(step int, now time.Time) string {
	done := float64(step) / float64(p.total)
	elapsed := now.Sub(p.start).Seconds()
	rate := float64(step-p.startStep) / math.Max(elapsed, 1e-9)
	eta := time.Duration(float64(p.total-step)/math.Max(rate, 1e-9)) * time.Second
	const width = 24
	bar := strings.Repeat("█", int(done*width)) + strings.Repeat("·", width-int(done*width))
	acc := "—"
	if !math.IsNaN(p.acc) {
		acc = fmt.Sprintf("%.2f%%", 100*p.acc)
	}
	return fmt.Sprintf("%s %6d/%d %5.1f%% %7.1f steps/s ETA %-9s loss %.4f test acc %s",
		bar, step, p.total, 100*done, rate, eta.Round(time.Second), p.loss, acc)
}

func (p *progress) done() {
	if p.w != nil && p.terminal {
		fmt.Fprintln(p.w)
	}
}
