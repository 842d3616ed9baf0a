package plot

import (
	"image/color"
	"math"
	"runtime"
	"strconv"
	"sync"
	"weak"

	stdfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/text"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// Text sizes, in points. At 96 dpi a point is 4/3 of a pixel.
const (
	titleSize  = 12
	labelSize  = 11
	tickSize   = 9.5
	legendSize = 10
)

var (
	sans     = font.Font{Typeface: "Liberation", Variant: "Sans"}
	sansBold = font.Font{Typeface: "Liberation", Variant: "Sans", Weight: stdfont.WeightBold}

	gridColour = color.NRGBA{R: 0xdd, G: 0xdd, B: 0xdd, A: 0xff}
	axisColour = color.NRGBA{R: 0x33, G: 0x33, B: 0x33, A: 0xff}
)

// cycle holds the default colours given to point sets and series in turn
// (the usual "tab10" hues of many plotting libraries).
var cycle = []color.NRGBA{
	rgb(0x1f77b4), rgb(0xff7f0e), rgb(0x2ca02c), rgb(0xd62728), rgb(0x9467bd),
	rgb(0x8c564b), rgb(0xe377c2), rgb(0x7f7f7f), rgb(0xbcbd22), rgb(0x17becf),
}

func rgb(hex uint32) color.NRGBA {
	return color.NRGBA{R: uint8(hex >> 16), G: uint8(hex >> 8), B: uint8(hex), A: 0xff}
}

// withAlpha returns c with opacity a in [0, 1].
func withAlpha(c color.Color, a float64) color.NRGBA {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = uint8(math.Round(float64(n.A) * a))
	return n
}

// opaque returns c without transparency.
func opaque(c color.Color) color.NRGBA {
	n := color.NRGBAModel.Convert(c).(color.NRGBA)
	n.A = 0xff
	return n
}

// viridisStops are nine evenly spaced samples of the viridis colour map,
// a perceptually uniform map that reads well in grey scale and for
// colour-blind readers.
var viridisStops = []color.NRGBA{
	rgb(0x440154), rgb(0x472d7b), rgb(0x3b528b), rgb(0x2c728e), rgb(0x21918c),
	rgb(0x28ae80), rgb(0x5ec962), rgb(0xaddc30), rgb(0xfde725),
}

// viridis returns the colour map at t in [0, 1].
func viridis(t float64) color.NRGBA {
	t = math.Min(1, math.Max(0, t))
	x := t * float64(len(viridisStops)-1)
	i := min(int(x), len(viridisStops)-2)
	f := x - float64(i)
	a, b := viridisStops[i], viridisStops[i+1]
	mix := func(u, v uint8) uint8 { return uint8(math.Round(float64(u)*(1-f) + float64(v)*f)) }
	return color.NRGBA{R: mix(a.R, b.R), G: mix(a.G, b.G), B: mix(a.B, b.B), A: 0xff}
}

// viridisPalette is viridis as a gonum palette of n colours.
type viridisPalette int

func (n viridisPalette) Colors() []color.Color {
	c := make([]color.Color, int(n))
	for i := range c {
		c[i] = viridis(float64(i) / float64(len(c)-1))
	}
	return c
}

// newPanel returns a plot with fmkit's look: sans-serif text, light grid.
func newPanel(title, xlabel, ylabel string) *plot.Plot {
	p := plot.New()
	p.Title.Text = title
	p.Title.TextStyle.Font = font.From(sansBold, titleSize)
	p.Title.Padding = vg.Points(6)
	for _, a := range []*plot.Axis{&p.X, &p.Y} {
		a.Label.TextStyle.Font = font.From(sans, labelSize)
		a.Label.TextStyle.Color = axisColour
		a.Tick.Label.Font = font.From(sans, tickSize)
		a.Tick.Label.Color = axisColour
		a.Tick.Length = vg.Points(4)
		a.Tick.Color = axisColour
		a.Color = axisColour
		a.Padding = vg.Points(4)
		a.Tick.Marker = niceTicks{}
	}
	p.X.Label.Text = xlabel
	p.Y.Label.Text = ylabel
	p.Legend.TextStyle.Font = font.From(sans, legendSize)
	g := plotter.NewGrid()
	g.Vertical = draw.LineStyle{Color: gridColour, Width: vg.Points(0.5)}
	g.Horizontal = g.Vertical
	p.Add(g)
	return p
}

// panelInfo is what a Figure needs to know about a panel beyond the
// gonum plot: whether one unit must have the same length on both axes, and
// the legend drawn above the data.
type panelInfo struct {
	equal  bool
	legend *legendStrip
}

// infos maps panels to their information. The keys are weak pointers and
// entries are removed when their plot is garbage collected, so that
// long-running programs that draw many figures do not leak.
var (
	infoMu sync.Mutex
	infos  = map[weak.Pointer[plot.Plot]]*panelInfo{}
)

// infoOf returns the panel information of p, or nil.
func infoOf(p *plot.Plot) *panelInfo {
	infoMu.Lock()
	defer infoMu.Unlock()
	return infos[weak.Make(p)]
}

// attachInfo returns the panel information of p, attaching it if needed.
func attachInfo(p *plot.Plot) *panelInfo {
	infoMu.Lock()
	defer infoMu.Unlock()
	key := weak.Make(p)
	if info, ok := infos[key]; ok {
		return info
	}
	info := &panelInfo{}
	infos[key] = info
	runtime.AddCleanup(p, func(key weak.Pointer[plot.Plot]) {
		infoMu.Lock()
		delete(infos, key)
		infoMu.Unlock()
	}, key)
	return info
}

// EqualAspect asks that p be drawn, when part of a Figure, with one data
// unit the same length on both axes, so that 2D geometry (circles, angles,
// arrows) is not distorted: the axis ranges are widened as needed to fill
// the panel. It only applies while both axes have a linear scale. The point
// panels of this package (Scatter, Density, Trajectories, Quiver, QuiverAt)
// already have it.
func EqualAspect(p *plot.Plot) {
	attachInfo(p).equal = true
}

// legendItem is one entry of a legend strip.
type legendItem struct {
	name  string
	thumb plot.Thumbnailer
	width vg.Length // thumbnail width; 0 means legendThumb
}

// legendStrip draws a legend in one or more rows above the data area of a
// panel, under the title, so that it never hides data. A Figure reserves
// the room for it (see Figure).
type legendStrip struct {
	items []legendItem
	style text.Style
	rows  int // rows reserved, set by Figure

	// top, when set, is where the strip starts, just under the title (set
	// by Figure while it draws); otherwise the strip is placed from the
	// top of the data area.
	top    vg.Length
	hasTop bool
}

const (
	legendThumb = vg.Length(16) // width of a thumbnail
	legendGap   = vg.Length(4)  // between thumbnail and text
	legendSep   = vg.Length(14) // between items
	legendBelow = vg.Length(6)  // between the strip and the data area
)

func newLegendStrip() *legendStrip {
	return &legendStrip{
		style: text.Style{
			Color:   axisColour,
			Font:    font.From(sans, legendSize),
			XAlign:  draw.XLeft,
			YAlign:  draw.YCenter,
			Handler: plot.DefaultTextHandler,
		},
		rows: 1,
	}
}

// addLegend adds an entry to the legend strip of p, creating the strip.
func addLegend(p *plot.Plot, name string, thumb plot.Thumbnailer) {
	info := attachInfo(p)
	if info.legend == nil {
		info.legend = newLegendStrip()
		p.Add(info.legend)
		p.Title.Padding += info.legend.height(1)
	}
	info.legend.items = append(info.legend.items, legendItem{name: name, thumb: thumb})
}

// addColourKey adds a colour bar to the legend strip of p: the colour
// map drawn as a gradient thumbnail, wide enough to read, followed by its
// label (the range of values the colours encode). With frame, a thin frame
// shows where a map that starts at white begins.
func addColourKey(p *plot.Plot, label string, colour func(float64) color.NRGBA, frame bool) {
	addLegend(p, label, colourKey{colour: colour, frame: frame})
	items := infoOf(p).legend.items
	items[len(items)-1].width = colourKeyWidth
}

const colourKeyWidth = vg.Length(64)

// colourKey is a legend thumbnail showing a colour map from left (0) to
// right (1).
type colourKey struct {
	colour func(float64) color.NRGBA
	frame  bool
}

func (k colourKey) Thumbnail(c *draw.Canvas) {
	const steps = 32
	w := (c.Max.X - c.Min.X) / steps
	h := (c.Max.Y - c.Min.Y) * 0.3
	y0, y1 := c.Min.Y+h, c.Max.Y-h
	for i := range steps {
		x0 := c.Min.X + vg.Length(i)*w
		var r vg.Path
		r.Move(vg.Point{X: x0, Y: y0})
		r.Line(vg.Point{X: x0 + w + 0.3, Y: y0})
		r.Line(vg.Point{X: x0 + w + 0.3, Y: y1})
		r.Line(vg.Point{X: x0, Y: y1})
		r.Close()
		c.SetColor(k.colour((float64(i) + 0.5) / steps))
		c.Fill(r)
	}
	if k.frame {
		var f vg.Path
		f.Move(vg.Point{X: c.Min.X, Y: y0})
		f.Line(vg.Point{X: c.Max.X, Y: y0})
		f.Line(vg.Point{X: c.Max.X, Y: y1})
		f.Line(vg.Point{X: c.Min.X, Y: y1})
		f.Close()
		c.Stroke(f)
	}
}

func (l *legendStrip) rowHeight() vg.Length {
	e := l.style.FontExtents()
	return (e.Ascent + e.Descent) * 1.35
}

// height is the room the strip takes above the data area with n rows.
func (l *legendStrip) height(rows int) vg.Length {
	return vg.Length(rows)*l.rowHeight() + legendBelow
}

func (l *legendStrip) itemWidth(it legendItem) vg.Length {
	return it.thumbWidth() + legendGap + l.style.Width(it.name)
}

func (it legendItem) thumbWidth() vg.Length {
	if it.width > 0 {
		return it.width
	}
	return legendThumb
}

// layout splits the items into rows that fit in width.
func (l *legendStrip) layout(width vg.Length) [][]legendItem {
	var rows [][]legendItem
	var cur []legendItem
	var w vg.Length
	for _, it := range l.items {
		iw := l.itemWidth(it)
		if len(cur) > 0 && w+legendSep+iw > width {
			rows = append(rows, cur)
			cur, w = nil, 0
		}
		if len(cur) > 0 {
			w += legendSep
		}
		cur = append(cur, it)
		w += iw
	}
	if len(cur) > 0 {
		rows = append(rows, cur)
	}
	return rows
}

// Plot draws the strip above the data canvas c, rows centred.
func (l *legendStrip) Plot(c draw.Canvas, _ *plot.Plot) {
	width := c.Max.X - c.Min.X
	rh := l.rowHeight()
	y := c.Max.Y + legendBelow + vg.Length(max(l.rows, 1))*rh - rh/2
	if l.hasTop {
		y = l.top - rh/2
	}
	for _, row := range l.layout(width) {
		var w vg.Length
		for i, it := range row {
			if i > 0 {
				w += legendSep
			}
			w += l.itemWidth(it)
		}
		x := c.Min.X + (width-w)/2
		for _, it := range row {
			thumb := draw.Canvas{Canvas: c.Canvas, Rectangle: vg.Rectangle{
				Min: vg.Point{X: x, Y: y - rh/2},
				Max: vg.Point{X: x + it.thumbWidth(), Y: y + rh/2},
			}}
			it.thumb.Thumbnail(&thumb)
			c.FillText(l.style, vg.Point{X: x + it.thumbWidth() + legendGap, Y: y}, it.name)
			x += l.itemWidth(it) + legendSep
		}
		y -= rh
	}
}

// dotThumb is a legend thumbnail showing a dot.
type dotThumb struct {
	colour color.Color
	radius vg.Length
}

func (t dotThumb) Thumbnail(c *draw.Canvas) {
	c.SetColor(t.colour)
	c.Fill(circle(c.Center(), t.radius))
}

// lineThumb is a legend thumbnail showing a line.
type lineThumb struct{ style draw.LineStyle }

func (t lineThumb) Thumbnail(c *draw.Canvas) {
	y := c.Center().Y
	c.StrokeLine2(t.style, c.Min.X, y, c.Max.X, y)
}

func circle(pt vg.Point, r vg.Length) vg.Path {
	var p vg.Path
	p.Move(vg.Point{X: pt.X + r, Y: pt.Y})
	p.Arc(pt, r, 0, 2*math.Pi)
	p.Close()
	return p
}

// niceTicks marks a linear axis with about five labelled ticks at round
// values (multiples of 1, 2, 2.5 or 5 times a power of ten) and unlabelled
// minor ticks between them.
type niceTicks struct{}

func (niceTicks) Ticks(lo, hi float64) []plot.Tick {
	span := hi - lo
	if !(span > 0) || !finite(span) {
		return nil
	}
	mag := math.Pow(10, math.Floor(math.Log10(span/5)))
	var step float64
	minors := 2
	for _, m := range []float64{1, 2, 2.5, 5, 10} {
		step = m * mag
		minors = 2
		if m == 2.5 {
			minors = 5
		}
		if span/step <= 6.5 {
			break
		}
	}
	decimals := max(0, -int(math.Floor(math.Log10(step)+1e-9)))
	if r := step / math.Pow(10, -float64(decimals)); math.Abs(r-math.Round(r)) > 1e-6 {
		decimals++ // 2.5, 0.25, ...
	}
	var ticks []plot.Tick
	minor := step / float64(minors)
	for i := math.Ceil(lo/minor - 1e-9); ; i++ {
		v := i * minor
		if v > hi+1e-9*span {
			break
		}
		if math.Abs(v) < 1e-9*span {
			v = 0 // no "-0"
		}
		t := plot.Tick{Value: v}
		if int(math.Round(i))%minors == 0 {
			t.Label = strconv.FormatFloat(v, 'f', decimals, 64)
		}
		ticks = append(ticks, t)
	}
	return ticks
}
