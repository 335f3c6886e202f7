package data

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"
)

// shiftOf finds the translation (dy, dx), |dy|, |dx| ≤ k, that maps the h×w
// plane src to dst by direct indexing (dst[y][x] = src[y−dy][x−dx], zero
// outside), or reports none.
func shiftOf(src, dst []float64, h, w, k int) (int, int, bool) {
	for dy := -k; dy <= k; dy++ {
		for dx := -k; dx <= k; dx++ {
			match := true
			for y := 0; y < h && match; y++ {
				for x := 0; x < w; x++ {
					want := 0.0
					if sy, sx := y-dy, x-dx; sy >= 0 && sy < h && sx >= 0 && sx < w {
						want = src[sy*w+sx]
					}
					if dst[y*w+x] != want {
						match = false
						break
					}
				}
			}
			if match {
				return dy, dx, true
			}
		}
	}
	return 0, 0, false
}

// TestJitterTranslates checks every jittered example against a direct
// translation: each is its original moved by one (dy, dx) with |dy|, |dx| ≤
// 2, the same for both channels, zeros shifted in; over 400 examples every
// one of the 25 shifts occurs. The same step gives the same shifts, another
// step others; Pixels 0 changes nothing.
func TestJitterTranslates(t *testing.T) {
	const n, c, h, w, k = 400, 2, 5, 6, 2
	rng := rand.New(rand.NewPCG(1, 2))
	orig := make([]float64, n*c*h*w)
	for i := range orig {
		orig[i] = 1 + rng.Float64() // no zeros, so a shift is identified uniquely
	}
	j := Jitter{Pixels: k, Seed: 9}
	x := slices.Clone(orig)
	if err := j.Apply(x, []int{c, h, w}, 7); err != nil {
		t.Fatal(err)
	}
	seen := map[[2]int]int{}
	for e := range n {
		var first [2]int
		for ch := range c {
			o := (e*c + ch) * h * w
			dy, dx, ok := shiftOf(orig[o:o+h*w], x[o:o+h*w], h, w, k)
			if !ok {
				t.Fatalf("example %d channel %d is no translation by at most %d pixels", e, ch, k)
			}
			if ch == 0 {
				first = [2]int{dy, dx}
			} else if first != [2]int{dy, dx} {
				t.Fatalf("example %d: channels shifted by %v and %v", e, first, [2]int{dy, dx})
			}
		}
		seen[first]++
	}
	if len(seen) != (2*k+1)*(2*k+1) {
		t.Errorf("%d distinct shifts over %d examples, want all %d", len(seen), n, (2*k+1)*(2*k+1))
	}
	again := slices.Clone(orig)
	j.Apply(again, []int{c, h, w}, 7)
	other := slices.Clone(orig)
	j.Apply(other, []int{c, h, w}, 8)
	if !slices.Equal(again, x) || slices.Equal(other, x) {
		t.Error("shifts are not a function of the step alone")
	}
	none := slices.Clone(orig)
	if err := (Jitter{Seed: 9}).Apply(none, []int{c, h, w}, 7); err != nil || !slices.Equal(none, orig) {
		t.Errorf("Pixels 0 changed the examples (%v)", err)
	}
}

// TestJitterErrors: a negative size, a shift as large as the images'
// smaller side and examples without two spatial axes are refused with what
// is wrong.
func TestJitterErrors(t *testing.T) {
	if err := (Jitter{Pixels: -1}).Apply(make([]float64, 4), []int{2, 2}, 0); err == nil {
		t.Error("Pixels −1 gave no error")
	}
	err := (Jitter{Pixels: 3}).Apply(make([]float64, 12), []int{3, 4}, 0)
	if err == nil || !strings.Contains(err.Error(), "Jitter.Pixels = 3; want an integer from 0 to 2 (pixels of translation within the 3×4 images") {
		t.Errorf("Pixels 3 on 3×4 images: %v", err)
	}
	if err := (Jitter{Pixels: 1}).Apply(make([]float64, 4), []int{4}, 0); err == nil {
		t.Error("flat examples gave no error")
	}
}
