package batchnorm

import (
	"math"

	"deepopt/internal/parallel"
)

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
// avoids the cancellation of E[x²] − E[x]²); two ranges of channels at once
// (inChannels).
func channelStatistics[T float](x []T, l layout, mean, variance []float64) {
	inChannels(l, func(_, c0, c1 int) { statistics(x, l, c0, c1, mean, variance) })
}

// statistics is channelStatistics for the channels [c0, c1).
func statistics[T float](x []T, l layout, c0, c1 int, mean, variance []float64) {
	clear(mean[c0:c1])
	clear(variance[c0:c1])
	for i := 0; i < l.n; i++ {
		if l.s == 1 { // (N, C): the channels of a row are the accumulators
			addValues(mean[c0:c1], x[i*l.c+c0:i*l.c+c1])
			continue
		}
		for c := c0; c < c1; c++ {
			mean[c] += sum(x[(i*l.c+c)*l.s : (i*l.c+c+1)*l.s])
		}
	}
	m := float64(l.m())
	for c := c0; c < c1; c++ {
		mean[c] /= m
	}
	for i := 0; i < l.n; i++ {
		if l.s == 1 {
			addSquaredDeviations(variance[c0:c1], x[i*l.c+c0:i*l.c+c1], mean[c0:c1])
			continue
		}
		for c := c0; c < c1; c++ {
			variance[c] += sumSquaredDeviations(x[(i*l.c+c)*l.s:(i*l.c+c+1)*l.s], mean[c])
		}
	}
	for c := c0; c < c1; c++ {
		variance[c] /= m
	}
}

// splitValues is the size of a tensor from which the kernels run on two
// goroutines.
var splitValues = 1 << 12

// inChannels runs f on the channels [0, c) in two ranges at once, f(0, 0,
// mid) and f(1, mid, c), when the tensor has splitValues values or more
// and internal/parallel's worker is idle, else on them all, f(0, 0, c). Every kernel here computes each channel's values and sums alone, in
// the same order whatever range it belongs to, so the ranges give the bits
// of one pass. In an (N, C) tensor, mid is a multiple of 4, the kernels'
// block of channels.
func inChannels(l layout, f func(part, c0, c1 int)) {
	mid := l.c / 2
	if l.s == 1 {
		mid &^= 3
	}
	if l.n*l.c*l.s < splitValues || mid == 0 || !parallel.Idle() {
		f(0, 0, l.c)
		return
	}
	parallel.Halves(mid, l.c, f)
}

// float32s returns v as a []float32 when it is one and the kernels run, and
// the number of its values they take, a multiple of 4.
func float32s[T float](v []T) ([]float32, int) {
	if f, ok := any(v).([]float32); ok && useKernels {
		return f, len(f) &^ 3
	}
	return nil, 0
}

// addValues adds x to acc elementwise in float64.
func addValues[T float](acc []float64, x []T) {
	x = x[:len(acc)]
	f, i := float32s(x)
	if i > 0 {
		addRow(&acc[0], &f[0], i)
	}
	for ; i < len(x); i++ {
		acc[i] += float64(x[i])
	}
}

// addSquaredDeviations adds (x − mean)² to acc elementwise in float64.
func addSquaredDeviations[T float](acc []float64, x []T, mean []float64) {
	x, mean = x[:len(acc)], mean[:len(acc)]
	f, i := float32s(x)
	if i > 0 {
		addSquaresRow(&acc[0], &f[0], &mean[0], i)
	}
	for ; i < len(x); i++ {
		d := float64(x[i]) - mean[i]
		acc[i] += d * d
	}
}

