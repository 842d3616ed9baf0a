package plot

import (
	"bytes"
	"errors"
	"image"
	"image/color"
	"image/draw"
	"image/gif"
	"math"
	"math/rand/v2"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
)

// dotFigure is a small figure with one point at (x, 0).
func dotFigure(x float64) (*Figure, error) {
	p, err := Scatter("dot", Points{X: mat.NewDense(2, 2, []float64{x, 0, 0, 1})})
	if err != nil {
		return nil, err
	}
	p.X.Min, p.X.Max, p.Y.Min, p.Y.Max = -1, 1, -1, 1
	f := Row(p)
	f.PanelWidth, f.PanelHeight = 2*vg.Inch, 2*vg.Inch
	return f, nil
}

// composite decodes a GIF and returns each frame as shown: every frame
// drawn over the previous ones (disposal "none", as Animate writes).
func composite(t *testing.T, data []byte) (*gif.GIF, []*image.RGBA) {
	t.Helper()
	g, err := gif.DecodeAll(bytes.NewReader(data))
	if err != nil {
		t.Fatalf("the GIF does not decode: %v", err)
	}
	canvas := image.NewRGBA(image.Rect(0, 0, g.Config.Width, g.Config.Height))
	var out []*image.RGBA
	for k, im := range g.Image {
		if g.Disposal[k] != gif.DisposalNone {
			t.Fatalf("frame %d has disposal %d, want none", k, g.Disposal[k])
		}
		draw.Draw(canvas, im.Bounds(), im, im.Bounds().Min, draw.Over)
		out = append(out, image.NewRGBA(canvas.Rect))
		copy(out[k].Pix, canvas.Pix)
	}
	return g, out
}

