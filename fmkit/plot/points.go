package plot

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Points is a named 2D point set for Scatter: X has one row per point,
// column 0 is x and column 1 is y.
type Points struct {
	Name  string
	X     *mat.Dense
	Color color.Color // nil: the next colour of the default cycle
}

// Bounds is a rectangle of the plane.
type Bounds struct {
	XMin, XMax, YMin, YMax float64
}

// BoundsOf returns the smallest rectangle holding the points of all the
// sets (columns 0 and 1; nil sets and non-finite values are skipped),
// widened by 5% of its size on each side. It returns [-1, 1]² when there
// are no points.
func BoundsOf(sets ...*mat.Dense) Bounds {
	b, ok := extent(sets...)
	if !ok {
		return Bounds{-1, 1, -1, 1}
	}
	return b.pad(0.05)
}

// extent returns the smallest rectangle holding the finite points of the
// sets, and false if there are none.
func extent(sets ...*mat.Dense) (Bounds, bool) {
	b := Bounds{math.Inf(1), math.Inf(-1), math.Inf(1), math.Inf(-1)}
	for _, x := range sets {
		if x == nil || x.IsEmpty() {
			continue
		}
		r, c := x.Dims()
		if c < 2 {
			continue
		}
		for i := range r {
			px, py := x.At(i, 0), x.At(i, 1)
			if !finite(px) || !finite(py) {
				continue
			}
			b.XMin, b.XMax = math.Min(b.XMin, px), math.Max(b.XMax, px)
			b.YMin, b.YMax = math.Min(b.YMin, py), math.Max(b.YMax, py)
		}
	}
	return b, b.XMin <= b.XMax
}

// pad widens b by frac of its size on each side; a side of zero size is
// widened by frac of the other side, or by 1 if both are zero.
func (b Bounds) pad(frac float64) Bounds {
	w, h := b.XMax-b.XMin, b.YMax-b.YMin
	s := math.Max(w, h)
	if s == 0 {
		s = 1 / frac
	}
	dx, dy := frac*w, frac*h
	if w == 0 {
		dx = frac * s
	}
	if h == 0 {
		dy = frac * s
	}
	return Bounds{b.XMin - dx, b.XMax + dx, b.YMin - dy, b.YMax + dy}
}

// Square returns the square with the same centre as b whose side is the
// larger side of b.
func (b Bounds) Square() Bounds {
	cx, cy := (b.XMin+b.XMax)/2, (b.YMin+b.YMax)/2
	h := math.Max(b.XMax-b.XMin, b.YMax-b.YMin) / 2
	return Bounds{cx - h, cx + h, cy - h, cy + h}
}

// Contains reports whether (x, y) is in b, edges included.
func (b Bounds) Contains(x, y float64) bool {
	return x >= b.XMin && x <= b.XMax && y >= b.YMin && y <= b.YMax
}

func (b Bounds) check() error {
	for _, v := range []float64{b.XMin, b.XMax, b.YMin, b.YMax} {
		if !finite(v) {
			return fmt.Errorf("bounds %+v are not finite", b)
		}
	}
	if b.XMin >= b.XMax || b.YMin >= b.YMax {
		return fmt.Errorf("bounds %+v are empty: need XMin < XMax and YMin < YMax", b)
	}
	return nil
}

// GridPoints returns the centres of the cells of an nx by ny grid over b,
// one row per point (x varies fastest). Evaluate a vector field at these
// points in one batch and pass both to QuiverAt.
func GridPoints(b Bounds, nx, ny int) *mat.Dense {
	if nx < 1 || ny < 1 {
		panic(fmt.Sprintf("plot.GridPoints: grid of %d x %d cells", nx, ny))
	}
	dx, dy := (b.XMax-b.XMin)/float64(nx), (b.YMax-b.YMin)/float64(ny)
	pts := mat.NewDense(nx*ny, 2, nil)
	for j := range ny {
		for i := range nx {
			pts.Set(j*nx+i, 0, b.XMin+(float64(i)+0.5)*dx)
			pts.Set(j*nx+i, 1, b.YMin+(float64(j)+0.5)*dy)
		}
	}
	return pts
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// checkPoints checks that x is a non-empty n x 2 matrix of finite values;
// what names x in the error message.
func checkPoints(what string, x *mat.Dense) (n int, err error) {
	if x == nil {
		return 0, fmt.Errorf("%s is nil", what)
	}
	if x.IsEmpty() {
		return 0, fmt.Errorf("%s has no points", what)
	}
	r, c := x.Dims()
	if c != 2 {
		return 0, fmt.Errorf("%s has %d columns, want 2 (x and y), one row per point", what, c)
	}
	for i := range r {
		for j := range 2 {
			if v := x.At(i, j); !finite(v) {
				return 0, fmt.Errorf("%s: point %d has %s = %v", what, i, []string{"x", "y"}[j], v)
			}
		}
	}
	return r, nil
}

// dotStyle returns the dot radius and opacity for a cloud of n points:
// large and nearly opaque for a few points, small and faint for many, so
// that dense regions stay readable.
func dotStyle(n int) (vg.Length, float64) {
	// Interpolate on log10(n) between (100 points: 2.6 pt, 0.9) and
	// (10000 points: 1.2 pt, 0.35).
	t := math.Min(1, math.Max(0, (math.Log10(float64(max(n, 1)))-2)/2))
	return vg.Length(2.6 - 1.4*t), 0.9 - 0.55*t
}

// dots draws filled circles; it is much lighter than plotter.Scatter for
// many points.
type dots struct {
	xy     *mat.Dense
	radius vg.Length
	colour color.Color
}

func (d *dots) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	c.SetColor(d.colour)
	r, _ := d.xy.Dims()
	for i := range r {
		c.Fill(circle(vg.Point{X: trX(d.xy.At(i, 0)), Y: trY(d.xy.At(i, 1))}, d.radius))
	}
}

// setRange sets the axis ranges of p to b.
func setRange(p *plot.Plot, b Bounds) {
	p.X.Min, p.X.Max = b.XMin, b.XMax
	p.Y.Min, p.Y.Max = b.YMin, b.YMax
}

// Scatter draws one or more labelled point clouds, in the order given (the
// last on top), with a legend naming those that have a name. Dots are small
// and semi-transparent, more so for large sets; ten thousand points draw in
// well under a second. Both axes have the same scale.
func Scatter(title string, sets ...Points) (*plot.Plot, error) {
	if len(sets) == 0 {
		return nil, fmt.Errorf("plot.Scatter %q: no point sets", title)
	}
	xs := make([]*mat.Dense, len(sets))
	for k, s := range sets {
		if _, err := checkPoints(setName(k, s.Name), s.X); err != nil {
			return nil, fmt.Errorf("plot.Scatter %q: %w", title, err)
		}
		xs[k] = s.X
	}
	p := newPanel(title, "x", "y")
	EqualAspect(p)
	for k, s := range sets {
		col := s.Color
		if col == nil {
			col = cycle[k%len(cycle)]
		}
		n, _ := s.X.Dims()
		r, a := dotStyle(n)
		p.Add(&dots{xy: s.X, radius: r, colour: withAlpha(col, a)})
		if s.Name != "" {
			addLegend(p, s.Name, dotThumb{opaque(col), 3.5})
		}
	}
	setRange(p, BoundsOf(xs...))
	return p, nil
}

func setName(k int, name string) string {
	if name != "" {
		return fmt.Sprintf("point set %d (%q)", k, name)
	}
	return fmt.Sprintf("point set %d", k)
}
