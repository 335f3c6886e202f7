package plots

import (
	"image/color"
	"math"
	"path/filepath"
	"strings"
	"testing"
)

// TestBoxPlotPlacesEachGroup draws a low group and a high one and finds each
// box by its fill colour: the first stands left of and below the second.
func TestBoxPlotPlacesEachGroup(t *testing.T) {
	path := filepath.Join(t.TempDir(), "boxes.png")
	fig := Boxes{Title: "test error", XLabel: "switch", YLabel: "error", Groups: []Group{
		{Name: "0", Values: []float64{0.1, 0.2, 0.4, 0.6, 0.9, math.NaN()}},
		{Name: "1/2", Values: []float64{10.1, 10.3, 10.5, 10.7, 10.9}},
	}}
	if err := BoxPlot(path, fig); err != nil {
		t.Fatal(err)
	}
	img := readPNG(t, path)
	centre := func(c color.Color) (x, y float64, n int) {
		want := color.NRGBAModel.Convert(c).(color.NRGBA)
		b := img.Bounds()
		for py := b.Min.Y; py < b.Max.Y; py++ {
			for px := b.Min.X; px < b.Max.X; px++ {
				if color.NRGBAModel.Convert(img.At(px, py)).(color.NRGBA) == want {
					x, y, n = x+float64(px), y+float64(py), n+1
				}
			}
		}
		return x / float64(n), y / float64(n), n
	}
	x0, y0, n0 := centre(palette[0])
	x1, y1, n1 := centre(palette[1])
	if n0 < 20 || n1 < 20 {
		t.Fatalf("boxes of %d and %d pixels; both groups must be drawn", n0, n1)
	}
	if x0 >= x1 || y0 <= y1 {
		t.Errorf("low group's box centred at (%.0f, %.0f), high group's at (%.0f, %.0f); want the first left of and below the second", x0, y0, x1, y1)
	}
}

func TestBoxPlotRejectsEmptyGroups(t *testing.T) {
	path := filepath.Join(t.TempDir(), "boxes.png")
	for _, bad := range []struct {
		fig      Boxes
		fragment string
	}{
		{Boxes{}, "no groups"},
		{Boxes{Groups: []Group{{Name: "a", Values: []float64{math.Inf(1)}}}}, `group "a" has no finite values`},
	} {
		if err := BoxPlot(path, bad.fig); err == nil || !strings.Contains(err.Error(), bad.fragment) {
			t.Errorf("error %v, want one mentioning %q", err, bad.fragment)
		}
	}
}
