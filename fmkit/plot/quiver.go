package plot

import (
	"fmt"
	"image/color"
	"math"
	"slices"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// maxGrid bounds the number of arrows per side of a Quiver grid.
const maxGrid = 200

// Quiver draws the vector field v as arrows at the centres of the cells of
// an nx by ny grid over the rectangle grid. Arrows are centred on their
// point and scaled together so that the longest is about one cell long;
// their colour goes from light green (short) to dark purple (long), and a
// colour key above the panel gives the magnitudes they encode. Both axes have the same
// scale, so arrows point in their true directions.
//
// To draw a field that is evaluated in one batch (a neural network, say),
// evaluate it at GridPoints(grid, nx, ny) and use QuiverAt.
func Quiver(title string, grid Bounds, nx, ny int, v func(x, y float64) (float64, float64)) (*plot.Plot, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("plot.Quiver %q: %s", title, fmt.Sprintf(format, args...))
	}
	if v == nil {
		return nil, fail("the vector field function is nil")
	}
	if err := grid.check(); err != nil {
		return nil, fail("grid %v", err)
	}
	if nx < 1 || ny < 1 || nx > maxGrid || ny > maxGrid {
		return nil, fail("grid of %d x %d arrows, want 1 to %d per side", nx, ny, maxGrid)
	}
	pts := GridPoints(grid, nx, ny)
	vel := mat.NewDense(nx*ny, 2, nil)
	for i := range nx * ny {
		x, y := pts.At(i, 0), pts.At(i, 1)
		vx, vy := v(x, y)
		if !finite(vx) || !finite(vy) {
			return nil, fail("v(%g, %g) = (%v, %v) is not finite", x, y, vx, vy)
		}
		vel.Set(i, 0, vx)
		vel.Set(i, 1, vy)
	}
	cell := math.Min((grid.XMax-grid.XMin)/float64(nx), (grid.YMax-grid.YMin)/float64(ny))
	return quiver(title, pts, vel, cell, grid), nil
}

// QuiverAt draws the vectors vel[i] (row i, columns x and y) as arrows at
// the points pts[i], like Quiver: centred, scaled so that the longest is
// about as long as the typical distance between neighbouring points,
// coloured by magnitude.
func QuiverAt(title string, pts, vel *mat.Dense) (*plot.Plot, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("plot.QuiverAt %q: %s", title, fmt.Sprintf(format, args...))
	}
	n, err := checkPoints("points", pts)
	if err != nil {
		return nil, fail("%v", err)
	}
	m, err := checkPoints("vectors", vel)
	if err != nil {
		return nil, fail("%v", err)
	}
	if m != n {
		return nil, fail("%d vectors for %d points", m, n)
	}
	cell := spacing(pts)
	b, _ := extent(pts)
	// Room for the arrows at the edges, and a small margin.
	margin := math.Max(0.55*cell, 0.03*math.Max(b.XMax-b.XMin, b.YMax-b.YMin))
	b = Bounds{b.XMin - margin, b.XMax + margin, b.YMin - margin, b.YMax + margin}
	return quiver(title, pts, vel, cell, b), nil
}

// spacing returns the median distance from a point of pts to its nearest
// neighbour (over a sample of at most 400 points), the size of the "cell"
// that an arrow may fill; for a grid it is the grid step.
func spacing(pts *mat.Dense) float64 {
	n, _ := pts.Dims()
	if n < 2 {
		return 1
	}
	stride := max(1, n/400)
	var nearest []float64
	for i := 0; i < n; i += stride {
		best := math.Inf(1)
		for j := range n {
			if j == i {
				continue
			}
			dx, dy := pts.At(i, 0)-pts.At(j, 0), pts.At(i, 1)-pts.At(j, 1)
			if d := dx*dx + dy*dy; d > 0 && d < best {
				best = d
			}
		}
		if !math.IsInf(best, 1) {
			nearest = append(nearest, math.Sqrt(best))
		}
	}
	if len(nearest) == 0 { // all points equal
		return 1
	}
	slices.Sort(nearest)
	return nearest[len(nearest)/2]
}

