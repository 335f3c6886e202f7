package plots

import (
	"image"
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
	err := Lines(path, Figure{Title: "test accuracy", XLabel: "step", YLabel: "accuracy", LogX: true,
		Series: []Series{
			{Name: "BN", X: x, Y: []float64{0.5, 0.9, 0.95, 0.98}, Low: []float64{0.4, 0.85, 0.94, 0.97}, High: []float64{0.6, 0.92, 0.96, 0.985}},
			{Name: "no BN", X: x, Y: []float64{0.1, math.NaN(), 0.9, 0.97}},
		}})
	if err != nil {
		t.Fatal(err)
	}
	if b := readPNG(t, path).Bounds(); b.Dx() < 400 || b.Dy() < 250 {
		t.Fatalf("image is only %d×%d pixels", b.Dx(), b.Dy())
	}
}

// readPNG decodes the PNG file at path.
func readPNG(t *testing.T, path string) image.Image {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatalf("%s is not a PNG: %v", path, err)
	}
	return img
}

func TestLinesRejectsBadSeries(t *testing.T) {
	dir := t.TempDir()
	cases := map[string]Figure{
		"no series":       {},
		"has 2 x":         {Series: []Series{{Name: "a", X: []float64{1, 2}, Y: []float64{1}}}},
		"finite":          {Series: []Series{{Name: "a", X: []float64{1}, Y: []float64{math.NaN()}}}},
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

// TestLegendStandsBesideThePlot checks that the legend widens the image
// instead of covering the data: the plot keeps its size, and the strip to
// its right holds the legend's ink.
func TestLegendStandsBesideThePlot(t *testing.T) {
	path := filepath.Join(t.TempDir(), "legend.png")
	x := []float64{0, 1, 2}
	err := Lines(path, Figure{Title: "t", Series: []Series{
		{Name: "a long legend entry", X: x, Y: []float64{0, 1, 2}},
		{Name: "b", X: x, Y: []float64{2, 1, 0}},
	}})
	if err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, path)
	plotWidth := int(width.Dots(96))
	if img.Bounds().Dx() <= plotWidth+50 {
		t.Fatalf("image %d pixels wide, want the %d of the plot and a legend strip", img.Bounds().Dx(), plotWidth)
	}
	ink := 0
	for x := plotWidth; x < img.Bounds().Max.X; x++ {
		for y := range img.Bounds().Max.Y {
			if r, _, _, _ := img.At(x, y).RGBA(); r < 0x8000 {
				ink++
			}
		}
	}
	if ink < 100 {
		t.Errorf("the strip right of the plot holds %d dark pixels; the legend is not there", ink)
	}
}

func TestLogTicksLabelOneTwoFive(t *testing.T) {
	cases := []struct {
		lo, hi float64
		want   string
	}{
		{500, 3000, "500 1000 2000"},
		{1, 100, "1 2 5 10 20 50 100"},
		{0.03, 0.4, "0.05 0.1 0.2"},
		{1e-6, 10, "1e-06 1e-05 0.0001 0.001 0.01 0.1 1 10"},
	}
	for _, c := range cases {
		var labels []string
		ticks := logTicks{}.Ticks(c.lo, c.hi)
		for _, tk := range ticks {
			if tk.Value < c.lo*(1-1e-9) || tk.Value > c.hi*(1+1e-9) {
				t.Errorf("[%g, %g]: tick %g outside the range", c.lo, c.hi, tk.Value)
			}
			if tk.Label != "" {
				labels = append(labels, tk.Label)
			}
		}
		if got := strings.Join(labels, " "); got != c.want {
			t.Errorf("[%g, %g]: labels %q, want %q", c.lo, c.hi, got, c.want)
		}
	}
}
