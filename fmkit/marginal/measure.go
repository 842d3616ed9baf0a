package marginal

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/ode"
)

// PathSampler returns the marginal path at time t as a seeded sampler,
// func(n, seed) -> n direct samples of p_t,
//
//	x_t = alpha_t x1 + sigma_t x0,   x0 ~ N(0, I),  x1 uniform among the points,
//
// the shape metric.Sampler expects (the reference of metric.W2Draws,
// metric.NoiseBand or metric.ComparePaired). It fails for t outside [0, 1].
func (e *Empirical) PathSampler(t float64) func(n int, seed uint64) (*mat.Dense, error) {
	return func(n int, seed uint64) (*mat.Dense, error) {
		dr, err := e.Sample(n, t, t, data.NewRand(seed))
		if err != nil {
			return nil, err
		}
		return dr.XT, nil
	}
}

// FlowSampler returns, as a seeded sampler, the particles of the marginal
// field's flow at time t: x0 ~ N(0, I) drawn with the seed (as
// train.Model.Sample draws its x0, so that the same seed gives both the
// same starting points), then dx/dt = u_s(x) integrated from s = 0 to
// s = t with opt.Method and opt.Steps (opt.T0, opt.T1 and opt.Trajectory
// are ignored). Marginal preservation says these particles are samples of
// p_t. The field is not defined at t = 1 (sigma_1 = 0): for t = 1 use a
// method that does not evaluate the field at the end of the interval
// (Euler or midpoint; Heun and RK4 do evaluate it there and fail).
func (e *Empirical) FlowSampler(t float64, opt ode.Options) func(n int, seed uint64) (*mat.Dense, error) {
	opt.T0, opt.T1, opt.Trajectory = 0, t, false
	return func(n int, seed uint64) (*mat.Dense, error) {
		if n <= 0 {
			return nil, fmt.Errorf("marginal: number of samples must be positive, got %d", n)
		}
		if !(t > 0 && t <= 1) {
			return nil, fmt.Errorf("marginal: flow time t = %v, want 0 < t <= 1", t)
		}
		x0 := data.Gaussian{D: e.Dim()}.Sample(n, data.NewRand(seed))
		r, err := ode.Solve(e, x0, opt)
		if err != nil {
			return nil, err
		}
		return r.X, nil
	}
}

// MeanNearest returns the mean, over the rows x_i of x, of the Euclidean
// distance to the nearest of the N points,
//
//	(1/n) sum_i min_j ||x_i - x1^(j)||,
//
// a measure of memorisation: it is 0 when every sample sits on a training
// point (what the exact marginal field produces) and of the order of the
// spacing of the points for samples spread along the data.
func (e *Empirical) MeanNearest(x *mat.Dense) (float64, error) {
	n, d := x.Dims()
	if d != e.Dim() {
		return 0, fmt.Errorf("marginal: points have %d columns, the target has dimension %d", d, e.Dim())
	}
	if n == 0 {
		return 0, fmt.Errorf("marginal: no points")
	}
	s := 0.0
	for i := range n {
		xi := x.RawRowView(i)
		best := math.Inf(1)
		for j := range e.Len() {
			c := e.X1.RawRowView(j)
			q := 0.0
			for k := range xi {
				q += (xi[k] - c[k]) * (xi[k] - c[k])
			}
			best = math.Min(best, q)
		}
		s += math.Sqrt(best)
	}
	return s / float64(n), nil
}

// FieldError measures a vector field v (a trained model, say) against the
// closed-form marginal field where it matters, under p_t: on n direct
// samples x_i of p_t drawn with the seed it returns
//
//	mse   = (1/n) sum_i ||v(t, x_i) - u_t(x_i)||^2,
//	scale = (1/n) sum_i ||u_t(x_i)||^2,
//
// so that mse/scale is the relative error. Repeat over seeds for its
// Monte Carlo spread. It fails for t outside [0, 1) (u_t is not defined at
// t = 1) and when v fails.
func (e *Empirical) FieldError(v ode.Field, t float64, n int, seed uint64) (mse, scale float64, err error) {
	if v == nil {
		return 0, 0, fmt.Errorf("marginal: the field to measure is nil")
	}
	x, err := e.PathSampler(t)(n, seed)
	if err != nil {
		return 0, 0, err
	}
	u, err := e.Velocity(t, x)
	if err != nil {
		return 0, 0, err
	}
	w, err := v.Velocity(t, x)
	if err != nil {
		return 0, 0, fmt.Errorf("marginal: the field to measure: %w", err)
	}
	if r, c := w.Dims(); r != n || c != e.Dim() {
		return 0, 0, fmt.Errorf("marginal: the field returned %dx%d values for %dx%d points", r, c, n, e.Dim())
	}
	for i := range n {
		a, b := w.RawRowView(i), u.RawRowView(i)
		for k := range a {
			mse += (a[k] - b[k]) * (a[k] - b[k])
			scale += b[k] * b[k]
		}
	}
	return mse / float64(n), scale / float64(n), nil
}

// GradNorms returns ||grad L_FM|| and ||grad L_FM - grad L_CFM||: the size
// of the gradient and of the part in which the two losses disagree on a
// finite sample (the gradient of the zero-mean cross term).
func (l *Losses) GradNorms() (fm, diff float64) {
	for k := range l.GradFM {
		fm += l.GradFM[k] * l.GradFM[k]
		d := l.GradFM[k] - l.GradCFM[k]
		diff += d * d
	}
	return math.Sqrt(fm), math.Sqrt(diff)
}
