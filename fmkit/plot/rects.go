package plot

import (
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
)

// AddRects draws the outlines of the rectangles rects on the panel p, on
// top of what it holds, such as the squares of the checkerboard over
// generated samples: each rectangle [XMin, XMax] x [YMin, YMax] is a closed
// polygon through its four corners. The outlines are thin and dark (col;
// nil: dark grey) so that the points inside stay visible, and the panel's
// axis ranges grow to hold them. A non-empty name labels them in the panel's
// legend (for panels made by this package). It fails for a nil panel, no
// rectangles, or a rectangle that is empty or not finite.
func AddRects(p *plot.Plot, name string, col color.Color, rects ...Bounds) error {
	if p == nil {
		return fmt.Errorf("plot.AddRects: the panel is nil")
	}
	if len(rects) == 0 {
		return fmt.Errorf("plot.AddRects: no rectangles to draw")
	}
	if col == nil {
		col = axisColour
	}
	style := draw.LineStyle{Color: col, Width: vg.Points(1.2)}
	for k, r := range rects {
		if !(finite(r.XMin) && finite(r.XMax) && finite(r.YMin) && finite(r.YMax)) || !(r.XMin < r.XMax && r.YMin < r.YMax) {
			return fmt.Errorf("plot.AddRects: rectangle %d is [%g, %g] x [%g, %g]; want finite bounds with XMin < XMax and YMin < YMax", k, r.XMin, r.XMax, r.YMin, r.YMax)
		}
	}
	for _, r := range rects {
		l, err := plotter.NewLine(plotter.XYs{{X: r.XMin, Y: r.YMin}, {X: r.XMax, Y: r.YMin}, {X: r.XMax, Y: r.YMax}, {X: r.XMin, Y: r.YMax}, {X: r.XMin, Y: r.YMin}})
		if err != nil {
			return fmt.Errorf("plot.AddRects: %w", err)
		}
		l.LineStyle = style
		p.Add(l)
		p.X.Min, p.X.Max = math.Min(p.X.Min, r.XMin), math.Max(p.X.Max, r.XMax)
		p.Y.Min, p.Y.Max = math.Min(p.Y.Min, r.YMin), math.Max(p.Y.Max, r.YMax)
	}
	if name != "" {
		addLegend(p, name, lineThumb{style})
	}
	return nil
}
