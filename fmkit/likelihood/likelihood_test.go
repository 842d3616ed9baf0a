package likelihood

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/field"
	"github.com/flowmatching/gofm/fmkit/ode"
)

func backend(t *testing.T) backends.Backend {
	t.Helper()
	b, err := fmkit.Backend()
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// closedForm returns log p1(x1) for p0 = N(0, I) pushed by the flow of
// v = A x + b for unit time: x1 = M x0 + c with M = exp(A) and
// c = int_0^1 exp((1-s)A) b ds, so p1 = N(c, M M^T).
func closedForm(t *testing.T, a Affine, x1 *mat.Dense) []float64 {
	t.Helper()
	d := len(a.B)
	var m mat.Dense
	m.Exp(a.A)
	// c by Simpson's rule on s in [0, 1] with 200 intervals (smooth integrand).
	c := make([]float64, d)
	const K = 200
	for k := 0; k <= K; k++ {
		s := float64(k) / K
		w := 2.0
		if k == 0 || k == K {
			w = 1
		} else if k%2 == 1 {
			w = 4
		}
		var e, sa mat.Dense
		sa.Scale(1-s, a.A)
		e.Exp(&sa)
		var eb mat.VecDense
		eb.MulVec(&e, mat.NewVecDense(d, a.B))
		for j := range d {
			c[j] += w * eb.AtVec(j) / (3 * K)
		}
	}
	var cov mat.SymDense
	cov.SymOuterK(1, &m)
	var chol mat.Cholesky
	if !chol.Factorize(&cov) {
		t.Fatal("covariance not positive definite")
	}
	logDet := chol.LogDet()
	n, _ := x1.Dims()
	out := make([]float64, n)
	for i := range n {
		diff := mat.NewVecDense(d, nil)
		for j := range d {
			diff.SetVec(j, x1.At(i, j)-c[j])
		}
		var sol mat.VecDense
		if err := chol.SolveVecTo(&sol, diff); err != nil {
			t.Fatal(err)
		}
		out[i] = -0.5*float64(d)*math.Log(2*math.Pi) - 0.5*logDet - 0.5*mat.Dot(diff, &sol)
	}
	return out
}

var testAffine = Affine{
	A: mat.NewDense(2, 2, []float64{0.3, -0.8, 0.5, -0.4}),
	B: []float64{0.5, -0.25},
}

// The CNF log-likelihood of the affine flow matches N(c, M M^T) to 1e-2,
// with a fixed-step solver and with dopri5, in float32 and float64.
func TestAffineLogProbMatchesClosedForm(t *testing.T) {
	x1, _ := data.Sample("gaussian", 200, 3)
	x1.Scale(1.5, x1)
	want := closedForm(t, testAffine, x1)
	// Affine.LogProb1 (matrix-exponential shift) agrees with this test's
	// independent computation (Simpson's rule for the shift).
	got, err := testAffine.LogProb1(x1)
	if err != nil {
		t.Fatal(err)
	}
	for i := range want {
		if math.Abs(got[i]-want[i]) > 1e-9 {
			t.Fatalf("Affine.LogProb1 %.12f, reference %.12f", got[i], want[i])
		}
	}
	for _, tc := range []struct {
		name  string
		dtype dtypes.DType
		opt   Options
	}{
		{"rk4 x 20, float32", dtypes.Float32, Options{Solver: ode.Options{Method: "rk4", Steps: 20}}},
		{"rk4 x 20, float64", dtypes.Float64, Options{Solver: ode.Options{Method: "rk4", Steps: 20}}},
		{"dopri5, float64", dtypes.Float64, Options{Adaptive: &ode.AdaptiveOptions{RTol: 1e-6, ATol: 1e-8}}},
		{"rk4 x 20, gaussian x 2000 probes", dtypes.Float64, Options{Solver: ode.Options{Method: "rk4", Steps: 20}, Estimator: Estimator{Kind: "gaussian", Probes: 2000, Seed: 1}}},
	} {
		fl := NewFlow(backend(t), nil, testAffine.Field).WithDType(tc.dtype)
		res, err := fl.LogProb(x1, tc.opt)
		if err != nil {
			t.Fatalf("%s: %v", tc.name, err)
		}
		worst := 0.0
		for i, w := range want {
			worst = max(worst, math.Abs(res.LogP[i]-w))
		}
		tol := 1e-2
		if strings.Contains(tc.name, "x 2000") {
			tol = 0.1
		}
		t.Logf("%s: max |log p1 - closed form| = %.2e (NFE %d)", tc.name, worst, res.NFE)
		if worst > tol {
			t.Errorf("%s: max |log p1 - closed form| = %.3g, want <= %g", tc.name, worst, tol)
		}
		// Push from the recovered x0 lands on x1 with the same log-density.
		if tc.opt.Adaptive == nil && tc.opt.Estimator.exact() {
			fwd, err := fl.Push(res.X0, tc.opt)
			if err != nil {
				t.Fatal(err)
			}
			for i := range want {
				if d := math.Abs(fwd.LogP[i] - res.LogP[i]); d > 1e-2 {
					t.Fatalf("%s: Push log p %.4f vs LogProb %.4f at point %d", tc.name, fwd.LogP[i], res.LogP[i], i)
				}
			}
		}
	}
}

// mlpFlow is a randomly initialised fmkit MLP v_theta in the given dtype.
func mlpFlow(t *testing.T, dtype dtypes.DType, seed int64) *Flow {
	t.Helper()
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(seed); err != nil {
		t.Fatal(err)
	}
	m := field.DefaultMLP(2)
	return NewFlow(backend(t), ctx, func(ctx *context.Context, tt, x *Node) *Node {
		return m.Build(ctx.In("field"), tt, x)
	}).WithDType(dtype)
}

// finiteDifferenceDivergence is sum_j (v_j(x + h e_j) - v_j(x - h e_j)) / 2h.
func finiteDifferenceDivergence(t *testing.T, fl *Flow, tt float64, x *mat.Dense, h float64) []float64 {
	t.Helper()
	n, d := x.Dims()
	div := make([]float64, n)
	for j := range d {
		xp, xm := mat.DenseCopyOf(x), mat.DenseCopyOf(x)
		for i := range n {
			xp.Set(i, j, x.At(i, j)+h)
			xm.Set(i, j, x.At(i, j)-h)
		}
		vp, _, err := fl.Divergence(tt, xp)
		if err != nil {
			t.Fatal(err)
		}
		vm, _, err := fl.Divergence(tt, xm)
		if err != nil {
			t.Fatal(err)
		}
		for i := range n {
			div[i] += (vp.At(i, j) - vm.At(i, j)) / (2 * h)
		}
	}
	return div
}

// The exact divergence of an MLP matches central finite differences to
// 1e-3 (float64 network, h = 1e-5; float32 network, h = 1e-2).
func TestExactDivergenceMatchesFiniteDifferences(t *testing.T) {
	x, _ := data.Sample("gaussian", 64, 4)
	for _, tc := range []struct {
		dtype dtypes.DType
		h     float64
	}{{dtypes.Float64, 1e-5}, {dtypes.Float32, 1e-2}} {
		fl := mlpFlow(t, tc.dtype, 7)
		for _, tt := range []float64{0, 0.37, 1} {
			_, div, err := fl.Divergence(tt, x)
			if err != nil {
				t.Fatal(err)
			}
			fd := finiteDifferenceDivergence(t, fl, tt, x, tc.h)
			worst, scale := 0.0, 0.0
			for i := range div {
				worst = max(worst, math.Abs(div[i]-fd[i]))
				scale = max(scale, math.Abs(div[i]))
			}
			t.Logf("%s t=%.2f: max |div - FD| = %.2e (max |div| %.3f)", tc.dtype, tt, worst, scale)
			if worst > 1e-3 {
				t.Errorf("%s t=%v: exact divergence differs from finite differences by %.3g > 1e-3", tc.dtype, tt, worst)
			}
			if scale < 0.05 {
				t.Errorf("%s t=%v: divergences are all ~0 (max %.3g): the test would not see an error", tc.dtype, tt, scale)
			}
		}
	}
}

// Hutchinson with 100 probes is within 5% of the exact divergence on
// average (the mean over a batch of points, which is what a dataset's mean
// log-likelihood integrates), for both probe kinds, and each probe kind has
// the single-probe variance of its formula (HutchinsonVariance) to 15%.
func TestHutchinson100Probes(t *testing.T) {
	const n, K = 512, 100
	x, _ := data.Sample("gaussian", n, 5)
	// A field with a clear divergence: a contracting affine part (trace
	// -1.3, so the relative error is not measured against a divergence that
	// happens to average to zero) plus a random MLP, which makes the
	// Jacobian vary from point to point.
	contract := Affine{A: mat.NewDense(2, 2, []float64{-0.6, -0.8, 0.5, -0.7}), B: []float64{0.5, -0.25}}
	mlp := mlpFlow(t, dtypes.Float32, 11)
	fl := NewFlow(backend(t), context.New(), func(ctx *context.Context, tt, x *Node) *Node {
		return Add(contract.Field(ctx, tt, x), mlp.field(ctx, tt, x))
	})
	_, div, err := fl.Divergence(0.5, x)
	if err != nil {
		t.Fatal(err)
	}
	jac, err := fl.Jacobian(0.5, x)
	if err != nil {
		t.Fatal(err)
	}
	for i := range n {
		if tr := jac[i].At(0, 0) + jac[i].At(1, 1); math.Abs(tr-div[i]) > 1e-5 {
			t.Fatalf("point %d: trace of the Jacobian %.6f, divergence %.6f", i, tr, div[i])
		}
	}
	for _, kind := range ProbeKinds {
		p, err := NewProbes(kind, K, n, 2, 1)
		if err != nil {
			t.Fatal(err)
		}
		est, err := fl.HutchinsonEstimates(0.5, x, p)
		if err != nil {
			t.Fatal(err)
		}
		meanH, meanD, perPoint, scale := 0.0, 0.0, 0.0, 0.0
		varMeasured, varFormula := 0.0, 0.0
		for i := range div {
			h, sq := 0.0, 0.0
			for k := range est {
				h += est[k][i] / K
				sq += (est[k][i] - div[i]) * (est[k][i] - div[i]) / K
			}
			meanH += h / n
			meanD += div[i] / n
			perPoint += math.Abs(h - div[i])
			scale += math.Abs(div[i])
			varMeasured += sq / n
			vf, _ := HutchinsonVariance(jac[i], kind)
			varFormula += vf / n
		}
		rel := math.Abs(meanH-meanD) / math.Abs(meanD)
		t.Logf("%s x %d: batch mean %.4f vs exact %.4f (%.2f%%); per point mean |H - div| / mean |div| = %.3f; single-probe variance %.4f, formula %.4f",
			kind, K, meanH, meanD, 100*rel, perPoint/scale, varMeasured, varFormula)
		if rel > 0.05 {
			t.Errorf("%s x %d probes: batch mean %.4f differs from the exact %.4f by %.1f%% > 5%%", kind, K, meanH, meanD, 100*rel)
		}
		if math.Abs(varMeasured-varFormula) > 0.15*varFormula {
			t.Errorf("%s: single-probe variance %.4f, formula %.4f", kind, varMeasured, varFormula)
		}
	}
}

func TestBadInput(t *testing.T) {
	fl := NewFlow(backend(t), nil, testAffine.Field)
	x, _ := data.Sample("gaussian", 10, 1)
	// Zero solver steps.
	_, err := fl.LogProb(x, Options{Solver: ode.Options{Method: "euler", Steps: 0}})
	if err == nil || !strings.Contains(err.Error(), "steps must be positive") {
		t.Errorf("0 steps: got %v", err)
	}
	// Unknown estimator, no probes.
	if _, err := fl.LogProb(x, Options{Solver: ode.Options{Method: "euler", Steps: 2}, Estimator: Estimator{Kind: "hutch"}}); err == nil || !strings.Contains(err.Error(), "unknown estimator") {
		t.Errorf("unknown estimator: got %v", err)
	}
	if _, err := fl.LogProb(x, Options{Solver: ode.Options{Method: "euler", Steps: 2}, Estimator: Estimator{Kind: "rademacher"}}); err == nil || !strings.Contains(err.Error(), "Probes >= 1") {
		t.Errorf("0 probes: got %v", err)
	}
	// NaN input.
	bad := mat.DenseCopyOf(x)
	bad.Set(3, 1, math.NaN())
	if _, err := fl.LogProb(bad, Options{Solver: ode.Options{Method: "euler", Steps: 2}}); !errors.Is(err, ode.ErrNaN) {
		t.Errorf("NaN point: got %v", err)
	}
	// A field that is NaN away from the origin: sqrt(1 - ||x||^2) scaled.
	nanField := NewFlow(backend(t), nil, func(ctx *context.Context, tt, x *Node) *Node {
		r := Sqrt(OneMinus(ReduceSum(Square(x), -1)))
		return Mul(x, InsertAxes(r, -1))
	})
	x.Scale(3, x)
	_, err = nanField.LogProb(x, Options{Solver: ode.Options{Method: "rk4", Steps: 4}})
	if !errors.Is(err, ode.ErrNaN) || !strings.Contains(err.Error(), "not finite") {
		t.Errorf("NaN field: got %v", err)
	}
	t.Logf("NaN field error: %v", err)
	// Probes that do not fit.
	p, _ := NewProbes("gaussian", 3, 5, 2, 1)
	if _, err := fl.HutchinsonEstimates(0, x, p); err == nil {
		t.Error("mismatched probes accepted")
	}
	if _, err := NewProbes("uniform", 3, 5, 2, 1); err == nil || !strings.Contains(err.Error(), "rademacher") {
		t.Errorf("unknown probe kind: got %v", err)
	}
}
