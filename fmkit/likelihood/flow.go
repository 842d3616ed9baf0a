package likelihood

import (
	"fmt"
	"math"
	"strings"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/internal/gx"
	"github.com/flowmatching/gofm/fmkit/ode"
)

// Model is what a trained flow-matching model offers to build graphs
// around v_theta; *train.Model implements it.
type Model interface {
	Backend() backends.Backend
	Context() *context.Context
	VelocityGraph(ctx *context.Context, t, x *Node) *Node
}

// Flow evaluates a Field v_t and its divergence on the host (float64
// matrices in, float64 out) and integrates the augmented ODE of the
// instantaneous change of variables with any fmkit solver. Create it with
// NewFlow or ForModel. The graphs are compiled on first use and cached per
// input shape. A Flow is not safe for concurrent use.
type Flow struct {
	backend backends.Backend
	ctx     *context.Context
	field   Field
	dtype   dtypes.DType
	exact   *context.Exec
	hutch   *context.Exec
	jac     *context.Exec
	vel     *context.Exec
}

// NewFlow returns a Flow for the field f, whose variables (if any) live in
// ctx, computing in float32 (the dtype of fmkit's networks); see WithDType.
func NewFlow(backend backends.Backend, ctx *context.Context, f Field) *Flow {
	if ctx == nil {
		ctx = context.New()
	}
	return &Flow{backend: backend, ctx: ctx, field: f, dtype: dtypes.Float32}
}

// ForModel returns the Flow of a trained model's v_theta.
func ForModel(m Model) *Flow {
	return NewFlow(m.Backend(), m.Context(), m.VelocityGraph)
}

// WithDType sets the dtype of the graphs' inputs (dtypes.Float32 or
// dtypes.Float64; a hand-written field without weights can run in float64
// for extra accuracy) and returns fl.
func (fl *Flow) WithDType(dt dtypes.DType) *Flow {
	if dt != fl.dtype {
		fl.dtype = dt
		fl.exact, fl.hutch, fl.jac, fl.vel = nil, nil, nil, nil
	}
	return fl
}

func (fl *Flow) scalar(t float64) any {
	if fl.dtype == dtypes.Float64 {
		return t
	}
	return float32(t)
}

func (fl *Flow) tensor(x *mat.Dense) *tensors.Tensor {
	r, c := x.Dims()
	if fl.dtype == dtypes.Float64 {
		flat := make([]float64, 0, r*c)
		for i := range r {
			flat = append(flat, x.RawRowView(i)...)
		}
		return tensors.FromFlatDataAndDimensions(flat, r, c)
	}
	return gx.Tensor(x)
}

func (fl *Flow) probeTensor(eps []float64, k, b, d int) *tensors.Tensor {
	if fl.dtype == dtypes.Float64 {
		return tensors.FromFlatDataAndDimensions(eps, k, b, d)
	}
	f := make([]float32, len(eps))
	for i, v := range eps {
		f[i] = float32(v)
	}
	return tensors.FromFlatDataAndDimensions(f, k, b, d)
}

// Velocity evaluates v_t at time t for every row of x, without the
// divergence: Flow implements ode.Field, so ode.Solve can sample the flow
// of a graph-level field.
func (fl *Flow) Velocity(t float64, x *mat.Dense) (*mat.Dense, error) {
	if err := checkPoints(x); err != nil {
		return nil, err
	}
	var err error
	if fl.vel == nil {
		fl.vel, err = context.NewExec(fl.backend, fl.ctx.Checked(false), func(ctx *context.Context, t, x *Node) *Node {
			return fl.field(ctx, t, x)
		})
		if err != nil {
			return nil, fmt.Errorf("likelihood: building the field's graph: %w", err)
		}
	}
	var outs []*tensors.Tensor
	err = gx.Catch("likelihood: evaluating the field", func() (err error) {
		outs, err = fl.vel.Exec(fl.scalar(t), fl.tensor(x))
		return err
	})
	if err != nil {
		return nil, err
	}
	return gx.Dense(outs[0])
}

