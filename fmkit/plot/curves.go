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

// Series is one curve of Curves: the points (X[i], Y[i]).
type Series struct {
	Name  string
	X, Y  []float64   // X nil means 0, 1, 2, ...
	Color color.Color // nil: the next colour of the default cycle
}

// maxMarked is the largest number of points of a curve that are also
// marked with dots (so that a few measurements, e.g. W2 against the number
// of function evaluations, are visible as such).
const maxMarked = 30

// Curves draws line plots of the series, with a legend naming those that
// have a name, for loss curves, errors against step counts and the like.
// With logY the Y axis is logarithmic and all Y values must be positive.
// Curves of at most 30 points also get a dot at each point.
func Curves(title, xlabel, ylabel string, logY bool, series ...Series) (*plot.Plot, error) {
	styled := make([]curve, len(series))
	for k, s := range series {
		col := s.Color
		if col == nil {
			col = cycle[k%len(cycle)]
		}
		styled[k] = curve{Series: s, line: draw.LineStyle{Color: col, Width: vg.Points(1.6)}, marks: true}
	}
	p, err := curves(title, xlabel, ylabel, logY, styled)
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
			ymin, ymax = math.Min(ymin, y), math.Max(ymax, y)
		}
	}

	p := newPanel(title, xlabel, ylabel)
	for k, c := range cs {
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
