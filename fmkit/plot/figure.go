package plot

import (
	"bytes"
	"errors"
	"fmt"
	"math"
	"path/filepath"
	"strings"

	"github.com/flowmatching/gofm/fmkit/internal/fsutil"

	stdfont "golang.org/x/image/font"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/font"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"

	"github.com/flowmatching/gofm/fmkit/nb"
)

// Default size and resolution of figures: a panel of 4 x 4 inches at
// 96 dpi is 384 x 384 pixels, so that a row of three panels fits the width
// of a JupyterLab notebook with readable text.
const (
	DefaultPanelSize = 4 * vg.Inch
	DefaultDPI       = 96
)

// Figure is one or more panels (gonum plots) laid out in a grid, rendered
// as one image. The panels are aligned so that their data areas have the
// same size. Panels that ask for it (see EqualAspect) get the same scale on
// both axes, and their legends (see Scatter) get room above the data.
//
// Rendering changes some settings of the panels (axis ranges, title
// padding) and restores them afterwards: a Figure must not be rendered
// while its panels are being drawn or changed by another goroutine.
type Figure struct {
	// Panels in row-major order; a nil panel leaves its cell blank.
	Panels []*plot.Plot
	// Cols is the number of columns of the grid.
	Cols int
	// PanelWidth and PanelHeight are the size of each cell of the grid
	// (DefaultPanelSize when zero).
	PanelWidth, PanelHeight vg.Length
	// DPI is the resolution of PNG output (DefaultDPI when zero).
	DPI int
}

// Row returns a figure with the panels side by side.
func Row(panels ...*plot.Plot) *Figure {
	return &Figure{Panels: panels, Cols: len(panels)}
}

// Grid returns a figure with the panels in rows of cols panels, the last
// row possibly incomplete.
func Grid(cols int, panels ...*plot.Plot) *Figure {
	return &Figure{Panels: panels, Cols: cols}
}

// PNG renders the figure as a PNG image.
func (f *Figure) PNG() ([]byte, error) { return f.render("png") }

// Show renders the figure as PNG and shows it as an output of the current
// notebook cell (then waits for GoNB to have it, see nb.Sync). Outside a
// notebook it still renders, so that errors surface, but shows nothing.
func (f *Figure) Show() error {
	data, err := f.PNG()
	if err != nil {
		return err
	}
	nb.PNG(data)
	nb.Sync()
	return nil
}

// Save renders the figure to a file whose format is given by the
// extension of path: .png, .jpg/.jpeg, .svg or .pdf, creating missing
// parent directories. The file is written atomically: the figure is
// rendered in memory first and written to a temporary file in the same
// directory that is then renamed to path, so on error path is left as it
// was and no temporary file remains.
func (f *Figure) Save(path string) error {
	format := strings.ToLower(strings.TrimPrefix(filepath.Ext(path), "."))
	data, err := f.render(format)
	if err != nil {
		return err
	}
	if err := fsutil.WriteFileAtomic(path, data); err != nil {
		return fmt.Errorf("plot: saving: %w", err)
	}
	return nil
}

// panelState is what rendering may change in a panel.
type panelState struct {
	xmin, xmax, ymin, ymax float64
	title                  string
	titleFont              font.Font
	titlePad               vg.Length
	legendRows             int
	legendTop              vg.Length
	legendHasTop           bool
}

func saveState(p *plot.Plot) panelState {
	s := panelState{
		xmin: p.X.Min, xmax: p.X.Max, ymin: p.Y.Min, ymax: p.Y.Max,
		title: p.Title.Text, titleFont: p.Title.TextStyle.Font, titlePad: p.Title.Padding,
	}
	if info := infoOf(p); info != nil && info.legend != nil {
		s.legendRows = info.legend.rows
		s.legendTop, s.legendHasTop = info.legend.top, info.legend.hasTop
	}
	return s
}

func (s panelState) restore(p *plot.Plot) {
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = s.xmin, s.xmax, s.ymin, s.ymax
	p.Title.Text, p.Title.Padding = s.title, s.titlePad
	p.Title.TextStyle.Font = s.titleFont
	if info := infoOf(p); info != nil && info.legend != nil {
		info.legend.rows = s.legendRows
		info.legend.top, info.legend.hasTop = s.legendTop, s.legendHasTop
	}
}

