package path

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Every schedule's derivatives match central finite differences of alpha_t
// and sigma_t.
func TestScheduleDerivatives(t *testing.T) {
	for _, name := range ScheduleNames() {
		s, err := LookupSchedule(name)
		if err != nil {
			t.Fatal(err)
		}
		for _, tt := range []float64{0.02, 0.1, 0.3, 0.5, 0.7, 0.9, 0.98} {
			const h = 1e-6
			al, si, dal, dsi := s.Coefficients(tt)
			alp, sip, _, _ := s.Coefficients(tt + h)
			alm, sim, _, _ := s.Coefficients(tt - h)
			fa, fs := (alp-alm)/(2*h), (sip-sim)/(2*h)
			if math.Abs(fa-dal) > 1e-5*math.Max(1, math.Abs(dal)) || math.Abs(fs-dsi) > 1e-5*math.Max(1, math.Abs(dsi)) {
				t.Errorf("%s at t=%v: (alpha', sigma') = (%v, %v), finite differences (%v, %v)", name, tt, dal, dsi, fa, fs)
			}
			if name == "ve" { // sigma_t explodes to SigmaMax by design
				continue
			}
			if !(al >= 0 && al <= 1 && si >= 0 && si <= 1) {
				t.Errorf("%s at t=%v: alpha=%v sigma=%v outside [0, 1]", name, tt, al, si)
			}
		}
	}
}

func TestScheduleEndpoints(t *testing.T) {
	for _, name := range []string{"linear", "cosine", "poly2", "poly3"} {
		s, _ := LookupSchedule(name)
		a0, s0, _, _ := s.Coefficients(0)
		a1, s1, _, _ := s.Coefficients(1)
		if math.Abs(a0) > 1e-15 || math.Abs(s0-1) > 1e-15 || math.Abs(a1-1) > 1e-15 || math.Abs(s1) > 1e-15 {
			t.Errorf("%s: (alpha, sigma) = (%v, %v) at t=0 and (%v, %v) at t=1", name, a0, s0, a1, s1)
		}
	}
	vp := DefaultVP()
	a0, s0, _, _ := vp.Coefficients(0)
	a1, s1, da1, ds1 := vp.Coefficients(1)
	if math.Abs(a0-math.Exp(-5.025)) > 1e-12 || math.Abs(s0-math.Sqrt(1-a0*a0)) > 1e-15 {
		t.Errorf("VP at t=0: alpha=%v sigma=%v, want alpha=exp(-5.025)=%v", a0, s0, math.Exp(-5.025))
	}
	if math.Abs(s1-0.0105) > 5e-4 || math.Abs(a1-1) > 1e-4 || !finite(da1) || !finite(ds1) {
		t.Errorf("VP at t=1: alpha=%v sigma=%v (want about 1 and 0.0105), derivatives %v %v", a1, s1, da1, ds1)
	}
	for _, tt := range []float64{0, 0.25, 0.5, 0.75, 1} {
		a, s, _, _ := vp.Coefficients(tt)
		if math.Abs(a*a+s*s-1) > 1e-12 {
			t.Errorf("VP at t=%v: alpha^2 + sigma^2 = %v, want 1", tt, a*a+s*s)
		}
	}
	if tau := vp.Tau(0); tau != 1 {
		t.Errorf("tau(0) = %v, want 1 (noise)", tau)
	}
	if tau := vp.Tau(1); math.Abs(tau-vp.TauMin) > 1e-15 {
		t.Errorf("tau(1) = %v, want TauMin", tau)
	}
	// Without TauMin the slope of sigma at the data end is infinite.
	_, _, _, dsInf := VP{BetaMin: 0.1, BetaMax: 20}.Coefficients(1)
	if !math.IsInf(dsInf, -1) {
		t.Errorf("VP with TauMin=0: sigma'_1 = %v, want -Inf", dsInf)
	}
}

