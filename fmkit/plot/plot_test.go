package plot

import (
	"bytes"
	"flag"
	"image"
	"image/png"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

var samples = flag.String("samples", "", "directory where to write sample figures (PNG) to look at")

// gaussian returns n points of a 2D Gaussian.
func gaussian(rng *rand.Rand, n int, cx, cy, sd float64) *mat.Dense {
	x := mat.NewDense(n, 2, nil)
	for i := range n {
		x.Set(i, 0, cx+sd*rng.NormFloat64())
		x.Set(i, 1, cy+sd*rng.NormFloat64())
	}
	return x
}

// moons returns n points of the "two moons" distribution.
func moons(rng *rand.Rand, n int) *mat.Dense {
	x := mat.NewDense(n, 2, nil)
	for i := range n {
		t := math.Pi * rng.Float64()
		if i%2 == 0 {
			x.Set(i, 0, math.Cos(t)+0.05*rng.NormFloat64())
			x.Set(i, 1, math.Sin(t)+0.05*rng.NormFloat64())
		} else {
			x.Set(i, 0, 1-math.Cos(t)+0.05*rng.NormFloat64())
			x.Set(i, 1, 0.5-math.Sin(t)+0.05*rng.NormFloat64())
		}
	}
	return x
}

// flow returns the straight-line interpolation between x0 and x1 at steps
// evenly spaced times, with a little curl so that paths are not straight.
func flow(x0, x1 *mat.Dense, steps int) []*mat.Dense {
	n, _ := x0.Dims()
	traj := make([]*mat.Dense, steps)
	for k := range steps {
		t := float64(k) / float64(steps-1)
		x := mat.NewDense(n, 2, nil)
		for i := range n {
			bend := 0.3 * math.Sin(math.Pi*t)
			a, b := x0.At(i, 0), x0.At(i, 1)
			c, d := x1.At(i, 0), x1.At(i, 1)
			x.Set(i, 0, (1-t)*a+t*c+bend*(d-b))
			x.Set(i, 1, (1-t)*b+t*d-bend*(c-a))
		}
		traj[k] = x
	}
	return traj
}

// checkPNG decodes data and checks its size and that it is not blank.
func checkPNG(t *testing.T, data []byte, w, h int) image.Image {
	t.Helper()
	img, err := png.Decode(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("invalid PNG: %v", err)
	}
	b := img.Bounds()
	if b.Dx() != w || b.Dy() != h {
		t.Errorf("PNG is %d x %d, want %d x %d", b.Dx(), b.Dy(), w, h)
	}
	first := img.At(b.Min.X, b.Min.Y)
	r0, g0, b0, _ := first.RGBA()
	differ := 0
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			if r != r0 || g != g0 || bl != b0 {
				differ++
			}
		}
	}
	if differ < b.Dx()*b.Dy()/100 {
		t.Errorf("PNG is (almost) blank: %d pixels differ from the corner", differ)
	}
	return img
}

// render renders a one-panel figure, checks it and writes it as a sample.
func render(t *testing.T, name string, f *Figure) {
	t.Helper()
	start := time.Now()
	data, err := f.PNG()
	if err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	t.Logf("%s: rendered in %v", name, time.Since(start))
	w, h, dpi := f.size()
	rows := (len(f.Panels) + f.Cols - 1) / f.Cols
	cols := min(f.Cols, len(f.Panels))
	px := func(l vg.Length, n int) int { return int(float64(l)*float64(n)/72*float64(dpi) + 0.5) }
	checkPNG(t, data, px(w, cols), px(h, rows))
	if *samples != "" {
		if err := os.MkdirAll(*samples, 0o755); err != nil {
			t.Fatal(err)
		}
		if err := f.Save(filepath.Join(*samples, name+".png")); err != nil {
			t.Fatal(err)
		}
	}
}

