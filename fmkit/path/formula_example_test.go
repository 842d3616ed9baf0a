package path_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/path"
)

// The curved path of exercise 6.2 written only by its x_t: FromFormula
// differentiates it exactly with dual numbers, and gives the same x_t and
// u_t as the hand-derived path.Curved (see ExampleCurved).
func ExampleFromFormula() {
	const a = 1.0
	bent := func(t path.Dual, x0, x1 []float64, xt []path.Dual) {
		bend := t.Mul(path.Const(1).Sub(t)).Scale(a) // a t(1-t)
		xt[0] = t.Lerp(x0[0], x1[0]).Add(bend.Scale(-(x1[1] - x0[1])))
		xt[1] = t.Lerp(x0[1], x1[1]).Add(bend.Scale(x1[0] - x0[0]))
	}
	p, err := path.FromFormula("bent", 2, bent)
	if err != nil {
		panic(err)
	}
	x0 := mat.NewDense(1, 2, []float64{-1, 0})
	x1 := mat.NewDense(1, 2, []float64{1, 0})
	for _, t := range []float64{0, 0.25, 0.5, 1} {
		s, err := path.Interpolate(p, []float64{t}, x0, x1)
		if err != nil {
			panic(err)
		}
		fmt.Printf("t=%.2f  x_t=%v  u_t=%v\n", t, s.XT.RawRowView(0), s.UT.RawRowView(0))
	}

	// A formula that leaves the endpoints is refused.
	_, err = path.FromFormula("tilted", 2, func(t path.Dual, x0, x1 []float64, xt []path.Dual) {
		xt[0] = t.Lerp(x0[0], x1[0])
		xt[1] = t.Lerp(x0[1], x1[1]).Add(t.Scale(0.5)) // + t/2: not zero at t = 1
	})
	fmt.Println(err != nil)
	// Output:
	// t=0.00  x_t=[-1 0]  u_t=[2 2]
	// t=0.25  x_t=[-0.5 0.375]  u_t=[2 1]
	// t=0.50  x_t=[0 0.5]  u_t=[2 0]
	// t=1.00  x_t=[1 0]  u_t=[2 -2]
	// true
}

// A dual number a + b ε carries a value and a derivative: f(a + 1 ε) =
// f(a) + f'(a) ε. Here f(t) = t sin(t) at t = π/2.
func ExampleDual() {
	t := path.Var(1.5707963267948966) // π/2 + 1 ε
	y := t.Mul(path.Sin(t))           // f = t sin t, f' = sin t + t cos t
	fmt.Printf("f = %.6f, f' = %.6f\n", y.V, y.D)
	// Output:
	// f = 1.570796, f' = 1.000000
}

// Derivative evaluates f at x + 1 ε and returns f(x) and f'(x).
func ExampleDerivative() {
	v, d := path.Derivative(func(t path.Dual) path.Dual { return path.Exp(t.Scale(2)) }, 0)
	fmt.Println(v, d)
	// Output:
	// 1 2
}

// RegisterFormula makes a formula path a name for train.Config.Path; the
// name carries a fingerprint of the formula, so editing the formula gives a
// new name (and train.Cached trains a new model).
func ExampleRegisterFormula() {
	p, err := path.RegisterFormula("sine-bend", 2, func(t path.Dual, x0, x1 []float64, xt []path.Dual) {
		bend := path.Sin(t.Scale(3.141592653589793)).Scale(0.5) // 0.5 sin(πt): 0 at both ends
		xt[0] = t.Lerp(x0[0], x1[0])
		xt[1] = t.Lerp(x0[1], x1[1]).Add(bend)
	})
	if err != nil {
		panic(err)
	}
	q, err := path.Lookup(p.Name())
	fmt.Println(p.Label(), q == path.Path(p), err)
	// Output:
	// sine-bend true <nil>
}
