package marginal

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/path"
	"github.com/flowmatching/gofm/fmkit/train"
)

func target(t *testing.T, n int) *Empirical {
	t.Helper()
	x1, _ := data.Sample("moons", n, 3)
	e, err := New(x1, "linear")
	if err != nil {
		t.Fatal(err)
	}
	return e
}

// With one point the marginal field is the conditional one, (x1 - x)/(1 - t).
func TestSinglePoint(t *testing.T) {
	e, err := New(mat.NewDense(1, 2, []float64{1, -2}), "linear")
	if err != nil {
		t.Fatal(err)
	}
	x, _ := data.Sample("gaussian", 10, 1)
	u, err := e.Velocity(0.3, x)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 10 {
		for k, c := range []float64{1, -2} {
			if want := (c - x.At(i, k)) / 0.7; math.Abs(u.At(i, k)-want) > 1e-12 {
				t.Fatalf("u[%d,%d] = %v, want %v", i, k, u.At(i, k), want)
			}
		}
	}
}

// The closed-form pair (p_t, u_t) satisfies the continuity equation
// dp/dt + div(p u) = 0, checked by central differences in t, x and y at
// points spread over the support.
func TestContinuityEquation(t *testing.T) {
	e := target(t, 20)
	pts, _ := data.Sample("gaussian", 40, 9)
	const h = 1e-4
	for _, tt := range []float64{0.1, 0.5, 0.8} {
		worst, scale := 0.0, 0.0
		for i := range 40 {
			x := mat.NewDense(1, 2, []float64{pts.At(i, 0) * 0.8, pts.At(i, 1) * 0.8})
			dens := func(t float64, dx, dy float64) float64 {
				p := mat.NewDense(1, 2, []float64{x.At(0, 0) + dx, x.At(0, 1) + dy})
				l, err := e.LogDensity(t, p)
				if err != nil {
					panic(err)
				}
				return math.Exp(l[0])
			}
			flux := func(dx, dy float64, k int) float64 {
				p := mat.NewDense(1, 2, []float64{x.At(0, 0) + dx, x.At(0, 1) + dy})
				u, err := e.Velocity(tt, p)
				if err != nil {
					panic(err)
				}
				return dens(tt, dx, dy) * u.At(0, k)
			}
			dpdt := (dens(tt+h, 0, 0) - dens(tt-h, 0, 0)) / (2 * h)
			div := (flux(h, 0, 0)-flux(-h, 0, 0))/(2*h) + (flux(0, h, 1)-flux(0, -h, 1))/(2*h)
			worst = max(worst, math.Abs(dpdt+div))
			scale = max(scale, math.Abs(dpdt))
		}
		t.Logf("t=%.1f: max |dp/dt + div(p u)| = %.2e (max |dp/dt| %.3f)", tt, worst, scale)
		if worst > 1e-5*max(scale, 1) || scale < 1e-3 {
			t.Errorf("t=%v: continuity residual %.3g (scale %.3g)", tt, worst, scale)
		}
	}
}

// Integrating the closed-form field carries N(0, I) onto the N points
// (it memorises the data): every sample ends next to a point of X1, and the
// points are all reached.
func TestMarginalFlowMemorises(t *testing.T) {
	e := target(t, 16)
	x0, _ := data.Sample("gaussian", 400, 5)
	res, err := ode.Solve(e, x0, ode.Options{Method: "euler", Steps: 400})
	if err != nil {
		t.Fatal(err)
	}
	hit := make([]bool, 16)
	worst := 0.0
	for i := range 400 {
		best, bj := math.Inf(1), -1
		for j := range 16 {
			d := math.Hypot(res.X.At(i, 0)-e.X1.At(j, 0), res.X.At(i, 1)-e.X1.At(j, 1))
			if d < best {
				best, bj = d, j
			}
		}
		worst = max(worst, best)
		hit[bj] = true
	}
	for j, h := range hit {
		if !h {
			t.Errorf("point %d never reached", j)
		}
	}
	if worst > 0.01 {
		t.Errorf("a sample ended %.3g away from every data point", worst)
	}
	// and the W2 to the points themselves, repeated, is small.
	rep := mat.NewDense(400, 2, nil)
	for i := range 400 {
		rep.SetRow(i, e.X1.RawRowView(i%16))
	}
	w, _ := metric.W2(res.X, rep)
	t.Logf("max distance to the nearest point %.2e, W2 to the points %.3f", worst, w)
}