// The VP path is registered under its name and is an affine path whose u_t
// is the time derivative of x_t. (Its endpoints are approximate; see
// TestScheduleEndpoints.)
func TestRegisteredSchedulePaths(t *testing.T) {
	for _, name := range ScheduleNames() {
		if name == "ve" { // a schedule only: see VE and TestVEConversionsRoundTrip
			continue
		}
		p, err := Lookup(name)
		if err != nil {
			t.Fatalf("path %q: %v", name, err)
		}
		if p.Name() != name {
			t.Errorf("path %q is named %q", name, p.Name())
		}
		s, ok := ScheduleOf(p)
		if !ok {
			t.Fatalf("path %q is not affine", name)
		}
		x0, x1 := []float64{0.3, -1}, []float64{2, 0.5}
		xt, ut, xp, xm, tmp := make([]float64, 2), make([]float64, 2), make([]float64, 2), make([]float64, 2), make([]float64, 2)
		tt := 0.37
		p.Point(tt, x0, x1, xt, ut)
		al, si, _, _ := s.Coefficients(tt)
		const h = 1e-6
		p.Point(tt+h, x0, x1, xp, tmp)
		p.Point(tt-h, x0, x1, xm, tmp)
		for j := range 2 {
			if math.Abs(xt[j]-(al*x1[j]+si*x0[j])) > 1e-12 || math.Abs((xp[j]-xm[j])/(2*h)-ut[j]) > 1e-6 {
				t.Errorf("%s: x_t=%v u_t=%v inconsistent with the schedule", name, xt, ut)
			}
		}
	}
	if _, ok := ScheduleOf(nil); ok {
		t.Error("ScheduleOf(nil) reports an affine path")
	}
}

func TestScheduleBadInput(t *testing.T) {
	_, err := LookupSchedule("ddpm")
	if err == nil || !strings.Contains(err.Error(), `unknown schedule "ddpm"`) || !strings.Contains(err.Error(), "cosine, linear, poly2, poly3, ve, vp") {
		t.Errorf("unknown schedule: %v", err)
	}
	if _, err := Lookup("vp2"); err == nil || !strings.Contains(err.Error(), "vp") {
		t.Errorf("unknown path: %v", err)
	}
	for _, v := range []VP{{BetaMin: -1, BetaMax: 1}, {BetaMin: 2, BetaMax: 1}, {BetaMin: 0, BetaMax: 0}, {BetaMin: 0.1, BetaMax: 20, TauMin: 1}, {BetaMin: math.NaN(), BetaMax: 1}} {
		if err := v.Validate(); err == nil {
			t.Errorf("%+v: no error", v)
		}
	}
	if err := DefaultVP().Validate(); err != nil {
		t.Error(err)
	}
}

// value returns the parameterisation p of the pair (x1, x0) at time t:
// c1 x1 + c0 x0.
func value(t *testing.T, p Param, s Schedule, tt float64, x1, x0 *mat.Dense) *mat.Dense {
	t.Helper()
	c1, c0, err := p.Coefficients(s, tt)
	if err != nil {
		t.Fatal(err)
	}
	var a, b, out mat.Dense
	a.Scale(c1, x1)
	b.Scale(c0, x0)
	out.Add(&a, &b)
	return &out
}

// Converting the true value of one parameterisation gives the true value of
// every other, and converting there and back is the identity.
func TestConversions(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	n, d := 5, 3
	x0, x1 := mat.NewDense(n, d, nil), mat.NewDense(n, d, nil)
	for i := range n {
		for j := range d {
			x0.Set(i, j, rng.NormFloat64())
			x1.Set(i, j, 2*rng.NormFloat64()+1)
		}
	}
	for _, name := range ScheduleNames() {
		s, _ := LookupSchedule(name)
		for _, tt := range []float64{0.01, 0.2, 0.5, 0.8, 0.99} {
			al, si, _, _ := s.Coefficients(tt)
			var xt, a, b mat.Dense
			a.Scale(al, x1)
			b.Scale(si, x0)
			xt.Add(&a, &b)
			for _, from := range Params() {
				pred := value(t, from, s, tt, x1, x0)
				for _, to := range Params() {
					got, err := Convert(s, tt, &xt, pred, from, to)
					if err != nil {
						t.Fatalf("%s t=%v %s->%s: %v", name, tt, from, to, err)
					}
					want := value(t, to, s, tt, x1, x0)
					if !mat.EqualApprox(got, want, 1e-7*(1+mat.Norm(want, math.Inf(1)))) {
						t.Errorf("%s t=%v %s->%s: got %v want %v", name, tt, from, to, mat.Formatted(got), mat.Formatted(want))
					}
					back, err := Convert(s, tt, &xt, got, to, from)
					if err != nil {
						t.Fatal(err)
					}
					if !mat.EqualApprox(back, pred, 1e-8*(1+mat.Norm(pred, math.Inf(1)))) {
						t.Errorf("%s t=%v %s->%s->%s is not the identity", name, tt, from, to, from)
					}
				}
			}
		}
	}
}

