package path_test

import (
	"fmt"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/path"
)

// The schedules side by side: alpha_t multiplies the data x1, sigma_t the
// noise x0. The VP path's endpoints are only approximately noise and data.
func ExampleLookupSchedule() {
	for _, name := range []string{"linear", "cosine", "poly2", "vp"} {
		s, err := path.LookupSchedule(name)
		if err != nil {
			panic(err)
		}
		fmt.Printf("%-6s", name)
		for _, t := range []float64{0, 0.5, 1} {
			a, sg, _, _ := s.Coefficients(t)
			fmt.Printf("  t=%.1f: alpha=%.4f sigma=%.4f", t, a, sg)
		}
		fmt.Println()
	}
	_, err := path.LookupSchedule("ddpm")
	fmt.Println(err)
	// Output:
	// linear  t=0.0: alpha=0.0000 sigma=1.0000  t=0.5: alpha=0.5000 sigma=0.5000  t=1.0: alpha=1.0000 sigma=0.0000
	// cosine  t=0.0: alpha=0.0000 sigma=1.0000  t=0.5: alpha=0.7071 sigma=0.7071  t=1.0: alpha=1.0000 sigma=0.0000
	// poly2   t=0.0: alpha=0.0000 sigma=1.0000  t=0.5: alpha=0.2500 sigma=0.7500  t=1.0: alpha=1.0000 sigma=0.0000
	// vp      t=0.0: alpha=0.0066 sigma=1.0000  t=0.5: alpha=0.2805 sigma=0.9599  t=1.0: alpha=0.9999 sigma=0.0105
	// path: unknown schedule "ddpm": use one of cosine, linear, poly2, poly3, ve, vp
}

// A score converts to a velocity with two coefficients, x_t's and the
// score's; on the VP path both equal 1/2 beta, the probability-flow ODE.
func ExampleConvert() {
	vp := path.DefaultVP()
	xt := mat.NewDense(1, 2, []float64{0.5, -1})
	score := mat.NewDense(1, 2, []float64{-0.4, 0.9})
	for _, t := range []float64{0.2, 0.8} {
		v, err := path.Convert(vp, t, xt, score, path.Score, path.Velocity)
		if err != nil {
			panic(err)
		}
		pf := make([]float64, 2)
		vp.ProbabilityFlow(t, xt.RawRowView(0), score.RawRowView(0), pf)
		eps, _ := path.Convert(vp, t, xt, score, path.Score, path.Epsilon)
		back, _ := path.Convert(vp, t, xt, eps, path.Epsilon, path.Score)
		fmt.Printf("t=%.1f  v=(%.4f, %.4f)  PF-ODE=(%.4f, %.4f)  score->eps->score=(%.4f, %.4f)\n",
			t, v.At(0, 0), v.At(0, 1), pf[0], pf[1], back.At(0, 0), back.At(0, 1))
	}
	// Output:
	// t=0.2  v=(0.8004, -0.8004)  PF-ODE=(0.8004, -0.8004)  score->eps->score=(-0.4000, 0.9000)
	// t=0.8  v=(0.2046, -0.2046)  PF-ODE=(0.2046, -0.2046)  score->eps->score=(-0.4000, 0.9000)
}

// The probability-flow ODE with the exact score of a Gaussian mixture (the 8
// Gaussians) carries N(0, I) to the mixture, with no network: W2 to fresh
// samples of the data is at the sampling floor (W2 between two samples of
// the data, dominated by the random number of points in each of the 8 modes).
func ExampleMixtureScore() {
	vp := path.DefaultVP()
	mix := data.EightGaussians{Radius: 2, Std: 0.1} // the registered "8gaussians"
	v := path.ConvertField(vp, path.MixtureScore(vp, mix.Centres(), mix.Std), path.Score, path.Velocity)
	x0, _ := data.Sample("gaussian", 1000, 1)
	res, err := ode.SolveAdaptive(v, x0, ode.AdaptiveOptions{RTol: 1e-5, ATol: 1e-5})
	if err != nil {
		panic(err)
	}
	ref, _ := data.Sample("8gaussians", 1000, 2)
	floor, _ := data.Sample("8gaussians", 1000, 3)
	w2, _ := metric.W2(res.X, ref)
	w2floor, _ := metric.W2(floor, ref)
	fmt.Printf("W2 to data: %.2f (floor %.2f)\n", w2, w2floor)
	// Output:
	// W2 to data: 0.33 (floor 0.39)
}
