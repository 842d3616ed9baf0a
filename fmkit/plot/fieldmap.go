package plot

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// blues returns the light colour map of DensityMap at f in [0, 1]: white
// at 0, through light blue, to a medium blue at 1, light enough everywhere
// for dark arrows and coloured dots drawn on top to stay readable.
func blues(f float64) color.NRGBA {
	f = math.Min(1, math.Max(0, f))
	top := rgb(0x2b6cb0)
	mix := func(a uint8) uint8 { return uint8(math.Round(255 + (float64(a)-255)*f)) }
	return color.NRGBA{R: mix(top.R), G: mix(top.G), B: mix(top.B), A: 0xff}
}

// DensityMap draws a non-negative function of the plane known on a grid,
// such as a closed-form density p_t(x), as a heat map: values[k] is the
// value at row k of GridPoints(b, nx, ny) (x varies fastest). The colour of
// a cell is linear in its value, from white (0) to blue (the largest
// value, vmax), and a colour bar above the panel reads "label: 0 to vmax".
// The light colours leave room for arrows (AddArrows) and points
// (AddPoints) drawn on top, so that a vector field can be shown over the
// density it transports. Both axes have the same scale.
func DensityMap(title, label string, b Bounds, nx, ny int, values []float64) (*plot.Plot, error) {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("plot.DensityMap %q: %s", title, fmt.Sprintf(format, args...))
	}
	if err := b.check(); err != nil {
		return nil, fail("%v", err)
	}
	if nx < 1 || ny < 1 || nx > maxBins || ny > maxBins {
		return nil, fail("grid of %d x %d cells, want 1 to %d per side", nx, ny, maxBins)
	}
	if len(values) != nx*ny {
		return nil, fail("%d values for a %d x %d grid; give one value per row of GridPoints(b, nx, ny)", len(values), nx, ny)
	}
	top := 0.0
	for k, v := range values {
		if !finite(v) || v < 0 {
			return nil, fail("value %d is %v; a density map needs finite values >= 0", k, v)
		}
		top = math.Max(top, v)
	}
	img := blockImage(nx, ny, func(ci, cj int) color.NRGBA {
		f := 0.0
		if top > 0 {
			f = values[cj*nx+ci] / top
		}
		return blues(f)
	})
	p := newPanel(title, "x", "y")
	EqualAspect(p)
	p.Add(plotter.NewImage(img, b.XMin, b.YMin, b.XMax, b.YMax))
	setRange(p, b)
	addColourKey(p, fmt.Sprintf("%s: 0 to %.3g", label, top), blues, true)
	return p, nil
}

// AddArrows draws the vectors vel[i] at the points pts[i] on the panel p
// as arrows of one colour, centred on their points. An arrow of magnitude
// unit is 0.9 times the median spacing of the points long (one grid step
// for GridPoints), and lengths are proportional to magnitudes: give panels
// that are compared the same unit, so that equal lengths mean equal
// speeds. unit <= 0 means the largest magnitude in vel. The legend names
// the arrows and their unit. The colour encodes nothing, so no colour bar
// is needed.
func AddArrows(p *plot.Plot, name string, pts, vel *mat.Dense, unit float64, col color.Color) error {
	fail := func(format string, args ...any) error {
		return fmt.Errorf("plot.AddArrows %q: %s", name, fmt.Sprintf(format, args...))
	}
	if p == nil {
		return fail("the panel is nil")
	}
	n, err := checkPoints("points", pts)
	if err != nil {
		return fail("%v", err)
	}
	m, err := checkPoints("vectors", vel)
	if err != nil {
		return fail("%v", err)
	}
	if m != n {
		return fail("%d vectors for %d points", m, n)
	}
	if !finite(unit) {
		return fail("unit = %v, want a finite magnitude (or <= 0 for the largest)", unit)
	}
	top := 0.0
	for i := range n {
		top = math.Max(top, math.Hypot(vel.At(i, 0), vel.At(i, 1)))
	}
	if unit <= 0 {
		unit = math.Max(top, 1e-300)
	}
	if col == nil {
		col = rgb(0x222222)
	}
	p.Add(&flatArrows{pts: pts, vel: vel, scale: 0.9 * spacing(pts) / unit, colour: col})
	addLegend(p, fmt.Sprintf("%s (grid step = |v| %.3g)", name, unit), arrowThumb{col})
	return nil
}

// flatArrows draws vectors as arrows of one colour centred on their points.
type flatArrows struct {
	pts, vel *mat.Dense
	scale    float64 // data units per unit of velocity
	colour   color.Color
}

func (a *flatArrows) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	n, _ := a.pts.Dims()
	for i := range n {
		x, y := a.pts.At(i, 0), a.pts.At(i, 1)
		hx, hy := a.vel.At(i, 0)*a.scale/2, a.vel.At(i, 1)*a.scale/2
		tail := vg.Point{X: trX(x - hx), Y: trY(y - hy)}
		head := vg.Point{X: trX(x + hx), Y: trY(y + hy)}
		drawArrow(&c, tail, head, a.colour, vg.Points(1))
	}
}

// AddPoints draws the points of x (one row per point, columns x and y) on
// the panel p as dots of one colour and the given radius (in points; <= 0
// picks a size from the number of points, as Scatter does), named in the
// legend, for instance the data over a density or a vector field.
func AddPoints(p *plot.Plot, name string, x *mat.Dense, col color.Color, radius vg.Length) error {
	if p == nil {
		return fmt.Errorf("plot.AddPoints %q: the panel is nil", name)
	}
	n, err := checkPoints("points", x)
	if err != nil {
		return fmt.Errorf("plot.AddPoints %q: %w", name, err)
	}
	if col == nil {
		col = cycle[1]
	}
	alpha := 1.0
	if radius <= 0 {
		radius, alpha = dotStyle(n)
	}
	p.Add(&dots{xy: x, radius: radius, colour: withAlpha(col, alpha)})
	if name != "" {
		addLegend(p, name, dotThumb{opaque(col), 3.5})
	}
	return nil
}
