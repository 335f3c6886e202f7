package data

import (
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

// moments are a rendered shape's area and second central moments, measured
// from the pixels: each pixel counts with the fraction c = (v − bg)/(fg − bg)
// of it that the shape covers.
type moments struct {
	area, xx, yy, xy float64
}

// measure computes the moments of img (side×side) with the quantised grey
// levels of sh, at pixel centres.
func measure(sh shape, img []float64, side int) moments {
	bg, fg := math.Round(255*sh.bg)/255, math.Round(255*sh.fg)/255
	var m moments
	var sx, sy float64
	for row := range side {
		for col := range side {
			c := (img[row*side+col] - bg) / (fg - bg)
			x, y := float64(col)+0.5, float64(row)+0.5
			m.area += c
			sx += c * x
			sy += c * y
			m.xx += c * x * x
			m.yy += c * y * y
			m.xy += c * x * y
		}
	}
	cx, cy := sx/m.area, sy/m.area
	m.xx = m.xx/m.area - cx*cx
	m.yy = m.yy/m.area - cy*cy
	m.xy = m.xy/m.area - cx*cy
	return m
}

// invariant is √det(M)/area of the second-moment matrix M (per unit area):
// it is the same for every affine image of a figure, so it is 1/12 for every
// rectangle, 1/(4π) for every ellipse and 1/(6√3) for every triangle.
func (m moments) invariant() float64 {
	return math.Sqrt(m.xx*m.yy-m.xy*m.xy) / m.area
}

// aspect is the ratio of the short to the long principal axis, √(λmin/λmax)
// of M: the side ratio of a rectangle and the axis ratio of an ellipse, 1 for
// any figure with a three- or four-fold symmetry.
func (m moments) aspect() float64 {
	mean, diff := (m.xx+m.yy)/2, math.Hypot((m.xx-m.yy)/2, m.xy)
	return math.Sqrt((mean - diff) / (mean + diff))
}

// minorVariance is the smaller eigenvalue of M in square pixels: the
// measured moments carry a bias of about 0.1 square pixels from the
// boundary pixels, so their relative error is of order 0.1/minorVariance.
func (m moments) minorVariance() float64 {
	return (m.xx+m.yy)/2 - math.Hypot((m.xx-m.yy)/2, m.xy)
}

// perimeter is a figure's perimeter; for an ellipse Ramanujan's
// approximation, within 0.01% for the aspect ratios drawn.
func perimeter(r region) float64 {
	switch r := r.(type) {
	case polygon:
		sum := 0.0
		for i, a := range r {
			b := r[(i+1)%len(r)]
			sum += math.Hypot(b[0]-a[0], b[1]-a[1])
		}
		return sum
	case ellipse:
		h := (r.a - r.b) * (r.a - r.b) / ((r.a + r.b) * (r.a + r.b))
		return math.Pi * (r.a + r.b) * (1 + 3*h/(10+math.Sqrt(4-3*h)))
	}
	panic("unknown region")
}

// nearestClass is the class whose closed-form invariant is nearest to v.
func nearestClass(v float64) int {
	best := 0
	for c, w := range classInvariant {
		if math.Abs(v-w) < math.Abs(v-classInvariant[best]) {
			best = c
		}
	}
	return best
}

// classInvariant is the closed form of invariant for each class.
var classInvariant = [3]float64{1.0 / 12, 1 / (4 * math.Pi), 1 / (6 * math.Sqrt(3))}

// TestShapesGeometry draws shapes of both sets and checks them against closed
// forms, measured from the rendered pixels alone: the covered area matches
// the figure's area (πab for an ellipse, the shoelace formula for a polygon)
// within the sampling bound; the affine invariant of the second moments is
// its class's closed form, within the bias of the boundary pixels, and names
// the class for at least 95% of the shapes; the principal-axis ratio is 1
// for BasicShapes and 1 − irregularity for GeomShapes' rectangles and
// ellipses, within 0.03.
func TestShapesGeometry(t *testing.T) {
	const side, perClass = 32, 100
	rng := rand.New(rand.NewPCG(1, 2))
	img := make([]float64, side*side)
	worst := map[string]float64{}
	recognised := 0
	for _, set := range []ShapeSet{BasicShapes, GeomShapes} {
		for class := range 3 {
			for range perClass {
				sh := drawShape(rng, set, class, side)
				sh.render(img, side)
				m := measure(sh, img, side)
				want := sh.region.area()
				areaErr := math.Abs(m.area-want) / want
				invErr := math.Abs(m.invariant()-classInvariant[class]) / classInvariant[class]
				worst["area"] = max(worst["area"], areaErr)
				worst["invariant·λmin"] = max(worst["invariant·λmin"], invErr*m.minorVariance())
				// Sampling a straight edge on a grid of spacing 1/k misplaces it
				// by at most 1/(2k), so the area is off by at most the
				// perimeter over 2k.
				if bound := perimeter(sh.region) / (2 * shapeSupersample); math.Abs(m.area-want) > bound {
					t.Errorf("%v class %d: covered area %.2f, the figure's %.2f, more than %.2f apart", set, class, m.area, want, bound)
				}
				if invErr > 0.2/m.minorVariance() {
					t.Errorf("%v class %d: moment invariant %.4f, want %.4f (%s) within %.1f%%", set, class, m.invariant(), classInvariant[class], ShapeClasses[class], 20/m.minorVariance())
				}
				if nearestClass(m.invariant()) == class {
					recognised++
				}
				if set == BasicShapes && sh.irregularity != 0 {
					t.Errorf("basic class %d: irregularity %v, want 0", class, sh.irregularity)
				}
				if set == GeomShapes && class == 2 && !(sh.irregularity > 0 && sh.irregularity < 1) {
					t.Errorf("geom triangle: irregularity %v outside (0, 1)", sh.irregularity)
				}
				if set == BasicShapes || class < 2 {
					wantAspect := 1 - sh.irregularity
					aspectErr := math.Abs(m.aspect() - wantAspect)
					worst["aspect"] = max(worst["aspect"], aspectErr)
					if aspectErr > 0.03 {
						t.Errorf("%v class %d: principal axes in ratio %.3f, want %.3f", set, class, m.aspect(), wantAspect)
					}
				}
			}
		}
	}
	t.Logf("largest relative errors: %v; classes recognised by the invariant: %d of %d", worst, recognised, 6*perClass)
	if recognised < 6*perClass*95/100 {
		t.Errorf("the nearest closed-form invariant names the class of only %d of %d shapes", recognised, 6*perClass)
	}
}

// TestShapesSeparateSets checks that the classes of the two sets are told
// apart by their invariant (the three closed forms differ by at least 4%)
// while GeomShapes varies in shape and BasicShapes does not.
func TestShapesSeparateSets(t *testing.T) {
	basic, err := GenerateShapes(BasicShapes, 300, 32, 5)
	if err != nil {
		t.Fatal(err)
	}
	geom, err := GenerateShapes(GeomShapes, 300, 32, 5)
	if err != nil {
		t.Fatal(err)
	}
	if slices.Max(basic.Difficulty) != 0 || slices.Min(basic.Difficulty) != 0 {
		t.Errorf("BasicShapes difficulty in [%v, %v], want all 0", slices.Min(basic.Difficulty), slices.Max(basic.Difficulty))
	}
	if lo, hi := slices.Min(geom.Difficulty), slices.Max(geom.Difficulty); !(lo >= 0 && hi < 1 && hi-lo > 0.4) {
		t.Errorf("GeomShapes difficulty in [%v, %v], want a spread inside [0, 1)", lo, hi)
	}
}

// TestGenerateShapesDeterministicAndBalanced checks that a seed fixes the set,
// that another seed changes it, that classes are balanced and that pixels
// are grey levels in [0, 1] on the 256-level grid with a background and a
// shape at least the minimum contrast apart.
func TestGenerateShapesDeterministicAndBalanced(t *testing.T) {
	const n, side = 301, 32
	a, err := GenerateShapes(GeomShapes, n, side, 9)
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Validate(); err != nil {
		t.Fatal(err)
	}
	b, _ := GenerateShapes(GeomShapes, n, side, 9)
	if !slices.Equal(a.X, b.X) || !slices.Equal(a.Y, b.Y) || !slices.Equal(a.Difficulty, b.Difficulty) {
		t.Error("the same seed gives different sets")
	}
	c, _ := GenerateShapes(GeomShapes, n, side, 10)
	if slices.Equal(a.X, c.X) {
		t.Error("another seed gives the same images")
	}
	if !slices.Equal(a.Shape, []int{1, side, side}) || a.Classes != 3 {
		t.Errorf("shape %v, %d classes; want [1 32 32], 3", a.Shape, a.Classes)
	}
	counts := make([]int, 3)
	for _, y := range a.Y {
		counts[y]++
	}
	if !slices.Equal(counts, []int{101, 100, 100}) {
		t.Errorf("class counts %v, want [101 100 100]", counts)
	}
	if slices.Equal(a.Y[:30], c.Y[:30]) {
		t.Error("the labels' order does not depend on the seed")
	}
	for i := range n {
		img := a.X[i*side*side : (i+1)*side*side]
		for _, v32 := range img {
			// float32(k/255): within float32's rounding of a grey level.
			if v := float64(v32); v < 0 || v > 1 || math.Abs(v*255-math.Round(v*255)) > 1e-4 {
				t.Fatalf("example %d: pixel %v is not a grey level k/255 in [0, 1]", i, v)
			}
		}
		if contrast := float64(slices.Max(img) - slices.Min(img)); contrast < shapeMinContrast-1.0/255 {
			t.Errorf("example %d: contrast %.3f below the minimum %.1f", i, contrast, shapeMinContrast)
		}
	}
}

func TestGenerateShapesRejectsBadSizes(t *testing.T) {
	for _, tt := range []struct {
		set     ShapeSet
		n, side int
		want    string
	}{
		{BasicShapes, 10, 7, "image side 7 is too small"},
		{GeomShapes, 2, 32, "2 examples are too few"},
		{ShapeSet(7), 10, 32, "not a shape set"},
	} {
		if _, err := GenerateShapes(tt.set, tt.n, tt.side, 1); err == nil || !strings.Contains(err.Error(), tt.want) {
			t.Errorf("GenerateShapes(%v, %d, %d): error %v, want %q", tt.set, tt.n, tt.side, err, tt.want)
		}
	}
	if _, err := ParseShapeSet("squares"); err == nil || !strings.Contains(err.Error(), "basic") {
		t.Errorf("ParseShapeSet: error %v", err)
	}
}

// TestWriteShapesRoundTrip writes a set and reads it back exactly; a second
// write into the same folder is refused and leaves the files as they were.
func TestWriteShapesRoundTrip(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "basic")
	if err := WriteShapes(dir, BasicShapes, 30, 12, 4); err != nil {
		t.Fatal(err)
	}
	train, test, err := LoadShapes(dir, nil)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := GenerateShapes(BasicShapes, 30, ShapesSide, 4)
	if !slices.Equal(train.Values(), want.Values()) || !slices.Equal(train.Y, want.Y) || !slices.Equal(train.Difficulty, want.Difficulty) {
		t.Error("the training set read back differs from the generated one")
	}
	if test.Len() != 12 || slices.Equal(test.Values(), train.Values()[:len(test.Values())]) {
		t.Errorf("test set of %d examples, or the same images as the training set", test.Len())
	}
	before, _ := os.ReadFile(filepath.Join(dir, "train-images-idx3-ubyte.gz"))
	if err := WriteShapes(dir, GeomShapes, 30, 12, 5); err == nil || !strings.Contains(err.Error(), "already exists") {
		t.Errorf("second write: error %v, want a refusal", err)
	}
	after, _ := os.ReadFile(filepath.Join(dir, "train-images-idx3-ubyte.gz"))
	if !slices.Equal(before, after) {
		t.Error("a refused write changed the files")
	}
	empty := filepath.Join(t.TempDir(), "none")
	if err := WriteShapes(empty, BasicShapes, 1, 12, 4); err == nil || !strings.Contains(err.Error(), "too few") {
		t.Errorf("too few examples: error %v", err)
	}
	if _, err := os.Stat(empty); err == nil {
		t.Error("a refused write created the folder")
	}
	if _, _, err := LoadShapes("", nil); err == nil || !strings.Contains(err.Error(), "train shapes") {
		t.Errorf("empty dir: error %v", err)
	}
	if _, _, err := LoadMNIST(dir, nil); err == nil || !strings.Contains(err.Error(), "dims [30 32 32]") {
		t.Errorf("shapes read as MNIST: error %v", err)
	}
}