// arrowColour is the colour of an arrow of relative magnitude t in [0, 1]:
// part of viridis, reversed, so that long arrows are dark and short ones
// stay visible on white.
func arrowColour(t float64) color.NRGBA { return viridis(0.82 * (1 - t)) }

func quiver(title string, pts, vel *mat.Dense, cell float64, b Bounds) *plot.Plot {
	n, _ := pts.Dims()
	top := 0.0
	for i := range n {
		top = math.Max(top, math.Hypot(vel.At(i, 0), vel.At(i, 1)))
	}
	p := newPanel(title, "x", "y")
	EqualAspect(p)
	p.Add(&arrows{pts: pts, vel: vel, top: top, scale: 0.9 * cell / math.Max(top, 1e-300)})
	// The colour key: arrow colours from |v| = 0 (left) to the longest (right).
	addColourKey(p, fmt.Sprintf("|v| from 0 to %.3g", top), arrowColour, false)
	setRange(p, b)
	return p
}

// arrows draws vectors as arrows centred on their points.
type arrows struct {
	pts, vel *mat.Dense
	top      float64 // largest magnitude
	scale    float64 // data units per unit of velocity
}

func (a *arrows) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	n, _ := a.pts.Dims()
	order := make([]int, n) // short arrows first, long ones on top
	mags := make([]float64, n)
	for i := range n {
		order[i] = i
		mags[i] = math.Hypot(a.vel.At(i, 0), a.vel.At(i, 1))
	}
	slices.SortFunc(order, func(i, j int) int { return cmpFloat(mags[i], mags[j]) })
	for _, i := range order {
		x, y := a.pts.At(i, 0), a.pts.At(i, 1)
		hx, hy := a.vel.At(i, 0)*a.scale/2, a.vel.At(i, 1)*a.scale/2
		tail := vg.Point{X: trX(x - hx), Y: trY(y - hy)}
		head := vg.Point{X: trX(x + hx), Y: trY(y + hy)}
		t := 0.0
		if a.top > 0 {
			t = mags[i] / a.top
		}
		drawArrow(&c, tail, head, arrowColour(t), vg.Points(1.1))
	}
}

func cmpFloat(a, b float64) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// drawArrow draws an arrow from tail to head: a shaft and a filled head
// whose size follows the arrow's length up to a maximum. Arrows shorter
// than a point are drawn as dots.
func drawArrow(c *draw.Canvas, tail, head vg.Point, col color.Color, width vg.Length) {
	d := head.Sub(tail)
	l := vg.Length(math.Hypot(float64(d.X), float64(d.Y)))
	if l < 1 {
		c.SetColor(col)
		c.Fill(circle(head.Add(tail).Scale(0.5), 0.7*width))
		return
	}
	u := d.Scale(1 / l)                 // unit direction
	nrm := vg.Point{X: -u.Y, Y: u.X}    // unit normal
	hl := min(0.4*l, vg.Points(7))      // head length
	hw := max(0.45*hl, 0.9*width)       // head half-width
	base := head.Sub(u.Scale(hl * 0.9)) // shaft ends inside the head
	c.StrokeLine2(draw.LineStyle{Color: col, Width: width}, tail.X, tail.Y, base.X, base.Y)
	back := head.Sub(u.Scale(hl))
	var tri vg.Path
	tri.Move(head)
	tri.Line(back.Add(nrm.Scale(hw)))
	tri.Line(back.Sub(nrm.Scale(hw)))
	tri.Close()
	c.SetColor(col)
	c.Fill(tri)
}

// arrowThumb is a legend thumbnail showing an arrow.
type arrowThumb struct{ colour color.Color }

func (t arrowThumb) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	drawArrow(c, vg.Point{X: c.Min.X, Y: y}, vg.Point{X: c.Max.X, Y: y}, t.colour, vg.Points(1.1))
}