// TestAnimateFrames checks that the decoded GIF shows the rendered frames:
// the count, the timing, the loop, and each composited frame close to the
// figure it came from (the palette costs a little colour, not pixels).
func TestAnimateFrames(t *testing.T) {
	const n = 6
	var want []*image.RGBA
	a, err := Animate(n, func(k int) (*Figure, error) {
		f, err := dotFigure(-0.8 + 0.3*float64(k))
		if err != nil {
			return nil, err
		}
		img, err := f.rgba()
		want = append(want, img)
		return f, err
	}, AnimOptions{Delay: 50 * time.Millisecond, Hold: 500 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if a.Frames != n || a.Width != want[0].Rect.Dx() || a.Height != want[0].Rect.Dy() {
		t.Errorf("Animation says %d frames of %d x %d, want %d of %v", a.Frames, a.Width, a.Height, n, want[0].Rect.Size())
	}
	if a.Colours < 2 || a.Colours > 255 {
		t.Errorf("%d palette colours, want 2 to 255", a.Colours)
	}
	g, got := composite(t, a.GIF)
	if len(got) != n {
		t.Fatalf("the GIF has %d frames, want %d", len(got), n)
	}
	if g.LoopCount != 0 {
		t.Errorf("LoopCount %d, want 0 (forever)", g.LoopCount)
	}
	for k, d := range g.Delay {
		if wantD := map[bool]int{true: 55, false: 5}[k == n-1]; d != wantD {
			t.Errorf("frame %d: delay %d cs, want %d", k, d, wantD)
		}
	}
	for k := range got {
		var sum, worst int
		for p := range got[k].Pix {
			d := int(got[k].Pix[p]) - int(want[k].Pix[p])
			if d < 0 {
				d = -d
			}
			sum += d
			worst = max(worst, d)
		}
		if mean := float64(sum) / float64(len(got[k].Pix)); mean > 1 || worst > 40 {
			t.Errorf("frame %d: mean colour error %.2f (worst %d) per channel, want <= 1 (<= 40)", k, mean, worst)
		}
	}
	// The frames differ (the dot moves), and frames after the first store
	// only the rectangle that changed.
	if bytes.Equal(got[0].Pix, got[n-1].Pix) {
		t.Error("the first and the last frame are the same")
	}
	for k := 1; k < n; k++ {
		if r := g.Image[k].Bounds(); r.Dx()*r.Dy() >= a.Width*a.Height/2 {
			t.Errorf("frame %d stores %v, want only the small rectangle around the moving dot", k, r)
		}
	}
}

func TestAnimateBadInput(t *testing.T) {
	dot := func(int) (*Figure, error) { return dotFigure(0) }
	boom := errors.New("boom")
	for _, c := range []struct {
		name  string
		n     int
		frame func(int) (*Figure, error)
		opt   AnimOptions
		want  string
	}{
		{"no frames", 0, dot, AnimOptions{}, "0 frames, want 1 to 60"},
		{"too many frames", MaxFrames + 1, dot, AnimOptions{}, "61 frames, want 1 to 60 (MaxFrames)"},
		{"nil frame", 3, nil, AnimOptions{}, "frame is nil"},
		{"frame error", 3, func(k int) (*Figure, error) {
			if k == 2 {
				return nil, boom
			}
			return dotFigure(0)
		}, AnimOptions{}, "frame 2: boom"},
		{"nil figure", 2, func(int) (*Figure, error) { return nil, nil }, AnimOptions{}, "frame 0 is a nil figure"},
		{"sizes differ", 3, func(k int) (*Figure, error) {
			f, err := dotFigure(0)
			if k == 1 {
				f.PanelWidth = 3 * vg.Inch
			}
			return f, err
		}, AnimOptions{}, "all frames must have the same size"},
		{"frame too large", 2, func(int) (*Figure, error) {
			f, err := dotFigure(0)
			f.PanelWidth, f.PanelHeight = 20*vg.Inch, 20*vg.Inch
			return f, err
		}, AnimOptions{}, "over the bound of 960000 (MaxFramePixels)"},
		{"delay too short", 2, dot, AnimOptions{Delay: 5 * time.Millisecond}, "frame delay 5ms, want 20ms to 1m"},
		{"hold too long", 2, dot, AnimOptions{Hold: 2 * time.Minute}, "hold 2m0s"},
		{"MaxBytes raised", 2, dot, AnimOptions{MaxBytes: MaxAnimationBytes + 1}, "cannot"},
		{"MaxBytes negative", 2, dot, AnimOptions{MaxBytes: -1}, "want 1 to 1500000"},
		{"over MaxBytes", 3, func(k int) (*Figure, error) { return dotFigure(0.2 * float64(k)) }, AnimOptions{MaxBytes: 500}, "over the bound of 500 bytes: use fewer frames"},
	} {
		a, err := Animate(c.n, c.frame, c.opt)
		if err == nil || a != nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		want := c.want
		if want == "cannot" {
			want = "MaxBytes 1500001, want 1 to 1500000"
		}
		if !strings.Contains(err.Error(), want) {
			t.Errorf("%s: error %q, want one saying %q", c.name, err, want)
		}
	}
}

// noiseFigure is a figure whose pixels are all new on every frame: the
// worst case for the encoder, to check that the byte bound is enforced.
func noiseFigure(seed uint64) (*Figure, error) {
	r := rand.New(rand.NewPCG(seed, 1))
	const n = 300
	vals := make([]float64, n*n)
	for i := range vals {
		vals[i] = r.Float64()
	}
	b := Bounds{XMin: 0, XMax: 1, YMin: 0, YMax: 1}
	p, err := DensityMap("noise", "u", b, n, n, vals)
	if err != nil {
		return nil, err
	}
	f := Row(p)
	f.PanelWidth, f.PanelHeight = 8*vg.Inch, 8*vg.Inch
	return f, nil
}

// TestAnimateByteBound: 6 frames of 768 x 768 pixels of new noise each
// encode to more than 1.5 MB; Animate refuses them with the advice to
// reduce, under the default bound, not only a lowered one.
func TestAnimateByteBound(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 6 large frames")
	}
	_, err := Animate(6, func(k int) (*Figure, error) { return noiseFigure(uint64(k)) }, AnimOptions{})
	if err == nil {
		t.Fatal("6 frames of noise fit in 1.5 MB: the test no longer tests the bound (use more frames)")
	}
	for _, want := range []string{"over the bound of 1500000 bytes", "use fewer frames, smaller panels"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("error %q lacks %q", err, want)
		}
	}
}

// flowFixture: particles on a circle of radius 1 + t turning with t, at
// 21 times, and the density of N(0, (1+t)² I).
func flowFixture(n int) Flow {
	var f Flow
	for s := range 21 {
		t := float64(s) / 20
		x := mat.NewDense(n, 2, nil)
		for i := range n {
			a := 2*math.Pi*float64(i)/float64(n) + t
			x.Set(i, 0, (1+t)*math.Cos(a))
			x.Set(i, 1, (1+t)*math.Sin(a))
		}
		f.Times = append(f.Times, t)
		f.Particles = append(f.Particles, x)
	}
	f.Title = "circle"
	f.Bounds = Bounds{XMin: -2.5, XMax: 2.5, YMin: -2.5, YMax: 2.5}
	return f
}

