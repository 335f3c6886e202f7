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
		for c := 0; c < l.c; c++ {
			block := x[(i*l.c+c)*l.s : (i*l.c+c+1)*l.s]
			sum := 0.0
			for _, v := range block {
				sum += float64(v)
			}
			mean[c] += sum
		}
	}
	m := float64(l.m())
	for c := range mean {
		mean[c] /= m
	}
	for i := 0; i < l.n; i++ {
		for c := 0; c < l.c; c++ {
			block := x[(i*l.c+c)*l.s : (i*l.c+c+1)*l.s]
			mu, sum := mean[c], 0.0
			for _, v := range block {
				d := float64(v) - mu
				sum += d * d
			}
			variance[c] += sum
		}
	}
	for c := range variance {
		variance[c] /= m
	}
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
// 1/sqrt(σ² + ε).
func normalize[T float](y, x, gamma, beta []T, l layout, mean, invStd []float64) {
	for i := 0; i < l.n; i++ {
		for c := 0; c < l.c; c++ {
			lo, hi := (i*l.c+c)*l.s, (i*l.c+c+1)*l.s
			scale := float64(gamma[c]) * invStd[c]
			shift := float64(beta[c]) - scale*mean[c]
			for j, v := range x[lo:hi] {
				y[lo+j] = T(scale*float64(v) + shift)
			}
		}
	}
}

// sums returns Σ dy and Σ dy·x̂ per channel, where x̂ = (x − μ)·invStd.
func sums[T float](dy, x []T, l layout, mean, invStd []float64) (sumDy, sumDyXhat []float64) {
	sumDy = make([]float64, l.c)
	sumDyXhat = make([]float64, l.c)
	for i := 0; i < l.n; i++ {
		for c := 0; c < l.c; c++ {
			lo, hi := (i*l.c+c)*l.s, (i*l.c+c+1)*l.s
			mu, a, b := mean[c], 0.0, 0.0
			for j, v := range x[lo:hi] {
				g := float64(dy[lo+j])
				a += g
				b += g * (float64(v) - mu)
			}
			sumDy[c] += a
			sumDyXhat[c] += b * invStd[c]
		}
	}
	return sumDy, sumDyXhat
}

// inputGradient writes ∂J/∂x of Alg. 1's transform given dy = ∂J/∂y (the
// backward pass of Ioffe & Szegedy §3, simplified):
//
//	∂J/∂x_i = γ·invStd/m · (m·dy_i − Σ dy − x̂_i·Σ dy·x̂).
func inputGradient[T float](dx, dy, x, gamma []T, l layout, mean, invStd, sumDy, sumDyXhat []float64) {
	m := float64(l.m())
	for i := 0; i < l.n; i++ {
		for c := 0; c < l.c; c++ {
			lo, hi := (i*l.c+c)*l.s, (i*l.c+c+1)*l.s
			k := float64(gamma[c]) * invStd[c] / m
			mu, is, sd, sdx := mean[c], invStd[c], sumDy[c], sumDyXhat[c]
			for j, v := range x[lo:hi] {
				xhat := (float64(v) - mu) * is
				dx[lo+j] = T(k * (m*float64(dy[lo+j]) - sd - xhat*sdx))
			}
		}
	}
}
