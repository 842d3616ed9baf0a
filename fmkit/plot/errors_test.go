package plot

import (
	"math"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/plot"
	"gonum.org/v1/plot/vg"
	"gonum.org/v1/plot/vg/draw"
	"gonum.org/v1/plot/vg/vgimg"
)

func TestBadInput(t *testing.T) {
	good := mat.NewDense(3, 2, []float64{0, 0, 1, 1, 2, 0})
	nan := mat.NewDense(3, 2, []float64{0, 0, 1, math.NaN(), 2, 0})
	inf := mat.NewDense(2, 2, []float64{0, 0, math.Inf(1), 1})
	three := mat.NewDense(2, 3, nil)
	empty := &mat.Dense{}
	field := func(x, y float64) (float64, float64) { return -y, x }
	nanField := func(x, y float64) (float64, float64) { return math.NaN(), x }
	logPanel := func() (*plot.Plot, error) {
		return Curves("c", "x", "y", true, Series{Name: "s", Y: []float64{1, 0, 2}})
	}
	cases := []struct {
		name string
		err  func() (*plot.Plot, error)
		want string // in the error message
	}{
		{"scatter none", func() (*plot.Plot, error) { return Scatter("s") }, "no point sets"},
		{"scatter nil", func() (*plot.Plot, error) { return Scatter("s", Points{Name: "a"}) }, `point set 0 ("a") is nil`},
		{"scatter empty", func() (*plot.Plot, error) { return Scatter("s", Points{X: good}, Points{X: empty}) }, "point set 1 has no points"},
		{"scatter columns", func() (*plot.Plot, error) { return Scatter("s", Points{X: three}) }, "has 3 columns, want 2"},
		{"scatter NaN", func() (*plot.Plot, error) { return Scatter("s", Points{X: nan}) }, "point 1 has y = NaN"},
		{"scatter Inf", func() (*plot.Plot, error) { return Scatter("s", Points{X: inf}) }, "point 1 has x = +Inf"},
		{"density NaN", func() (*plot.Plot, error) { return Density("d", nan, 10, Bounds{}) }, "y = NaN"},
		{"density bins", func() (*plot.Plot, error) { return Density("d", good, 0, Bounds{}) }, "bins = 0"},
		{"density bounds", func() (*plot.Plot, error) { return Density("d", good, 10, Bounds{1, 0, 0, 1}) }, "are empty"},
		{"density outside", func() (*plot.Plot, error) { return DensityLog("d", good, 10, Bounds{5, 6, 5, 6}) }, "none of the 3 points is inside"},
		{"trajectories short", func() (*plot.Plot, error) { return Trajectories("t", []*mat.Dense{good}, 5) }, "1 time steps, need at least 2"},
		{"trajectories sizes", func() (*plot.Plot, error) {
			return Trajectories("t", []*mat.Dense{good, mat.NewDense(2, 2, nil)}, 5)
		}, "time step 1 has 2 points, time step 0 has 3"},
		{"trajectories NaN", func() (*plot.Plot, error) { return Trajectories("t", []*mat.Dense{good, nan}, 5) }, "time step 1: point 1 has y = NaN"},
		{"quiver nil", func() (*plot.Plot, error) { return Quiver("q", Bounds{-1, 1, -1, 1}, 5, 5, nil) }, "function is nil"},
		{"quiver grid", func() (*plot.Plot, error) { return Quiver("q", Bounds{-1, 1, -1, 1}, 0, 5, field) }, "grid of 0 x 5"},
		{"quiver bounds", func() (*plot.Plot, error) { return Quiver("q", Bounds{-1, math.NaN(), -1, 1}, 5, 5, field) }, "not finite"},
		{"quiver NaN", func() (*plot.Plot, error) { return Quiver("q", Bounds{-1, 1, -1, 1}, 5, 5, nanField) }, "is not finite"},
		{"quiverAt count", func() (*plot.Plot, error) { return QuiverAt("q", good, mat.NewDense(2, 2, nil)) }, "2 vectors for 3 points"},
		{"quiverAt columns", func() (*plot.Plot, error) { return QuiverAt("q", good, mat.NewDense(3, 1, nil)) }, "vectors has 1 columns"},
		{"curves none", func() (*plot.Plot, error) { return Curves("c", "x", "y", false) }, "no series"},
		{"curves empty", func() (*plot.Plot, error) { return Curves("c", "x", "y", false, Series{Name: "s"}) }, `series 0 ("s") has no points`},
		{"curves lengths", func() (*plot.Plot, error) {
			return Curves("c", "x", "y", false, Series{X: []float64{1}, Y: []float64{1, 2}})
		}, "1 X values and 2 Y values"},
		{"curves NaN", func() (*plot.Plot, error) { return Curves("c", "x", "y", false, Series{Y: []float64{1, math.NaN()}}) }, "Y[1] = NaN"},
		{"curves log", logPanel, "Y[1] = 0, but a logarithmic Y axis needs positive values"},
		{"loss empty", func() (*plot.Plot, error) { return Loss("l", nil, 10) }, "has no points"},
		{"loss NaN", func() (*plot.Plot, error) { return Loss("l", []float64{1, 2, math.NaN()}, 10) }, "Y[2] = NaN"},
	}
	for _, c := range cases {
		p, err := c.err()
		if err == nil {
			t.Errorf("%s: no error", c.name)
			continue
		}
		if p != nil {
			t.Errorf("%s: non-nil plot with an error", c.name)
		}
		if !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %q does not say %q", c.name, err, c.want)
		}
	}
}

