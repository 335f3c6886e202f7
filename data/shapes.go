package data

import (
	"fmt"
	"math"
	"math/rand/v2"
)

// ShapeSet is one of the two synthetic shape sets of Bengio et al. (2009,
// section 5, "Shape Recognition"): grey images of one rectangle, ellipse or
// triangle each, where BasicShapes holds only their regular special cases.
type ShapeSet int

// The shape sets. Both have the same three classes, ShapeClasses.
const (
	// BasicShapes draws squares, circles and equilateral triangles: the easy
	// set, with less variability in shape.
	BasicShapes ShapeSet = iota + 1
	// GeomShapes draws rectangles, ellipses and arbitrary triangles.
	GeomShapes
)

// ShapeClasses names the class labels 0, 1 and 2 of both shape sets. A
// square is a rectangle and a circle an ellipse, so a network trained on
// BasicShapes can be evaluated on GeomShapes.
var ShapeClasses = [3]string{"rectangle", "ellipse", "triangle"}

// The geometry of the generator, in pixels of an image of side S. Every shape
// lies inside a bounding circle of radius R, drawn uniformly from
// [S/8, S/2 − 1] and centred uniformly where the circle fits inside the
// image, so no shape is ever cut off. Bengio et al. constrain shapes to fit
// in the image and impose a minimum size and a minimum contrast between
// foreground and background; these are our choices of those minima.
const (
	// MinShapeSide is the smallest image side GenerateShapes accepts: the
	// smallest shape then spans at least 2 pixels across.
	MinShapeSide = 8
	// shapeMinContrast is the least difference of the foreground and
	// background grey levels, both uniform in [0, 1].
	shapeMinContrast = 0.3
	// shapeMinAspect is the smallest ratio of the short to the long side of
	// a GeomShapes rectangle (or axis of an ellipse).
	shapeMinAspect = 0.4
	// shapeMinAngle is the smallest interior angle of a GeomShapes
	// triangle, which keeps slivers out.
	shapeMinAngle = 20 * math.Pi / 180
	// shapeSupersample is the number of sample points per pixel along each
	// axis: a pixel's grey level mixes foreground and background by the
	// fraction of its 16 sample points inside the shape (anti-aliasing).
	shapeSupersample = 4
)

// String returns "basic" or "geom", the names ParseShapeSet accepts.
func (s ShapeSet) String() string {
	switch s {
	case BasicShapes:
		return "basic"
	case GeomShapes:
		return "geom"
	}
	return fmt.Sprintf("ShapeSet(%d)", int(s))
}

// ParseShapeSet returns the set named "basic" or "geom".
func ParseShapeSet(name string) (ShapeSet, error) {
	for _, s := range []ShapeSet{BasicShapes, GeomShapes} {
		if name == s.String() {
			return s, nil
		}
	}
	return 0, fmt.Errorf("shapes: set %q is unknown; valid: basic (squares, circles, equilateral triangles) or geom (rectangles, ellipses, arbitrary triangles)", name)
}

// GenerateShapes draws n images of side×side grey pixels from set, a
// seeded and reproducible function of (set, n, side, seed). The classes are
// balanced: the labels are [0, 1, 2, 0, 1, 2, …] in a seeded random order.
// Each image has a uniform background and one shape of a uniform foreground
// grey level, both in [0, 1] and at least 0.3 apart, at a random position,
// size and orientation; pixels on the boundary mix the two levels by the
// fraction of the pixel the shape covers. Pixels are quantised to 256 grey
// levels, so that the set survives a round trip through IDX files exactly.
//
// Difficulty holds each example's irregularity, 0 for a regular shape: for
// rectangles and ellipses 1 − short/long side (or axis), for triangles
// 1 − 4√3·area/(a²+b²+c²), which is 0 for the equilateral triangle and
// tends to 1 as it degenerates. BasicShapes are all 0.
func GenerateShapes(set ShapeSet, n, side int, seed uint64) (*Dataset, error) {
	return generateShapes(set, n, side, seed, 0)
}

// generateShapes is GenerateShapes drawing from PCG stream 2·set + stream,
// so that a training set (stream 0) and a test set (stream 1) of one seed
// are independent.
func generateShapes(set ShapeSet, n, side int, seed uint64, stream uint64) (*Dataset, error) {
	if set != BasicShapes && set != GeomShapes {
		return nil, fmt.Errorf("shapes: %v is not a shape set; use BasicShapes or GeomShapes", set)
	}
	if side < MinShapeSide {
		return nil, fmt.Errorf("shapes: image side %d is too small: want at least %d pixels so that the smallest shape spans 2 pixels", side, MinShapeSide)
	}
	if n < len(ShapeClasses) {
		return nil, fmt.Errorf("shapes: %d examples are too few: want at least %d, one per class", n, len(ShapeClasses))
	}
	rng := rand.New(rand.NewPCG(seed, 2*uint64(set)+stream))
	ds := &Dataset{
		X:          make([]float32, n*side*side),
		Shape:      []int{1, side, side},
		Y:          make([]int, n),
		Classes:    len(ShapeClasses),
		Difficulty: make([]float64, n),
	}
	for i := range ds.Y {
		ds.Y[i] = i % len(ShapeClasses)
	}
	rng.Shuffle(n, func(i, j int) { ds.Y[i], ds.Y[j] = ds.Y[j], ds.Y[i] })
	img := make([]float64, side*side)
	for i, class := range ds.Y {
		s := drawShape(rng, set, class, float64(side))
		ds.Difficulty[i] = s.irregularity
		s.render(img, side)
		for j, v := range img {
			ds.X[i*side*side+j] = float32(v) // as LoadShapes reads k/255 back
		}
	}
	return ds, nil
}

