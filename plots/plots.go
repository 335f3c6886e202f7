// Package plots draws deepopt's figures (learning curves, percentile bands,
// probe ranges) as PNG files with gonum/plot, and grids of grey image tiles
// (a dictionary's atoms). It has one job: turn named series or images into
// a readable figure, so that every report in the project looks alike and no
// package carries plotting code of its own.
package plots

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"slices"
	"strconv"

	"deepopt/internal/atomicfile"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Figure is one line chart.
type Figure struct {
	Title, XLabel, YLabel string
	// LogX and LogY use logarithmic axes (values must then be positive),
	// labelled at 1, 2 and 5 times each power of ten.
	LogX, LogY bool
	// Series are drawn in order; their legend stands to the right of the
	// data, where no curve can run through it.
	Series []Series
}

// Series is one line of a Figure, with an optional shaded band.
type Series struct {
	// Name is the legend entry.
	Name string
	// X and Y are the line's points; points with a non-finite coordinate
	// are left out.
	X, Y []float64
	// Low and High, when both are set (same length as X), draw a shaded band
	// behind the line: a spread over seeds, a percentile range, a min–max
	// range.
	Low, High []float64
}

// Size is the size of every figure's plot (the legend widens it): readable
// in a Markdown report.
const (
	width  = 16 * vg.Centimeter
	height = 10 * vg.Centimeter
	// gap separates the legend from the plot and the image's edge.
	gap = 6 * vg.Millimeter
)

// Lines draws fig into a PNG file at path, atomically.
func Lines(path string, fig Figure) error {
	p := plot.New()
	p.Title.Text = fig.Title
	p.X.Label.Text = fig.XLabel
	p.Y.Label.Text = fig.YLabel
	p.Title.TextStyle.Font.Size = vg.Points(13)
	for _, ax := range []*plot.Axis{&p.X, &p.Y} {
		ax.Label.TextStyle.Font.Size = vg.Points(11)
		ax.Tick.Label.Font.Size = vg.Points(9)
	}
	p.X.Tick.Marker, p.Y.Tick.Marker = compactTicks{}, compactTicks{}
	if fig.LogX {
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, logTicks{}
	}
	if fig.LogY {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, logTicks{}
	}
	p.Add(plotter.NewGrid())
	legend := plot.NewLegend()
	legend.Top, legend.Left = true, true
	legend.TextStyle.Font.Size = vg.Points(9)
	legend.Padding = vg.Points(4) // entries apart, not touching
	if len(fig.Series) == 0 {
		return fmt.Errorf("plots: %s: no series to draw", path)
	}
	for i, s := range fig.Series {
		if len(s.Y) != len(s.X) {
			return fmt.Errorf("plots: %s: series %q has %d x and %d y values", path, s.Name, len(s.X), len(s.Y))
		}
		c := palette[i%len(palette)]
		if s.Low != nil || s.High != nil {
			band, err := bandPolygon(s, c, fig)
			if err != nil {
				return fmt.Errorf("plots: %s: series %q: %w", path, s.Name, err)
			}
			if band != nil {
				p.Add(band)
			}
		}
		pts := points(s.X, s.Y, fig)
		if len(pts) == 0 {
			return fmt.Errorf("plots: %s: series %q has no finite points", path, s.Name)
		}
		line, err := plotter.NewLine(pts)
		if err != nil {
			return fmt.Errorf("plots: %s: series %q: %w", path, s.Name, err)
		}
		line.Color = c
		line.Width = vg.Points(1.5)
		line.Dashes = plotutil.Dashes(i / len(palette))
		p.Add(line)
		legend.Add(s.Name, line)
	}
	// The plot keeps its size; the legend gets a strip of its own to the
	// right, top-aligned with the data area below the title.
	r := legend.Rectangle(draw.Canvas{})
	strip := r.Max.X - r.Min.X + 2*gap
	img := vgimg.New(width+strip, height)
	c := draw.New(img)
	p.Draw(draw.Crop(c, 0, -strip, 0, 0))
	legend.Draw(draw.Crop(c, width+gap, -gap, 0, -p.Title.TextStyle.Height(fig.Title)-gap))
	return atomicfile.Write(path, func(out io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(out)
		return err
	})
}

