package likelihood_test

import (
	"fmt"
	"math"
	"os"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/field"
	"github.com/flowmatching/gofm/fmkit/likelihood"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/train"
)

// The true log-density of the 8 Gaussians (standard deviation 0.1) at a
// centre and between two centres.
func ExampleTrueLogDensity() {
	logp, err := likelihood.TrueLogDensity("8gaussians")
	if err != nil {
		panic(err)
	}
	fmt.Printf("log p at the centre (2, 0): %.4f\n", logp([]float64{2, 0}))
	fmt.Printf("log p at the origin:        %.4f\n", logp([]float64{0, 0}))
	_, err = likelihood.TrueLogDensity("moons")
	fmt.Println(err)
	// Output:
	// log p at the centre (2, 0): 0.6879
	// log p at the origin:        -197.2327
	// likelihood: "moons" has no density fmkit can evaluate; use "8gaussians" or "gaussian" to compare a model's likelihood with the truth
}

// The held-out NLL of the flow of v = -x (p1 = N(0, e^-2 I)) on points of
// p1, beside the true NLL: the gap is the solver's error only.
func ExampleFlow_HeldOutNLL() {
	backend, _ := fmkit.Backend()
	contract := func(ctx *context.Context, t, x *Node) *Node { return Neg(x) }
	fl := likelihood.NewFlow(backend, nil, contract).WithDType(dtypes.Float64)
	x := data.Gaussian{D: 2}.Sample(1000, data.NewRand(1))
	x.Scale(math.Exp(-1), x)             // held-out points of p1
	truth := func(p []float64) float64 { // log N(p; 0, e^-2 I)
		return -math.Log(2*math.Pi) + 2 - math.Exp(2)*(p[0]*p[0]+p[1]*p[1])/2
	}
	h, err := fl.HeldOutNLL(x, truth, likelihood.Options{Adaptive: &ode.AdaptiveOptions{RTol: 1e-8, ATol: 1e-10}})
	if err != nil {
		panic(err)
	}
	fmt.Printf("model NLL %.3f ± %.3f (SE), %.3f bits/dim\n", h.NLL.Mean, h.NLL.SE(), h.BitsPerDim())
	fmt.Printf("true NLL  %.3f (entropy log(2 pi e) - 2 = %.3f)\n", h.True.Mean, math.Log(2*math.Pi*math.E)-2)
	fmt.Printf("|gap| < 1e-6: %v (%s)\n", math.Abs(h.Gap.Mean) < 1e-6, h.Solver)
	// Output:
	// model NLL 0.857 ± 0.033 (SE), 0.618 bits/dim
	// true NLL  0.857 (entropy log(2 pi e) - 2 = 0.838)
	// |gap| < 1e-6: true (dopri5 rtol 1e-08 atol 1e-10, exact divergence)
}

// Divergence and curl of v(x, y) = (-y, x) + (x, y)/2: a rotation (curl 2)
// plus a dilation (divergence 1), read off the exact Jacobian.
func ExampleJacobianGeometry() {
	backend, _ := fmkit.Backend()
	v := func(ctx *context.Context, t, x *Node) *Node {
		m := Reshape(ConstAsDType(x.Graph(), x.DType(), []float64{0.5, 1, -1, 0.5}), 2, 2) // rows: x M
		return Dot(x, m)
	}
	fl := likelihood.NewFlow(backend, nil, v).WithDType(dtypes.Float64)
	jac, _ := fl.Jacobian(0, mat.NewDense(1, 2, []float64{0.3, -0.7}))
	g, _ := likelihood.JacobianGeometry(jac)
	s := g.Summary()
	fmt.Printf("div %.2f, curl %.2f, ||J|| %.3f, rotational share %.3f\n", g.Div[0], g.Curl[0], g.Grad[0], s.Rotational)
	// Output:
	// div 1.00, curl 2.00, ||J|| 1.581, rotational share 0.894
}

// A curl-free field v = grad phi and a divergence-free field
// v = (dpsi/dy, -dpsi/dx) from the same untrained scalar network: the curl
// of the first and the divergence of the second vanish to float32
// precision, the other invariant does not.
func ExampleConstrainedField() {
	backend, _ := fmkit.Backend()
	m := field.MLP{Dim: 2, Width: 16, Depth: 2, Activation: "swish", TimeFreqs: 2, MaxFreq: 10}
	x := data.Gaussian{D: 2}.Sample(100, data.NewRand(2))
	for _, kind := range likelihood.ConstrainedKinds {
		f, err := likelihood.ConstrainedField(kind, m)
		if err != nil {
			panic(err)
		}
		g, err := likelihood.NewFlow(backend, nil, f).Geometry(0.5, x)
		if err != nil {
			panic(err)
		}
		s := g.Summary()
		fmt.Printf("%-8s mean|curl|/mean||J|| < 1e-5: %v, mean|div|/mean||J|| < 1e-5: %v\n", kind,
			s.MeanAbsCurl/s.MeanGrad < 1e-5, s.MeanAbsDiv/s.MeanGrad < 1e-5)
	}
	// Output:
	// gradient mean|curl|/mean||J|| < 1e-5: true, mean|div|/mean||J|| < 1e-5: false
	// stream   mean|curl|/mean||J|| < 1e-5: false, mean|div|/mean||J|| < 1e-5: true
}

// Training a divergence-free model by CFM for a few steps, caching it, and
// reloading it from the cache.
func ExampleCachedConstrained() {
	dir, _ := os.MkdirTemp("", "fmkit-example-")
	defer os.RemoveAll(dir)
	os.Setenv("FMKIT_CACHE", dir)
	defer os.Unsetenv("FMKIT_CACHE")
	cfg := train.DefaultConfig()
	cfg.Target = "8gaussians"
	cfg.Field = field.MLP{Dim: 2, Width: 16, Depth: 2, Activation: "swish", TimeFreqs: 2, MaxFreq: 10}
	cfg.Steps, cfg.Batch, cfg.Quiet = 20, 64, true
	cc := likelihood.ConstrainedConfig{Kind: likelihood.DivFree, Train: cfg}
	m, err := likelihood.CachedConstrained(cc) // trains and saves
	if err != nil {
		panic(err)
	}
	again, err := likelihood.CachedConstrained(cc) // loads
	if err != nil {
		panic(err)
	}
	x := mat.NewDense(1, 2, []float64{0.5, -1})
	v1, _ := m.Velocity(0.5, x)
	v2, _ := again.Velocity(0.5, x)
	fmt.Println("steps:", len(again.History), "same field after reloading:", mat.Equal(v1, v2))
	// Output:
	// steps: 20 same field after reloading: true
}

// Maximum-likelihood training with a one-step Euler solver unrolled in the
// graph; the run records the NLL the optimiser saw at every step.
func ExampleMLTrainer_Train() {
	cfg := likelihood.MLConfig{Field: field.MLP{Dim: 2, Width: 16, Depth: 2, Activation: "swish", TimeFreqs: 2, MaxFreq: 10},
		Batch: 64, Method: "euler", Steps: 1, LR: 1e-2, Seed: 1}
	tr, err := likelihood.NewMLTrainer(cfg)
	if err != nil {
		panic(err)
	}
	defer tr.Close()
	run, err := tr.Train("8gaussians", 30, 7, false)
	if err != nil {
		panic(err)
	}
	fmt.Println("steps done:", run.Done, "error:", run.Err, "NLL recorded:", len(tr.History))
	fmt.Println("NLL fell:", tr.History[29] < tr.History[0])
	// Output:
	// steps done: 30 error: <nil> NLL recorded: 30
	// NLL fell: true
}
