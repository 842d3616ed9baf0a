package likelihood_test

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/likelihood"
	"github.com/flowmatching/gofm/fmkit/ode"
)

// The flow of v(x) = -x contracts N(0, I) to N(0, e^-2 I) in unit time:
// div v = -d, so log p1(x1) = log p0(x0) + d, with x0 = e x1.
func ExampleFlow_LogProb() {
	backend, err := fmkit.Backend()
	if err != nil {
		panic(err)
	}
	contract := func(ctx *context.Context, t, x *Node) *Node { return Neg(x) }
	fl := likelihood.NewFlow(backend, nil, contract).WithDType(dtypes.Float64)
	x1 := mat.NewDense(2, 2, []float64{0, 0, 0.3, -0.2})
	res, err := fl.LogProb(x1, likelihood.Options{Solver: ode.Options{Method: "rk4", Steps: 20}})
	if err != nil {
		panic(err)
	}
	for i := range 2 {
		// Closed form: log N(x1; 0, e^-2 I) = -log(2 pi) + 2 - e^2 ||x1||^2 / 2.
		r2 := x1.At(i, 0)*x1.At(i, 0) + x1.At(i, 1)*x1.At(i, 1)
		exact := -math.Log(2*math.Pi) + 2 - math.Exp(2)*r2/2
		fmt.Printf("x1=%v: log p1 %.6f (closed form %.6f), int div dt = %.4f\n", x1.RawRowView(i), res.LogP[i], exact, res.DivIntegral[i])
	}
	fmt.Println("NFE:", res.NFE)
	// Output:
	// x1=[0 0]: log p1 0.162123 (closed form 0.162123), int div dt = -2.0000
	// x1=[0.3 -0.2]: log p1 -0.318166 (closed form -0.318166), int div dt = -2.0000
	// NFE: 80
}

// Hutchinson's estimate of tr(J) for the linear field v(x) = A x, whose
// Jacobian is A everywhere: unbiased, and Rademacher probes have no
// diagonal variance.
func ExampleFlow_HutchinsonEstimates() {
	backend, _ := fmkit.Backend()
	a := []float64{1, 2, 0, -3} // A = [[1, 2], [0, -3]], tr A = -2; v = x A^T
	lin := func(ctx *context.Context, t, x *Node) *Node {
		at := Reshape(ConstAsDType(x.Graph(), x.DType(), []float64{a[0], a[2], a[1], a[3]}), 2, 2)
		return Dot(x, at)
	}
	fl := likelihood.NewFlow(backend, nil, lin).WithDType(dtypes.Float64)
	x := mat.NewDense(1, 2, []float64{0.5, 0.5})
	_, div, _ := fl.Divergence(0, x)
	jac, _ := fl.Jacobian(0, x)
	fmt.Printf("exact divergence %.1f\n", div[0])
	for _, kind := range likelihood.ProbeKinds {
		p, _ := likelihood.NewProbes(kind, 20000, 1, 2, 7)
		est, _ := fl.HutchinsonEstimates(0, x, p)
		mean, sq := 0.0, 0.0
		for _, e := range est {
			mean += e[0] / float64(len(est))
			sq += e[0] * e[0] / float64(len(est))
		}
		want, _ := likelihood.HutchinsonVariance(jac[0], kind)
		fmt.Printf("%-10s mean %.2f, variance %.1f (formula %.1f)\n", kind, mean, sq-mean*mean, want)
	}
	// Output:
	// exact divergence -2.0
	// rademacher mean -2.00, variance 4.0 (formula 4.0)
	// gaussian   mean -2.05, variance 24.5 (formula 24.0)
}
