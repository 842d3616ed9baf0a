package ode

import (
	"errors"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// growth is dx/dt = x, with x(1) = e x(0).
var growth = PointFunc(func(_ float64, x, dx []float64) { copy(dx, x) })

// rotation is dx/dt = (-y, x): after time pi/2 a point turns by 90 degrees.
var rotation = PointFunc(func(_ float64, x, dx []float64) { dx[0], dx[1] = -x[1], x[0] })

func errAfter(t *testing.T, method string, steps int) float64 {
	t.Helper()
	x0 := mat.NewDense(1, 1, []float64{1})
	res, err := Solve(growth, x0, Options{Method: method, Steps: steps})
	if err != nil {
		t.Fatal(err)
	}
	return math.Abs(res.X.At(0, 0) - math.E)
}

func TestConvergenceOrder(t *testing.T) {
	for _, tc := range []struct {
		method string
		order  int
	}{{"euler", 1}, {"midpoint", 2}, {"heun", 2}, {"rk4", 4}} {
		e1, e2 := errAfter(t, tc.method, 20), errAfter(t, tc.method, 40)
		ratio := e1 / e2
		want := math.Pow(2, float64(tc.order))
		if ratio < 0.85*want || ratio > 1.15*want {
			t.Errorf("%s: error ratio when halving the step = %.2f, want about %.0f (order %d)", tc.method, ratio, want, tc.order)
		}
	}
}

func TestNFEAndTrajectory(t *testing.T) {
	x0 := mat.NewDense(3, 2, []float64{1, 0, 0, 1, 2, 2})
	for _, m := range Methods() {
		tb, _ := Method(m)
		res, err := Solve(rotation, x0, Options{Method: m, Steps: 8, T1: math.Pi / 2, Trajectory: true})
		if err != nil {
			t.Fatal(err)
		}
		if res.NFE != 8*tb.Stages() {
			t.Errorf("%s: NFE %d, want %d", m, res.NFE, 8*tb.Stages())
		}
		if len(res.Traj) != 9 || len(res.Times) != 9 || res.Times[0] != 0 || res.Times[8] != math.Pi/2 {
			t.Errorf("%s: trajectory of %d snapshots, times %v", m, len(res.Traj), res.Times)
		}
		if !mat.Equal(res.Traj[0], x0) || !mat.Equal(res.Traj[8], res.X) {
			t.Errorf("%s: trajectory does not start at x0 and end at X", m)
		}
	}
	if x0.At(0, 0) != 1 || x0.At(2, 1) != 2 {
		t.Error("Solve modified x0")
	}
	res, _ := Solve(rotation, x0, Options{Method: "rk4", Steps: 50, T1: math.Pi / 2})
	want := mat.NewDense(3, 2, []float64{0, 1, -1, 0, -2, 2})
	if !mat.EqualApprox(res.X, want, 1e-6) {
		t.Errorf("rk4 quarter turn = %v", mat.Formatted(res.X))
	}
}

func TestBackwardInTime(t *testing.T) {
	x1 := mat.NewDense(1, 1, []float64{math.E})
	res, err := Solve(growth, x1, Options{Method: "rk4", Steps: 50, T0: 1, T1: 0})
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(res.X.At(0, 0)-1) > 1e-7 {
		t.Errorf("backward integration gave %v, want 1", res.X.At(0, 0))
	}
}

func TestBadInput(t *testing.T) {
	x0 := mat.NewDense(2, 2, []float64{1, 2, 3, 4})
	cases := []struct {
		name string
		f    Field
		opt  Options
		want string
	}{
		{"unknown solver", rotation, Options{Method: "rk5", Steps: 10}, `unknown solver "rk5": use one of euler, heun, midpoint, rk4`},
		{"adaptive name", rotation, Options{Method: "rk45", Steps: 10}, `rk45 is adaptive: call ode.SolveAdaptive`},
		{"zero steps", rotation, Options{Method: "euler"}, "number of steps must be positive, got 0"},
		{"negative steps", rotation, Options{Method: "euler", Steps: -2}, "got -2"},
		{"empty interval", rotation, Options{Method: "euler", Steps: 3, T0: 0.5, T1: 0.5}, "empty time interval"},
		{"NaN field", PointFunc(func(_ float64, x, dx []float64) { dx[0], dx[1] = math.Sqrt(-x[0]), 0 }), Options{Method: "heun", Steps: 4}, "non-finite value NaN in point 0"},
		{"blow-up", PointFunc(func(_ float64, x, dx []float64) { dx[0], dx[1] = x[0]*x[0]*1e300, 0 }), Options{Method: "euler", Steps: 4}, "non-finite value +Inf"},
		{"shape mismatch", FieldFunc(func(float64, *mat.Dense) (*mat.Dense, error) { return mat.NewDense(2, 3, nil), nil }), Options{Method: "euler", Steps: 1}, "returned a 2x3 velocity for 2x2 points"},
		{"field error", FieldFunc(func(float64, *mat.Dense) (*mat.Dense, error) { return nil, errors.New("boom") }), Options{Method: "rk4", Steps: 1}, "evaluating the field at t=0: boom"},
	}
	for _, c := range cases {
		_, err := Solve(c.f, x0, c.opt)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
	bad := mat.NewDense(1, 1, []float64{math.NaN()})
	if _, err := Solve(growth, bad, Options{Method: "euler", Steps: 1}); err == nil || !errors.Is(err, ErrNaN) {
		t.Errorf("NaN initial point: %v", err)
	}
}
