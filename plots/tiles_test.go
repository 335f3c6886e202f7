package plots

import (
	"image/png"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestTiles draws three 2×1 tiles in two columns at scale 2 and reads the
// pixels back: each tile spans black to white, a constant one is mid grey,
// gaps are white.
func TestTiles(t *testing.T) {
	path := filepath.Join(t.TempDir(), "tiles.png")
	if err := Tiles(path, [][]float64{{-1, 3}, {5, 2}, {7, 7}}, 2, 1, 2, 2); err != nil {
		t.Fatal(err)
	}
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	img, err := png.Decode(f)
	if err != nil {
		t.Fatal(err)
	}
	// Width: 2 columns × (2 values + 1 gap) × 2 px + 2 px = 14; height: 2
	// rows × (1 + 1) × 2 + 2 = 10.
	if b := img.Bounds(); b.Dx() != 14 || b.Dy() != 10 {
		t.Fatalf("image is %v, want 14×10", b)
	}
	grey := func(x, y int) uint32 { r, _, _, _ := img.At(x, y).RGBA(); return r >> 8 }
	for _, p := range []struct {
		x, y int
		want uint32
	}{
		{0, 0, 255},                       // gap
		{2, 2, 0}, {3, 3, 0}, {4, 2, 255}, // tile 0: −1 black, 3 white
		{8, 2, 255}, {10, 3, 0}, // tile 1: 5 white, 2 black
		{2, 6, 128}, {4, 7, 128}, // tile 2: constant
		{8, 6, 255}, // no tile 3
	} {
		if got := grey(p.x, p.y); got != p.want {
			t.Errorf("pixel (%d, %d) = %d, want %d", p.x, p.y, got, p.want)
		}
	}
	for _, bad := range []struct {
		tiles    [][]float64
		fragment string
	}{
		{nil, "no tiles"},
		{[][]float64{{1, 2, 3}}, "tile 0 has 3 values, want 2×1 = 2"},
	} {
		if err := Tiles(path, bad.tiles, 2, 1, 2, 2); err == nil || !strings.Contains(err.Error(), bad.fragment) {
			t.Errorf("error %v, want one mentioning %q", err, bad.fragment)
		}
	}
}