// TestFlowDefaultSize: a flow at the default size with the most frames
// and 2000 dots that all move on every frame (random walks) stays inside
// the bound.
func TestFlowDefaultSize(t *testing.T) {
	if testing.Short() {
		t.Skip("renders 60 frames")
	}
	f := flowFixture(2000)
	r := rand.New(rand.NewPCG(3, 4))
	var times []float64
	var parts []*mat.Dense
	x := mat.NewDense(2000, 2, nil)
	for k := range 61 { // 61 snapshots: 60 frames are picked
		next := mat.NewDense(2000, 2, nil)
		for i := range 2000 {
			for j := range 2 {
				next.Set(i, j, x.At(i, j)+0.05*r.NormFloat64())
			}
		}
		x = next
		times = append(times, float64(k)/60)
		parts = append(parts, x)
	}
	f.Times, f.Particles, f.Frames, f.Dots = times, parts, MaxFrames, 2000
	a, err := f.Animate(AnimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if a.Frames != MaxFrames || len(a.GIF) > MaxAnimationBytes {
		t.Errorf("%d frames, %d bytes; want %d frames within %d bytes", a.Frames, len(a.GIF), MaxFrames, MaxAnimationBytes)
	}
	t.Logf("%d frames of %d x %d, %d colours: %d bytes", a.Frames, a.Width, a.Height, a.Colours, len(a.GIF))
}

func TestFlowFrames(t *testing.T) {
	f := flowFixture(200)
	var asked []float64
	f.Density = func(t float64, g *mat.Dense) ([]float64, error) {
		asked = append(asked, t)
		r, _ := g.Dims()
		v := make([]float64, r)
		s := 1 + t
		for i := range v {
			x, y := g.At(i, 0), g.At(i, 1)
			v[i] = math.Exp(-(x*x+y*y)/(2*s*s)) / (2 * math.Pi * s * s)
		}
		return v, nil
	}
	f.Frames = 5
	a, err := f.Animate(AnimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if want := []float64{0, 0.25, 0.5, 0.75, 1}; !equalFloats(asked, want) {
		t.Errorf("frames at t = %v, want %v (evenly over the snapshots, first and last included)", asked, want)
	}
	_, frames := composite(t, a.GIF)
	if len(frames) != 5 || bytes.Equal(frames[0].Pix, frames[4].Pix) {
		t.Errorf("%d frames, first == last: %v", len(frames), len(frames) > 0 && bytes.Equal(frames[0].Pix, frames[len(frames)-1].Pix))
	}
	// The same density given by its logarithm: the same animation.
	dens := f.Density
	f.Density = nil
	f.LogDensity = func(t float64, g *mat.Dense) ([]float64, error) {
		v, err := dens(t, g)
		for i := range v {
			v[i] = math.Log(v[i])
		}
		return v, err
	}
	b, err := f.Animate(AnimOptions{})
	if err != nil || !bytes.Equal(a.GIF, b.GIF) {
		t.Errorf("LogDensity = log(Density) gave another animation (err %v)", err)
	}
	f.LogDensity = nil
	// Decorate draws on every frame; its error stops the animation.
	calls := 0
	f.Decorate = func(p *gplot.Plot) error {
		calls++
		return AddRects(p, "", nil, Bounds{XMin: -1, XMax: 1, YMin: -1, YMax: 1})
	}
	c, err := f.Animate(AnimOptions{})
	if err != nil || calls != 5 || bytes.Equal(a.GIF, c.GIF) {
		t.Errorf("Decorate: called %d times for 5 frames, same GIF as without it: %v (err %v)", calls, err == nil && bytes.Equal(a.GIF, c.GIF), err)
	}
	f.Decorate = func(*gplot.Plot) error { return errors.New("no outline") }
	if _, err := f.Animate(AnimOptions{}); err == nil || !strings.Contains(err.Error(), "decorating the frame at t = 0: no outline") {
		t.Errorf("a failing Decorate: %v", err)
	}
	f.Decorate = nil
	// Default number of frames: all 21 snapshots (fewer than 40).
	f.Frames, f.Density = 0, nil
	if a, err := f.Animate(AnimOptions{}); err != nil || a.Frames != 21 {
		t.Errorf("default frames of 21 snapshots: %v, err %v; want 21", a, err)
	}
}

func equalFloats(a, b []float64) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > 1e-12 {
			return false
		}
	}
	return true
}

