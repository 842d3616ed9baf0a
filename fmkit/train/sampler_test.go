package train

import (
	"errors"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/ode"
)

func maxAbsDiff(a, b *mat.Dense) float64 {
	r, c := a.Dims()
	d := 0.0
	for i := range r {
		for j := range c {
			d = math.Max(d, math.Abs(a.At(i, j)-b.At(i, j)))
		}
	}
	return d
}

// The compiled sampler follows ode.Solve's steps: same points (to float32
// rounding), same NFE, same trajectory times, for several methods, chunk
// sizes that do and do not divide the number of steps, and backwards in time.
func TestSamplerMatchesSolve(t *testing.T) {
	m, err := Train(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	x0, _ := data.Sample("gaussian", 300, 9)
	for _, c := range []struct {
		opt   ode.Options
		chunk int
	}{
		{ode.Options{Method: "euler", Steps: 20}, 25},
		{ode.Options{Method: "euler", Steps: 20, Trajectory: true}, 7},
		{ode.Options{Method: "rk4", Steps: 6}, 4},
		{ode.Options{Method: "heun", Steps: 5, T0: 1, T1: 0.2, Trajectory: true}, 2},
		{ode.Options{Method: "midpoint", Steps: 3}, 1},
	} {
		want, err := ode.Solve(m, x0, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		s := m.Sampler()
		s.StepsPerCall = c.chunk
		got, err := s.Solve(x0, c.opt)
		if err != nil {
			t.Fatal(err)
		}
		if d := maxAbsDiff(want.X, got.X); d > 1e-4 {
			t.Errorf("%+v, %d steps per call: points differ from ode.Solve by %.2g", c.opt, c.chunk, d)
		}
		if got.NFE != want.NFE {
			t.Errorf("%+v: NFE %d, ode.Solve %d", c.opt, got.NFE, want.NFE)
		}
		if len(got.Traj) != len(want.Traj) || len(got.Times) != len(want.Times) {
			t.Fatalf("%+v: %d snapshots at %d times, ode.Solve %d at %d", c.opt, len(got.Traj), len(got.Times), len(want.Traj), len(want.Times))
		}
		for k := range got.Times {
			if math.Abs(got.Times[k]-want.Times[k]) > 1e-12 || maxAbsDiff(got.Traj[k], want.Traj[k]) > 1e-4 {
				t.Fatalf("%+v: snapshot %d at t=%v differs from ode.Solve's at t=%v", c.opt, k, got.Times[k], want.Times[k])
			}
		}
		s.Close()
	}
	// Sample draws the same x0 as Model.Sample.
	a, _ := m.Sample(50, 3, ode.Options{Method: "euler", Steps: 4})
	b, err := m.Sampler().Sample(50, 3, ode.Options{Method: "euler", Steps: 4})
	if err != nil || maxAbsDiff(a.X, b.X) > 1e-4 {
		t.Errorf("Sampler.Sample differs from Model.Sample (%v)", err)
	}
}

func TestSamplerBadInput(t *testing.T) {
	m, err := Train(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	x0, _ := data.Sample("gaussian", 10, 1)
	s := m.Sampler()
	for _, c := range []struct {
		opt  ode.Options
		x    *mat.Dense
		want string
	}{
		{ode.Options{Method: "eulr", Steps: 3}, x0, `unknown solver "eulr"`},
		{ode.Options{Method: "dopri5", Steps: 3}, x0, "adaptive"},
		{ode.Options{Method: "euler", Steps: 0}, x0, "steps must be positive"},
		{ode.Options{Method: "euler", Steps: 2, T0: 0.5, T1: 0.5}, x0, "empty time interval"},
		{ode.Options{Method: "euler", Steps: 2}, mat.NewDense(3, 3, nil), "3 columns"},
		{ode.Options{Method: "euler", Steps: 2}, mat.NewDense(1, 2, []float64{math.NaN(), 0}), "NaN"},
	} {
		if _, err := s.Solve(c.x, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want an error containing %q", c.opt, err, c.want)
		}
	}
	if _, err := s.Sample(0, 1, ode.Options{Method: "euler", Steps: 2}); err == nil {
		t.Error("Sample(0) accepted")
	}
	s.StepsPerCall = 0
	if _, err := s.Solve(x0, ode.Options{Method: "euler", Steps: 2}); err == nil || !strings.Contains(err.Error(), "StepsPerCall") {
		t.Errorf("StepsPerCall 0: %v", err)
	}
	// A field that explodes is reported with the steps where it happened.
	cfg := smallConfig()
	m2, _ := Train(cfg)
	bad := &Sampler{Model: m2, StepsPerCall: 5}
	_, err = bad.Solve(mat.NewDense(1, 2, []float64{1e38, 1e38}), ode.Options{Method: "euler", Steps: 10, T1: 1e30})
	if err == nil || !errors.Is(err, ode.ErrNaN) {
		t.Errorf("exploding points: %v, want ode.ErrNaN", err)
	}
}
