// Package stats holds the summary statistics the project reports.
package stats

import (
	"fmt"
	"math"

	"deepopt/internal/bounds"
)

// PercentileRange holds the valid percentiles p of Percentile, [0, 100];
// the activation recorder and its config section check theirs against it.
var PercentileRange = bounds.Interval{Lo: 0, Hi: 100}

// Percentile returns the p-th percentile (0 ≤ p ≤ 100) of sorted, an
// ascending slice, by linear interpolation between the closest ranks: with
// n values and h = (n − 1)·p/100, it is sorted[⌊h⌋] + (h − ⌊h⌋)·(sorted[⌊h⌋+1]
// − sorted[⌊h⌋]). This is NumPy's default (numpy.percentile, method
// "linear"; Hyndman & Fan 1996, definition 7), so the numbers in
// activations.csv match what numpy computes from the same values.
func Percentile(sorted []float64, p float64) (float64, error) {
	if len(sorted) == 0 {
		return 0, fmt.Errorf("percentile of no values")
	}
	if !PercentileRange.Contains(p) {
		return 0, fmt.Errorf("percentile %v not %v", p, PercentileRange)
	}
	h := float64(len(sorted)-1) * p / 100
	lo := math.Floor(h)
	i := int(lo)
	if i+1 >= len(sorted) {
		return sorted[len(sorted)-1], nil
	}
	return sorted[i] + (h-lo)*(sorted[i+1]-sorted[i]), nil
}
