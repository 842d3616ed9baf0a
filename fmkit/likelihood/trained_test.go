package likelihood

import (
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/field"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/train"
)

func TestTrueLogDensity(t *testing.T) {
	lp, err := TrueLogDensity("8gaussians")
	if err != nil {
		t.Fatal(err)
	}
	// At a centre the mixture is dominated by one component:
	// log(1/8 N(0; 0, 0.01 I)) = -log 8 - log(2 pi 0.01); the other centres
	// are at least 2*2*sin(pi/8) = 1.53 away, contributing e^-117 each.
	want := -math.Log(8) - math.Log(2*math.Pi*0.01)
	if got := lp([]float64{2, 0}); math.Abs(got-want) > 1e-12 {
		t.Errorf("log p at a centre = %v, want %v", got, want)
	}
	// Far from every centre log-sum-exp must not underflow to -Inf.
	// At the origin all 8 centres are 2 away: p = N(2; 0, 0.01) exactly, far
	// in the tail (e^-200), where a naive sum of exponentials underflows.
	if got, w := lp([]float64{0, 0}), -math.Log(2*math.Pi*0.01)-200; math.IsInf(got, 0) || math.Abs(got-w) > 1e-9 {
		t.Errorf("log p at the origin = %v, want %v", got, w)
	}
	// It integrates to 1 (midpoint rule on [-3, 3]^2, cell 0.01).
	s, h := 0.0, 0.01
	for x := -3 + h/2; x < 3; x += h {
		for y := -3 + h/2; y < 3; y += h {
			s += math.Exp(lp([]float64{x, y})) * h * h
		}
	}
	if math.Abs(s-1) > 1e-6 {
		t.Errorf("the 8-Gaussian density integrates to %v, want 1", s)
	}
	if g, _ := TrueLogDensity("gaussian"); math.Abs(g([]float64{0, 0})+math.Log(2*math.Pi)) > 1e-12 {
		t.Error("gaussian: log N(0; 0, I) in 2D should be -log(2 pi)")
	}
	if _, err := TrueLogDensity("moons"); err == nil || !strings.Contains(err.Error(), "no density") {
		t.Errorf("moons: err = %v, want a 'no density' error", err)
	}
	if _, err := MixtureLogDensity(mat.NewDense(1, 2, nil), 0); err == nil {
		t.Error("std 0 accepted")
	}
}

// The held-out NLL of the affine flow, whose p1 is known in closed form,
// equals the closed-form NLL: the gap is the solver's error only.
func TestHeldOutNLLAffine(t *testing.T) {
	aff := Affine{A: mat.NewDense(2, 2, []float64{0.3, -0.8, 0.5, -0.4}), B: []float64{0.5, -0.25}}
	fl := NewFlow(backend(t), nil, aff.Field).WithDType(dtypes.Float64)
	x := data.Gaussian{D: 2}.Sample(300, data.NewRand(3))
	truth := func(p []float64) float64 {
		l, err := aff.LogProb1(mat.NewDense(1, 2, p))
		if err != nil {
			t.Fatal(err)
		}
		return l[0]
	}
	h, err := fl.HeldOutNLL(x, truth, Options{Adaptive: &ode.AdaptiveOptions{RTol: 1e-8, ATol: 1e-10}})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(h.Gap.Mean) > 1e-6 || h.Gap.SD > 1e-6 {
		t.Errorf("gap %v, want 0 (closed form)", h.Gap)
	}
	if math.Abs(h.NLL.Mean-h.True.Mean) > 1e-6 || h.N != 300 || h.D != 2 {
		t.Errorf("NLL %v vs true %v", h.NLL, h.True)
	}
	if want := h.NLL.Mean / (2 * math.Ln2); math.Abs(h.BitsPerDim()-want) > 1e-12 {
		t.Errorf("bits/dim %v, want %v", h.BitsPerDim(), want)
	}
	if !strings.Contains(h.Solver, "dopri5") || !strings.Contains(h.Solver, "exact") {
		t.Errorf("solver description %q", h.Solver)
	}
	if _, err := fl.HeldOutNLL(mat.NewDense(1, 2, nil), nil, Options{}); err == nil {
		t.Error("one point accepted")
	}
}