func TestFigureErrors(t *testing.T) {
	if _, err := Row().PNG(); err == nil {
		t.Error("empty figure: no error")
	}
	if _, err := Row(nil, nil).PNG(); err == nil {
		t.Error("figure of nil panels: no error")
	}
	p, _ := Scatter("s", Points{X: mat.NewDense(2, 2, []float64{0, 0, 1, 1})})
	if _, err := Grid(0, p).PNG(); err == nil {
		t.Error("figure of 0 columns: no error")
	}
	if err := Row(p).Show(); err != nil {
		t.Errorf("Show outside a notebook: %v", err)
	}
}

// A panic of gonum while drawing (here a log scale over negative values)
// is an error, and the panel is left as it was.
func TestRenderPanicIsError(t *testing.T) {
	p, err := Scatter("s", Points{X: mat.NewDense(2, 2, []float64{-1, -1, 1, 1})})
	if err != nil {
		t.Fatal(err)
	}
	p.Y.Scale = plot.LogScale{}
	xmin, xmax := p.X.Min, p.X.Max
	if _, err := Row(p).PNG(); err == nil || !strings.Contains(err.Error(), "drawing the figure failed") {
		t.Errorf("got error %v, want a drawing failure", err)
	}
	if p.X.Min != xmin || p.X.Max != xmax {
		t.Errorf("X range changed by a failed rendering: [%v, %v] -> [%v, %v]", xmin, xmax, p.X.Min, p.X.Max)
	}
}

// Rendering adapts the ranges and title padding of the panels but leaves
// them as they were.
func TestRenderRestoresPanels(t *testing.T) {
	src, dst, _ := testData(200)
	p, _ := Scatter("s", Points{Name: "a", X: src}, Points{Name: "b", X: dst})
	before := saveState(p)
	f := Row(p)
	f.PanelWidth = 6 * vg.Inch // wide: the X range must grow
	if _, err := f.PNG(); err != nil {
		t.Fatal(err)
	}
	if after := saveState(p); after != before {
		t.Errorf("panel changed by rendering: %+v -> %+v", before, after)
	}
}

// The equal scale: one unit of x as long as one unit of y, whatever the
// shape of the panel.
func TestEqualAspect(t *testing.T) {
	src, _, _ := testData(100)
	sizes := [][2]vg.Length{{4 * vg.Inch, 4 * vg.Inch}, {6 * vg.Inch, 3 * vg.Inch}, {3 * vg.Inch, 5 * vg.Inch}}
	for _, size := range sizes {
		p, _ := Scatter("s", Points{Name: "a", X: src})
		q, _ := Curves("c", "x", "y", false, Series{Y: []float64{1, 5, 2}})
		f := &Figure{Panels: []*plot.Plot{p, q}, Cols: 2, PanelWidth: size[0], PanelHeight: size[1]}
		render(t, "aspect", f)

		// Redo the fitting, and look at the ranges and areas it chose.
		grid, _ := f.layout()
		states := []panelState{saveState(p), saveState(q)}
		w, h, _ := f.size()
		cells := fit(grid, f.Panels, states, draw.New(vgimg.New(2*w, h)))
		dc := p.DataCanvas(cells[0][0])
		ux := (p.X.Max - p.X.Min) / float64(dc.Max.X-dc.Min.X)
		uy := (p.Y.Max - p.Y.Min) / float64(dc.Max.Y-dc.Min.Y)
		if math.Abs(ux/uy-1) > 0.01 {
			t.Errorf("panel %v: %v x-units per point, %v y-units per point", size, ux, uy)
		}
		eps := 1e-9 * (states[0].xmax - states[0].xmin)
		if !(p.X.Min <= states[0].xmin+eps && p.X.Max >= states[0].xmax-eps &&
			p.Y.Min <= states[0].ymin+eps && p.Y.Max >= states[0].ymax-eps) {
			t.Errorf("panel %v: ranges shrunk", size)
		}
		if q.X.Min != states[1].xmin || q.Y.Max != states[1].ymax {
			t.Errorf("panel %v: curves panel got an equal scale", size)
		}
		states[0].restore(p)
		states[1].restore(q)
	}
}

