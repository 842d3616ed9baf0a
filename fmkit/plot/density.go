package plot

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
)

// Density draws the 2D histogram of the points of x (one row per point,
// columns x and y) as a heat map (viridis colours, dark for empty bins,
// yellow for the fullest). bins is the number of bins along the longer side
// of bounds; bins are square. A zero bounds means BoundsOf(x).Square().
// Points outside bounds are not counted. Both axes have the same scale.
// A colour key above the panel gives the counts the colours encode.
func Density(title string, x *mat.Dense, bins int, bounds Bounds) (*plot.Plot, error) {
	return density(title, x, bins, bounds, false)
}

// DensityLog is Density with colours on a logarithmic scale (of 1 + count),
// which shows the sparse tails of a distribution as well as its modes.
func DensityLog(title string, x *mat.Dense, bins int, bounds Bounds) (*plot.Plot, error) {
	return density(title, x, bins, bounds, true)
}

// maxBins bounds the resolution of a density panel.
const maxBins = 1000

func density(title string, x *mat.Dense, bins int, b Bounds, logScale bool) (*plot.Plot, error) {
	name := "plot.Density"
	if logScale {
		name = "plot.DensityLog"
	}
	fail := func(format string, args ...any) error {
		return fmt.Errorf("%s %q: %s", name, title, fmt.Sprintf(format, args...))
	}
	n, err := checkPoints("point set", x)
	if err != nil {
		return nil, fail("%v", err)
	}
	if bins < 1 || bins > maxBins {
		return nil, fail("bins = %d, want 1 to %d", bins, maxBins)
	}
	if b == (Bounds{}) {
		b = BoundsOf(x).Square()
	}
	if err := b.check(); err != nil {
		return nil, fail("%v", err)
	}

	counts, nx, ny, inside := histogram(x, n, b, bins)
	if inside == 0 {
		return nil, fail("none of the %d points is inside the bounds %+v", n, b)
	}
	top := 0.0
	for _, c := range counts {
		top = math.Max(top, c)
	}
	norm := func(c float64) float64 { return c / top }
	if logScale {
		norm = func(c float64) float64 { return math.Log1p(c) / math.Log1p(top) }
	}

	img := blockImage(nx, ny, func(ci, cj int) color.NRGBA { return viridis(norm(counts[cj*nx+ci])) })
	p := newPanel(title, "x", "y")
	EqualAspect(p)
	p.Add(plotter.NewImage(img, b.XMin, b.YMin, b.XMax, b.YMax))
	setRange(p, b)
	key := fmt.Sprintf("0 to %d points per bin", int(top))
	if logScale {
		key += " (log scale)"
	}
	addColourKey(p, key, viridis, false)
	return p, nil
}

// histogram counts the n points of x (columns x and y) in the square cells
// of bounds b, bins cells along its longer side: counts[cj*nx+ci] is the
// count of cell (ci, cj), cj = 0 at the bottom. Points outside b are not
// counted; inside is how many were.
func histogram(x *mat.Dense, n int, b Bounds, bins int) (counts []float64, nx, ny, inside int) {
	w, h := b.XMax-b.XMin, b.YMax-b.YMin
	nx, ny = bins, bins
	if w > h {
		ny = max(1, int(math.Round(float64(bins)*h/w)))
	} else {
		nx = max(1, int(math.Round(float64(bins)*w/h)))
	}
	counts = make([]float64, nx*ny)
	for i := range n {
		px, py := x.At(i, 0), x.At(i, 1)
		if !b.Contains(px, py) {
			continue
		}
		ci := min(nx-1, int((px-b.XMin)/w*float64(nx)))
		cj := min(ny-1, int((py-b.YMin)/h*float64(ny)))
		counts[cj*nx+ci]++
		inside++
	}
	return counts, nx, ny, inside
}

// blockImage paints an nx x ny grid of cells (cj = 0 at the bottom) as an
// image, each cell a block of k x k pixels (about 800 pixels along the
// longer side), so that the smoothing of the image when it is scaled to
// the panel only blurs cell edges by a fraction of a cell.
func blockImage(nx, ny int, colour func(ci, cj int) color.NRGBA) *image.NRGBA {
	k := max(1, (800+max(nx, ny)-1)/max(nx, ny))
	img := image.NewNRGBA(image.Rect(0, 0, nx*k, ny*k))
	for cj := range ny {
		for ci := range nx {
			col := colour(ci, cj)
			for dy := range k {
				row := (ny-1-cj)*k + dy // images go down, y goes up
				for dx := range k {
					img.SetNRGBA(ci*k+dx, row, col)
				}
			}
		}
	}
	return img
}