// Two conversions known in closed form: on the linear path an x1-prediction
// gives v = (x1 - x_t) / (1 - t), and on the VP path the score gives the
// probability-flow ODE 1/2 beta (x + s).
func TestConversionsClosedForm(t *testing.T) {
	xt := mat.NewDense(2, 2, []float64{0.5, -1, 2, 0})
	pred := mat.NewDense(2, 2, []float64{1, 1, -1, 3})
	for _, tt := range []float64{0.1, 0.5, 0.9} {
		v, err := Convert(LinearSchedule{}, tt, xt, pred, X1, Velocity)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			for j := range 2 {
				want := (pred.At(i, j) - xt.At(i, j)) / (1 - tt)
				if math.Abs(v.At(i, j)-want) > 1e-12 {
					t.Errorf("linear t=%v: v=%v want %v", tt, v.At(i, j), want)
				}
			}
		}
		vp := DefaultVP()
		got, err := Convert(vp, tt, xt, pred, Score, Velocity)
		if err != nil {
			t.Fatal(err)
		}
		want := make([]float64, 2)
		for i := range 2 {
			vp.ProbabilityFlow(tt, xt.RawRowView(i), pred.RawRowView(i), want)
			for j := range 2 {
				if math.Abs(got.At(i, j)-want[j]) > 1e-10*math.Max(1, math.Abs(want[j])) {
					t.Errorf("VP t=%v: converted score %v, probability-flow ODE %v", tt, got.At(i, j), want[j])
				}
			}
		}
		a, b, _ := ConversionCoefficients(vp, tt, Score, Velocity)
		beta := 0.5 * (1 - vp.TauMin) * vp.Beta(vp.Tau(tt))
		if math.Abs(a-beta) > 1e-10*beta || math.Abs(b-beta) > 1e-10*beta {
			t.Errorf("VP t=%v: score->velocity coefficients (%v, %v), want both %v", tt, a, b, beta)
		}
	}
}

func TestConversionErrors(t *testing.T) {
	x := mat.NewDense(1, 2, []float64{1, 2})
	for _, c := range []struct {
		s        Schedule
		t        float64
		from, to Param
		want     string
	}{
		{LinearSchedule{}, 1, Score, Velocity, "score is undefined at t=1"},
		{LinearSchedule{}, 1, Velocity, Score, "score is undefined at t=1"},
		{LinearSchedule{}, 0, Epsilon, Velocity, "cannot convert epsilon to velocity at t=0"},
		{LinearSchedule{}, 0, Epsilon, X1, "cannot convert epsilon to x1 at t=0"},
		{LinearSchedule{}, 1, X1, Epsilon, "cannot convert x1 to epsilon at t=1"},
		{LinearSchedule{}, 0.5, "noise", Velocity, `unknown parameterisation "noise"`},
		{VP{BetaMin: 0.1, BetaMax: 20}, 1, Velocity, Epsilon, "not finite at t=1"},
	} {
		if _, err := Convert(c.s, c.t, x, x, c.from, c.to); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s->%s at t=%v: got %v, want %q", c.from, c.to, c.t, err, c.want)
		}
	}
	if _, err := Convert(LinearSchedule{}, 0.5, x, mat.NewDense(2, 2, nil), X1, Velocity); err == nil || !strings.Contains(err.Error(), "x_t is 1x2 but the prediction is 2x2") {
		t.Errorf("shape mismatch: %v", err)
	}
	if p, err := ParseParam("Score"); err != nil || p != Score {
		t.Errorf("ParseParam(Score) = %v, %v", p, err)
	}
	if _, err := ParseParam("eps"); err == nil {
		t.Error("ParseParam(eps): no error")
	}
}

