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
