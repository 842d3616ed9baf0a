package plot

import (
	"fmt"
	"image/color"
	"math"
	"strconv"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Series is one curve of Curves: the points (X[i], Y[i]), with an optional
// uncertainty Err[i] >= 0 (for example the sd over seeds) drawn as error
// bars Y[i] ± Err[i], or, with Shade, as a shaded band around the curve.
type Series struct {
	Name  string
	X, Y  []float64   // X nil means 0, 1, 2, ...
	Err   []float64   // nil: no uncertainty drawn; else len(Y) values >= 0
	Shade bool        // draw Err as a band instead of bars
	Color color.Color // nil: the next colour of the default cycle
}

// Band is a horizontal band Lo <= y <= Hi across the whole panel, such as
// the noise band of a metric (mean ± sd of the data against itself), drawn
// shaded beneath the curves with its name in the legend.
type Band struct {
	Name   string
	Lo, Hi float64
	Color  color.Color // nil: grey
}

// maxMarked is the largest number of points of a curve that are also
// marked with dots (so that a few measurements, e.g. W2 against the number
// of function evaluations, are visible as such).
const maxMarked = 30

// Curves draws line plots of the series, with a legend naming those that
// have a name, for loss curves, errors against step counts and the like.
// With logY the Y axis is logarithmic and all Y values must be positive.
// Curves of at most 30 points also get a dot at each point.
//
// Each Err value must be finite and >= 0, and with logY every Y - Err must
// stay positive.
func Curves(title, xlabel, ylabel string, logY bool, series ...Series) (*plot.Plot, error) {
	return CurvesWithBands(title, xlabel, ylabel, logY, nil, series...)
}

// CurvesWithBands is Curves with horizontal bands (see Band) drawn beneath
// the curves, for instance the data's own noise band of W2 behind the W2 of
// several models. The bands count in the Y range.
func CurvesWithBands(title, xlabel, ylabel string, logY bool, bands []Band, series ...Series) (*plot.Plot, error) {
	styled := make([]curve, len(series))
	for k, s := range series {
		col := s.Color
		if col == nil {
			col = cycle[k%len(cycle)]
		}
		styled[k] = curve{Series: s, line: draw.LineStyle{Color: col, Width: vg.Points(1.6)}, marks: true}
	}
	p, err := curvesBands(title, xlabel, ylabel, logY, bands, styled)
	if err != nil {
		return nil, fmt.Errorf("plot.Curves %q: %w", title, err)
	}
	return p, nil
}

// Loss draws a training loss curve against the step (1, 2, ...): the raw
// losses as a faint line and, if smooth > 1, their moving average over the
// last smooth steps as a solid line.
func Loss(title string, losses []float64, smooth int) (*plot.Plot, error) {
	x := make([]float64, len(losses))
	for i := range x {
		x[i] = float64(i + 1)
	}
	blue := cycle[0]
	if smooth <= 1 || len(losses) < 2 {
		p, err := curves(title, "step", "loss", false, []curve{{
			Series: Series{X: x, Y: losses},
			line:   draw.LineStyle{Color: blue, Width: vg.Points(1.2)},
		}})
		if err != nil {
			return nil, fmt.Errorf("plot.Loss %q: %w", title, err)
		}
		return p, nil
	}
	smooth = min(smooth, len(losses))
	avg := make([]float64, len(losses))
	sum := 0.0
	for i, l := range losses {
		sum += l
		if i >= smooth {
			sum -= losses[i-smooth]
		}
		avg[i] = sum / float64(min(i+1, smooth))
	}
	p, err := curves(title, "step", "loss", false, []curve{
		{
			Series: Series{Name: "loss", X: x, Y: losses},
			line:   draw.LineStyle{Color: withAlpha(blue, 0.3), Width: vg.Points(0.8)},
			thumb:  lineThumb{draw.LineStyle{Color: withAlpha(blue, 0.5), Width: vg.Points(1.6)}},
		},
		{Series: Series{Name: fmt.Sprintf("mean of last %d", smooth), X: x, Y: avg}, line: draw.LineStyle{Color: rgb(0x0b3d6b), Width: vg.Points(1.8)}},
	})
	if err != nil {
		return nil, fmt.Errorf("plot.Loss %q: %w", title, err)
	}
	return p, nil
}

// curve is a series with its drawing style.
type curve struct {
	Series
	line  draw.LineStyle
	marks bool             // dots at the points if there are few
	thumb plot.Thumbnailer // legend thumbnail, if not the line's
}

func curves(title, xlabel, ylabel string, logY bool, cs []curve) (*plot.Plot, error) {
	return curvesBands(title, xlabel, ylabel, logY, nil, cs)
}

func curvesBands(title, xlabel, ylabel string, logY bool, bands []Band, cs []curve) (*plot.Plot, error) {
	if len(cs) == 0 {
		return nil, fmt.Errorf("no series")
	}
	xy := make([]plotter.XYs, len(cs))
	ymin, ymax := math.Inf(1), math.Inf(-1)
	for k, c := range cs {
		name := fmt.Sprintf("series %d", k)
		if c.Name != "" {
			name = fmt.Sprintf("series %d (%q)", k, c.Name)
		}
		if len(c.Y) == 0 {
			return nil, fmt.Errorf("%s has no points", name)
		}
		if c.X != nil && len(c.X) != len(c.Y) {
			return nil, fmt.Errorf("%s has %d X values and %d Y values", name, len(c.X), len(c.Y))
		}
		if c.Err != nil && len(c.Err) != len(c.Y) {
			return nil, fmt.Errorf("%s has %d Err values and %d Y values", name, len(c.Err), len(c.Y))
		}
		xy[k] = make(plotter.XYs, len(c.Y))
		for i, y := range c.Y {
			x := float64(i)
			if c.X != nil {
				x = c.X[i]
			}
			if !finite(x) {
				return nil, fmt.Errorf("%s: X[%d] = %v", name, i, x)
			}
			if !finite(y) {
				return nil, fmt.Errorf("%s: Y[%d] = %v", name, i, y)
			}
			if logY && y <= 0 {
				return nil, fmt.Errorf("%s: Y[%d] = %v, but a logarithmic Y axis needs positive values", name, i, y)
			}
			xy[k][i] = plotter.XY{X: x, Y: y}
			lo, hi := y, y
			if c.Err != nil {
				e := c.Err[i]
				if !finite(e) || e < 0 {
					return nil, fmt.Errorf("%s: Err[%d] = %v, but an uncertainty must be finite and >= 0", name, i, e)
				}
				if logY && y-e <= 0 {
					return nil, fmt.Errorf("%s: Y[%d] - Err[%d] = %v, but a logarithmic Y axis needs positive values", name, i, i, y-e)
				}
				lo, hi = y-e, y+e
			}
			ymin, ymax = math.Min(ymin, lo), math.Max(ymax, hi)
		}
	}
	for j, b := range bands {
		if !finite(b.Lo) || !finite(b.Hi) || b.Lo > b.Hi {
			return nil, fmt.Errorf("band %d (%q): Lo = %v, Hi = %v; need finite Lo <= Hi", j, b.Name, b.Lo, b.Hi)
		}
		if logY && b.Lo <= 0 {
			return nil, fmt.Errorf("band %d (%q): Lo = %v, but a logarithmic Y axis needs positive values", j, b.Name, b.Lo)
		}
		ymin, ymax = math.Min(ymin, b.Lo), math.Max(ymax, b.Hi)
	}

	p := newPanel(title, xlabel, ylabel)
	for _, b := range bands {
		col := b.Color
		if col == nil {
			col = rgb(0x7f7f7f)
		}
		hb := &hband{lo: b.Lo, hi: b.Hi, fill: withAlpha(col, 0.22), edge: withAlpha(col, 0.6)}
		p.Add(hb)
		if b.Name != "" {
			addLegend(p, b.Name, hb)
		}
	}
	for k, c := range cs {
		if c.Err != nil {
			p.Add(&errDraw{xy: xy[k], err: c.Err, shade: c.Shade, col: c.line.Color})
		}
		l, err := plotter.NewLine(xy[k])
		if err != nil {
			return nil, err
		}
		l.LineStyle = c.line
		p.Add(l)
		var thumbs []plot.Thumbnailer
		thumbs = append(thumbs, lineThumb{c.line})
		if c.marks && len(xy[k]) <= maxMarked {
			s, err := plotter.NewScatter(xy[k])
			if err != nil {
				return nil, err
			}
			s.GlyphStyle = draw.GlyphStyle{Color: c.line.Color, Radius: vg.Points(2.6), Shape: draw.CircleGlyph{}}
			p.Add(s)
			thumbs = append(thumbs, dotThumb{c.line.Color, 2.6})
		}
		if c.thumb != nil {
			thumbs = []plot.Thumbnailer{c.thumb}
		}
		if c.Name != "" {
			addLegend(p, c.Name, thumbs2(thumbs))
		}
	}
	// A little room above and below the curves.
	if logY {
		p.Y.Scale = plot.LogScale{}
		p.Y.Tick.Marker = logTicks{}
		f := math.Pow(ymax/ymin, 0.04)
		if f == 1 {
			f = 1.5
		}
		p.Y.Min, p.Y.Max = ymin/f, ymax*f
	} else {
		d := 0.04 * (ymax - ymin)
		if d == 0 {
			d = math.Max(0.1*math.Abs(ymax), 0.5)
		}
		p.Y.Min, p.Y.Max = ymin-d, ymax+d
	}
	return p, nil
}

// thumbs2 draws several thumbnails on top of each other.
type thumbs2 []plot.Thumbnailer

func (t thumbs2) Thumbnail(c *draw.Canvas) {
	for _, th := range t {
		th.Thumbnail(c)
	}
}

// logTicks marks a logarithmic axis: labels at 1, 2 and 5 times powers of
// ten over short ranges, at powers of ten (or every few powers) over long
// ones, with unlabelled minor ticks.
type logTicks struct{}

func (logTicks) Ticks(min, max float64) []plot.Tick {
	if min <= 0 || max <= min {
		return nil
	}
	lo, hi := math.Floor(math.Log10(min)), math.Ceil(math.Log10(max))
	decades := math.Log10(max) - math.Log10(min)
	mantissas := []float64{1}
	every := 1
	switch {
	case decades < 0.8:
		mantissas = []float64{1, 1.5, 2, 3, 4, 5, 6, 7, 8, 9}
	case decades < 2.2:
		mantissas = []float64{1, 2, 5}
	case decades > 6:
		every = int(math.Ceil(decades / 6))
	}
	var ticks []plot.Tick
	for e := lo; e <= hi; e++ {
		base := math.Pow(10, e)
		labelled := int(e-lo)%every == 0
		for m := 1.0; m < 10; m++ {
			v := base * m
			if v < min || v > max {
				continue
			}
			label := ""
			if labelled && (m == 1 || contains(mantissas, m)) {
				label = strconv.FormatFloat(v, 'g', 3, 64)
			}
			ticks = append(ticks, plot.Tick{Value: v, Label: label})
		}
		if v := base * 1.5; contains(mantissas, 1.5) && v >= min && v <= max {
			ticks = append(ticks, plot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', 3, 64)})
		}
	}
	return ticks
}

func contains(s []float64, v float64) bool {
	for _, x := range s {
		if x == v {
			return true
		}
	}
	return false
}

// hband is a shaded horizontal band across the panel (see Band).
type hband struct {
	lo, hi     float64
	fill, edge color.Color
}

func (b *hband) Plot(c draw.Canvas, p *plot.Plot) {
	_, trY := p.Transforms(&c)
	y0, y1 := trY(b.lo), trY(b.hi)
	x0, x1 := c.Min.X, c.Max.X
	rect := vg.Path{}
	rect.Move(vg.Point{X: x0, Y: y0})
	rect.Line(vg.Point{X: x1, Y: y0})
	rect.Line(vg.Point{X: x1, Y: y1})
	rect.Line(vg.Point{X: x0, Y: y1})
	rect.Close()
	c.SetColor(b.fill)
	c.Fill(rect)
	ls := draw.LineStyle{Color: b.edge, Width: vg.Points(0.6), Dashes: []vg.Length{vg.Points(3), vg.Points(2)}}
	c.StrokeLine2(ls, x0, y0, x1, y0)
	c.StrokeLine2(ls, x0, y1, x1, y1)
}

func (b *hband) Thumbnail(c *draw.Canvas) {
	r := vg.Rectangle{Min: c.Min, Max: c.Max}
	pth := vg.Path{}
	pth.Move(r.Min)
	pth.Line(vg.Point{X: r.Max.X, Y: r.Min.Y})
	pth.Line(r.Max)
	pth.Line(vg.Point{X: r.Min.X, Y: r.Max.Y})
	pth.Close()
	c.SetColor(b.fill)
	c.Fill(pth)
}

// errDraw draws the uncertainty of a series: bars with caps at each point,
// or a shaded band between Y - Err and Y + Err.
type errDraw struct {
	xy    plotter.XYs
	err   []float64
	shade bool
	col   color.Color
}

func (e *errDraw) Plot(c draw.Canvas, p *plot.Plot) {
	trX, trY := p.Transforms(&c)
	if e.shade {
		band := vg.Path{}
		for i, pt := range e.xy {
			q := vg.Point{X: trX(pt.X), Y: trY(pt.Y + e.err[i])}
			if i == 0 {
				band.Move(q)
			} else {
				band.Line(q)
			}
		}
		for i := len(e.xy) - 1; i >= 0; i-- {
			band.Line(vg.Point{X: trX(e.xy[i].X), Y: trY(e.xy[i].Y - e.err[i])})
		}
		band.Close()
		c.SetColor(withAlpha(e.col, 0.2))
		c.Fill(band)
		return
	}
	ls := draw.LineStyle{Color: e.col, Width: vg.Points(1.1)}
	capW := vg.Points(3)
	for i, pt := range e.xy {
		if e.err[i] == 0 {
			continue
		}
		x := trX(pt.X)
		lo, hi := trY(pt.Y-e.err[i]), trY(pt.Y+e.err[i])
		c.StrokeLine2(ls, x, lo, x, hi)
		c.StrokeLine2(ls, x-capW, lo, x+capW, lo)
		c.StrokeLine2(ls, x-capW, hi, x+capW, hi)
	}
}