func TestPosteriorAndBadInput(t *testing.T) {
	e := target(t, 30)
	w, err := e.Posterior(0.6, []float64{0.2, 0.1})
	if err != nil {
		t.Fatal(err)
	}
	s := 0.0
	for _, v := range w {
		s += v
	}
	if math.Abs(s-1) > 1e-12 {
		t.Errorf("posterior sums to %v", s)
	}
	x, _ := data.Sample("gaussian", 3, 1)
	if _, err := e.Velocity(1, x); err == nil || !strings.Contains(err.Error(), "use t < 1") {
		t.Errorf("t = 1: got %v", err)
	}
	if _, err := e.Velocity(-0.1, x); err == nil || !strings.Contains(err.Error(), "outside [0, 1]") {
		t.Errorf("t < 0: got %v", err)
	}
	if _, err := e.Velocity(0.5, mat.NewDense(2, 3, nil)); err == nil || !strings.Contains(err.Error(), "3 columns") {
		t.Errorf("dimension: got %v", err)
	}
	if _, err := e.Conditional(0.5, x, 30); err == nil {
		t.Error("index out of range accepted")
	}
	if _, err := New(mat.NewDense(2, 2, []float64{0, math.NaN(), 1, 1}), "linear"); err == nil || !strings.Contains(err.Error(), "non-finite") {
		t.Errorf("NaN point: got %v", err)
	}
	if _, err := New(e.X1, "wiggly"); err == nil || !strings.Contains(err.Error(), "unknown path") {
		t.Errorf("unknown path: got %v", err)
	}
	path.Register("test-nonaffine", func() path.Path { return nonAffine{} })
	if _, err := New(e.X1, "test-nonaffine"); err == nil || !strings.Contains(err.Error(), "not affine") {
		t.Errorf("non-affine path: got %v", err)
	}
	if _, err := e.Sample(0, 0, 1, data.NewRand(1)); err == nil {
		t.Error("0 samples accepted")
	}
}

type nonAffine struct{}

func (nonAffine) Name() string { return "test-nonaffine" }
func (nonAffine) Point(t float64, x0, x1, xt, ut []float64) {
	for k := range x0 {
		xt[k] = (1-t)*x0[k] + t*x1[k] + t*(1-t)
		ut[k] = x1[k] - x0[k] + 1 - 2*t
	}
}

// Fit trains and caches snapshots; on one loss sample, L_CFM - L_FM is the
// theta-free constant up to the sample's zero-mean cross term (< 1% of
// L_CFM), for an untrained and a trained network, and their gradients
// point the same way.
func TestFitAndLosses(t *testing.T) {
	t.Setenv("FMKIT_CACHE", t.TempDir())
	e := target(t, 32)
	cfg := train.DefaultConfig()
	cfg.Steps, cfg.Batch, cfg.Quiet = 200, 128, true
	cfg.Field.Width = 32
	models, err := Fit(cfg, e, 1)
	if err != nil {
		t.Fatal(err)
	}
	if len(models) != 2 || len(models[0].History) != 1 || len(models[1].History) != 200 {
		t.Fatalf("got %d models", len(models))
	}
	again, err := Fit(cfg, e, 1)
	if err != nil {
		t.Fatal(err)
	}
	if again[1].Seconds != models[1].Seconds {
		t.Error("second Fit trained again instead of loading the cache")
	}
	s, err := e.NewLossSample(20000, 1)
	if err != nil {
		t.Fatal(err)
	}
	var gaps []float64
	for _, m := range models {
		l, err := s.Evaluate(m)
		if err != nil {
			t.Fatal(err)
		}
		gaps = append(gaps, l.Gap())
		t.Logf("%d steps: L_FM %.4f, L_CFM %.4f, gap %.4f (constant %.4f); gradients: relative difference %.3f, cosine %.4f",
			len(m.History), l.FM, l.CFM, l.Gap(), s.Constant, l.GradRelDiff(), l.GradCosine())
		if math.Abs(l.Gap()-s.Constant) > 0.01*l.CFM {
			t.Errorf("gap %.4f differs from the constant %.4f by more than 1%% of L_CFM %.4f", l.Gap(), s.Constant, l.CFM)
		}
		if l.GradCosine() < 0.9 {
			t.Errorf("gradients of L_FM and L_CFM have cosine %.3f", l.GradCosine())
		}
	}
	// EvaluateMany (one graph for several samples) gives Evaluate's numbers.
	s2, err := e.NewLossSample(500, 2)
	if err != nil {
		t.Fatal(err)
	}
	many, err := EvaluateMany(models[1], s, s2)
	if err != nil {
		t.Fatal(err)
	}
	for k, smp := range []*LossSample{s, s2} {
		one, err := smp.Evaluate(models[1])
		if err != nil {
			t.Fatal(err)
		}
		if one.FM != many[k].FM || one.CFM != many[k].CFM || len(one.GradFM) != len(many[k].GradFM) || one.GradFM[0] != many[k].GradFM[0] {
			t.Errorf("sample %d: EvaluateMany gives L_FM %v, L_CFM %v; Evaluate %v, %v", k, many[k].FM, many[k].CFM, one.FM, one.CFM)
		}
	}
	if _, err := EvaluateMany(models[1]); err == nil {
		t.Error("EvaluateMany accepted no samples")
	}
	if models[1].History[199] >= models[0].History[0] {
		t.Error("training did not lower the loss")
	}
	if _, err := Fit(cfg, e, 0); err == nil {
		t.Error("snapshot at step 0 accepted")
	}
	bad := cfg
	bad.Coupling = "ot"
	if _, err := Fit(bad, e); err == nil || !strings.Contains(err.Error(), "independent") {
		t.Errorf("OT coupling: got %v", err)
	}
}
