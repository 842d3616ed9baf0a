package plot_test

import (
	"fmt"
	"log"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/plot"
)

// A flow animated over its closed-form density: particles x_t = (1+t) x_0
// of N(0, I) pushed to N(0, (1+t)² I), drawn over p_t(x) =
// exp(-|x|²/(2(1+t)²)) / (2π(1+t)²), at 11 times. In a notebook, a.Show()
// shows it inline, as Figure.Show does for a figure.
func ExampleFlow_Animate() {
	x0 := mat.NewDense(200, 2, nil)
	for i := range 200 { // a deterministic spread of points
		r, a := math.Sqrt(-2*math.Log((float64(i)+0.5)/200)), 2.4*float64(i)
		x0.Set(i, 0, r*math.Cos(a))
		x0.Set(i, 1, r*math.Sin(a))
	}
	f := plot.Flow{Title: "x_t = (1+t) x_0", DensityLabel: "p_t(x)",
		Bounds: plot.Bounds{XMin: -5, XMax: 5, YMin: -5, YMax: 5}}
	for k := range 11 {
		t := float64(k) / 10
		x := mat.NewDense(200, 2, nil)
		x.Scale(1+t, x0)
		f.Times, f.Particles = append(f.Times, t), append(f.Particles, x)
	}
	f.Density = func(t float64, grid *mat.Dense) ([]float64, error) {
		n, _ := grid.Dims()
		p, s2 := make([]float64, n), (1+t)*(1+t)
		for i := range p {
			x, y := grid.At(i, 0), grid.At(i, 1)
			p[i] = math.Exp(-(x*x+y*y)/(2*s2)) / (2 * math.Pi * s2)
		}
		return p, nil
	}
	a, err := f.Animate(plot.AnimOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("%d frames of %d x %d pixels, within %d bytes: %v\n", a.Frames, a.Width, a.Height, plot.MaxAnimationBytes, len(a.GIF) <= plot.MaxAnimationBytes)
	// Too many frames are refused before anything is drawn.
	f.Frames = 100
	_, err = f.Animate(plot.AnimOptions{})
	fmt.Println(err)
	// Output:
	// 11 frames of 384 x 384 pixels, within 1500000 bytes: true
	// plot.Flow "x_t = (1+t) x_0": Frames = 100, want 1 to 60 (MaxFrames)
}

// Animate makes a GIF of any figures of one size, one per frame: here a
// point moving along a line.
func ExampleAnimate() {
	a, err := plot.Animate(10, func(k int) (*plot.Figure, error) {
		x := float64(k) / 9
		p, err := plot.Scatter(fmt.Sprintf("x = %.1f", x), plot.Points{X: mat.NewDense(1, 2, []float64{x, x})})
		if err != nil {
			return nil, err
		}
		p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = 0, 1, 0, 1
		return plot.Row(p), nil
	}, plot.AnimOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(a.Frames, "frames")
	// Output:
	// 10 frames
}

// The marginal path p_t of the linear conditional path between pairs of
// an independent coupling, as an animation: 2000 pairs x0 ~ N(0, I) (here a
// deterministic spread) and x1 on a circle of radius 3, moved along
// x_t = (1-t) x0 + t x1 at t = 0, 0.05, ..., 1.
func ExamplePathFlow() {
	linear := func(t float64, x0, x1, xt, ut []float64) {
		for j := range x0 {
			xt[j] = (1-t)*x0[j] + t*x1[j]
			ut[j] = x1[j] - x0[j]
		}
	}
	x0, x1 := mat.NewDense(2000, 2, nil), mat.NewDense(2000, 2, nil)
	for i := range 2000 {
		r, a := math.Sqrt(-2*math.Log((float64(i)+0.5)/2000)), 2.4*float64(i)
		x0.Set(i, 0, r*math.Cos(a))
		x0.Set(i, 1, r*math.Sin(a))
		b := 2 * math.Pi * float64(i*7%2000) / 2000
		x1.Set(i, 0, 3*math.Cos(b))
		x1.Set(i, 1, 3*math.Sin(b))
	}
	f, err := plot.PathFlow("linear path to a circle", linear, x0, x1, 20)
	if err != nil {
		log.Fatal(err)
	}
	f.Dots = 200
	a, err := f.Animate(plot.AnimOptions{})
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(len(f.Times), "snapshots,", a.Frames, "frames")
	// Output:
	// 21 snapshots, 21 frames
}
