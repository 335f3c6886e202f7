package schedule

import (
	"bufio"
	"fmt"
	"math"
	"math/rand/v2"
	"os"
	"strconv"
	"strings"
	"testing"
)

// TestWuPacingMatchesTheirCode compares g(t) with the values of Wu et al.'s
// own get_pacing_function (testdata/wu_pacing.csv, whose header says how
// they were produced) for the six families at five settings, at the steps
// where rounding is most delicate: 0, around aT, and the last.
func TestWuPacingMatchesTheirCode(t *testing.T) {
	f, err := os.Open("testdata/wu_pacing.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	rows := 0
	lines := bufio.NewScanner(f)
	for lines.Scan() {
		line := lines.Text()
		if strings.HasPrefix(line, "#") || strings.HasPrefix(line, "family,") {
			continue
		}
		fields := strings.Split(line, ",")
		family, err := ParsePacingFamily(fields[0])
		if err != nil {
			t.Fatal(err)
		}
		num := func(i int) float64 {
			v, err := strconv.ParseFloat(fields[i], 64)
			if err != nil {
				t.Fatalf("%q: %v", line, err)
			}
			return v
		}
		p := WuPacing{Family: family, A: num(1), B: num(2), Steps: int(num(3)), N: int(num(4))}
		step, want := int(num(5)), p.N
		if g := num(6); g < float64(p.N) { // their g grows past N, beyond int64 for exp
			want = int(g)
		}
		if got := p.Available(step); got != want {
			t.Errorf("%+v: g(%d) = %d, their code %d", p, step, got, want)
		}
		rows++
	}
	if rows < 300 {
		t.Fatalf("only %d reference rows", rows)
	}
}

// everySchedule lists every pacing with a few settings over n examples
// and a run of steps steps.
func everySchedule(n, steps int) []Pacing {
	var all []Pacing
	for f := LinearPacing; f <= LogarithmicPacing; f++ {
		for _, ab := range [][2]float64{{0.8, 0.2}, {0.1, 0.5}, {1, 0.1}, {1.7, 0.3}, {0.5, 1}} {
			all = append(all, WuPacing{Family: f, A: ab[0], B: ab[1], Steps: steps, N: n})
		}
	}
	return append(all, Switch{Easy: n / 4, N: n, Step: steps / 2}, Switch{Easy: n, N: n, Step: 0}, Switch{Easy: 10, N: n, Step: steps})
}

// entropy is H(Q) of the distribution q ∝ w over the examples, in nats.
func entropy(w []float64) float64 {
	sum := 0.0
	for _, v := range w {
		sum += v
	}
	h := 0.0
	for _, v := range w {
		if v > 0 {
			h -= v / sum * math.Log(v/sum)
		}
	}
	return h
}

// TestEveryScheduleIsACurriculum checks the lecture's definition (Bengio et
// al. 2009, section 2) on every pacing: along the run the weights W_λ(x)
// stay in [0, 1] and never decrease for any example, λ never decreases, the
// entropy of Q_λ ∝ W_λ·P (P the uniform empirical distribution) never
// decreases and rises exactly when λ does, W = 1 wherever λ = 1, and a
// pacing with a < 1 reaches λ = 1 before the run ends. The weights are
// those the weight curriculum gives the loss (CurriculumWeights), asked for
// as a training loop asks, minibatch by minibatch of a shuffled training
// set; W = 1 exactly for the g(t) easiest examples.
func TestEveryScheduleIsACurriculum(t *testing.T) {
	const n, steps, batch = 240, 150, 7
	rng := rand.New(rand.NewPCG(1, 1))
	order, shuffled := rng.Perm(n), rng.Perm(n)
	for _, p := range everySchedule(n, steps) {
		weights, err := NewCurriculumWeights(order, p)
		if err != nil {
			t.Fatal(err)
		}
		prev := make([]float64, n)
		w, wb := make([]float64, n), make([]float64, batch)
		prevLambda, prevH := 0.0, math.Inf(-1)
		for step := range steps {
			lambda := p.At(step)
			for lo := 0; lo < n; lo += batch {
				idx := shuffled[lo:min(lo+batch, n)]
				if err := weights.Weights(idx, step, wb[:len(idx)]); err != nil {
					t.Fatal(err)
				}
				for k, i := range idx {
					w[i] = wb[k]
				}
			}
			for r, i := range order {
				if easy := r < p.Available(step); (w[i] == 1) != easy {
					t.Fatalf("%+v step %d: example of rank %d has W = %v with g = %d", p, step, r, w[i], p.Available(step))
				}
			}
			h := entropy(w)
			for i, v := range w {
				if v < 0 || v > 1 || v < prev[i] {
					t.Fatalf("%+v step %d: W(x%d) = %v after %v", p, step, i, v, prev[i])
				}
			}
			switch {
			case lambda < prevLambda:
				t.Fatalf("%+v step %d: λ falls from %v to %v", p, step, prevLambda, lambda)
			case lambda > prevLambda && !(h > prevH):
				t.Fatalf("%+v step %d: λ rises to %v but H(Q) goes from %v to %v", p, step, lambda, prevH, h)
			case lambda == prevLambda && h != prevH:
				t.Fatalf("%+v step %d: λ stays at %v but H(Q) changes from %v to %v", p, step, lambda, prevH, h)
			}
			if math.Abs(h-math.Log(float64(p.Available(step)))) > 1e-12 {
				t.Errorf("%+v step %d: H(Q) = %v, want ln %d", p, step, h, p.Available(step))
			}
			if lambda == 1 {
				for i, v := range w {
					if v != 1 {
						t.Fatalf("%+v step %d: λ = 1 but W(x%d) = %v", p, step, i, v)
					}
				}
			}
			copy(prev, w)
			prevLambda, prevH = lambda, h
		}
		if wp, ok := p.(WuPacing); ok && wp.A < 1 && prevLambda != 1 {
			t.Errorf("%+v: λ = %v at the last step, want 1 (a < 1)", p, prevLambda)
		}
	}
}

// TestPacingShapes checks each family against its closed form at the
// middle of its ramp, u = t/(aT) = ½: linear ½, quad ¼, root 1/√2, step 0,
// exp (e^5 − 1)/(e^10 − 1), log 1 + ln(½ + e^−10)/10 of the way from bN
// to N.
func TestPacingShapes(t *testing.T) {
	const n, steps = 100000, 1000
	share := map[PacingFamily]float64{
		LinearPacing: 0.5, QuadraticPacing: 0.25, RootPacing: math.Sqrt(0.5), StepPacing: 0,
		ExponentialPacing: (math.Exp(5) - 1) / (math.Exp(10) - 1), LogarithmicPacing: 1 + math.Log(0.5+math.Exp(-10))/10,
	}
	for f, s := range share {
		p := WuPacing{Family: f, A: 0.5, B: 0.2, Steps: steps, N: n}
		want := 20000 + s*80000
		if got := p.Available(250); math.Abs(float64(got)-want) > 1 {
			t.Errorf("%v: g(aT/2) = %d, want %.1f", f, got, want)
		}
		if got := p.Available(500); got != n && !(f == ExponentialPacing && got == n-1) {
			t.Errorf("%v: g(aT) = %d, want %d", f, got, n)
		}
		if got := p.Available(999); got != n {
			t.Errorf("%v: g(T − 1) = %d, want %d", f, got, n)
		}
	}
	s := Switch{Easy: 30, N: 90, Step: 7}
	if s.Available(6) != 30 || s.Available(7) != 90 {
		t.Errorf("switch: g(6), g(7) = %d, %d; want 30, 90", s.Available(6), s.Available(7))
	}
}

func TestPacingRejectsBadSettings(t *testing.T) {
	good := WuPacing{Family: RootPacing, A: 0.8, B: 0.1, Steps: 100, N: 1000}
	if err := good.Validate(); err != nil {
		t.Fatal(err)
	}
	if err := CheckMinibatch(good, 1000, 60); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct {
		change func(*WuPacing)
		want   string
	}{
		{func(p *WuPacing) { p.A = 0 }, "WuPacing.A = 0; want a number > 0"},
		{func(p *WuPacing) { p.A = -1 }, "WuPacing.A = -1"},
		{func(p *WuPacing) { p.A = math.NaN() }, "WuPacing.A = NaN"},
		{func(p *WuPacing) { p.B = 0 }, "WuPacing.B = 0; want a number in (0, 1] (the fraction of the examples available at the start)"},
		{func(p *WuPacing) { p.B = 1.5 }, "WuPacing.B = 1.5"},
		{func(p *WuPacing) { p.Family = 9 }, "not a pacing family"},
		{func(p *WuPacing) { p.Steps = 0 }, "over 0 steps"},
	} {
		p := good
		tt.change(&p)
		if err := Validate(p); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("%+v: error %v, want %q", p, err, tt.want)
		}
	}
	low := WuPacing{Family: RootPacing, A: 0.8, B: 0.05, Steps: 100, N: 1000}
	if err := CheckMinibatch(low, 1000, 60); err == nil || !strings.Contains(err.Error(), "starts with 50 of 1000 examples, fewer than one minibatch of 60; start with at least 60 (pacing b ≥ 0.06)") {
		t.Errorf("pacing below a minibatch: error %v", err)
	}
	if err := CheckMinibatch(Switch{Easy: 50, N: 1000, Step: 10}, 1000, 60); err == nil {
		t.Error("switch from 50 easy examples in batches of 60: no error")
	}
	for _, s := range []Switch{{Easy: 0, N: 1000}, {Easy: 1001, N: 1000}, {Easy: 100, N: 1000, Step: -1}} {
		if err := Validate(s); err == nil {
			t.Errorf("%+v: no error", s)
		}
	}
	if _, err := ParsePacingFamily("cubic"); err == nil || !strings.Contains(err.Error(), "linear, quad, root, step, exp, log") {
		t.Errorf("ParsePacingFamily: error %v", err)
	}
	if _, err := NewCurriculumWeights([]int{0, 2, 2}, good); err == nil || !strings.Contains(err.Error(), "not a permutation of 0..2 (index 2 at rank 2)") {
		t.Errorf("curriculum weights over a repeated index: error %v", err)
	}
	c, err := NewCurriculumWeights([]int{1, 0}, good)
	if err != nil {
		t.Fatal(err)
	}
	if err := c.Weights([]int{0, 2}, 0, make([]float64, 2)); err == nil || !strings.Contains(err.Error(), "example 2 of a training set of 2") {
		t.Errorf("weights of an example beyond the training set: error %v", err)
	}
}

// BenchmarkCurriculumWeights weighs minibatches of 60 random examples (a
// new minibatch each time, from a pool of 1,024, so that the ranks are
// read from memory as in training) over training sets of 60,000 and
// 600,000 at a fifth available: the work per minibatch is the same however
// large the set; only cache misses grow with it.
func BenchmarkCurriculumWeights(b *testing.B) {
	for _, n := range []int{60000, 600000} {
		b.Run(fmt.Sprintf("n=%d", n), func(b *testing.B) {
			rng := rand.New(rand.NewPCG(1, 2))
			c, err := NewCurriculumWeights(rng.Perm(n), WuPacing{Family: LinearPacing, A: 1, B: 0.2, Steps: 1_000_000, N: n})
			if err != nil {
				b.Fatal(err)
			}
			pool, w := make([]int, 1024*60), make([]float64, 60)
			for i := range pool {
				pool[i] = rng.IntN(n)
			}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				k := i % 1024 * 60
				if err := c.Weights(pool[k:k+60], i, w); err != nil {
					b.Fatal(err)
				}
			}
		})
	}
}
