package plot_test

import (
	"fmt"
	"image/color"
	"log"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/plot"
)

func ExampleDensityMap() {
	// The density of N(0, I) on a grid, with the field v(x) = -x that
	// contracts it drawn on top, and two marked points.
	b := plot.Bounds{XMin: -3, XMax: 3, YMin: -3, YMax: 3}
	fine := plot.GridPoints(b, 60, 60)
	dens := make([]float64, 60*60)
	for i := range dens {
		x, y := fine.At(i, 0), fine.At(i, 1)
		dens[i] = math.Exp(-(x*x+y*y)/2) / (2 * math.Pi)
	}
	p, err := plot.DensityMap("N(0, I) and v(x) = -x", "p(x)", b, 60, 60, dens)
	if err != nil {
		log.Fatal(err)
	}
	pts := plot.GridPoints(b, 9, 9)
	vel := mat.NewDense(81, 2, nil)
	vel.Scale(-1, pts)
	if err := plot.AddArrows(p, "v(x) = -x", pts, vel, 2, nil); err != nil {
		log.Fatal(err)
	}
	if err := plot.AddPoints(p, "two points", mat.NewDense(2, 2, []float64{1, 1, -1, 0}), color.NRGBA{R: 0xd0, A: 0xff}, 3); err != nil {
		log.Fatal(err)
	}
	if _, err := plot.Row(p).PNG(); err != nil {
		log.Fatal(err)
	}
	// The values must match the grid and be finite and >= 0.
	_, err = plot.DensityMap("bad", "p(x)", b, 60, 60, dens[:10])
	fmt.Println(err)
	// Output:
	// plot.DensityMap "bad": 10 values for a 60 x 60 grid; give one value per row of GridPoints(b, nx, ny)
}
