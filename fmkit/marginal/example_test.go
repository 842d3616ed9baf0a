package marginal_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/marginal"
)

func ExampleEmpirical_Velocity() {
	// Two data points. At t = 0.5, p_t(x | x1) = N(x1/2, 0.25 I): the point
	// x = (0.5, 0) is the mean for x1 = (1, 0) and 1 away from the mean for
	// x1 = (-1, 0), so the posterior weights are in the ratio e^0 : e^-2.
	// The conditional fields (x1 - x)/(1 - t) are (1, 0) and (-3, 0), and
	// u_t(x) = 0.881 (1, 0) + 0.119 (-3, 0).
	e, err := marginal.New(mat.NewDense(2, 2, []float64{1, 0, -1, 0}), "linear")
	if err != nil {
		panic(err)
	}
	x := mat.NewDense(2, 2, []float64{0.5, 0, 0, 0})
	w, _ := e.Posterior(0.5, x.RawRowView(0))
	u, _ := e.Velocity(0.5, x)
	fmt.Printf("posterior at (0.5, 0): %.4f %.4f\n", w[0], w[1])
	fmt.Printf("u at (0.5, 0): %.4f %.4f\n", u.At(0, 0), u.At(0, 1))
	// At the origin both points are equally likely: the conditional fields
	// (2, 0) and (-2, 0) cancel.
	fmt.Printf("u at (0, 0): %.4f %.4f\n", u.At(1, 0), u.At(1, 1))
	// Output:
	// posterior at (0.5, 0): 0.8808 0.1192
	// u at (0.5, 0): 0.5232 0.0000
	// u at (0, 0): 0.0000 0.0000
}
