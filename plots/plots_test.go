package plots

import (
	"image/png"
	"math"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestLinesWritesAPNG(t *testing.T) {
	path := filepath.Join(t.TempDir(), "curve.png")
	x := []float64{1, 10, 100, 1000}
	err := Lines(path, Figure{Title: "test accuracy", XLabel: "step", YLabel: "accuracy", LogX: true, Legend: "bottom right",
		Series: []Series{
			{Name: "BN", X: x, Y: []float64{0.5, 0.9, 0.95, 0.98}, Low: []float64{0.4, 0.85, 0.94, 0.97}, High: []float64{0.6, 0.92, 0.96, 0.985}},
			{Name: "no BN", X: x, Y: []float64{0.1, math.NaN(), 0.9, 0.97}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() < 400 || b.Dy() < 250 {
		t.Fatalf("image is only %d×%d pixels", b.Dx(), b.Dy())
	}
}

func TestLinesRejectsBadSeries(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]Figure{
		"no series":       {},
		"has 2 x":         {Series: []Series{{Name: "a", X: []float64{1, 2}, Y: []float64{1}}}},
		"finite":          {Series: []Series{{Name: "a", X: []float64{1}, Y: []float64{math.NaN()}}}},
		"legend position": {Legend: "middle", Series: []Series{{Name: "a", X: []float64{1}, Y: []float64{1}}}},
		"one value per x": {Series: []Series{{Name: "a", X: []float64{1, 2}, Y: []float64{1, 2}, Low: []float64{0}, High: []float64{3, 4}}}},
	}
	for want, fig := range cases {
		path := filepath.Join(dir, "x.png")
		err := Lines(path, fig)
		if err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("want an error containing %q, got %v", want, err)
		}
		if _, err := os.Stat(path); err == nil {
			t.Errorf("%q: a failed plot left a file", want)
		}
	}
}