// shape is one drawn example: a region, its grey levels and irregularity.
type shape struct {
	region       region
	fg, bg       float64
	irregularity float64
}

// region is a closed plane figure in pixel coordinates.
type region interface {
	contains(x, y float64) bool
	area() float64
}

// drawShape draws a shape of the given class from set in an image of side
// s, with its grey levels.
func drawShape(rng *rand.Rand, set ShapeSet, class int, s float64) shape {
	radius := s/8 + rng.Float64()*(s/2-1-s/8)
	cx := radius + rng.Float64()*(s-2*radius)
	cy := radius + rng.Float64()*(s-2*radius)
	theta := 2 * math.Pi * rng.Float64()
	aspect := 1.0
	if set == GeomShapes && class != 2 {
		aspect = shapeMinAspect + rng.Float64()*(1-shapeMinAspect)
	}
	var sh shape
	switch class {
	case 0: // a rectangle of half-diagonal radius and sides in ratio aspect
		half := math.Atan(aspect)
		sh.region = polygonOnCircle(cx, cy, radius, theta-half, theta+half, theta+math.Pi-half, theta+math.Pi+half)
		sh.irregularity = 1 - aspect
	case 1:
		sh.region = ellipse{cx: cx, cy: cy, a: radius, b: aspect * radius, theta: theta}
		sh.irregularity = 1 - aspect
	case 2: // a triangle inscribed in the bounding circle
		angles := [3]float64{0, 2 * math.Pi / 3, 4 * math.Pi / 3}
		if set == GeomShapes {
			angles = triangleAngles(rng)
		}
		t := polygonOnCircle(cx, cy, radius, theta+angles[0], theta+angles[1], theta+angles[2])
		sh.region = t
		if set == GeomShapes {
			sh.irregularity = 1 - triangleQuality(t)
		}
	}
	for {
		sh.fg, sh.bg = rng.Float64(), rng.Float64()
		if math.Abs(sh.fg-sh.bg) >= shapeMinContrast {
			return sh
		}
	}
}

// triangleAngles draws the polar angles of three points on a circle, sorted,
// until the triangle they span has no interior angle below shapeMinAngle.
// Every triangle is inscribed in its circumcircle, so this reaches every
// triangle shape; the interior angle at a vertex is half the arc opposite it.
func triangleAngles(rng *rand.Rand) [3]float64 {
	for {
		a := [3]float64{0, 2 * math.Pi * rng.Float64(), 2 * math.Pi * rng.Float64()}
		if a[1] > a[2] {
			a[1], a[2] = a[2], a[1]
		}
		arcs := [3]float64{a[1] - a[0], a[2] - a[1], 2*math.Pi - a[2]}
		if min(arcs[0], arcs[1], arcs[2])/2 >= shapeMinAngle {
			return a
		}
	}
}

// render fills img (side×side, row-major, y down) with the shape's grey
// levels, each pixel quantised to a multiple of 1/255.
func (sh shape) render(img []float64, side int) {
	const k = shapeSupersample
	for row := range side {
		for col := range side {
			inside := 0
			for i := range k {
				for j := range k {
					if sh.region.contains(float64(col)+(float64(j)+0.5)/k, float64(row)+(float64(i)+0.5)/k) {
						inside++
					}
				}
			}
			v := sh.bg + (sh.fg-sh.bg)*float64(inside)/(k*k)
			img[row*side+col] = math.Round(255*v) / 255
		}
	}
}

// polygon is a convex polygon with its vertices in counter-clockwise order
// (increasing polar angle).
type polygon [][2]float64

// polygonOnCircle returns the polygon whose vertices lie on the circle of
// radius r about (cx, cy) at the given increasing polar angles.
func polygonOnCircle(cx, cy, r float64, angles ...float64) polygon {
	p := make(polygon, len(angles))
	for i, a := range angles {
		p[i] = [2]float64{cx + r*math.Cos(a), cy + r*math.Sin(a)}
	}
	return p
}

// contains reports whether (x, y) lies left of (or on) every edge.
func (p polygon) contains(x, y float64) bool {
	for i, a := range p {
		b := p[(i+1)%len(p)]
		if (b[0]-a[0])*(y-a[1])-(b[1]-a[1])*(x-a[0]) < 0 {
			return false
		}
	}
	return true
}

// area is the shoelace formula.
func (p polygon) area() float64 {
	sum := 0.0
	for i, a := range p {
		b := p[(i+1)%len(p)]
		sum += a[0]*b[1] - b[0]*a[1]
	}
	return math.Abs(sum) / 2
}

// triangleQuality is 4√3·area/(a²+b²+c²) of a triangle: 1 for the
// equilateral triangle, less for any other, 0 for a degenerate one.
func triangleQuality(t polygon) float64 {
	squares := 0.0
	for i, a := range t {
		b := t[(i+1)%3]
		squares += (b[0]-a[0])*(b[0]-a[0]) + (b[1]-a[1])*(b[1]-a[1])
	}
	return 4 * math.Sqrt(3) * t.area() / squares
}

// ellipse has semi-axes a (along the direction theta) and b about (cx, cy).
type ellipse struct{ cx, cy, a, b, theta float64 }

func (e ellipse) contains(x, y float64) bool {
	sin, cos := math.Sincos(e.theta)
	dx, dy := x-e.cx, y-e.cy
	u, v := (cos*dx+sin*dy)/e.a, (-sin*dx+cos*dy)/e.b
	return u*u+v*v <= 1
}

func (e ellipse) area() float64 { return math.Pi * e.a * e.b }
