package plots

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"

	"deepopt/internal/atomicfile"
)

// Tiles draws equally sized grey images (a learned dictionary's atoms,
// filters, digits) side by side in a grid of cols columns as a PNG file at
// path, atomically. Each tile holds width×height values, row-major, and is
// scaled to its own range, its smallest value black and its largest white
// (a constant tile is mid grey), each value drawn as a square of scale
// pixels, with a white gap of scale pixels between tiles.
func Tiles(path string, tiles [][]float64, width, height, cols, scale int) error {
	switch {
	case len(tiles) == 0:
		return fmt.Errorf("plots: %s: no tiles to draw", path)
	case width < 1 || height < 1 || cols < 1 || scale < 1:
		return fmt.Errorf("plots: %s: tiles of %d×%d values in %d columns at scale %d; want each at least 1", path, width, height, cols, scale)
	}
	rows := (len(tiles) + cols - 1) / cols
	cell := func(n, size int) int { return n*(size+1)*scale + scale }
	img := image.NewGray(image.Rect(0, 0, cell(min(cols, len(tiles)), width), cell(rows, height)))
	for i := range img.Pix {
		img.Pix[i] = 255
	}
	for t, tile := range tiles {
		if len(tile) != width*height {
			return fmt.Errorf("plots: %s: tile %d has %d values, want %d×%d = %d", path, t, len(tile), width, height, width*height)
		}
		lo, hi := math.Inf(1), math.Inf(-1)
		for _, v := range tile {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
		x0, y0 := cell(t%cols, width), cell(t/cols, height)
		for k, v := range tile {
			grey := uint8(128)
			if hi > lo {
				grey = uint8(math.Round(255 * (v - lo) / (hi - lo)))
			}
			for dy := range scale {
				for dx := range scale {
					img.SetGray(x0+(k%width)*scale+dx, y0+(k/width)*scale+dy, color.Gray{Y: grey})
				}
			}
		}
	}
	return atomicfile.Write(path, func(w io.Writer) error { return png.Encode(w, img) })
}
