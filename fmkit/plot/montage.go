package plot

import (
	"fmt"
	"image"

	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// Montage shows an image made of equal rows of tiles, such as a grid of
// generated digits with one class per row (data.DigitsMontage), as a panel
// whose rows are labelled: rowLabels[r] is written on the Y axis beside row
// r, counted from the top. The image occupies [0, W] x [0, H] in pixel
// units (H rows of pixels, drawn with square pixels), and row r spans
// pixel rows [r H/R, (r+1) H/R) for R = len(rowLabels), so the image's
// height should be a multiple of R (a remainder of a few pixels, such as
// a border line, is allowed). The X axis carries no ticks. It fails for an
// empty image or no labels, or more labels than pixel rows.
func Montage(title string, img image.Image, rowLabels []string) (*plot.Plot, error) {
	if img == nil {
		return nil, fmt.Errorf("plot.Montage %q: the image is nil", title)
	}
	b := img.Bounds()
	w, h := b.Dx(), b.Dy()
	rows := len(rowLabels)
	switch {
	case w == 0 || h == 0:
		return nil, fmt.Errorf("plot.Montage %q: the image is empty (%d x %d pixels)", title, w, h)
	case rows == 0:
		return nil, fmt.Errorf("plot.Montage %q: no row labels; give one label per row of tiles", title)
	case rows > h:
		return nil, fmt.Errorf("plot.Montage %q: %d row labels for an image of %d pixel rows", title, rows, h)
	}
	p := newPanel(title, "", "")
	p.HideX()
	p.Add(plotter.NewImage(img, 0, 0, float64(w), float64(h)))
	rowH := float64(h/rows) * 1
	ticks := make(plot.ConstantTicks, rows)
	for r, l := range rowLabels {
		ticks[r] = plot.Tick{Value: float64(h) - (float64(r)+0.5)*rowH, Label: l}
	}
	p.Y.Tick.Marker = ticks
	p.Y.LineStyle.Width = 0 // the labels name the rows; no axis line beside the image
	p.Y.Tick.Length = 0
	p.X.Min, p.X.Max = 0, float64(w)
	p.Y.Min, p.Y.Max = 0, float64(h)
	EqualAspect(p)
	return p, nil
}
