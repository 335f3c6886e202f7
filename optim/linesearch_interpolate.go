package optim

import "math"

// cubicMinimizer returns the minimiser of the cubic that interpolates φ and φ'
// at a and b (Nocedal & Wright, Numerical Optimization, 2nd ed., eq. 3.59),
// and false when that cubic has no finite local minimiser.
func cubicMinimizer(a, fa, da, b, fb, db float64) (float64, bool) {
	d1 := da + db - 3*(fa-fb)/(a-b)
	discriminant := d1*d1 - da*db
	if !(discriminant >= 0) {
		return 0, false
	}
	d2 := math.Copysign(math.Sqrt(discriminant), b-a)
	x := b - (b-a)*(db+d2-d1)/(db-da+2*d2)
	return x, isFinite(x)
}

// quadraticMinimizer returns the minimiser of the quadratic q with q(0) = f0,
// q'(0) = slope0 and q(s) = f (Nocedal & Wright eq. 3.57), and false when q
// is not convex.
func quadraticMinimizer(f0, slope0, s, f float64) (float64, bool) {
	curvature := f - f0 - slope0*s
	if !(curvature > 0) {
		return 0, false
	}
	x := -slope0 * s * s / (2 * curvature)
	return x, isFinite(x)
}

// backtrackCubicMinimizer returns the minimiser of the cubic through φ(0) =
// f0 with φ'(0) = slope0, φ(s1) = f1 and φ(s2) = f2 (Nocedal & Wright eq.
// 3.58, s2 the latest trial), and false when it has none.
func backtrackCubicMinimizer(f0, slope0, s1, f1, s2, f2 float64) (float64, bool) {
	r1 := f1 - f0 - slope0*s1
	r2 := f2 - f0 - slope0*s2
	scale := s1 * s1 * s2 * s2 * (s2 - s1)
	a := (s1*s1*r2 - s2*s2*r1) / scale
	b := (-s1*s1*s1*r2 + s2*s2*s2*r1) / scale
	if a == 0 {
		if !(b > 0) {
			return 0, false
		}
		x := -slope0 / (2 * b)
		return x, isFinite(x)
	}
	discriminant := b*b - 3*a*slope0
	if !(discriminant >= 0) {
		return 0, false
	}
	x := (-b + math.Sqrt(discriminant)) / (3 * a)
	return x, isFinite(x)
}

// safeguard returns x clamped to [lower, upper], or the midpoint when x is
// not a usable number.
func safeguard(x, lower, upper float64, ok bool) float64 {
	if !ok || math.IsNaN(x) {
		return (lower + upper) / 2
	}
	return math.Max(lower, math.Min(x, upper))
}
