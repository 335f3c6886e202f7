package stats

import (
	"math"
	"testing"
)

// TestPercentileHandValues checks NumPy's linear definition on values worked
// out by hand: for [1, 2, 3, 4], h = 3p/100, so p15 → h = 0.45 → 1.45,
// p50 → 2.5, p85 → h = 2.55 → 3.55 (numpy.percentile([1,2,3,4], [15,50,85])
// gives the same), and the ends are the minimum and the maximum.
func TestPercentileHandValues(t *testing.T) {
	for _, tc := range []struct {
		values  []float64
		p, want float64
	}{
		{[]float64{1, 2, 3, 4}, 15, 1.45},
		{[]float64{1, 2, 3, 4}, 50, 2.5},
		{[]float64{1, 2, 3, 4}, 85, 3.55},
		{[]float64{1, 2, 3, 4}, 0, 1},
		{[]float64{1, 2, 3, 4}, 100, 4},
		{[]float64{-2, 0, 10}, 50, 0},
		{[]float64{-2, 0, 10}, 75, 5},
		{[]float64{7}, 15, 7},
	} {
		got, err := Percentile(tc.values, tc.p)
		if err != nil || math.Abs(got-tc.want) > 1e-12 {
			t.Errorf("Percentile(%v, %v) = %v, %v; want %v", tc.values, tc.p, got, err, tc.want)
		}
	}
	for _, p := range []float64{-1, 100.5, math.NaN()} {
		if _, err := Percentile([]float64{1}, p); err == nil {
			t.Errorf("Percentile at %v: want an error", p)
		}
	}
	if _, err := Percentile(nil, 50); err == nil {
		t.Error("Percentile of no values: want an error")
	}
}