func TestFlowBadInput(t *testing.T) {
	nanSnap := mat.NewDense(3, 2, []float64{0, 0, math.NaN(), 1, 2, 0})
	for _, c := range []struct {
		name string
		edit func(f *Flow)
		want string
	}{
		{"no snapshots", func(f *Flow) { f.Particles, f.Times = nil, nil }, "no snapshots"},
		{"times", func(f *Flow) { f.Times = f.Times[:3] }, "3 times for 21 snapshots"},
		{"decreasing", func(f *Flow) { f.Times[4] = 0.1 }, "time 4 is 0.1 after 0.15"},
		{"NaN time", func(f *Flow) { f.Times[0] = math.NaN() }, "must be finite and increasing"},
		{"rows", func(f *Flow) { f.Particles[2] = mat.NewDense(5, 2, nil) }, "snapshot 2 has 5 particles, snapshot 0 has 8"},
		{"NaN point", func(f *Flow) { f.Particles[1] = nanSnap }, "snapshot 1: point 1 has x = NaN"},
		{"columns", func(f *Flow) { f.Particles[0] = mat.NewDense(8, 3, nil) }, "has 3 columns, want 2"},
		{"ref", func(f *Flow) { f.Ref = nanSnap }, "reference points: point 1 has x = NaN"},
		{"frames", func(f *Flow) { f.Frames = 61 }, "Frames = 61, want 1 to 60"},
		{"frames vs snapshots", func(f *Flow) { f.Frames = 30 }, "Frames = 30 but there are only 21 snapshots"},
		{"dots", func(f *Flow) { f.Dots = -1 }, "Dots = -1"},
		{"bins", func(f *Flow) { f.Bins = 401 }, "Bins = 401, want 1 to 400"},
		{"bounds", func(f *Flow) { f.Bounds = Bounds{1, 0, 0, 1} }, "are empty"},
		{"density length", func(f *Flow) {
			f.Density = func(float64, *mat.Dense) ([]float64, error) { return []float64{1}, nil }
		}, "density at t = 0: 1 values for"},
		{"two densities", func(f *Flow) {
			f.Density = func(float64, *mat.Dense) ([]float64, error) { return nil, nil }
			f.LogDensity = f.Density
		}, "both Density and LogDensity are set"},
		{"log density error", func(f *Flow) {
			f.LogDensity = func(float64, *mat.Dense) ([]float64, error) { return nil, errors.New("t = 1 is singular") }
		}, "density at t = 0: t = 1 is singular"},
		{"density error", func(f *Flow) {
			f.Density = func(t float64, _ *mat.Dense) ([]float64, error) {
				if t > 0.5 {
					return nil, errors.New("t out of range")
				}
				return make([]float64, 3600), nil
			}
		}, "t out of range"},
	} {
		f := flowFixture(8)
		c.edit(&f)
		a, err := f.Animate(AnimOptions{})
		if err == nil || a != nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `plot.Flow "circle"`) {
			t.Errorf("%s: error %q, want one naming the flow and saying %q", c.name, err, c.want)
		}
	}
}