// mustPanel returns a function that fails the test on error.
func mustPanel(t *testing.T) func(*plot.Plot, error) *plot.Plot {
	return func(p *plot.Plot, err error) *plot.Plot {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
}

// testData returns a source sample, a target sample and a flow between them.
func testData(n int) (src, dst *mat.Dense, traj []*mat.Dense) {
	rng := rand.New(rand.NewPCG(1, 2))
	src = gaussian(rng, n, 0, 0, 1)
	dst = moons(rng, n)
	for i := range n {
		dst.Set(i, 0, 2*dst.At(i, 0)+1.5)
		dst.Set(i, 1, 2*dst.At(i, 1)+0.5)
	}
	return src, dst, flow(src, dst, 25)
}

// swirl is a vector field for the quiver tests.
func swirl(x, y float64) (float64, float64) { return -y - 0.3*x, x - 0.3*y }

func TestBuilders(t *testing.T) {
	must := mustPanel(t)
	src, dst, traj := testData(2000)
	b := BoundsOf(src, dst)
	losses := make([]float64, 3000)
	rng := rand.New(rand.NewPCG(3, 4))
	for i := range losses {
		losses[i] = 1.2 + 1.5*math.Exp(-float64(i)/400) + 0.25*rng.NormFloat64()*math.Exp(-float64(i)/3000)
	}
	grid := Bounds{-3, 3, -3, 3}
	pts := GridPoints(grid, 15, 15)
	vel := mat.NewDense(225, 2, nil)
	for i := range 225 {
		vx, vy := swirl(pts.At(i, 0), pts.At(i, 1))
		vel.Set(i, 0, vx)
		vel.Set(i, 1, vy)
	}
	nfe := []float64{1, 2, 4, 8, 16, 32, 64}
	w2 := func(c float64) []float64 {
		y := make([]float64, len(nfe))
		for i, n := range nfe {
			y[i] = 0.03 + c/n
		}
		return y
	}

	cases := []struct {
		name string
		fig  *Figure
	}{
		{"scatter", Row(must(Scatter("Source and target", Points{Name: "source N(0, I)", X: src}, Points{Name: "target (moons)", X: dst})))},
		{"density", Row(must(Density("Target density", dst, 80, Bounds{})))},
		{"density_log", Row(must(DensityLog("Target density (log)", dst, 60, b.Square())))},
		{"trajectories", Row(must(Trajectories("Flow paths", traj, 100)))},
		{"quiver", Row(must(Quiver("Vector field", grid, 21, 21, swirl)))},
		{"quiver_at", Row(must(QuiverAt("Learned field (batch)", pts, vel)))},
		{"curves", Row(must(Curves("Sampling error", "NFE", "W2", true,
			Series{Name: "Euler", X: nfe, Y: w2(1)}, Series{Name: "midpoint", X: nfe, Y: w2(0.3)}, Series{Name: "OT-CFM Euler", X: nfe, Y: w2(0.1)})))},
		{"loss", Row(must(Loss("Training loss", losses, 100)))},
		{"row3", Row(
			must(Scatter("Samples", Points{Name: "source", X: src}, Points{Name: "target", X: dst})),
			must(Trajectories("Paths", traj, 60)),
			must(Density("Generated", traj[len(traj)-1], 70, Bounds{})),
		)},
		{"grid2x2", Grid(2,
			must(Quiver("t = 0", grid, 15, 15, swirl)),
			must(Loss("Loss", losses, 50)),
			must(Scatter("", Points{X: src}, Points{X: dst})),
		)},
	}
	// Many series in narrow panels: legends on several rows.
	var many []Series
	for k, name := range []string{"Euler", "Heun", "midpoint", "RK4", "adaptive (dopri5)", "OT-CFM"} {
		many = append(many, Series{Name: name, X: nfe, Y: w2(1 / float64(k+1))})
	}
	narrow := Row(
		must(Curves("Six solvers", "NFE", "W2", true, many...)),
		must(Scatter("Two sets", Points{Name: "a", X: src}, Points{Name: "b", X: dst})),
	)
	narrow.PanelWidth, narrow.PanelHeight = 3*vg.Inch, 3*vg.Inch
	cases = append(cases, struct {
		name string
		fig  *Figure
	}{"legend_rows", narrow})

	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) { render(t, c.name, c.fig) })
	}
}
