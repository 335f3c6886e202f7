package batchnorm

import "math"

// float is the element type of a graph: float32 or float64. The kernels
// accumulate in float64 whatever the element type.
type float interface{ ~float32 | ~float64 }

// layout describes an (N, C) or (N, C, H, W) tensor in row-major order as n
// blocks of c channels of s contiguous values (s = 1 or H·W).
type layout struct{ n, c, s int }

// m is the number of values per channel, N or N·H·W.
func (l layout) m() int { return l.n * l.s }

// channelStatistics writes μ_B and the biased σ²_B of Alg. 1 per channel of x
// into mean and variance, by two passes (the second over x − μ_B, which
// avoids the cancellation of E[x²] − E[x]²).
func channelStatistics[T float](x []T, l layout, mean, variance []float64) {
	clear(mean)
	clear(variance)
	for i := 0; i < l.n; i++ {
		if l.s == 1 { // (N, C): the channels of a row are the accumulators
			for c, v := range x[i*l.c : (i+1)*l.c] {
				mean[c] += float64(v)
			}
			continue
		}
		for c := 0; c < l.c; c++ {
			mean[c] += sum(x[(i*l.c+c)*l.s : (i*l.c+c+1)*l.s])
		}
	}
	m := float64(l.m())
	for c := range mean {
		mean[c] /= m
	}
	for i := 0; i < l.n; i++ {
		if l.s == 1 {
			for c, v := range x[i*l.c : (i+1)*l.c] {
				d := float64(v) - mean[c]
				variance[c] += d * d
			}
			continue
		}
		for c := 0; c < l.c; c++ {
			variance[c] += sumSquaredDeviations(x[(i*l.c+c)*l.s:(i*l.c+c+1)*l.s], mean[c])
		}
	}
	for c := range variance {
		variance[c] /= m
	}
}

// sum returns Σ v in float64, with four accumulators so that the additions
// do not wait on one another.
func sum[T float](v []T) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(v); i += 4 {
		s0 += float64(v[i])
		s1 += float64(v[i+1])
		s2 += float64(v[i+2])
		s3 += float64(v[i+3])
	}
	for ; i < len(v); i++ {
		s0 += float64(v[i])
	}
	return (s0 + s1) + (s2 + s3)
}

// sumSquaredDeviations returns Σ (v − mu)² in float64, as sum.
func sumSquaredDeviations[T float](v []T, mu float64) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(v); i += 4 {
		d0, d1, d2, d3 := float64(v[i])-mu, float64(v[i+1])-mu, float64(v[i+2])-mu, float64(v[i+3])-mu
		s0 += d0 * d0
		s1 += d1 * d1
		s2 += d2 * d2
		s3 += d3 * d3
	}
	for ; i < len(v); i++ {
		d := float64(v[i]) - mu
		s0 += d * d
	}
	return (s0 + s1) + (s2 + s3)
}

// sumProductCentered returns Σ g·(v − mu) in float64, as sum.
func sumProductCentered[T float](g, v []T, mu float64) float64 {
	var s0, s1, s2, s3 float64
	i := 0
	for ; i+4 <= len(v); i += 4 {
		s0 += float64(g[i]) * (float64(v[i]) - mu)
		s1 += float64(g[i+1]) * (float64(v[i+1]) - mu)
		s2 += float64(g[i+2]) * (float64(v[i+2]) - mu)
		s3 += float64(g[i+3]) * (float64(v[i+3]) - mu)
	}
	for ; i < len(v); i++ {
		s0 += float64(g[i]) * (float64(v[i]) - mu)
	}
	return (s0 + s1) + (s2 + s3)
}

// inverseStd returns 1/sqrt(σ² + ε) per channel.
func inverseStd(variance []float64, eps float64) []float64 {
	out := make([]float64, len(variance))
	for c, v := range variance {
		out[c] = 1 / math.Sqrt(v+eps)
	}
	return out
}

// normalize writes y = γ (x − μ) / sqrt(σ² + ε) + β (Alg. 1), given invStd =
// 1/sqrt(σ² + ε), as y = scale·x + shift per channel.
func normalize[T float](y, x, gamma, beta []T, l layout, mean, invStd []float64) {
	scale, shift := make([]float64, l.c), make([]float64, l.c)
	for c := range scale {
		scale[c] = float64(gamma[c]) * invStd[c]
		shift[c] = float64(beta[c]) - scale[c]*mean[c]
	}
	channelAffine(y, x, x, l, scale, make([]float64, l.c), shift)
}

// channelAffine writes out = a·u + b·v + d with per-channel coefficients.
func channelAffine[T float](out, u, v []T, l layout, a, b, d []float64) {
	for i := 0; i < l.n; i++ {
		if l.s == 1 { // (N, C): one value per channel and row
			lo, hi := i*l.c, (i+1)*l.c
			u, v := u[lo:hi], v[lo:hi]
			for c := range out[lo:hi] {
				out[lo+c] = T(a[c]*float64(u[c]) + b[c]*float64(v[c]) + d[c])
			}
			continue
		}
		for c := 0; c < l.c; c++ {
			lo, hi := (i*l.c+c)*l.s, (i*l.c+c+1)*l.s
			u, v := u[lo:hi], v[lo:hi]
			ac, bc, dc := a[c], b[c], d[c]
			for j := range out[lo:hi] {
				out[lo+j] = T(ac*float64(u[j]) + bc*float64(v[j]) + dc)
			}
		}
	}
}

// sums returns Σ dy and Σ dy·x̂ per channel, where x̂ = (x − μ)·invStd.
func sums[T float](dy, x []T, l layout, mean, invStd []float64) (sumDy, sumDyXhat []float64) {
	sumDy = make([]float64, l.c)
	sumDyXhat = make([]float64, l.c)
	for i := 0; i < l.n; i++ {
		if l.s == 1 { // (N, C): the channels of a row are the accumulators
			row := x[i*l.c : (i+1)*l.c]
			for c, g := range dy[i*l.c : (i+1)*l.c] {
				sumDy[c] += float64(g)
				sumDyXhat[c] += float64(g) * (float64(row[c]) - mean[c])
			}
			continue
		}
		for c := 0; c < l.c; c++ {
			lo, hi := (i*l.c+c)*l.s, (i*l.c+c+1)*l.s
			sumDy[c] += sum(dy[lo:hi])
			sumDyXhat[c] += sumProductCentered(dy[lo:hi], x[lo:hi], mean[c])
		}
	}
	for c := range sumDyXhat {
		sumDyXhat[c] *= invStd[c]
	}
	return sumDy, sumDyXhat
}

// inputGradient writes ∂J/∂x of Alg. 1's transform given dy = ∂J/∂y (the
// backward pass of Ioffe & Szegedy §3, simplified):
//
//	∂J/∂x_i = γ·invStd/m · (m·dy_i − Σ dy − x̂_i·Σ dy·x̂),
//
// which is affine in (dy_i, x_i) per channel.
func inputGradient[T float](dx, dy, x, gamma []T, l layout, mean, invStd, sumDy, sumDyXhat []float64) {
	m := float64(l.m())
	a, b, d := make([]float64, l.c), make([]float64, l.c), make([]float64, l.c)
	for c := range a {
		k := float64(gamma[c]) * invStd[c] / m
		a[c] = k * m
		b[c] = -k * invStd[c] * sumDyXhat[c]
		d[c] = -k*sumDy[c] - b[c]*mean[c]
	}
	channelAffine(dx, dy, x, l, a, b, d)
}
