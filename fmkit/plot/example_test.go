package plot_test

import (
	"bytes"
	"fmt"
	"image/png"
	"log"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/plot"
)

func Example() {
	// Two samples: a standard Gaussian and a ring.
	rng := rand.New(rand.NewPCG(1, 2))
	const n = 1000
	x0, x1 := mat.NewDense(n, 2, nil), mat.NewDense(n, 2, nil)
	for i := range n {
		x0.Set(i, 0, rng.NormFloat64())
		x0.Set(i, 1, rng.NormFloat64())
		a := 2 * math.Pi * rng.Float64()
		x1.Set(i, 0, 3*math.Cos(a)+0.1*rng.NormFloat64())
		x1.Set(i, 1, 3*math.Sin(a)+0.1*rng.NormFloat64())
	}
	samples, err := plot.Scatter("Samples", plot.Points{Name: "source", X: x0}, plot.Points{Name: "target", X: x1})
	if err != nil {
		log.Fatal(err)
	}
	density, err := plot.Density("Target density", x1, 50, plot.Bounds{})
	if err != nil {
		log.Fatal(err)
	}
	fig := plot.Row(samples, density)
	if err := fig.Show(); err != nil { // shown in a notebook, only rendered here
		log.Fatal(err)
	}

	data, err := fig.PNG()
	if err != nil {
		log.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d x %d pixels\n", img.Bounds().Dx(), img.Bounds().Dy())
	// Output: 768 x 384 pixels
}

func ExampleQuiverAt() {
	// A field evaluated in one batch, as a network would be: the velocity
	// that pulls points towards the unit circle.
	grid := plot.Bounds{XMin: -2, XMax: 2, YMin: -2, YMax: 2}
	pts := plot.GridPoints(grid, 16, 16)
	n, _ := pts.Dims()
	vel := mat.NewDense(n, 2, nil)
	for i := range n {
		x, y := pts.At(i, 0), pts.At(i, 1)
		r := math.Hypot(x, y)
		vel.Set(i, 0, (1-r)*x/r)
		vel.Set(i, 1, (1-r)*y/r)
	}
	field, err := plot.QuiverAt("Velocity towards the circle", pts, vel)
	if err != nil {
		log.Fatal(err)
	}
	fig := plot.Grid(1, field)
	fig.DPI = 192 // twice the default resolution
	data, err := fig.PNG()
	if err != nil {
		log.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d points, %d x %d pixels\n", n, img.Bounds().Dx(), img.Bounds().Dy())
	// Output: 256 points, 768 x 768 pixels
}

func ExampleCurvesWithBands() {
	// W2 of two solvers against the number of steps, mean ± sd over seeds,
	// in front of the data's own noise band (W2 between two data samples).
	steps := []float64{2, 4, 8, 16}
	euler := plot.Series{Name: "Euler", X: steps, Y: []float64{0.61, 0.32, 0.18, 0.13}, Err: []float64{0.03, 0.02, 0.02, 0.02}}
	rk4 := plot.Series{Name: "RK4", X: steps, Y: []float64{0.21, 0.13, 0.12, 0.12}, Err: []float64{0.02, 0.02, 0.02, 0.02}}
	band := plot.Band{Name: "data vs data (noise)", Lo: 0.096 - 0.034, Hi: 0.096 + 0.034}
	p, err := plot.CurvesWithBands("W2 against steps", "steps", "W2", false, []plot.Band{band}, euler, rk4)
	if err != nil {
		log.Fatal(err)
	}
	b, err := plot.Row(p).PNG()
	if err != nil {
		log.Fatal(err)
	}
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(img.Bounds().Dx() > 0)

	_, err = plot.Curves("bad", "x", "y", false, plot.Series{Y: []float64{1, 2}, Err: []float64{0.1, -1}})
	fmt.Println(err)
	// Output:
	// true
	// plot.Curves "bad": series 0: Err[1] = -1, but an uncertainty must be finite and >= 0
}

func ExampleScatterOnDensity() {
	// Generated points over the density of the data: the two points far
	// from the data are visible, not hidden under the data's dots.
	rng := rand.New(rand.NewPCG(3, 4))
	data := mat.NewDense(2000, 2, nil)
	for i := range 2000 {
		data.Set(i, 0, rng.NormFloat64())
		data.Set(i, 1, 0.3*rng.NormFloat64())
	}
	gen := mat.NewDense(3, 2, []float64{0, 0, 3, 2, -3, -2})
	p, err := plot.ScatterOnDensity("generated over data", "data", data, plot.Points{Name: "generated", X: gen})
	if err != nil {
		log.Fatal(err)
	}
	if _, err := plot.Row(p).PNG(); err != nil {
		log.Fatal(err)
	}
	_, err = plot.ScatterOnDensity("nothing", "data", data)
	fmt.Println(err)
	// Output:
	// plot.ScatterOnDensity "nothing": no point sets to draw over the reference
}
