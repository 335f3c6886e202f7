package data

import (
	"fmt"
	"math/rand/v2"

	"deepopt/internal/bounds"
)

// jitterStream separates the shifts' random stream from the batcher's
// (rand.NewPCG(seed, epoch)).
const jitterStream = 0x71_7e00_0000_0000

// Jitter translates every example of a training minibatch by a random whole
// number of pixels, from −Pixels to +Pixels along each spatial axis
// independently (uniformly), filling the pixels shifted in with zeros, the
// MNIST background: the input jitter Hinton et al. (2012) train MNIST nets
// with. The shifts of the minibatch drawn at step s come from
// rand.NewPCG(Seed ^ jitterStream, s), example slot by example slot, so they
// are a pure function of the seed, the step and the slot: a resumed run
// repeats them without saving any state. The zero value (Pixels 0) leaves
// examples alone.
type Jitter struct {
	Pixels int
	Seed   uint64
}

// Apply translates the examples of x in place: len(x)/Dim(shape) examples
// of shape [C, H, W] (or [H, W]), row-major, the minibatch drawn at step.
func (j Jitter) Apply(x []float64, shape []int, step uint64) error {
	if err := j.Check(shape); err != nil || j.Pixels == 0 {
		return err
	}
	h, w := shape[len(shape)-2], shape[len(shape)-1]
	dim := 1
	for _, s := range shape {
		dim *= s
	}
	if dim == 0 || len(x)%dim != 0 {
		return fmt.Errorf("data: jitter of %d values, not a whole number of %v examples", len(x), shape)
	}
	rng := rand.New(rand.NewPCG(j.Seed^jitterStream, step))
	plane := make([]float64, h*w)
	for ex := 0; ex < len(x); ex += dim {
		dy, dx := rng.IntN(2*j.Pixels+1)-j.Pixels, rng.IntN(2*j.Pixels+1)-j.Pixels
		for c := ex; c < ex+dim; c += h * w {
			translate(plane, x[c:c+h*w], h, w, dy, dx)
			copy(x[c:c+h*w], plane)
		}
	}
	return nil
}

// Check reports whether j can translate examples of the given shape: unless
// Pixels is 0, examples must be images and Pixels must lie from 0 to one
// less than their smaller side (a *bounds.Error naming Jitter.Pixels, which
// package config reports under data.jitter).
func (j Jitter) Check(shape []int) error {
	if j.Pixels == 0 {
		return nil
	}
	if len(shape) < 2 {
		return fmt.Errorf("data: jitter translates images, but examples have shape %v; want [C, H, W] or [H, W]", shape)
	}
	h, w := shape[len(shape)-2], shape[len(shape)-1]
	if j.Pixels < 0 || j.Pixels >= min(h, w) {
		return fmt.Errorf("data: %w", &bounds.Error{Field: "Jitter.Pixels", Value: j.Pixels,
			Want: fmt.Sprintf("an integer from 0 to %d (pixels of translation within the %d×%d images; 0 disables it)", min(h, w)-1, h, w)})
	}
	return nil
}

// translate writes into dst the h×w plane src moved down by dy and right by
// dx pixels: dst[y][x] = src[y−dy][x−dx], 0 where that is outside src.
func translate(dst, src []float64, h, w, dy, dx int) {
	clear(dst)
	for y := max(0, dy); y < min(h, h+dy); y++ {
		copy(dst[y*w+max(0, dx):y*w+min(w, w+dx)], src[(y-dy)*w+max(0, -dx):(y-dy)*w+min(w, w-dx)])
	}
}