// A CFM model trained on a Gaussian target N(b, S) has, on held-out points,
// an NLL equal to the analytic entropy H = log(2 pi e) + 1/2 log det S within
// the NLL's standard error, and a small gap to the true log-density.
func TestTrainedModelNLLGaussian(t *testing.T) {
	if testing.Short() {
		t.Skip("trains a model")
	}
	cfg := train.DefaultConfig()
	cfg.Source, cfg.Target = "gaussian", "gaussian"
	cfg.Field = field.MLP{Dim: 2, Width: 32, Depth: 2, Activation: "swish", TimeFreqs: 4, MaxFreq: 10}
	cfg.Steps, cfg.Batch, cfg.LR, cfg.Quiet = 1500, 256, 1e-2, true
	tr, err := train.NewTrainer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	// Target N(b, S) with S = L L^T: x1 = z L^T + b for z ~ N(0, I).
	l := mat.NewDense(2, 2, []float64{0.6, 0, 0.4, 0.3})
	b := []float64{1, -0.5}
	affine := func(z *mat.Dense) *mat.Dense {
		var x mat.Dense
		x.Mul(z, l.T())
		n, _ := x.Dims()
		for i := range n {
			x.Set(i, 0, x.At(i, 0)+b[0])
			x.Set(i, 1, x.At(i, 1)+b[1])
		}
		return &x
	}
	for k := range cfg.Steps {
		tt, x0, z, err := tr.Draw()
		if err != nil {
			t.Fatal(err)
		}
		if _, err := tr.StepOn(tt, x0, affine(z), cfg.LearningRate(k)); err != nil {
			t.Fatal(err)
		}
	}
	logDetS := 2 * math.Log(0.6*0.3)
	entropy := math.Log(2*math.Pi*math.E) + 0.5*logDetS
	truth := func(x []float64) float64 { // log N(x; b, L L^T)
		z1 := (x[0] - b[0]) / 0.6
		z2 := (x[1] - b[1] - 0.4*z1) / 0.3
		return -math.Log(2*math.Pi) - 0.5*logDetS - 0.5*(z1*z1+z2*z2)
	}
	held := affine(data.Gaussian{D: 2}.Sample(1000, data.NewRand(99)))
	h, err := ForModel(tr.Model()).HeldOutNLL(held, truth, Options{Adaptive: &ode.AdaptiveOptions{RTol: 1e-5, ATol: 1e-5}})
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("NLL %.4f ± %.4f (SE), analytic entropy %.4f, true NLL on the points %.4f, gap %.4f ± %.4f, NFE %d",
		h.NLL.Mean, h.NLL.SE(), entropy, h.True.Mean, h.Gap.Mean, h.Gap.SE(), h.NFE)
	if math.Abs(h.NLL.Mean-entropy) > 2*h.NLL.SE() {
		t.Errorf("model NLL %.4f is more than 2 standard errors (%.4f) from the analytic entropy %.4f", h.NLL.Mean, h.NLL.SE(), entropy)
	}
	if h.Gap.Mean < -3*h.Gap.SE() || h.Gap.Mean > 0.05 {
		t.Errorf("gap (a KL estimate) %.4f ± %.4f: want >= -3 SE and < 0.05 nats", h.Gap.Mean, h.Gap.SE())
	}
}

// sinField is v(x, y) = (sin y + x^2, x y + 3 y): J = [[2x, cos y], [y, x + 3]],
// div = 3x + 3, curl = dv_y/dx - dv_x/dy = y - cos y.
func sinField(ctx *context.Context, t, x *Node) *Node {
	e0 := Reshape(ConstAsDType(x.Graph(), x.DType(), []float64{1, 0}), 1, 2)
	e1 := Reshape(ConstAsDType(x.Graph(), x.DType(), []float64{0, 1}), 1, 2)
	px := Dot(x, Transpose(e0, 0, 1))
	py := Dot(x, Transpose(e1, 0, 1))
	vx := Add(Sin(py), Square(px))
	vy := Add(Mul(px, py), MulScalar(py, 3))
	return Add(Mul(vx, e0), Mul(vy, e1))
}

