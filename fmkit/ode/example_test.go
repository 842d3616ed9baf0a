package ode_test

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/ode"
)

// Integrate dx/dt = x from x(0) = 1 to t = 1 (exact value e) with each
// fixed-step solver and 10 steps: higher order, smaller error, more NFE.
func ExampleSolve() {
	growth := ode.PointFunc(func(t float64, x, dx []float64) { copy(dx, x) })
	x0 := mat.NewDense(1, 1, []float64{1})
	for _, m := range []string{"euler", "midpoint", "heun", "rk4"} {
		res, err := ode.Solve(growth, x0, ode.Options{Method: m, Steps: 10})
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-8s NFE=%2d  error=%.1e\n", m, res.NFE, math.Abs(res.X.At(0, 0)-math.E))
	}
	// Output:
	// euler    NFE=10  error=1.2e-01
	// midpoint NFE=20  error=4.2e-03
	// heun     NFE=20  error=4.2e-03
	// rk4      NFE=40  error=2.1e-06
}

// The adaptive Dormand-Prince solver chooses its steps to meet a tolerance:
// tighter tolerances cost more evaluations of the field.
func ExampleSolveAdaptive() {
	rotation := ode.PointFunc(func(t float64, x, dx []float64) { dx[0], dx[1] = -x[1], x[0] })
	x0 := mat.NewDense(1, 2, []float64{1, 0})
	for _, rtol := range []float64{1e-3, 1e-6, 1e-9} {
		res, err := ode.SolveAdaptive(rotation, x0, ode.AdaptiveOptions{RTol: rtol, ATol: rtol, T1: math.Pi})
		if err != nil {
			panic(err)
		}
		fmt.Printf("rtol=%.0e NFE=%3d accepted=%2d rejected=%d  x(pi)=(%.6f, %.6f)\n",
			rtol, res.NFE, res.Accepted, res.Rejected, res.X.At(0, 0), res.X.At(0, 1))
	}
	// Output:
	// rtol=1e-03 NFE= 32 accepted= 5 rejected=0  x(pi)=(-1.000262, -0.001523)
	// rtol=1e-06 NFE= 80 accepted=13 rejected=0  x(pi)=(-0.999999, -0.000001)
	// rtol=1e-09 NFE=290 accepted=48 rejected=0  x(pi)=(-1.000000, -0.000000)
}