func TestAnimationSaveShow(t *testing.T) {
	var empty *Animation
	if err := empty.Show(); err == nil || !strings.Contains(err.Error(), "empty animation") {
		t.Errorf("Show of nil: %v", err)
	}
	if err := (&Animation{}).Save(filepath.Join(t.TempDir(), "a.gif")); err == nil {
		t.Error("Save of an empty animation: no error")
	}
	a, err := Animate(2, func(k int) (*Figure, error) { return dotFigure(float64(k) / 2) }, AnimOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if err := a.Show(); err != nil { // outside a notebook: nothing shown, no error
		t.Error(err)
	}
	dir := t.TempDir()
	if err := a.Save(filepath.Join(dir, "a.png")); err == nil || !strings.Contains(err.Error(), `saved as .gif, not ".png"`) {
		t.Errorf("Save as .png: %v", err)
	}
	path := filepath.Join(dir, "sub", "flow.gif")
	if err := a.Save(path); err != nil {
		t.Fatal(err)
	}
	got, err := os.ReadFile(path)
	if err != nil || !bytes.Equal(got, a.GIF) {
		t.Errorf("saved file differs from the animation (err %v)", err)
	}
	if entries, _ := os.ReadDir(filepath.Dir(path)); len(entries) != 1 {
		t.Errorf("%d files next to the saved one, want none (no temporary left)", len(entries)-1)
	}
}

// The palette never holds more than 255 opaque colours, even for frames
// with many more distinct colours, and maps each to a near one.
func TestMedianCutManyColours(t *testing.T) {
	img := image.NewRGBA(image.Rect(0, 0, 256, 256))
	for y := range 256 {
		for x := range 256 {
			img.Set(x, y, color.RGBA{R: uint8(x), G: uint8(y), B: uint8((x + y) / 2), A: 0xff})
		}
	}
	pal, lut := medianCut([]*image.RGBA{img})
	if len(pal) > 255 || len(pal) < 200 {
		t.Errorf("%d palette colours for 65536 distinct ones, want 200 to 255", len(pal))
	}
	worst := 0
	for y := 0; y < 256; y += 7 {
		for x := 0; x < 256; x += 7 {
			c := img.RGBAAt(x, y)
			q := pal[lut[binOf(c.R, c.G, c.B)]].(color.RGBA)
			for _, d := range []int{int(c.R) - int(q.R), int(c.G) - int(q.G), int(c.B) - int(q.B)} {
				worst = max(worst, d, -d)
			}
		}
	}
	if worst > 48 {
		t.Errorf("worst channel error %d, want <= 48", worst)
	}
}

func linearPoint(t float64, x0, x1, xt, ut []float64) {
	for j := range x0 {
		xt[j] = (1-t)*x0[j] + t*x1[j]
		ut[j] = x1[j] - x0[j]
	}
}

func TestPathFlow(t *testing.T) {
	x0 := mat.NewDense(3, 2, []float64{0, 0, 1, 1, -1, 2})
	x1 := mat.NewDense(3, 2, []float64{2, 0, 1, -1, 3, 2})
	f, err := PathFlow("linear", linearPoint, x0, x1, 4)
	if err != nil {
		t.Fatal(err)
	}
	if !equalFloats(f.Times, []float64{0, 0.25, 0.5, 0.75, 1}) || len(f.Particles) != 5 {
		t.Fatalf("times %v, %d snapshots; want 0, 0.25, ..., 1 and 5", f.Times, len(f.Particles))
	}
	if !mat.Equal(f.Particles[0], x0) || !mat.Equal(f.Particles[4], x1) {
		t.Error("the first and last snapshots are not x0 and x1")
	}
	if got := f.Particles[2].RawRowView(2); got[0] != 1 || got[1] != 2 {
		t.Errorf("pair 2 at t = 0.5: %v, want (1, 2)", got)
	}
	if _, err := f.Animate(AnimOptions{}); err != nil {
		t.Errorf("animating the path flow: %v", err)
	}
	nanPath := func(t float64, x0, x1, xt, ut []float64) {
		linearPoint(t, x0, x1, xt, ut)
		if t > 0.5 {
			xt[1] = math.NaN()
		}
	}
	panicky := func(t float64, x0, x1, xt, ut []float64) {
		if x0[0] < 0 {
			panic("index out of range")
		}
		linearPoint(t, x0, x1, xt, ut)
	}
	sentinel := errors.New("part 4b not written")
	if _, err := PathFlow("p", func(float64, []float64, []float64, []float64, []float64) { panic(sentinel) }, x0, x1, 2); !errors.Is(err, sentinel) {
		t.Errorf("a panic with an error: %v, want it wrapped", err)
	}
	for _, c := range []struct {
		name   string
		p      func(t float64, x0, x1, xt, ut []float64)
		x0, x1 *mat.Dense
		steps  int
		want   string
	}{
		{"nil", nil, x0, x1, 4, "path function is nil"},
		{"sizes", linearPoint, x0, mat.NewDense(2, 2, nil), 4, "3 points x0 and 2 points x1"},
		{"columns", linearPoint, mat.NewDense(3, 3, nil), x1, 4, "x0 has 3 columns"},
		{"steps", linearPoint, x0, x1, 0, "steps = 0, want 1 to 1000"},
		{"NaN", nanPath, x0, x1, 4, "wrote x_t = (1.5, NaN) at t = 0.75 for pair 0"},
		{"panic", panicky, x0, x1, 4, "panicked at t = 0 for pair 2: index out of range"},
	} {
		_, err := PathFlow("p", c.p, c.x0, c.x1, c.steps)
		if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), `plot.PathFlow "p"`) {
			t.Errorf("%s: error %v, want one saying %q", c.name, err, c.want)
		}
	}
}
