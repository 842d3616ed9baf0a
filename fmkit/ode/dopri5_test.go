package ode

import (
	"errors"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// Known solutions at t = 1.
var adaptiveCases = []struct {
	name  string
	f     Field
	x0    []float64
	exact func(x0 []float64) []float64
}{
	{"linear growth", growth, []float64{1, -0.5}, func(x []float64) []float64 { return []float64{x[0] * math.E, x[1] * math.E} }},
	{"rotation", rotation, []float64{1, 0.5}, func(x []float64) []float64 {
		c, s := math.Cos(1), math.Sin(1)
		return []float64{c*x[0] - s*x[1], s*x[0] + c*x[1]}
	}},
	{"logistic", PointFunc(func(_ float64, x, dx []float64) {
		for i, v := range x {
			dx[i] = 3 * v * (1 - v)
		}
	}), []float64{0.05, 0.9}, func(x []float64) []float64 {
		out := make([]float64, len(x))
		for i, v := range x {
			out[i] = 1 / (1 + (1/v-1)*math.Exp(-3))
		}
		return out
	}},
}

func TestDopri5ReachesTolerance(t *testing.T) {
	for _, c := range adaptiveCases {
		for _, rtol := range []float64{1e-3, 1e-4, 1e-5, 1e-6, 1e-7} {
			x0 := mat.NewDense(1, len(c.x0), c.x0)
			res, err := SolveAdaptive(c.f, x0, AdaptiveOptions{RTol: rtol, ATol: rtol})
			if err != nil {
				t.Fatal(err)
			}
			want := c.exact(c.x0)
			maxRel := 0.0
			for i, w := range want {
				maxRel = math.Max(maxRel, math.Abs(res.X.At(0, i)-w)/math.Max(1, math.Abs(w)))
			}
			if maxRel > 10*rtol {
				t.Errorf("%s rtol=%g: error %.2e > 10 rtol", c.name, rtol, maxRel)
			}
			if res.NFE != 1+6*(res.Accepted+res.Rejected)+1 && res.NFE != 2+6*(res.Accepted+res.Rejected) {
				t.Errorf("%s: NFE %d for %d+%d steps", c.name, res.NFE, res.Accepted, res.Rejected)
			}
			t.Logf("%-13s rtol=%.0e  error=%.1e  NFE=%3d  accepted=%d rejected=%d", c.name, rtol, maxRel, res.NFE, res.Accepted, res.Rejected)
		}
	}
}

func TestDopri5StepsShrinkWithTolerance(t *testing.T) {
	x0 := mat.NewDense(1, 2, []float64{1, 0})
	loose, _ := SolveAdaptive(rotation, x0, AdaptiveOptions{RTol: 1e-3, ATol: 1e-6})
	tight, _ := SolveAdaptive(rotation, x0, AdaptiveOptions{RTol: 1e-8, ATol: 1e-10, Trajectory: true})
	if tight.NFE <= loose.NFE {
		t.Errorf("NFE at rtol 1e-8 (%d) should exceed NFE at 1e-3 (%d)", tight.NFE, loose.NFE)
	}
	if len(tight.Traj) != tight.Accepted+1 || tight.Times[len(tight.Times)-1] != 1 {
		t.Errorf("trajectory has %d snapshots for %d accepted steps", len(tight.Traj), tight.Accepted)
	}
	back, err := SolveAdaptive(rotation, tight.X, AdaptiveOptions{RTol: 1e-8, ATol: 1e-10, T0: 1, T1: 0})
	if err != nil || math.Abs(back.X.At(0, 0)-1) > 1e-6 || math.Abs(back.X.At(0, 1)) > 1e-6 {
		t.Errorf("backward integration: %v %v", back.X, err)
	}
}

func TestDopri5BadInput(t *testing.T) {
	x0 := mat.NewDense(1, 2, []float64{1, 0})
	for _, c := range []struct {
		opt  AdaptiveOptions
		want string
	}{
		{AdaptiveOptions{RTol: 0, ATol: 1e-6}, "positive tolerances"},
		{AdaptiveOptions{RTol: 1e-3, ATol: -1}, "positive tolerances"},
		{AdaptiveOptions{RTol: 1e-3, ATol: 1e-6, T0: 2, T1: 2}, "empty time interval"},
		{AdaptiveOptions{RTol: 1e-9, ATol: 1e-12, MaxSteps: 3}, "gave up after 3 steps at t=0."},
		{AdaptiveOptions{RTol: 1e-3, ATol: 1e-6, HMin: -1}, "HMin must be >= 0"},
		{AdaptiveOptions{RTol: math.NaN(), ATol: 1e-6}, "positive tolerances"},
	} {
		if _, err := SolveAdaptive(rotation, x0, c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.opt, err, c.want)
		}
	}
	nan := PointFunc(func(t float64, x, dx []float64) {
		dx[0], dx[1] = 1, 0
		if t > 0.5 {
			dx[0] = math.NaN()
		}
	})
	if _, err := SolveAdaptive(nan, x0, AdaptiveOptions{RTol: 1e-3, ATol: 1e-6}); err == nil || !errors.Is(err, ErrNaN) {
		t.Errorf("a field that turns NaN: got %v", err)
	}
	if _, err := Method("dopri5"); err == nil || !strings.Contains(err.Error(), "SolveAdaptive") {
		t.Errorf("Method(dopri5): %v", err)
	}
}

