package path_test

import (
	"math"
	"math/rand/v2"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/path"
)

func TestVECoefficientsAgainstFiniteDifferences(t *testing.T) {
	v := path.DefaultVE()
	for _, tt := range []float64{0.01, 0.2, 0.5, 0.8, 0.99} {
		a, s, da, ds := v.Coefficients(tt)
		const h = 1e-6
		a1, s1, _, _ := v.Coefficients(tt + h)
		a0, s0, _, _ := v.Coefficients(tt - h)
		if a != 1 || da != 0 || (a1-a0) != 0 {
			t.Errorf("t=%v: alpha=%v alpha'=%v, want 1 and 0", tt, a, da)
		}
		if fd := (s1 - s0) / (2 * h); math.Abs(fd-ds) > 1e-5*math.Max(1, math.Abs(ds)) {
			t.Errorf("t=%v: sigma'=%v, finite difference %v", tt, ds, fd)
		}
		if want := v.SigmaMin * math.Pow(v.SigmaMax/v.SigmaMin, 1-tt); math.Abs(s-want) > 1e-12*want {
			t.Errorf("t=%v: sigma=%v, want %v", tt, s, want)
		}
	}
	if _, s, _, _ := v.Coefficients(0); math.Abs(s-10) > 1e-12 {
		t.Errorf("sigma_0 = %v, want SigmaMax = 10", s)
	}
	if _, s, _, _ := v.Coefficients(1); math.Abs(s-0.01) > 1e-15 {
		t.Errorf("sigma_1 = %v, want SigmaMin = 0.01", s)
	}
	if err := (path.VE{SigmaMin: 1, SigmaMax: 1}).Validate(); err == nil {
		t.Error("SigmaMin = SigmaMax accepted")
	}
}

// TestVEConversionsRoundTrip: every parameterisation converted to every
// other and back is the identity, and the score converted to the velocity
// is the probability-flow ODE.
func TestVEConversionsRoundTrip(t *testing.T) {
	v, err := path.LookupSchedule("ve")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := path.Lookup("ve"); err == nil {
		t.Error(`path.Lookup("ve") succeeded; VE is a schedule only (its p_0 is not N(0, I))`)
	}
	rng := rand.New(rand.NewPCG(1, 2))
	xt, pred := mat.NewDense(5, 2, nil), mat.NewDense(5, 2, nil)
	for i := range 5 {
		for j := range 2 {
			xt.Set(i, j, 3*rng.NormFloat64())
			pred.Set(i, j, rng.NormFloat64())
		}
	}
	for _, tt := range []float64{0.1, 0.5, 0.9} {
		for _, from := range path.Params() {
			for _, to := range path.Params() {
				mid, err := path.Convert(v, tt, xt, pred, from, to)
				if err != nil {
					t.Fatalf("t=%v %s->%s: %v", tt, from, to, err)
				}
				back, err := path.Convert(v, tt, xt, mid, to, from)
				if err != nil {
					t.Fatalf("t=%v %s->%s: %v", tt, to, from, err)
				}
				if !mat.EqualApprox(back, pred, 1e-9) {
					t.Errorf("t=%v: %s -> %s -> %s is not the identity", tt, from, to, from)
				}
			}
		}
		vel, err := path.Convert(v, tt, xt, pred, path.Score, path.Velocity)
		if err != nil {
			t.Fatal(err)
		}
		out := make([]float64, 2)
		for i := range 5 {
			path.DefaultVE().ProbabilityFlow(tt, xt.RawRowView(i), pred.RawRowView(i), out)
			for j := range 2 {
				if math.Abs(out[j]-vel.At(i, j)) > 1e-9*math.Max(1, math.Abs(out[j])) {
					t.Errorf("t=%v: ProbabilityFlow %v, Convert(score->velocity) %v", tt, out[j], vel.At(i, j))
				}
			}
		}
	}
}

func TestVEPrior(t *testing.T) {
	x, err := path.DefaultVE().Prior(20000, 2, rand.New(rand.NewPCG(3, 4)))
	if err != nil {
		t.Fatal(err)
	}
	var ss float64
	for _, v := range x.RawMatrix().Data {
		ss += v * v
	}
	if sd := math.Sqrt(ss / 40000); math.Abs(sd-10) > 0.2 {
		t.Errorf("prior sd %v, want 10", sd)
	}
	if _, err := path.DefaultVE().Prior(0, 2, nil); err == nil {
		t.Error("n = 0 accepted")
	}
}
