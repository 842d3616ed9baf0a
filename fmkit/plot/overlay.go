package plot

import (
	"fmt"
	"image"
	"image/color"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg/draw"
)

// backgroundBins is the resolution (bins along the longer side) of the
// density drawn beneath ScatterOnDensity's points.
const backgroundBins = 70

// ScatterOnDensity draws point clouds over the density of a reference
// sample, such as generated points over the data: the reference is a faint
// grey 2D histogram beneath (darker where the data are denser, white where
// there are none), so that model points that land where the data have no
// mass stand out instead of hiding under the data's own dots. The
// reference's name (for example "data") labels the grey in the legend.
// Both axes have the same scale; the range covers the reference and the
// points.
func ScatterOnDensity(title, refName string, ref *mat.Dense, sets ...Points) (*plot.Plot, error) {
	fail := func(err error) error { return fmt.Errorf("plot.ScatterOnDensity %q: %w", title, err) }
	n, err := checkPoints("reference", ref)
	if err != nil {
		return nil, fail(err)
	}
	if len(sets) == 0 {
		return nil, fail(fmt.Errorf("no point sets to draw over the reference"))
	}
	xs := []*mat.Dense{ref}
	for k, s := range sets {
		if _, err := checkPoints(setName(k, s.Name), s.X); err != nil {
			return nil, fail(err)
		}
		xs = append(xs, s.X)
	}
	b := BoundsOf(xs...)
	img := greyDensity(ref, n, b, backgroundBins)

	p := newPanel(title, "x", "y")
	EqualAspect(p)
	p.Add(plotter.NewImage(img, b.XMin, b.YMin, b.XMax, b.YMax))
	if refName != "" {
		addLegend(p, refName+" (density)", greyThumb{})
	}
	for k, s := range sets {
		col := s.Color
		if col == nil {
			col = cycle[k%len(cycle)]
		}
		m, _ := s.X.Dims()
		r, a := dotStyle(m)
		// Smaller dots than Scatter's, so that the density shows between them.
		p.Add(&dots{xy: s.X, radius: 0.7 * r, colour: withAlpha(col, a)})
		if s.Name != "" {
			addLegend(p, s.Name, dotThumb{opaque(col), 3.5})
		}
	}
	setRange(p, b)
	return p, nil
}

// greyDensity is the histogram of the n points of x over b, smoothed over
// 3 x 3 bins (so that data on thin curves stay visible), as a grey image:
// white for an empty bin, up to 55% grey for the fullest, on a square-root
// scale so that thin parts of the data remain visible.
func greyDensity(x *mat.Dense, n int, b Bounds, bins int) image.Image {
	counts, nx, ny, _ := histogram(x, n, b, bins)
	smooth := make([]float64, nx*ny)
	top := 0.0
	for cj := range ny {
		for ci := range nx {
			s := 0.0
			for dj := -1; dj <= 1; dj++ {
				for di := -1; di <= 1; di++ {
					if i, j := ci+di, cj+dj; i >= 0 && i < nx && j >= 0 && j < ny {
						s += counts[j*nx+i]
					}
				}
			}
			smooth[cj*nx+ci] = s
			top = math.Max(top, s)
		}
	}
	return blockImage(nx, ny, func(ci, cj int) color.NRGBA {
		f := 0.0
		if top > 0 {
			f = math.Sqrt(smooth[cj*nx+ci] / top)
		}
		g := uint8(math.Round(255 * (1 - 0.55*f)))
		return color.NRGBA{R: g, G: g, B: g, A: 0xff}
	})
}

// greyThumb is the legend thumbnail of a grey density.
type greyThumb struct{}

func (greyThumb) Thumbnail(c *draw.Canvas) {
	c.SetColor(color.NRGBA{R: 0xb3, G: 0xb3, B: 0xb3, A: 0xff})
	c.Fill(circle(c.Center(), 5))
}