// The Euler-Maruyama simulation of the forward SDE reaches the closed-form
// marginal N(alpha_t x1, sigma_t^2) (mean and standard deviation within a
// few Monte Carlo standard errors).
func TestSimulateForwardMatchesMarginal(t *testing.T) {
	vp := DefaultVP()
	n := 20000
	x1 := mat.NewDense(n, 1, nil)
	for i := range n {
		x1.Set(i, 0, 1.5)
	}
	for _, tt := range []float64{0.2, 0.6, 0.9} {
		ts := make([]float64, n)
		for i := range ts {
			ts[i] = tt
		}
		x, err := vp.SimulateForward(x1, ts, 500, rand.New(rand.NewPCG(5, 6)))
		if err != nil {
			t.Fatal(err)
		}
		mean, sq := 0.0, 0.0
		for i := range n {
			mean += x.At(i, 0)
		}
		mean /= float64(n)
		for i := range n {
			sq += (x.At(i, 0) - mean) * (x.At(i, 0) - mean)
		}
		std := math.Sqrt(sq / float64(n-1))
		al, si, _, _ := vp.Coefficients(tt)
		se := si / math.Sqrt(float64(n))
		if math.Abs(mean-1.5*al) > 4*se+0.01 || math.Abs(std-si) > 0.02*si+4*se {
			t.Errorf("t=%v: simulated mean %.4f std %.4f, closed form %.4f %.4f", tt, mean, std, 1.5*al, si)
		}
	}
	bad := []struct {
		x     *mat.Dense
		t     []float64
		steps int
		want  string
	}{
		{x1.Slice(0, 2, 0, 1).(*mat.Dense), []float64{0.5}, 10, "1 times for 2 points"},
		{x1.Slice(0, 1, 0, 1).(*mat.Dense), []float64{0.5}, 0, "steps must be positive"},
		{x1.Slice(0, 1, 0, 1).(*mat.Dense), []float64{1.5}, 10, "outside [0, 1]"},
	}
	for _, c := range bad {
		if _, err := vp.SimulateForward(c.x, c.t, c.steps, rand.New(rand.NewPCG(1, 1))); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want %q", err, c.want)
		}
	}
}

// MixtureScore is the gradient of the log density of the noised mixture
// (checked by finite differences of log p_t).
func TestMixtureScore(t *testing.T) {
	centres := mat.NewDense(3, 2, []float64{2, 0, -1, 1.5, 0, -2})
	std := 0.3
	logp := func(s Schedule, tt float64, x []float64) float64 {
		al, si, _, _ := s.Coefficients(tt)
		v := al*al*std*std + si*si
		sum := 0.0
		for c := range 3 {
			r2 := 0.0
			for j := range 2 {
				e := x[j] - al*centres.At(c, j)
				r2 += e * e
			}
			sum += math.Exp(-r2 / (2 * v))
		}
		return math.Log(sum)
	}
	for _, name := range []string{"linear", "vp", "cosine"} {
		s, _ := LookupSchedule(name)
		f := MixtureScore(s, centres, std)
		for _, tt := range []float64{0.1, 0.6, 1} {
			x := mat.NewDense(2, 2, []float64{0.4, -0.7, 1.8, 0.2})
			got, err := f.Velocity(tt, x)
			if err != nil {
				t.Fatal(err)
			}
			for i := range 2 {
				for j := range 2 {
					const h = 1e-5
					p, m := append([]float64(nil), x.RawRowView(i)...), append([]float64(nil), x.RawRowView(i)...)
					p[j] += h
					m[j] -= h
					fd := (logp(s, tt, p) - logp(s, tt, m)) / (2 * h)
					if math.Abs(fd-got.At(i, j)) > 1e-5*math.Max(1, math.Abs(fd)) {
						t.Errorf("%s t=%v: score %v, finite difference %v", name, tt, got.At(i, j), fd)
					}
				}
			}
		}
	}
	empirical := MixtureScore(LinearSchedule{}, centres, 0)
	if _, err := empirical.Velocity(1, mat.NewDense(1, 2, nil)); err == nil || !strings.Contains(err.Error(), "zero variance") {
		t.Errorf("score of point masses at t=1: %v", err)
	}
	if _, err := empirical.Velocity(0.5, mat.NewDense(1, 3, nil)); err == nil || !strings.Contains(err.Error(), "3 columns") {
		t.Errorf("dimension mismatch: %v", err)
	}
}