// layout returns the panels as rows of the grid.
func (f *Figure) layout() ([][]*plot.Plot, error) {
	if len(f.Panels) == 0 {
		return nil, errors.New("plot: figure has no panels")
	}
	if f.Cols < 1 {
		return nil, fmt.Errorf("plot: figure has %d columns, need at least 1", f.Cols)
	}
	nonNil := false
	for _, p := range f.Panels {
		nonNil = nonNil || p != nil
	}
	if !nonNil {
		return nil, errors.New("plot: all the panels of the figure are nil")
	}
	cols := min(f.Cols, len(f.Panels))
	rows := (len(f.Panels) + cols - 1) / cols
	grid := make([][]*plot.Plot, rows)
	for j := range grid {
		grid[j] = make([]*plot.Plot, cols)
		for i := range cols {
			if k := j*cols + i; k < len(f.Panels) {
				grid[j][i] = f.Panels[k]
			}
		}
	}
	return grid, nil
}

func (f *Figure) size() (w, h vg.Length, dpi int) {
	w, h, dpi = f.PanelWidth, f.PanelHeight, f.DPI
	if w <= 0 {
		w = DefaultPanelSize
	}
	if h <= 0 {
		h = DefaultPanelSize
	}
	if dpi <= 0 {
		dpi = DefaultDPI
	}
	return w, h, dpi
}

// render draws the figure in the given format ("png", "svg", ...).
func (f *Figure) render(format string) (data []byte, err error) {
	grid, err := f.layout()
	if err != nil {
		return nil, err
	}
	pw, ph, dpi := f.size()
	w, h := pw*vg.Length(len(grid[0])), ph*vg.Length(len(grid))

	var canvas vg.CanvasWriterTo
	switch format {
	case "png", "jpg", "jpeg":
		img := vgimg.NewWith(vgimg.UseWH(w, h), vgimg.UseDPI(dpi))
		if format == "png" {
			canvas = vgimg.PngCanvas{Canvas: img}
		} else {
			canvas = vgimg.JpegCanvas{Canvas: img}
		}
	case "svg", "pdf":
		if canvas, err = draw.NewFormattedCanvas(w, h, format); err != nil {
			return nil, err
		}
	default:
		return nil, fmt.Errorf("plot: unsupported image format %q: use png, jpg, svg or pdf", format)
	}

	// Remember the panels' settings, restore them whatever happens, and
	// turn panics of the drawing code (gonum panics on some bad settings,
	// e.g. a log scale over non-positive values) into errors.
	var panels []*plot.Plot
	var states []panelState
	for _, p := range f.Panels {
		if p != nil {
			panels = append(panels, p)
			states = append(states, saveState(p))
		}
	}
	defer func() {
		for k, p := range panels {
			states[k].restore(p)
		}
		if r := recover(); r != nil {
			data, err = nil, fmt.Errorf("plot: drawing the figure failed: %v", r)
		}
	}()

	if format == "pdf" {
		// gonum's PDF backend fails on bold fonts (it registers every
		// font as regular): PDF titles are regular.
		for _, p := range panels {
			p.Title.TextStyle.Font.Weight = stdfont.WeightNormal
		}
	}
	dc := draw.New(canvas)
	cells := fit(grid, panels, states, dc)
	for j, row := range grid {
		for i, p := range row {
			if p != nil {
				p.Draw(cells[j][i])
			}
		}
	}
	var buf bytes.Buffer
	if _, err := canvas.WriteTo(&buf); err != nil {
		return nil, fmt.Errorf("plot: encoding %s: %w", format, err)
	}
	return buf.Bytes(), nil
}

// tiles is the spacing of the cells of a figure.
var tiles = draw.Tiles{
	PadTop: vg.Points(6), PadBottom: vg.Points(4),
	PadLeft: vg.Points(4), PadRight: vg.Points(12),
	PadX: vg.Points(20), PadY: vg.Points(16),
}

