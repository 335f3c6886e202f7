// Package plots draws deepopt's figures (learning curves, percentile bands,
// probe ranges) as PNG files with gonum/plot. It has one job: turn named
// series into a readable line chart, so that every report in the project
// looks alike and no package carries plotting code of its own.
package plots

import (
	"errors"
	"fmt"
	"image/color"
	"io"
	"math"
	"strconv"

	"deepopt/internal/atomicfile"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/plotutil"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Figure is one line chart.
type Figure struct {
	Title, XLabel, YLabel string
	// LogX and LogY use logarithmic axes (values must then be positive).
	LogX, LogY bool
	// Legend places the legend: "" or "top right", "top left",
	// "bottom right", "bottom left" — wherever the curves leave room.
	Legend string
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

// Size is the size of every figure: readable in a Markdown report.
const (
	width  = 16 * vg.Centimeter
	height = 10 * vg.Centimeter
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
		p.X.Scale, p.X.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	}
	if fig.LogY {
		p.Y.Scale, p.Y.Tick.Marker = plot.LogScale{}, plot.LogTicks{Prec: -1}
	}
	p.Add(plotter.NewGrid())
	switch fig.Legend {
	case "", "top right":
		p.Legend.Top = true
	case "top left":
		p.Legend.Top, p.Legend.Left = true, true
	case "bottom right":
	case "bottom left":
		p.Legend.Left = true
	default:
		return fmt.Errorf("plots: %s: legend position %q; valid: top right, top left, bottom right, bottom left", path, fig.Legend)
	}
	// Keep the legend a little off the frame, towards the middle.
	inset := vg.Points(6)
	p.Legend.XOffs, p.Legend.YOffs = -inset, inset
	if p.Legend.Left {
		p.Legend.XOffs = inset
	}
	if p.Legend.Top {
		p.Legend.YOffs = -inset
	}
	p.Legend.TextStyle.Font.Size = vg.Points(9)
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
		p.Legend.Add(s.Name, line)
	}
	w, err := p.WriterTo(width, height, "png")
	if err != nil {
		return fmt.Errorf("plots: %s: %w", path, err)
	}
	return atomicfile.Write(path, func(out io.Writer) error {
		_, err := w.WriteTo(out)
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
