package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// linearPace grows from start to n over steps steps.
type linearPace struct{ start, n, steps int }

func (p linearPace) Available(step int) int {
	return min(p.n, p.start+(p.n-p.start)*step/p.steps)
}

// TestCurriculumSamplerSampleMode checks that every batch holds distinct
// examples among the g(t) easiest, that the batch of a step does not depend
// on what was drawn before (so a resumed run draws the same), and that the
// available examples are drawn uniformly: over 400 batches of 20 from the
// first 100 examples each is drawn 80 times on average, and the counts'
// chi-square statistic stays below its 99.9% quantile for 99 degrees of
// freedom (148.2).
func TestCurriculumSamplerSampleMode(t *testing.T) {
	const n, b = 1000, 20
	order := rand.New(rand.NewPCG(3, 3)).Perm(n)
	rank := make([]int, n)
	for r, i := range order {
		rank[i] = r
	}
	pace := linearPace{start: 100, n: n, steps: 50}
	s, err := NewCurriculumSampler(SampleMode, order, pace, b, 7)
	if err != nil {
		t.Fatal(err)
	}
	for step := range 60 {
		batch := slices.Clone(s.Next(step))
		sorted := slices.Clone(batch)
		slices.Sort(sorted)
		if len(slices.Compact(sorted)) != b {
			t.Fatalf("step %d: repeated examples in %v", step, batch)
		}
		for _, i := range batch {
			if rank[i] >= pace.Available(step) {
				t.Fatalf("step %d: example of rank %d, only %d available", step, rank[i], pace.Available(step))
			}
		}
		other, _ := NewCurriculumSampler(SampleMode, order, pace, b, 7)
		if !slices.Equal(other.Next(step), batch) {
			t.Fatalf("step %d: the batch depends on the batches drawn before", step)
		}
	}
	if s.Epoch() != 60*20/1000.0 || !slices.Equal(s.State(), []int64{60}) {
		t.Errorf("epoch %v, state %v after 60 batches", s.Epoch(), s.State())
	}
	counts := make([]float64, 100)
	fixed, _ := NewCurriculumSampler(SampleMode, order, twoLevels{100, 100}, b, 7)
	for step := range 400 {
		for _, i := range fixed.Next(step) {
			counts[rank[i]]++
		}
	}
	chi2 := 0.0
	for _, c := range counts {
		chi2 += (c - 80) * (c - 80) / 80
	}
	if chi2 > 148.2 {
		t.Errorf("chi-square %.1f of the draws from the 100 available examples, want below 148.2", chi2)
	}
}

// twoLevels is a pace of start examples at step 0 and g afterwards.
type twoLevels struct{ start, g int }

func (p twoLevels) Available(step int) int {
	if step == 0 {
		return p.start
	}
	return p.g
}

// TestCurriculumSamplerStochasticMode checks that the share of hard examples
// (beyond the pace's start, g(0) = 200 of 1000) in the batches is
// (g(t) − g(0))/N, within 4 standard deviations of the binomial over 300
// batches of 20, for g = 200 (no hard examples), 600 and 1000 (their share
// of the set, 0.8: every example equally likely), and that the batches hold
// distinct examples.
func TestCurriculumSamplerStochasticMode(t *testing.T) {
	const n, b, batches = 1000, 20, 300
	order := sequence(n) // rank = index
	for _, g := range []int{200, 600, 1000} {
		s, err := NewCurriculumSampler(StochasticMode, order, twoLevels{200, g}, b, 1)
		if err != nil {
			t.Fatal(err)
		}
		hard := 0.0
		for step := 1; step <= batches; step++ {
			batch := slices.Clone(s.Next(step))
			slices.Sort(batch)
			if len(slices.Compact(batch)) != b {
				t.Fatalf("g %d step %d: repeated examples", g, step)
			}
			for _, i := range batch {
				if i >= 200 {
					hard++
				}
			}
		}
		share := hard / (batches * b)
		want := float64(g-200) / n
		sigma := math.Sqrt(want * (1 - want) / (batches * b))
		if math.Abs(share-want) > 4*sigma+1e-12 {
			t.Errorf("g = %d: hard share %.3f, want %.3f ± %.3f", g, share, want, 4*sigma)
		}
	}
	if _, err := NewCurriculumSampler(SampleMode, order, twoLevels{10, n}, b, 1); err == nil || !strings.Contains(err.Error(), "starts with 10 examples") {
		t.Errorf("pace below a minibatch: error %v", err)
	}
	if _, err := NewCurriculumSampler(CurriculumMode(9), order, twoLevels{100, n}, b, 1); err == nil {
		t.Error("unknown mode: no error")
	}
}

// BenchmarkCurriculumSamplerNext draws batches of 60 in each mode from
// training sets of 60,000 and 600,000 examples with half of them available:
// the cost per batch stays the same as the set grows tenfold.
func BenchmarkCurriculumSamplerNext(b *testing.B) {
	for _, mode := range []CurriculumMode{SampleMode, StochasticMode} {
		for _, n := range []int{60000, 600000} {
			b.Run(fmt.Sprintf("mode=%d/n=%d", mode, n), func(b *testing.B) {
				s, err := NewCurriculumSampler(mode, sequence(n), twoLevels{n / 4, n / 2}, 60, 1)
				if err != nil {
					b.Fatal(err)
				}
				b.ReportAllocs()
				for i := 0; b.Loop(); i++ {
					s.Next(i + 1)
				}
			})
		}
	}
}