// fit adapts the panels of grid to the canvas dc (legend room, equal
// scales) and returns the cell of each panel. panels and states are the
// non-nil panels and their settings before rendering.
func fit(grid [][]*plot.Plot, panels []*plot.Plot, states []panelState, dc draw.Canvas) [][]draw.Canvas {
	tiles := tiles
	tiles.Rows, tiles.Cols = len(grid), len(grid[0])
	for _, p := range panels {
		if info := infoOf(p); info != nil && info.legend != nil && p.Title.Text == "" {
			p.Title.Text = " " // the legend's room is the title's padding
		}
	}
	// Fit legends and equal scales to the data areas. Both change the data
	// areas a little (tick labels, title padding), so repeat until stable.
	for range 4 {
		cells := plot.Align(grid, tiles, dc)
		changed := false
		for j, row := range grid {
			// The legends of a row get the same room, so that the titles
			// of the row stay aligned.
			var room vg.Length
			for i, p := range row {
				if p != nil {
					room = max(room, legendRoom(p, p.DataCanvas(cells[j][i])))
				}
			}
			for i, p := range row {
				if p == nil {
					continue
				}
				s := states[indexOf(panels, p)]
				if setTitlePadding(p, s, room) {
					changed = true
				}
				if fitAspect(p, s, p.DataCanvas(cells[j][i])) {
					changed = true
				}
			}
		}
		if !changed {
			break
		}
	}
	cells := plot.Align(grid, tiles, dc)
	// Legends start right under the titles.
	for j, row := range grid {
		for i, p := range row {
			if info := infoOf(p); p != nil && info != nil && info.legend != nil {
				l := info.legend
				s := states[indexOf(panels, p)]
				l.top = cells[j][i].Max.Y - p.Title.TextStyle.Rectangle(p.Title.Text).Size().Y - (s.titlePad - l.height(s.legendRows))
				l.hasTop = true
			}
		}
	}
	return cells
}

func indexOf(panels []*plot.Plot, p *plot.Plot) int {
	for k, q := range panels {
		if q == p {
			return k
		}
	}
	return -1
}

// legendRoom sets the number of rows of the legend of p (if any) for its
// data area dc and returns the height that the legend takes above it.
func legendRoom(p *plot.Plot, dc draw.Canvas) vg.Length {
	info := infoOf(p)
	if info == nil || info.legend == nil {
		return 0
	}
	l := info.legend
	l.rows = max(1, len(l.layout(dc.Max.X-dc.Min.X)))
	return l.height(l.rows)
}

// setTitlePadding sets the padding under the title of p, whose settings
// before rendering were s, to its own plus room for legends, and reports
// whether it changed.
func setTitlePadding(p *plot.Plot, s panelState, room vg.Length) bool {
	pad := s.titlePad
	if info := infoOf(p); info != nil && info.legend != nil {
		pad -= info.legend.height(s.legendRows) // added by addLegend
	}
	pad += room
	if math.Abs(float64(pad-p.Title.Padding)) < 0.01 {
		return false
	}
	p.Title.Padding = pad
	return true
}

// fitAspect widens the axis ranges of p, whose settings before rendering
// were s, so that a data unit has the same length on both axes in the data
// area dc, if p asks for it. It reports whether anything changed.
func fitAspect(p *plot.Plot, s panelState, dc draw.Canvas) bool {
	info := infoOf(p)
	_, xlin := p.X.Scale.(plot.LinearScale)
	_, ylin := p.Y.Scale.(plot.LinearScale)
	if info == nil || !info.equal || !xlin || !ylin {
		return false
	}
	w, h := float64(dc.Max.X-dc.Min.X), float64(dc.Max.Y-dc.Min.Y)
	x0, x1, y0, y1 := s.xmin, s.xmax, s.ymin, s.ymax
	if !(w > 0 && h > 0 && finite(x1-x0) && finite(y1-y0) && x1 > x0 && y1 > y0) {
		return false
	}
	u := math.Max((x1-x0)/w, (y1-y0)/h) // data units per point
	cx, cy := (x0+x1)/2, (y0+y1)/2
	nx0, nx1 := cx-u*w/2, cx+u*w/2
	ny0, ny1 := cy-u*h/2, cy+u*h/2
	tol := 1e-4 * u * math.Max(w, h)
	if math.Abs(nx0-p.X.Min) <= tol && math.Abs(nx1-p.X.Max) <= tol &&
		math.Abs(ny0-p.Y.Min) <= tol && math.Abs(ny1-p.Y.Max) <= tol {
		return false
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = nx0, nx1, ny0, ny1
	return true
}
