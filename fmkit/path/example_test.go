package path_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/path"
)

// The linear (CondOT) path moves x0 to x1 along a straight line at the
// constant velocity u_t = x1 - x0.
func ExampleLinear() {
	x0 := mat.NewDense(1, 2, []float64{-1, 0}) // a noise sample
	x1 := mat.NewDense(1, 2, []float64{1, 2})  // a data sample
	for _, t := range []float64{0, 0.25, 1} {
		s, err := path.Interpolate(path.Linear(), []float64{t}, x0, x1)
		if err != nil {
			panic(err)
		}
		fmt.Printf("t=%.2f  x_t=%v  u_t=%v\n", t, s.XT.RawRowView(0), s.UT.RawRowView(0))
	}
	// Output:
	// t=0.00  x_t=[-1 0]  u_t=[2 2]
	// t=0.25  x_t=[-0.5 0.5]  u_t=[2 2]
	// t=1.00  x_t=[1 2]  u_t=[2 2]
}