// Divergence evaluates v_t and its exact divergence at time t for every
// row of x (see the graph function Divergence).
func (fl *Flow) Divergence(t float64, x *mat.Dense) (v *mat.Dense, div []float64, err error) {
	if err := checkPoints(x); err != nil {
		return nil, nil, err
	}
	if fl.exact == nil {
		fl.exact, err = context.NewExec(fl.backend, fl.ctx.Checked(false), func(ctx *context.Context, t, x *Node) (*Node, *Node) {
			return Divergence(ctx, fl.field, t, x)
		})
		if err != nil {
			return nil, nil, fmt.Errorf("likelihood: building the divergence graph: %w", err)
		}
	}
	var outs []*tensors.Tensor
	err = gx.Catch("likelihood: evaluating the divergence", func() (err error) {
		outs, err = fl.exact.Exec(fl.scalar(t), fl.tensor(x))
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	return unpack(outs)
}

// Jacobian evaluates the d x d Jacobian dv_t/dx at time t for every row
// of x (see the graph function Jacobian).
func (fl *Flow) Jacobian(t float64, x *mat.Dense) ([]*mat.Dense, error) {
	if err := checkPoints(x); err != nil {
		return nil, err
	}
	var err error
	if fl.jac == nil {
		fl.jac, err = context.NewExec(fl.backend, fl.ctx.Checked(false), func(ctx *context.Context, t, x *Node) (*Node, *Node) {
			return Jacobian(ctx, fl.field, t, x)
		})
		if err != nil {
			return nil, fmt.Errorf("likelihood: building the Jacobian graph: %w", err)
		}
	}
	var outs []*tensors.Tensor
	err = gx.Catch("likelihood: evaluating the Jacobian", func() (err error) {
		outs, err = fl.jac.Exec(fl.scalar(t), fl.tensor(x))
		return err
	})
	if err != nil {
		return nil, err
	}
	b, d := x.Dims()
	flat := make([]float64, b*d*d)
	switch outs[1].DType() {
	case dtypes.Float32:
		err = tensors.ConstFlatData(outs[1], func(f []float32) {
			for i, v := range f {
				flat[i] = float64(v)
			}
		})
	default:
		err = tensors.ConstFlatData(outs[1], func(f []float64) { copy(flat, f) })
	}
	if err != nil {
		return nil, err
	}
	jac := make([]*mat.Dense, b)
	for i := range jac {
		jac[i] = mat.NewDense(d, d, flat[i*d*d:(i+1)*d*d])
	}
	return jac, nil
}

// HutchinsonVariance is the variance of one probe's estimate eps^T J eps
// of tr(J) (see NewProbes): with S = (J + J^T)/2,
// 2 sum_{i != j} S_ij^2 for "rademacher" and 2 sum_{i,j} S_ij^2 for
// "gaussian". The K-probe mean has variance HutchinsonVariance / K.
func HutchinsonVariance(jac *mat.Dense, kind string) (float64, error) {
	r, c := jac.Dims()
	if r != c {
		return 0, fmt.Errorf("likelihood: a Jacobian is square, got %dx%d", r, c)
	}
	kind = strings.ToLower(kind)
	if kind != "rademacher" && kind != "gaussian" {
		return 0, fmt.Errorf("likelihood: unknown probe kind %q: use one of %s", kind, strings.Join(ProbeKinds, ", "))
	}
	v := 0.0
	for i := range r {
		for j := range c {
			if i == j && kind == "rademacher" {
				continue
			}
			s := (jac.At(i, j) + jac.At(j, i)) / 2
			v += 2 * s * s
		}
	}
	return v, nil
}

// HutchinsonEstimates evaluates, at time t and for every row of x, the
// single-probe Hutchinson estimates eps_k^T J eps_k of the divergence for
// the given probes (see Probes): est[k][i] uses probe k on point i.
func (fl *Flow) HutchinsonEstimates(t float64, x *mat.Dense, p *Probes) (est [][]float64, err error) {
	if err := checkPoints(x); err != nil {
		return nil, err
	}
	b, d := x.Dims()
	if p == nil || p.B != b || p.D != d {
		return nil, fmt.Errorf("likelihood: probes are for %s but x is %dx%d; draw them with Probes(kind, K, %d, %d, seed)", p.describe(), b, d, b, d)
	}
	_, est, err = fl.hutchinson(t, x, p)
	return est, err
}

func (fl *Flow) hutchinson(t float64, x *mat.Dense, p *Probes) (v *mat.Dense, est [][]float64, err error) {
	if fl.hutch == nil {
		fl.hutch, err = context.NewExec(fl.backend, fl.ctx.Checked(false), func(ctx *context.Context, t, x, eps *Node) (*Node, *Node) {
			return Hutchinson(ctx, fl.field, t, x, eps)
		})
		if err != nil {
			return nil, nil, fmt.Errorf("likelihood: building the Hutchinson graph: %w", err)
		}
	}
	if p.tensor == nil || p.dtype != fl.dtype {
		p.tensor, p.dtype = fl.probeTensor(p.Eps, p.K, p.B, p.D), fl.dtype
	}
	var outs []*tensors.Tensor
	err = gx.Catch("likelihood: evaluating the Hutchinson estimate", func() (err error) {
		outs, err = fl.hutch.Exec(fl.scalar(t), fl.tensor(x), p.tensor)
		return err
	})
	if err != nil {
		return nil, nil, err
	}
	v, err = gx.Dense(outs[0])
	if err != nil {
		return nil, nil, err
	}
	e, err := gx.Dense(outs[1])
	if err != nil {
		return nil, nil, err
	}
	est = make([][]float64, p.K)
	for k := range est {
		est[k] = mat.Row(nil, k, e)
	}
	return v, est, nil
}

func unpack(outs []*tensors.Tensor) (*mat.Dense, []float64, error) {
	v, err := gx.Dense(outs[0])
	if err != nil {
		return nil, nil, err
	}
	b := outs[1].Shape().Dimensions[0]
	div := make([]float64, b)
	switch outs[1].DType() {
	case dtypes.Float32:
		err = tensors.ConstFlatData(outs[1], func(f []float32) {
			for i, x := range f {
				div[i] = float64(x)
			}
		})
	case dtypes.Float64:
		err = tensors.ConstFlatData(outs[1], func(f []float64) { copy(div, f) })
	default:
		err = fmt.Errorf("unsupported dtype %s", outs[1].DType())
	}
	return v, div, err
}

// Probes are Hutchinson probe vectors eps_k (k = 1..K) for a batch of B
// points of dimension d: Eps holds K*B*d numbers, probe k of point i at
// [(k*B + i)*d : (k*B + i + 1)*d].
type Probes struct {
	Kind    string // "rademacher" or "gaussian"
	K, B, D int
	Eps     []float64

	tensor *tensors.Tensor
	dtype  dtypes.DType
}

func (p *Probes) describe() string {
	if p == nil {
		return "nil"
	}
	return fmt.Sprintf("%d points of dimension %d", p.B, p.D)
}

// ProbeKinds lists the Hutchinson probe distributions.
var ProbeKinds = []string{"rademacher", "gaussian"}

// NewProbes draws K probes per point for B points of dimension d, seeded:
// "rademacher" entries are +1 or -1 with probability 1/2 each, "gaussian"
// entries are standard normal. Both have E[eps eps^T] = I, so
// E[eps^T J eps] = tr(J). With S = (J + J^T)/2 the single-probe variances
// are
//
//	Var = 2 ||S||_F^2 = 2 sum_{i,j} S_ij^2         (Gaussian)
//	Var = 2 sum_{i != j} S_ij^2                     (Rademacher),
//
// so Rademacher probes never do worse: they drop the diagonal terms
// 2 sum_i J_ii^2 (and are exact for a diagonal J).
func NewProbes(kind string, k, b, d int, seed uint64) (*Probes, error) {
	kind = strings.ToLower(kind)
	if kind != "rademacher" && kind != "gaussian" {
		return nil, fmt.Errorf("likelihood: unknown probe kind %q: use one of %s", kind, strings.Join(ProbeKinds, ", "))
	}
	if k <= 0 || b <= 0 || d <= 0 {
		return nil, fmt.Errorf("likelihood: probes need positive counts, got K=%d probes, B=%d points, d=%d", k, b, d)
	}
	rng := data.NewRand(seed)
	eps := make([]float64, k*b*d)
	for i := range eps {
		if kind == "gaussian" {
			eps[i] = rng.NormFloat64()
		} else if rng.IntN(2) == 0 {
			eps[i] = -1
		} else {
			eps[i] = 1
		}
	}
	return &Probes{Kind: kind, K: k, B: b, D: d, Eps: eps}, nil
}

// Estimator chooses how the augmented ODE computes div v_t.
type Estimator struct {
	// Kind is "exact" (or "", d reverse passes per evaluation), or
	// "rademacher" / "gaussian" for Hutchinson's estimator with that probe
	// distribution (one reverse pass over Probes copies of the batch).
	Kind string
	// Probes is the number K of Hutchinson probes per point (>= 1); the
	// probes are drawn once per integration and kept for all t (as FFJORD
	// does), so the integral of the estimate is unbiased.
	Probes int
	Seed   uint64 // seeds the probes
}

func (e Estimator) validate() error {
	switch strings.ToLower(e.Kind) {
	case "", "exact":
		return nil
	case "rademacher", "gaussian":
		if e.Probes <= 0 {
			return fmt.Errorf("likelihood: the %s Hutchinson estimator needs Probes >= 1, got %d", e.Kind, e.Probes)
		}
		return nil
	}
	return fmt.Errorf("likelihood: unknown estimator %q: use \"exact\", \"rademacher\" or \"gaussian\"", e.Kind)
}

func (e Estimator) exact() bool { k := strings.ToLower(e.Kind); return k == "" || k == "exact" }

// String names the estimator, e.g. "exact" or "rademacher x 10".
func (e Estimator) String() string {
	if e.exact() {
		return "exact"
	}
	return fmt.Sprintf("%s x %d", strings.ToLower(e.Kind), e.Probes)
}

// Augmented returns the ode.Field of the augmented state z = [x, l], an
// n x (d+1) matrix whose last column is the log-density accumulator:
//
//	dx/dt = v_t(x),    dl/dt = -div v_t(x),
//
// so that along a path l(t1) - l(t0) = log p_t1(x_t1) - log p_t0(x_t0)
// (the instantaneous change of variables). For Hutchinson estimators the
// probes are drawn here, once, for batches of n points. The field fails
// with an error wrapping ode.ErrNaN when v or its divergence is not finite.
func (fl *Flow) Augmented(est Estimator, n, d int) (ode.Field, error) {
	if err := est.validate(); err != nil {
		return nil, err
	}
	var probes *Probes
	if !est.exact() {
		var err error
		if probes, err = NewProbes(est.Kind, est.Probes, n, d, est.Seed); err != nil {
			return nil, err
		}
	}
	return ode.FieldFunc(func(t float64, z *mat.Dense) (*mat.Dense, error) {
		r, c := z.Dims()
		if c != d+1 || r != n {
			return nil, fmt.Errorf("likelihood: augmented state is %dx%d, want %dx%d (points and a log-density column)", r, c, n, d+1)
		}
		x := z.Slice(0, r, 0, d).(*mat.Dense)
		var v *mat.Dense
		div := make([]float64, n)
		if probes == nil {
			var err error
			if v, div, err = fl.Divergence(t, mat.DenseCopyOf(x)); err != nil {
				return nil, err
			}
		} else {
			var e [][]float64
			var err error
			if v, e, err = fl.hutchinson(t, mat.DenseCopyOf(x), probes); err != nil {
				return nil, err
			}
			for _, ek := range e {
				for i, s := range ek {
					div[i] += s / float64(len(e))
				}
			}
		}
		out := mat.NewDense(n, d+1, nil)
		for i := range n {
			row := out.RawRowView(i)
			copy(row, v.RawRowView(i))
			row[d] = -div[i]
			for j, s := range row {
				if math.IsNaN(s) || math.IsInf(s, 0) {
					what := "v_t"
					if j == d {
						what = "div v_t"
					}
					return nil, fmt.Errorf("likelihood: augmented ODE: %w: %s = %v at t=%.4g for point %d (x = %v); the field is not finite there: check it, or use a smaller step", ode.ErrNaN, what, s, t, i, x.RawRowView(i))
				}
			}
		}
		return out, nil
	}), nil
}

// Options configure LogProb and Push.
type Options struct {
	Estimator Estimator
	// Solver is a fixed-step fmkit solver (Method, Steps; its T0, T1 and
	// Trajectory are set by LogProb/Push). Ignored when Adaptive is set.
	Solver ode.Options
	// Adaptive, when not nil, integrates with ode.SolveAdaptive (dopri5)
	// with these tolerances instead (T0, T1 and Trajectory are set here).
	Adaptive *ode.AdaptiveOptions
	// T is the time of the points: LogProb evaluates log p_T, Push moves
	// x0 to time T. 0 means 1.
	T float64
	// LogP0 is log p0 of one point; nil means the standard normal
	// log N(x; 0, I) = -d/2 log(2 pi) - ||x||^2/2.
	LogP0 func(x []float64) float64
	// Trajectory keeps the points (without the log-density column) at
	// every solver step.
	Trajectory bool
}

// Result of LogProb or Push.
type Result struct {
	X0, X1 *mat.Dense // the points at time 0 and at time T
	LogP0  []float64  // log p0(x0)
	LogP   []float64  // log p_T(x_T) = LogP0 - DivIntegral
	// DivIntegral is the integral of div v_t(x_t) dt from 0 to T along each
	// path, as computed by the chosen estimator.
	DivIntegral []float64
	NFE         int
	Times       []float64    // times of Traj (if Options.Trajectory)
	Traj        []*mat.Dense // points at every step (if Options.Trajectory)
}

// StandardNormalLogDensity is log N(x; 0, I) = -d/2 log(2 pi) - ||x||^2 / 2.
func StandardNormalLogDensity(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v * v
	}
	return -0.5*float64(len(x))*math.Log(2*math.Pi) - 0.5*s
}

// LogProb computes log p_T(x) for every row of x, where p_T is p0 pushed by
// the flow of v up to time T (default 1), by the instantaneous change of
// variables
//
//	log p_T(x_T) = log p0(x0) - int_0^T div v_t(x_t) dt:
//
// it integrates the augmented ODE (see Augmented) backwards from
// [x, 0] at time T to [x0, DivIntegral] at time 0 with the chosen solver,
// and adds log p0(x0).
func (fl *Flow) LogProb(x *mat.Dense, opt Options) (*Result, error) {
	return fl.run(x, opt, true)
}

// Push moves the rows of x0 (points of p0) forward to time T (default 1)
// and returns them with their log-density log p_T(x_T) = log p0(x0) -
// int_0^T div v_t dt, accumulated along the way.
func (fl *Flow) Push(x0 *mat.Dense, opt Options) (*Result, error) {
	return fl.run(x0, opt, false)
}

func (fl *Flow) run(x *mat.Dense, opt Options, backward bool) (*Result, error) {
	if err := checkPoints(x); err != nil {
		return nil, err
	}
	T := opt.T
	if T == 0 {
		T = 1
	}
	if math.IsNaN(T) || math.IsInf(T, 0) || T < 0 {
		return nil, fmt.Errorf("likelihood: time T = %v, want a finite T > 0", opt.T)
	}
	n, d := x.Dims()
	aug, err := fl.Augmented(opt.Estimator, n, d)
	if err != nil {
		return nil, err
	}
	z := mat.NewDense(n, d+1, nil)
	z.Slice(0, n, 0, d).(*mat.Dense).Copy(x)
	t0, t1 := 0.0, T
	if backward {
		t0, t1 = T, 0
	}
	var zEnd *mat.Dense
	res := &Result{}
	var traj []*mat.Dense
	if opt.Adaptive != nil {
		a := *opt.Adaptive
		a.T0, a.T1, a.Trajectory = t0, t1, opt.Trajectory
		r, err := ode.SolveAdaptive(aug, z, a)
		if err != nil {
			return nil, err
		}
		zEnd, res.NFE, res.Times, traj = r.X, r.NFE, r.Times, r.Traj
	} else {
		s := opt.Solver
		s.T0, s.T1, s.Trajectory = t0, t1, opt.Trajectory
		r, err := ode.Solve(aug, z, s)
		if err != nil {
			return nil, err
		}
		zEnd, res.NFE, res.Times, traj = r.X, r.NFE, r.Times, r.Traj
	}
	for _, zk := range traj {
		res.Traj = append(res.Traj, mat.DenseCopyOf(zk.Slice(0, n, 0, d)))
	}
	end := mat.DenseCopyOf(zEnd.Slice(0, n, 0, d))
	logp0 := opt.LogP0
	if logp0 == nil {
		logp0 = StandardNormalLogDensity
	}
	res.LogP0 = make([]float64, n)
	res.LogP = make([]float64, n)
	res.DivIntegral = make([]float64, n)
	if backward {
		res.X0, res.X1 = end, mat.DenseCopyOf(x)
	} else {
		res.X0, res.X1 = mat.DenseCopyOf(x), end
	}
	for i := range n {
		l := zEnd.At(i, d)
		// backward: l(0) = int_0^T div; forward: l(T) = -int_0^T div.
		if backward {
			res.DivIntegral[i] = l
		} else {
			res.DivIntegral[i] = -l
		}
		res.LogP0[i] = logp0(res.X0.RawRowView(i))
		res.LogP[i] = res.LogP0[i] - res.DivIntegral[i]
	}
	return res, nil
}

func checkPoints(x *mat.Dense) error {
	if x == nil || x.IsEmpty() {
		return fmt.Errorf("likelihood: no points: pass an n x d matrix with n >= 1")
	}
	r, c := x.Dims()
	for i := range r {
		for j := range c {
			if v := x.At(i, j); math.IsNaN(v) || math.IsInf(v, 0) {
				return fmt.Errorf("likelihood: %w: point %d has coordinate %d = %v; remove or fix it", ode.ErrNaN, i, j, v)
			}
		}
	}
	return nil
}
