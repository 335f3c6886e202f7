package plots

import (
	"fmt"
	"io"
	"math"

	"deepopt/internal/atomicfile"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

// Boxes is a box-plot figure: one box per group of values (a metric's
// final values over seeds, one group per setting), so that a reader sees
// each setting's median, quartiles and range side by side, as Bengio et al.
// (2009) show test error per switch point.
type Boxes struct {
	Title, XLabel, YLabel string
	Groups                []Group
}

// Group is one box: its label on the x axis and its values (non-finite
// values are left out).
type Group struct {
	Name   string
	Values []float64
}

// BoxPlot draws fig into a PNG file at path, atomically: boxes span the
// quartiles with the median marked, whiskers reach the furthest values
// within 1.5 interquartile ranges (Tukey's rule, gonum's BoxPlot), and
// values beyond them are drawn as points.
func BoxPlot(path string, fig Boxes) error {
	if len(fig.Groups) == 0 {
		return fmt.Errorf("plots: %s: no groups to draw", path)
	}
	p := plot.New()
	p.Title.Text = fig.Title
	p.X.Label.Text = fig.XLabel
	p.Y.Label.Text = fig.YLabel
	p.Y.Tick.Marker = compactTicks{}
	p.Add(plotter.NewGrid())
	names := make([]string, len(fig.Groups))
	for i, g := range fig.Groups {
		var values plotter.Values
		for _, v := range g.Values {
			if !math.IsNaN(v) && !math.IsInf(v, 0) {
				values = append(values, v)
			}
		}
		if len(values) == 0 {
			return fmt.Errorf("plots: %s: group %q has no finite values", path, g.Name)
		}
		box, err := plotter.NewBoxPlot(vg.Points(20), float64(i), values)
		if err != nil {
			return fmt.Errorf("plots: %s: group %q: %w", path, g.Name, err)
		}
		box.FillColor = palette[i%len(palette)]
		p.Add(box)
		names[i] = g.Name
	}
	p.NominalX(names...)
	img := vgimg.New(width, height)
	p.Draw(draw.New(img))
	return atomicfile.Write(path, func(out io.Writer) error {
		_, err := vgimg.PngCanvas{Canvas: img}.WriteTo(out)
		return err
	})
}