// A stiff field needs steps far below HMin: the solver stops and says at
// which t; without HMin it gets there with many small steps. A field that
// blows up at t = 1/2 stops the solver there, whichever limit is hit first.
func TestDopri5MinimumStepAndBlowUp(t *testing.T) {
	stiff := PointFunc(func(t float64, x, dx []float64) { dx[0] = -2000 * (x[0] - math.Cos(t)) })
	x0 := mat.NewDense(1, 1, []float64{0})
	_, err := SolveAdaptive(stiff, x0, AdaptiveOptions{RTol: 1e-6, ATol: 1e-9, HMin: 0.01})
	if err == nil || !strings.Contains(err.Error(), "below the minimum HMin=0.01") || !strings.Contains(err.Error(), "stopped at t=0") {
		t.Errorf("stiff field with HMin: %v", err)
	}
	res, err := SolveAdaptive(stiff, x0, AdaptiveOptions{RTol: 1e-6, ATol: 1e-9})
	if err != nil || math.Abs(res.X.At(0, 0)-math.Cos(1)) > 1e-3 {
		t.Errorf("stiff field without HMin: %v %v", res, err)
	}
	// x' = x^2 from x(0) = 2 is 2 / (1 - 2t): it blows up at t = 1/2.
	blow := PointFunc(func(t float64, x, dx []float64) { dx[0] = x[0] * x[0] })
	for _, opt := range []AdaptiveOptions{
		{RTol: 1e-6, ATol: 1e-6},
		{RTol: 1e-6, ATol: 1e-6, HMin: 1e-6},
		{RTol: 1e-6, ATol: 1e-6, MaxSteps: 200},
	} {
		_, err := SolveAdaptive(blow, mat.NewDense(1, 1, []float64{2}), opt)
		if err == nil || !strings.Contains(err.Error(), "t=0.5") {
			t.Errorf("blow-up at t=1/2 with %+v: got %v, want an error naming t=0.5", opt, err)
		}
		t.Log(err)
	}
}

// The starting-step heuristic never evaluates the field outside [T0, T1]:
// a nearly constant, slow field suggests a huge first step (here 100).
func TestDopri5FirstStepStaysInTheInterval(t *testing.T) {
	slow := FieldFunc(func(tt float64, x *mat.Dense) (*mat.Dense, error) {
		if tt < 0 || tt > 1 {
			return nil, errors.New("evaluated outside [0, 1]")
		}
		v := mat.NewDense(1, 1, []float64{1e-4})
		return v, nil
	})
	res, err := SolveAdaptive(slow, mat.NewDense(1, 1, []float64{1}), AdaptiveOptions{RTol: 1e-6, ATol: 1e-6})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.X.At(0, 0)-1.0001) > 1e-9 {
		t.Errorf("x(1) = %v, want 1.0001", res.X.At(0, 0))
	}
}