func TestScatterSpeed(t *testing.T) {
	src, dst, _ := testData(10_000)
	start := time.Now()
	p, err := Scatter("10k points", Points{Name: "source", X: src}, Points{Name: "target", X: dst})
	if err != nil {
		t.Fatal(err)
	}
	data, err := Row(p).PNG()
	if err != nil {
		t.Fatal(err)
	}
	d := time.Since(start)
	checkPNG(t, data, 384, 384)
	if *samples != "" {
		if err := os.WriteFile(filepath.Join(*samples, "scatter_10k.png"), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("two sets of 10000 points: %v", d)
	if d > 3*time.Second { // about 0.2 s on a laptop; lenient for slow CI
		t.Errorf("rendering 20000 points took %v", d)
	}
}

func TestSaveAtomic(t *testing.T) {
	dir := t.TempDir()
	src, _, _ := testData(100)
	good, _ := Scatter("s", Points{X: src})
	bad, _ := Scatter("s", Points{X: src})
	bad.Y.Scale = plot.LogScale{} // drawing panics: an error

	listDir := func() []string {
		entries, err := os.ReadDir(dir)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, e := range entries {
			names = append(names, e.Name())
		}
		return names
	}

	// Success: the file is there, a valid PNG, nothing else.
	target := filepath.Join(dir, "fig.png")
	if err := Row(good).Save(target); err != nil {
		t.Fatal(err)
	}
	data, err := os.ReadFile(target)
	if err != nil {
		t.Fatal(err)
	}
	checkPNG(t, data, 384, 384)
	if names := listDir(); len(names) != 1 {
		t.Errorf("files after Save: %v", names)
	}

	// Failed rendering: the existing file is untouched, no file is left.
	if err := Row(bad).Save(target); err == nil {
		t.Error("Save of a failing figure: no error")
	}
	if again, _ := os.ReadFile(target); string(again) != string(data) {
		t.Error("failed Save changed the existing file")
	}
	if err := Row(bad).Save(filepath.Join(dir, "new.png")); err == nil {
		t.Error("Save of a failing figure: no error")
	}
	if names := listDir(); len(names) != 1 {
		t.Errorf("files after failed Saves: %v", names)
	}

	// Unsupported format.
	if err := Row(good).Save(filepath.Join(dir, "fig.gif")); err == nil || !strings.Contains(err.Error(), "unsupported") {
		t.Errorf("Save as .gif: error %v", err)
	}

	// Failure after the temporary file is written (the target is a
	// directory): no temporary file is left.
	if err := os.Mkdir(filepath.Join(dir, "sub.png"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "sub.png", "keep"), nil, 0o644); err != nil {
		t.Fatal(err)
	}
	if err := Row(good).Save(filepath.Join(dir, "sub.png")); err == nil {
		t.Error("Save over a directory: no error")
	}
	if names := listDir(); len(names) != 2 {
		t.Errorf("files after failed rename: %v", names)
	}

	// A directory that does not exist yet is created.
	if err := Row(good).Save(filepath.Join(dir, "figures", "fig.png")); err != nil {
		t.Errorf("Save into a new directory: %v", err)
	}
	// A parent that is a file cannot be.
	if err := Row(good).Save(filepath.Join(dir, "sub.png", "keep", "fig.png")); err == nil {
		t.Error("Save below a file: no error")
	}

	// Vector formats.
	for ext, magic := range map[string]string{".svg": "<?xml", ".pdf": "%PDF", ".jpg": "\xff\xd8"} {
		path := filepath.Join(dir, "fig"+ext)
		if err := Row(good).Save(path); err != nil {
			t.Errorf("Save %s: %v", ext, err)
			continue
		}
		if b, _ := os.ReadFile(path); !strings.HasPrefix(string(b), magic) {
			t.Errorf("%s file starts with %q", ext, b[:min(len(b), 10)])
		}
	}
}

// Panel information does not outlive its panel.
func TestPanelInfoCollected(t *testing.T) {
	count := func() int {
		infoMu.Lock()
		defer infoMu.Unlock()
		return len(infos)
	}
	base := count()
	for range 50 {
		p := newPanel("t", "x", "y")
		EqualAspect(p)
	}
	if count() < base+50 {
		t.Fatalf("%d panels registered, want at least %d", count(), base+50)
	}
	deadline := time.Now().Add(5 * time.Second)
	for count() >= base+50 && time.Now().Before(deadline) {
		runtime.GC()
		time.Sleep(10 * time.Millisecond)
	}
	if n := count(); n >= base+50 {
		t.Errorf("%d panels still registered after garbage collection", n-base)
	}
}