// points keeps the finite points (positive ones on a log axis).
func points(x, y []float64, fig Figure) plotter.XYs {
	var pts plotter.XYs
	for i := range x {
		if usable(x[i], fig.LogX) && usable(y[i], fig.LogY) {
			pts = append(pts, plotter.XY{X: x[i], Y: y[i]})
		}
	}
	return pts
}

func usable(v float64, logAxis bool) bool {
	return !math.IsNaN(v) && !math.IsInf(v, 0) && (!logAxis || v > 0)
}

// palette colours the series in order: Okabe & Ito's colour-blind-safe
// palette (2008) without its yellow, which is faint on white. Its seven
// colours stay distinct side by side, unlike plotutil's default red and
// brown; the eighth series starts over with dashes.
var palette = []color.Color{
	color.NRGBA{R: 0, G: 114, B: 178, A: 255},   // blue
	color.NRGBA{R: 213, G: 94, B: 0, A: 255},    // vermillion
	color.NRGBA{R: 0, G: 158, B: 115, A: 255},   // bluish green
	color.NRGBA{R: 204, G: 121, B: 167, A: 255}, // reddish purple
	color.NRGBA{R: 230, G: 159, B: 0, A: 255},   // orange
	color.NRGBA{R: 86, G: 180, B: 233, A: 255},  // sky blue
	color.NRGBA{R: 0, G: 0, B: 0, A: 255},       // black
}

// bandPolygon shades the area between Low and High, translucent in the
// series' colour.
func bandPolygon(s Series, c color.Color, fig Figure) (*plotter.Polygon, error) {
	if len(s.Low) != len(s.X) || len(s.High) != len(s.X) {
		return nil, errors.New("a band needs Low and High with one value per x")
	}
	lower, upper := points(s.X, s.Low, fig), points(s.X, s.High, fig)
	if len(lower) == 0 || len(upper) == 0 {
		return nil, nil
	}
	ring := append(plotter.XYs{}, lower...)
	for i := len(upper) - 1; i >= 0; i-- {
		ring = append(ring, upper[i])
	}
	poly, err := plotter.NewPolygon(ring)
	if err != nil {
		return nil, err
	}
	r, g, b, _ := c.RGBA()
	poly.Color = color.NRGBA{R: uint8(r >> 8), G: uint8(g >> 8), B: uint8(b >> 8), A: 60}
	poly.LineStyle = draw.LineStyle{}
	return poly, nil
}

// compactTicks are gonum's default ticks labelled without trailing zeros
// ("250", not "250.00").
type compactTicks struct{}

// Ticks implements plot.Ticker.
func (compactTicks) Ticks(lo, hi float64) []plot.Tick {
	ticks := plot.DefaultTicks{}.Ticks(lo, hi)
	for i := range ticks {
		if ticks[i].Label != "" {
			ticks[i].Label = strconv.FormatFloat(ticks[i].Value, 'g', 6, 64)
		}
	}
	return ticks
}

// logTicks mark a logarithmic axis at every integer multiple of each power
// of ten, labelling 1, 2 and 5 times it, so that even a range shorter than
// a decade (500 to 3000 steps) reads at 500, 1000 and 2000. A range over
// more than four decades labels the powers of ten alone, which stay apart.
type logTicks struct{}

// Ticks implements plot.Ticker.
func (logTicks) Ticks(lo, hi float64) []plot.Tick {
	labelled := []float64{1, 2, 5}
	if math.Log10(hi/lo) > 4 {
		labelled = []float64{1}
	}
	var ticks []plot.Tick
	for decade := math.Pow10(int(math.Floor(math.Log10(lo)))); decade <= hi; decade *= 10 {
		for m := 1.0; m < 10; m++ {
			v := decade * m
			if v < lo*(1-1e-9) || v > hi*(1+1e-9) {
				continue
			}
			t := plot.Tick{Value: v}
			if slices.Contains(labelled, m) {
				t.Label = strconv.FormatFloat(v, 'g', 6, 64)
			}
			ticks = append(ticks, t)
		}
	}
	return ticks
}