func TestGeometryAnalytic(t *testing.T) {
	fl := NewFlow(backend(t), nil, sinField).WithDType(dtypes.Float64)
	x := data.Gaussian{D: 2}.Sample(200, data.NewRand(5))
	g, err := fl.Geometry(0.3, x)
	if err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		px, py := x.At(i, 0), x.At(i, 1)
		j := [4]float64{2 * px, math.Cos(py), py, px + 3}
		grad := math.Sqrt(j[0]*j[0] + j[1]*j[1] + j[2]*j[2] + j[3]*j[3])
		if d := g.Div[i] - (3*px + 3); math.Abs(d) > 1e-12 {
			t.Fatalf("point %d: div error %v", i, d)
		}
		curl := py - math.Cos(py)
		if d := g.Curl[i] - curl; math.Abs(d) > 1e-12 {
			t.Fatalf("point %d: curl error %v", i, d)
		}
		if math.Abs(g.Grad[i]-grad) > 1e-12 || math.Abs(g.Rot[i]-math.Abs(curl)/math.Sqrt2) > 1e-12 {
			t.Fatalf("point %d: |J| %v (want %v), rot %v (want %v)", i, g.Grad[i], grad, g.Rot[i], math.Abs(curl)/math.Sqrt2)
		}
	}
	// A pure rotation is all rotation, a symmetric Jacobian none.
	rot, _ := JacobianGeometry([]*mat.Dense{mat.NewDense(2, 2, []float64{0, -2, 2, 0})})
	sym, _ := JacobianGeometry([]*mat.Dense{mat.NewDense(2, 2, []float64{1, 2, 2, -3})})
	if s := rot.Summary(); math.Abs(s.Rotational-1) > 1e-15 || rot.Curl[0] != 4 || rot.Div[0] != 0 {
		t.Errorf("rotation: %+v, curl %v", s, rot.Curl)
	}
	if s := sym.Summary(); s.Rotational != 0 || sym.Div[0] != -2 {
		t.Errorf("symmetric: %+v", s)
	}
	// 3D: curl is the magnitude sqrt(2) ||A||_F; for v = omega x x, curl v = 2 omega.
	w := mat.NewDense(3, 3, []float64{0, -3, 2, 3, 0, -1, -2, 1, 0})
	g3, _ := JacobianGeometry([]*mat.Dense{w})
	if math.Abs(g3.Curl[0]-2*math.Sqrt(14)) > 1e-12 {
		t.Errorf("3D curl magnitude %v, want |2 omega| = 2 sqrt 14", g3.Curl[0])
	}
	if _, err := JacobianGeometry([]*mat.Dense{mat.NewDense(2, 3, nil)}); err == nil {
		t.Error("non-square Jacobian accepted")
	}
}

// The curl-free field's Jacobian is symmetric and the stream field's is
// traceless, to float32 precision, whatever the weights.
func TestConstrainedFieldsExact(t *testing.T) {
	m := field.MLP{Dim: 2, Width: 32, Depth: 2, Activation: "swish", TimeFreqs: 4, MaxFreq: 10}
	x := data.Gaussian{D: 2}.Sample(300, data.NewRand(8))
	for _, kind := range ConstrainedKinds {
		f, err := ConstrainedField(kind, m)
		if err != nil {
			t.Fatal(err)
		}
		ctx := context.New()
		_ = ctx.SetRNGStateFromSeed(3)
		fl := NewFlow(backend(t), ctx, f)
		g, err := fl.Geometry(0.4, x)
		if err != nil {
			t.Fatal(err)
		}
		s := g.Summary()
		worst := 0.0
		for i := range g.Div {
			if kind == CurlFree {
				worst = math.Max(worst, math.Abs(g.Curl[i]))
			} else {
				worst = math.Max(worst, math.Abs(g.Div[i]))
			}
		}
		t.Logf("%s: max |constrained quantity| %.2e, mean ||J|| %.3f, mean |div| %.3f, mean |curl| %.3f", kind, worst, s.MeanGrad, s.MeanAbsDiv, s.MeanAbsCurl)
		if s.MeanGrad < 1e-3 {
			t.Fatalf("%s: the field is flat (mean ||J|| %v); the test would prove nothing", kind, s.MeanGrad)
		}
		if worst > 1e-5*s.MeanGrad {
			t.Errorf("%s: max |%s| = %.2e, want < 1e-5 * mean ||J|| (float32)", kind, map[string]string{CurlFree: "curl", DivFree: "div"}[kind], worst)
		}
		// and the other quantity is not zero: the constraint is specific.
		if kind == CurlFree && s.MeanAbsDiv < 1e-3*s.MeanGrad || kind == DivFree && s.MeanAbsCurl < 1e-3*s.MeanGrad {
			t.Errorf("%s: both div and curl vanish: %+v", kind, s)
		}
	}
	if _, err := ConstrainedField("stream", field.MLP{Dim: 3, Width: 8, Depth: 1, Activation: "swish"}); err == nil {
		t.Error("3D stream field accepted")
	}
	if _, err := ConstrainedField("spin", m); err == nil || !strings.Contains(err.Error(), "gradient") {
		t.Errorf("unknown kind: %v", err)
	}
}
