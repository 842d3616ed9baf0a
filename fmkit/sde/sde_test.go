package sde_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/path"
	"github.com/flowmatching/gofm/fmkit/sde"
)

// gaussianField is the exact marginal velocity of the affine path with
// schedule s from p0 = N(0, I) to p1 = N(mu, std^2 I) with independent
// coupling: with V = alpha^2 std^2 + sigma^2,
//
//	u_t(x) = alpha' mu + (alpha' alpha std^2 + sigma' sigma)/V (x - alpha mu),
//
// and p_t = N(alpha mu, V I).
func gaussianField(s path.Schedule, mu []float64, std float64) ode.Field {
	return ode.PointFunc(func(t float64, x, dx []float64) {
		a, sg, da, ds := s.Coefficients(t)
		v := a*a*std*std + sg*sg
		c := (da*a*std*std + ds*sg) / v
		for j := range x {
			dx[j] = da*mu[j] + c*(x[j]-a*mu[j])
		}
	})
}

func moments(x *mat.Dense) (mean []float64, variance []float64) {
	n, d := x.Dims()
	mean, variance = make([]float64, d), make([]float64, d)
	for j := range d {
		s := 0.0
		for i := range n {
			s += x.At(i, j)
		}
		mean[j] = s / float64(n)
		ss := 0.0
		for i := range n {
			e := x.At(i, j) - mean[j]
			ss += e * e
		}
		variance[j] = ss / float64(n-1)
	}
	return mean, variance
}

// TestMarginalsOfAGaussianTarget: the ODE (g = 0) and the SDE at several
// noise levels reach the exact marginals N(alpha_t mu, V_t I) at every
// checked t, within sampling error plus the O(h) bias of the scheme.
func TestMarginalsOfAGaussianTarget(t *testing.T) {
	const n, steps = 20000, 400
	mu, std := []float64{2, -1}, 0.5
	for _, sch := range []struct {
		name string
		s    path.Schedule
	}{{"linear", path.LinearSchedule{}}, {"cosine", path.Cosine{}}} {
		v := gaussianField(sch.s, mu, std)
		for _, tc := range []struct {
			name  string
			noise sde.Noise
			upTo  float64 // check times up to this t
		}{
			{"ode", nil, 1},
			{"g=0.5", sde.Constant(0.5), 0.9},
			{"g=1.5", sde.Constant(1.5), 0.9},
			{"vanishing g=1.5", sde.Vanishing(1.5), 1},
		} {
			x0, _ := data.Sample("gaussian", n, 11)
			res, err := sde.Sample(v, sch.s, x0, sde.Options{Steps: steps, Noise: tc.noise, Seed: 5, Trajectory: true})
			if err != nil {
				t.Fatalf("%s %s: %v", sch.name, tc.name, err)
			}
			if res.NFE != steps {
				t.Errorf("%s %s: NFE %d, want %d", sch.name, tc.name, res.NFE, steps)
			}
			for _, k := range []int{100, 200, 300, 360, 400} {
				tt := res.Times[k]
				if tt > tc.upTo+1e-9 {
					continue
				}
				a, sg, _, _ := sch.s.Coefficients(tt)
				wantVar := a*a*std*std + sg*sg
				m, vr := moments(res.Traj[k])
				for j := range mu {
					// 5 standard errors of the estimate plus an O(h) allowance.
					seMean := math.Sqrt(wantVar / n)
					seVar := wantVar * math.Sqrt(2.0/n)
					if e := math.Abs(m[j] - a*mu[j]); e > 5*seMean+0.01 {
						t.Errorf("%s %s t=%.3f: mean[%d] = %.4f, want %.4f (error %.4f)", sch.name, tc.name, tt, j, m[j], a*mu[j], e)
					}
					if e := math.Abs(vr[j] - wantVar); e > 5*seVar+0.01 {
						t.Errorf("%s %s t=%.3f: var[%d] = %.4f, want %.4f (error %.4f)", sch.name, tc.name, tt, j, vr[j], wantVar, e)
					}
				}
			}
		}
	}
}

func TestSampleRejectsBadInput(t *testing.T) {
	v := gaussianField(path.LinearSchedule{}, []float64{0, 0}, 1)
	x0, _ := data.Sample("gaussian", 10, 1)
	bad := x0.At(0, 0)
	for _, tc := range []struct {
		name string
		run  func() error
		want string
	}{
		{"steps", func() error { _, err := sde.Sample(v, path.LinearSchedule{}, x0, sde.Options{Steps: 0}); return err }, "steps must be positive"},
		{"negative g", func() error {
			_, err := sde.Sample(v, path.LinearSchedule{}, x0, sde.Options{Steps: 5, Noise: sde.Constant(-1)})
			return err
		}, "must be finite and >= 0"},
		{"no schedule", func() error { _, err := sde.Sample(v, nil, x0, sde.Options{Steps: 5}); return err }, "affine Gaussian path"},
		{"NaN", func() error {
			x := mat.DenseCopyOf(x0)
			x.Set(0, 0, math.NaN())
			_, err := sde.Sample(v, path.LinearSchedule{}, x, sde.Options{Steps: 5})
			if !errors.Is(err, sde.ErrNaN) {
				return errors.New("not ErrNaN: " + err.Error())
			}
			return err
		}, "initial points"},
	} {
		err := tc.run()
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, err, tc.want)
		}
	}
	if x0.At(0, 0) != bad {
		t.Error("Sample modified x0")
	}
}

// SampleWithScore with the exact score of the path is Sample: on the
// Gaussian target both integrate the same SDE with the same Brownian
// increments, so they agree to rounding at every step.
func TestSampleWithScoreMatchesSample(t *testing.T) {
	mu, std := []float64{2, -1}, 0.5
	s := path.LinearSchedule{}
	v := gaussianField(s, mu, std)
	score := ode.PointFunc(func(t float64, x, dx []float64) {
		a, sg, _, _ := s.Coefficients(t)
		vr := a*a*std*std + sg*sg
		for j := range x {
			dx[j] = -(x[j] - a*mu[j]) / vr
		}
	})
	x0, _ := data.Sample("gaussian", 500, 3)
	opt := sde.Options{Steps: 50, Noise: sde.Vanishing(1), Seed: 9}
	a, err := sde.Sample(v, s, x0, opt)
	if err != nil {
		t.Fatal(err)
	}
	b, err := sde.SampleWithScore(v, score, x0, opt)
	if err != nil {
		t.Fatal(err)
	}
	if a.NFE != b.NFE {
		t.Errorf("NFE %d vs %d", a.NFE, b.NFE)
	}
	if !mat.EqualApprox(a.X, b.X, 1e-9) {
		t.Errorf("SampleWithScore with the exact score differs from Sample: %v vs %v", a.X.RawRowView(0), b.X.RawRowView(0))
	}
	if _, err := sde.SampleWithScore(v, nil, x0, opt); err == nil || !strings.Contains(err.Error(), "score field is nil") {
		t.Errorf("nil score: %v", err)
	}
	bad := ode.FieldFunc(func(t float64, x *mat.Dense) (*mat.Dense, error) { return mat.NewDense(1, 2, nil), nil })
	if _, err := sde.SampleWithScore(v, bad, x0, opt); err == nil || !strings.Contains(err.Error(), "score field returned 1x2 values for 500x2 points") {
		t.Errorf("wrong-shaped score: %v", err)
	}
}