// sum returns Σ v in float64, with four accumulators so that the additions
// do not wait on one another (the kernel's four lanes).
func sum[T float](v []T) float64 {
	var lanes [4]float64
	f, i := float32s(v)
	if i > 0 {
		sumLanes(&f[0], i, &lanes)
	}
	s0, s1, s2, s3 := lanes[0], lanes[1], lanes[2], lanes[3]
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
	var lanes [4]float64
	f, i := float32s(v)
	if i > 0 {
		squaresLanes(&f[0], i, mu, &lanes)
	}
	s0, s1, s2, s3 := lanes[0], lanes[1], lanes[2], lanes[3]
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

// gradientSumsOf returns Σ g and Σ g·(v − mu) in float64, each as sum, in
// one pass.
func gradientSumsOf[T float](g, v []T, mu float64) (sumG, sumGV float64) {
	g = g[:len(v)]
	var lanes, lanesV [4]float64
	f, i := float32s(v)
	if i > 0 {
		fg, _ := float32s(g)
		gradientLanes(&fg[0], &f[0], i, mu, &lanes, &lanesV)
	}
	s0, s1, s2, s3 := lanes[0], lanes[1], lanes[2], lanes[3]
	t0, t1, t2, t3 := lanesV[0], lanesV[1], lanesV[2], lanesV[3]
	for ; i+4 <= len(v); i += 4 {
		g0, g1, g2, g3 := float64(g[i]), float64(g[i+1]), float64(g[i+2]), float64(g[i+3])
		s0 += g0
		s1 += g1
		s2 += g2
		s3 += g3
		t0 += g0 * (float64(v[i]) - mu)
		t1 += g1 * (float64(v[i+1]) - mu)
		t2 += g2 * (float64(v[i+2]) - mu)
		t3 += g3 * (float64(v[i+3]) - mu)
	}
	for ; i < len(v); i++ {
		s0 += float64(g[i])
		t0 += float64(g[i]) * (float64(v[i]) - mu)
	}
	return (s0 + s1) + (s2 + s3), (t0 + t1) + (t2 + t3)
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
	channelAffine(y, x, nil, l, scale, nil, shift)
}

// channelAffine writes out = a·u + b·v + d with per-channel coefficients,
// or out = a·u + d when v is nil; two ranges of channels at once
// (inChannels).
func channelAffine[T float](out, u, v []T, l layout, a, b, d []float64) {
	inChannels(l, func(_, c0, c1 int) { affineChannels(out, u, v, l, c0, c1, a, b, d) })
}

// affineChannels is channelAffine for the channels [c0, c1).
func affineChannels[T float](out, u, v []T, l layout, c0, c1 int, a, b, d []float64) {
	for i := 0; i < l.n; i++ {
		if l.s == 1 { // (N, C): one value per channel and row
			lo, hi := i*l.c+c0, i*l.c+c1
			if v == nil {
				affineValues(out[lo:hi], u[lo:hi], nil, a[c0:c1], nil, d[c0:c1])
			} else {
				affineValues(out[lo:hi], u[lo:hi], v[lo:hi], a[c0:c1], b[c0:c1], d[c0:c1])
			}
			continue
		}
		for c := c0; c < c1; c++ {
			lo, hi := (i*l.c+c)*l.s, (i*l.c+c+1)*l.s
			if v == nil {
				affineBlock(out[lo:hi], u[lo:hi], nil, a[c], 0, d[c])
			} else {
				affineBlock(out[lo:hi], u[lo:hi], v[lo:hi], a[c], b[c], d[c])
			}
		}
	}
}

// affineValues writes out = a·u + b·v + d elementwise, or a·u + d when v
// is nil, in float64.
func affineValues[T float](out, u, v []T, a, b, d []float64) {
	u, a, d = u[:len(out)], a[:len(out)], d[:len(out)]
	f, i := float32s(out)
	fu, _ := float32s(u)
	if v == nil {
		if i > 0 {
			affineRow(&f[0], &fu[0], i, &a[0], &d[0])
		}
		for ; i < len(out); i++ {
			out[i] = T(a[i]*float64(u[i]) + d[i])
		}
		return
	}
	v, b = v[:len(out)], b[:len(out)]
	if i > 0 {
		fv, _ := float32s(v)
		affineRow2(&f[0], &fu[0], &fv[0], i, &a[0], &b[0], &d[0])
	}
	for ; i < len(out); i++ {
		out[i] = T(a[i]*float64(u[i]) + b[i]*float64(v[i]) + d[i])
	}
}

// affineBlock writes out = a·u + b·v + d elementwise, or a·u + d when v is
// nil, in float64.
func affineBlock[T float](out, u, v []T, a, b, d float64) {
	u = u[:len(out)]
	f, i := float32s(out)
	fu, _ := float32s(u)
	if v == nil {
		if i > 0 {
			affine(&f[0], &fu[0], i, a, d)
		}
		for ; i < len(out); i++ {
			out[i] = T(a*float64(u[i]) + d)
		}
		return
	}
	v = v[:len(out)]
	if i > 0 {
		fv, _ := float32s(v)
		affine2(&f[0], &fu[0], &fv[0], i, a, b, d)
	}
	for ; i < len(out); i++ {
		out[i] = T(a*float64(u[i]) + b*float64(v[i]) + d)
	}
}

// sums returns Σ dy and Σ dy·x̂ per channel, where x̂ = (x − μ)·invStd; two
// ranges of channels at once (inChannels).
func sums[T float](dy, x []T, l layout, mean, invStd []float64) (sumDy, sumDyXhat []float64) {
	sumDy = make([]float64, l.c)
	sumDyXhat = make([]float64, l.c)
	inChannels(l, func(_, c0, c1 int) { channelSums(dy, x, l, c0, c1, mean, invStd, sumDy, sumDyXhat) })
	return sumDy, sumDyXhat
}

// channelSums is sums for the channels [c0, c1), added into sumDy and
// sumDyXhat, which start at zero.
func channelSums[T float](dy, x []T, l layout, c0, c1 int, mean, invStd, sumDy, sumDyXhat []float64) {
	for i := 0; i < l.n; i++ {
		if l.s == 1 { // (N, C): the channels of a row are the accumulators
			lo, hi := i*l.c+c0, i*l.c+c1
			addGradientSums(sumDy[c0:c1], sumDyXhat[c0:c1], dy[lo:hi], x[lo:hi], mean[c0:c1])
			continue
		}
		for c := c0; c < c1; c++ {
			lo, hi := (i*l.c+c)*l.s, (i*l.c+c+1)*l.s
			s, sx := gradientSumsOf(dy[lo:hi], x[lo:hi], mean[c])
			sumDy[c] += s
			sumDyXhat[c] += sx
		}
	}
	for c := c0; c < c1; c++ {
		sumDyXhat[c] *= invStd[c]
	}
}

// addGradientSums adds dy to sumDy and dy·(x − mean) to sumDyX elementwise
// in float64.
func addGradientSums[T float](sumDy, sumDyX []float64, dy, x []T, mean []float64) {
	sumDyX, dy, x, mean = sumDyX[:len(sumDy)], dy[:len(sumDy)], x[:len(sumDy)], mean[:len(sumDy)]
	f, i := float32s(x)
	if i > 0 {
		fdy, _ := float32s(dy)
		addGradientRow(&sumDy[0], &sumDyX[0], &fdy[0], &f[0], &mean[0], i)
	}
	for ; i < len(x); i++ {
		sumDy[i] += float64(dy[i])
		sumDyX[i] += float64(dy[i]) * (float64(x[i]) - mean[i])
	}
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
