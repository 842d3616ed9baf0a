package likelihood

import (
	"fmt"
	"math"
	"time"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/field"
)

// Affine is the time-independent affine field v(x) = A x + b, the one CNF
// whose density is known in closed form, used to check LogProb. Its flow
// for unit time maps x0 to
//
//	x1 = M x0 + c,   M = exp(A),   c = int_0^1 exp(s A) b ds,
//
// (M and c are read off one matrix exponential, exp([[A, b], [0, 0]]) =
// [[M, c], [0, 1]]), so p0 = N(0, I) becomes p1 = N(c, M M^T), and
// div v = tr(A) everywhere: log p1(x1) = log p0(x0) - tr(A).
type Affine struct {
	A *mat.Dense // d x d
	B []float64  // length d
}

// Field is v(x) = A x + b as a graph function (rows: x A^T + b).
func (a Affine) Field(ctx *context.Context, t, x *Node) *Node {
	d := len(a.B)
	at := mat.DenseCopyOf(a.A.T())
	g := x.Graph()
	w := Reshape(ConstAsDType(g, x.DType(), at.RawMatrix().Data), d, d)
	b := Reshape(ConstAsDType(g, x.DType(), a.B), 1, d)
	return Add(Dot(x, w), b)
}

// Map returns M = exp(A) and c of the unit-time flow x1 = M x0 + c.
func (a Affine) Map() (*mat.Dense, []float64, error) {
	r, c := a.A.Dims()
	d := len(a.B)
	if r != d || c != d {
		return nil, nil, fmt.Errorf("likelihood.Affine: A is %dx%d but b has length %d; A must be d x d", r, c, d)
	}
	aug := mat.NewDense(d+1, d+1, nil)
	aug.Slice(0, d, 0, d).(*mat.Dense).Copy(a.A)
	for i, v := range a.B {
		aug.Set(i, d, v)
	}
	var e mat.Dense
	e.Exp(aug)
	m := mat.DenseCopyOf(e.Slice(0, d, 0, d))
	shift := make([]float64, d)
	for i := range shift {
		shift[i] = e.At(i, d)
	}
	return m, shift, nil
}

// LogProb1 is the closed-form log N(x1; c, M M^T) for every row of x1.
func (a Affine) LogProb1(x1 *mat.Dense) ([]float64, error) {
	m, c, err := a.Map()
	if err != nil {
		return nil, err
	}
	d := len(c)
	if _, cols := x1.Dims(); cols != d {
		return nil, fmt.Errorf("likelihood.Affine: points have %d columns, the field has dimension %d", cols, d)
	}
	var cov mat.SymDense
	cov.SymOuterK(1, m)
	var chol mat.Cholesky
	if !chol.Factorize(&cov) {
		return nil, fmt.Errorf("likelihood.Affine: M M^T is not positive definite")
	}
	logDet := chol.LogDet()
	n, _ := x1.Dims()
	out := make([]float64, n)
	diff := mat.NewVecDense(d, nil)
	var sol mat.VecDense
	for i := range n {
		for j := range d {
			diff.SetVec(j, x1.At(i, j)-c[j])
		}
		if err := chol.SolveVecTo(&sol, diff); err != nil {
			return nil, err
		}
		out[i] = -0.5*float64(d)*math.Log(2*math.Pi) - 0.5*logDet - 0.5*mat.Dot(diff, &sol)
	}
	return out, nil
}

// DivergenceTiming is the measured cost of one divergence evaluation of a
// network v_theta: R^d -> R^d on a batch.
type DivergenceTiming struct {
	Dim                      int
	ExactSeconds             float64 // d reverse passes
	HutchinsonSeconds        float64 // one probe: one reverse pass
	Ratio                    float64 // ExactSeconds / HutchinsonSeconds
	ExactCompileSeconds      float64
	HutchinsonCompileSeconds float64
}

// TimeDivergence measures, for a randomly initialised fmkit MLP (field.
// DefaultMLP(d)) in each dimension d, the mean time of one exact
// divergence and of one single-probe Rademacher Hutchinson estimate on a
// batch of points, over reps evaluations after a first, compiling one;
// the two are timed alternately in this process.
func TimeDivergence(dims []int, batch, reps int) ([]DivergenceTiming, error) {
	if batch <= 0 || reps <= 0 {
		return nil, fmt.Errorf("likelihood: TimeDivergence needs batch > 0 and reps > 0, got %d and %d", batch, reps)
	}
	backend, err := fmkit.Backend()
	if err != nil {
		return nil, err
	}
	var out []DivergenceTiming
	for _, d := range dims {
		if d <= 0 {
			return nil, fmt.Errorf("likelihood: dimension must be positive, got %d", d)
		}
		m := field.DefaultMLP(d)
		ctx := context.New()
		fl := NewFlow(backend, ctx, func(ctx *context.Context, t, x *Node) *Node { return m.Build(ctx.In("field"), t, x) })
		x := data.Gaussian{D: d}.Sample(batch, data.NewRand(uint64(d)))
		p, err := NewProbes("rademacher", 1, batch, d, 1)
		if err != nil {
			return nil, err
		}
		r := DivergenceTiming{Dim: d}
		start := time.Now()
		if _, _, err := fl.Divergence(0.5, x); err != nil {
			return nil, err
		}
		r.ExactCompileSeconds = time.Since(start).Seconds()
		start = time.Now()
		if _, err := fl.HutchinsonEstimates(0.5, x, p); err != nil {
			return nil, err
		}
		r.HutchinsonCompileSeconds = time.Since(start).Seconds()
		var te, th time.Duration
		for range reps {
			start := time.Now()
			if _, _, err := fl.Divergence(0.5, x); err != nil {
				return nil, err
			}
			te += time.Since(start)
			start = time.Now()
			if _, err := fl.HutchinsonEstimates(0.5, x, p); err != nil {
				return nil, err
			}
			th += time.Since(start)
		}
		r.ExactSeconds = te.Seconds() / float64(reps)
		r.HutchinsonSeconds = th.Seconds() / float64(reps)
		r.Ratio = r.ExactSeconds / r.HutchinsonSeconds
		out = append(out, r)
	}
	return out, nil
}
