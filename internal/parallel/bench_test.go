package parallel

import (
	"fmt"
	"testing"
)

// scale is a job that multiplies a slice by a constant, in parts.
type scale struct {
	x     []float32
	parts int
}

func (s *scale) Run(part int) {
	x := s.x[len(s.x)*part/s.parts : len(s.x)*(part+1)/s.parts]
	for i := range x {
		x[i] *= 1.0000001
	}
}

// BenchmarkDo times jobs of a few sizes split by Do and run whole on one
// goroutine, and an empty job (the hand-off's own cost).
func BenchmarkDo(b *testing.B) {
	for _, n := range []int{0, 1000, 10000, 100000} {
		for _, parts := range []int{2, 8} {
			s := &scale{x: make([]float32, n), parts: parts}
			b.Run(fmt.Sprintf("split%d/%d", parts, n), func(b *testing.B) {
				for b.Loop() {
					Do(s, parts)
				}
			})
		}
		s := &scale{x: make([]float32, n), parts: 1}
		b.Run(fmt.Sprintf("one/%d", n), func(b *testing.B) {
			for b.Loop() {
				s.Run(0)
			}
		})
	}
}
