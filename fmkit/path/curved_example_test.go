package path_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/path"
)

// The curved path of exercise 6.2 leaves the straight line from x0 to x1
// by a t(1-t) term perpendicular to x1 - x0 (here x1 - x0 = (2, 0), so the
// bend points along +y), and comes back to it at t = 1.
func ExampleCurved() {
	x0 := mat.NewDense(1, 2, []float64{-1, 0})
	x1 := mat.NewDense(1, 2, []float64{1, 0})
	p := path.Curved{A: 1}
	for _, t := range []float64{0, 0.25, 0.5, 1} {
		s, err := path.Interpolate(p, []float64{t}, x0, x1)
		if err != nil {
			panic(err)
		}
		fmt.Printf("t=%.2f  x_t=%v  u_t=%v\n", t, s.XT.RawRowView(0), s.UT.RawRowView(0))
	}
	// Output:
	// t=0.00  x_t=[-1 0]  u_t=[2 2]
	// t=0.25  x_t=[-0.5 0.375]  u_t=[2 1]
	// t=0.50  x_t=[0 0.5]  u_t=[2 0]
	// t=1.00  x_t=[1 0]  u_t=[2 -2]
}
