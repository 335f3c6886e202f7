// Package softmax computes the row sums and the gradient of the softmax
// cross-entropy of deepopt's layers: for logits z and targets t of n rows
// and k classes, with m_i a row's maximum, Sums gives Σ_j exp(z_ij − m_i),
// Σ_j t_ij·(z_ij − m_i) and Σ_j t_ij, and Gradient the gradient
// (softmax(z_i)·Σ_j t_ij − t_i)·scale, in float64 with one exponential per
// logit. On amd64 processors with AVX2 and FMA, float32 rows run four at a
// time in assembly, one row per lane: each lane sums its row in the order
// of j, and its exponentials repeat math.Exp's own FMA operations in their
// order, so the kernel gives the bits of the Go loops, which a run's
// results then do not depend on.
package softmax

import "math"

// lo is the kernel's smallest exponent: on [lo, 0] math.Exp's result is a
// normal number reached without its underflow branch (2^k with k =
// round(x·log₂e) ≥ −1021). A group of four rows with an exponent below lo
// (a logit more than 708 below its row's maximum, or −Inf) or NaN runs in
// Go.
const lo = -708.0

// Sums writes s_i = Σ_j exp(z_ij − m_i), dot_i = Σ_j t_ij·(z_ij − m_i) and
// mass_i = Σ_j t_ij for the n = len(s) rows of k values of z and t
// (row-major), m_i the largest of row i; every sum is in float64 in the
// order of j. dot and mass hold n values, z and t n·k, and k ≥ 1.
func Sums[T float32 | float64](s, dot, mass []float64, z, t []T, k int) {
	n := len(s)
	dot, mass, z, t = dot[:n], mass[:n], z[:n*k], t[:n*k]
	i := 0
	if z32, ok := any(z).([]float32); ok && useKernel {
		t32 := any(t).([]float32)
		for i+4 <= n {
			// The kernel stops before the first group of four rows it
			// cannot take (see lo); that group runs in Go.
			i += sums(&s[i], &dot[i], &mass[i], &z32[i*k], &t32[i*k], k, (n-i)&^3, &constants)
			stop := min(i+4, n)
			for ; i < stop; i++ {
				s[i], dot[i], mass[i] = rowSums(z[i*k:(i+1)*k], t[i*k:(i+1)*k])
			}
		}
	}
	for ; i < n; i++ {
		s[i], dot[i], mass[i] = rowSums(z[i*k:(i+1)*k], t[i*k:(i+1)*k])
	}
}

// rowSums returns Sums' three sums for one row.
func rowSums[T float32 | float64](z, t []T) (s, dot, mass float64) {
	m := rowMax(z)
	t = t[:len(z)]
	for j, v := range z {
		d := float64(v) - m
		s += math.Exp(d)
		dot += float64(t[j]) * d
		mass += float64(t[j])
	}
	return s, dot, mass
}

// Gradient writes out_ij = c_i·exp(z_ij − m_i) − scale·t_ij, with c_i =
// scale·Σ_j t_ij / Σ_j exp(z_ij − m_i), for the n = len(out)/k rows of k
// values of z and t: (softmax(z_i)·Σ_j t_ij − t_i)·scale, the gradient of
// scale·CE(softmax(z), t) in z. e is scratch of at least 4·k values.
func Gradient[T float32 | float64](out, z, t []T, k int, scale float64, e []float64) {
	n := len(out) / k
	z, t, e = z[:n*k], t[:n*k], e[:4*k]
	i := 0
	if o32, ok := any(out).([]float32); ok && useKernel {
		z32, t32 := any(z).([]float32), any(t).([]float32)
		for i+4 <= n {
			i += gradient(&o32[i*k], &z32[i*k], &t32[i*k], k, (n-i)&^3, scale, &e[0], &constants)
			stop := min(i+4, n)
			for ; i < stop; i++ {
				gradientRow(out[i*k:(i+1)*k], z[i*k:(i+1)*k], t[i*k:(i+1)*k], scale, e)
			}
		}
	}
	for ; i < n; i++ {
		gradientRow(out[i*k:(i+1)*k], z[i*k:(i+1)*k], t[i*k:(i+1)*k], scale, e)
	}
}

// gradientRow is Gradient for one row, with the exponentials in e.
func gradientRow[T float32 | float64](out, z, t []T, scale float64, e []float64) {
	m := rowMax(z)
	t, e, out = t[:len(z)], e[:len(z)], out[:len(z)]
	var s, mass float64
	for j, v := range z {
		e[j] = math.Exp(float64(v) - m)
		s += e[j]
		mass += float64(t[j])
	}
	c := scale * mass / s
	for j, v := range e {
		out[j] = T(c*v - scale*float64(t[j]))
	}
}

// LogGradient writes out_ij = −scale·(z_ij − m_i − log s_i), s_i = Σ_j
// exp(z_ij − m_i), for the rows of k values of z: −scale·log softmax(z_i),
// the gradient of scale·CE(softmax(z), t) in t. It runs in Go: no
// training step of deepopt's needs it (targets are data or a frozen
// teacher's outputs).
func LogGradient[T float32 | float64](out, z []T, k int, scale float64) {
	for i := range len(out) / k {
		zi, oi := z[i*k:(i+1)*k], out[i*k:(i+1)*k]
		oi = oi[:len(zi)]
		m := rowMax(zi)
		var s float64
		for _, v := range zi {
			s += math.Exp(float64(v) - m)
		}
		logS := math.Log(s)
		for j, v := range zi {
			oi[j] = T(-scale * (float64(v) - m - logS))
		}
	}
}

// rowMax returns the largest of z in float64, so that z_j − m loses nothing
// to the magnitude of m and no exponent exp(z_j − m) is positive.
func rowMax[T float32 | float64](z []T) float64 {
	m := z[0]
	for _, v := range z[1:] {
		if v > m {
			m = v
		}
	}
	return float64(m)
}
