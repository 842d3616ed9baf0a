// Package marginal computes, in closed form, the marginal probability path
// p_t and the marginal vector field u_t of flow matching when the target
// p1 is an empirical distribution: N points x1^(1..N), each with mass 1/N
// (section 6.3).
//
// With p0 = N(0, I), the independent coupling and an affine conditional
// path x_t = alpha_t x1 + sigma_t x0 (the linear path: alpha_t = t,
// sigma_t = 1 - t), the conditional path given x1 is Gaussian,
//
//	p_t(x | x1) = N(x; alpha_t x1, sigma_t^2 I),
//
// its conditional field, written at a point x (x0 = (x - alpha_t x1)/sigma_t), is
//
//	u_t(x | x1) = alpha'_t x1 + sigma'_t (x - alpha_t x1) / sigma_t
//	            = (x1 - x) / (1 - t)                         (linear path),
//
// and the marginal path is the mixture p_t(x) = (1/N) sum_j p_t(x | x1^(j)).
// The marginal field is the posterior average of the conditional fields
// (section 6.3.2),
//
//	u_t(x) = E[u_t(x | x1) | x_t = x] = sum_j w_j(t, x) u_t(x | x1^(j)),
//	w_j(t, x) = p_t(x | x1^(j)) / sum_k p_t(x | x1^(k))
//	          = softmax_j( -||x - alpha_t x1^(j)||^2 / (2 sigma_t^2) ),
//
// computed with the log-sum-exp shift. It is defined for sigma_t > 0
// (t < 1 on the linear path): at t = 1 the posterior collapses onto the
// nearest data point. Integrating dx/dt = u_t(x) from x0 ~ p0 carries p0
// exactly onto the N points: the exact minimiser of L_FM (and of L_CFM)
// memorises the data, which a network of limited capacity does not.
package marginal

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/ot"
	"github.com/flowmatching/gofm/fmkit/path"
)

// Empirical is the marginal path and field of an empirical target X1 (one
// point per row) with p0 = N(0, I) and an affine conditional path.
// It implements ode.Field (Velocity is the marginal field u_t).
type Empirical struct {
	X1       *mat.Dense
	Path     string        // name of the conditional path (path.Lookup)
	Schedule path.Schedule // its alpha_t, sigma_t
}

// New returns the Empirical target of the points x1 (N x d) with the named
// affine conditional path (e.g. "linear"). It copies x1.
func New(x1 *mat.Dense, pathName string) (*Empirical, error) {
	if err := ot.CheckPoints("x1", x1); err != nil {
		return nil, fmt.Errorf("marginal: %w", err)
	}
	p, err := path.Lookup(pathName)
	if err != nil {
		return nil, fmt.Errorf("marginal: %w", err)
	}
	a, ok := p.(path.Affine)
	if !ok {
		return nil, fmt.Errorf("marginal: path %q is not affine (x_t = alpha_t x1 + sigma_t x0): the closed form needs a Gaussian conditional path", pathName)
	}
	return &Empirical{X1: mat.DenseCopyOf(x1), Path: pathName, Schedule: a.Schedule}, nil
}

// Dim is the dimension d of the points.
func (e *Empirical) Dim() int { _, d := e.X1.Dims(); return d }

// Len is the number N of points.
func (e *Empirical) Len() int { n, _ := e.X1.Dims(); return n }

func (e *Empirical) coefficients(t float64) (al, si, dal, dsi float64, err error) {
	if math.IsNaN(t) || t < 0 || t > 1 {
		return 0, 0, 0, 0, fmt.Errorf("marginal: t = %v is outside [0, 1]", t)
	}
	al, si, dal, dsi = e.Schedule.Coefficients(t)
	if !(si > 0) {
		return 0, 0, 0, 0, fmt.Errorf("marginal: sigma_t = %v at t = %v: the marginal field of an empirical target is singular where the conditional paths reach their points (t = 1 on the linear path); use t < 1", si, t)
	}
	return al, si, dal, dsi, nil
}

// Posterior returns the weights w_j(t, x) = q(x1^(j) | x_t = x) of the N
// points for one point x (length d): a softmax of
// -||x - alpha_t x1^(j)||^2 / (2 sigma_t^2).
func (e *Empirical) Posterior(t float64, x []float64) ([]float64, error) {
	al, si, _, _, err := e.coefficients(t)
	if err != nil {
		return nil, err
	}
	if len(x) != e.Dim() {
		return nil, fmt.Errorf("marginal: a point of dimension %d, the target has dimension %d", len(x), e.Dim())
	}
	w := make([]float64, e.Len())
	e.posterior(al, si, x, w)
	return w, nil
}

// posterior writes the weights into w and returns log sum_j exp(l_j), the
// log-normaliser of l_j = -||x - al x1_j||^2 / (2 si^2).
func (e *Empirical) posterior(al, si float64, x, w []float64) float64 {
	mx := math.Inf(-1)
	for j := range w {
		c := e.X1.RawRowView(j)
		s := 0.0
		for k, v := range x {
			d := v - al*c[k]
			s += d * d
		}
		w[j] = -s / (2 * si * si)
		mx = max(mx, w[j])
	}
	total := 0.0
	for j, l := range w {
		w[j] = math.Exp(l - mx)
		total += w[j]
	}
	for j := range w {
		w[j] /= total
	}
	return mx + math.Log(total)
}

// Velocity returns the marginal field u_t(x) for every row of x, the
// posterior-weighted average of the conditional fields. It implements
// ode.Field; it fails for t outside [0, 1), sigma_t = 0, or a wrong
// number of columns.
func (e *Empirical) Velocity(t float64, x *mat.Dense) (*mat.Dense, error) {
	n, d := x.Dims()
	ts := make([]float64, n)
	for i := range ts {
		ts[i] = t
	}
	if d != e.Dim() {
		return nil, fmt.Errorf("marginal: points have %d columns, the target has dimension %d", d, e.Dim())
	}
	return e.VelocityAt(ts, x)
}

// VelocityAt is Velocity with one time per row: row i of the result is
// u_{t_i}(x_i).
func (e *Empirical) VelocityAt(t []float64, x *mat.Dense) (*mat.Dense, error) {
	n, d := x.Dims()
	if d != e.Dim() || len(t) != n {
		return nil, fmt.Errorf("marginal: %d times for %dx%d points of a %d-dimensional target; give one t per row", len(t), n, d, e.Dim())
	}
	out := mat.NewDense(n, d, nil)
	w := make([]float64, e.Len())
	for i := range n {
		al, si, dal, dsi, err := e.coefficients(t[i])
		if err != nil {
			return nil, err
		}
		xi := x.RawRowView(i)
		e.posterior(al, si, xi, w)
		// u = sum_j w_j (dal x1_j + dsi (x - al x1_j)/si)
		//   = (dal - dsi al/si) sum_j w_j x1_j + (dsi/si) x.
		a, b := dal-dsi*al/si, dsi/si
		o := out.RawRowView(i)
		for j, wj := range w {
			if wj == 0 {
				continue
			}
			c := e.X1.RawRowView(j)
			for k := range o {
				o[k] += wj * c[k]
			}
		}
		for k := range o {
			o[k] = a*o[k] + b*xi[k]
		}
	}
	return out, nil
}

// Conditional returns u_t(x | x1^(j)) for every row of x: the conditional
// field of point j, alpha'_t x1 + sigma'_t (x - alpha_t x1)/sigma_t.
func (e *Empirical) Conditional(t float64, x *mat.Dense, j int) (*mat.Dense, error) {
	al, si, dal, dsi, err := e.coefficients(t)
	if err != nil {
		return nil, err
	}
	n, d := x.Dims()
	if d != e.Dim() {
		return nil, fmt.Errorf("marginal: points have %d columns, the target has dimension %d", d, e.Dim())
	}
	if j < 0 || j >= e.Len() {
		return nil, fmt.Errorf("marginal: point index %d outside [0, %d)", j, e.Len())
	}
	c := e.X1.RawRowView(j)
	out := mat.NewDense(n, d, nil)
	for i := range n {
		xi, o := x.RawRowView(i), out.RawRowView(i)
		for k := range o {
			o[k] = dal*c[k] + dsi*(xi[k]-al*c[k])/si
		}
	}
	return out, nil
}

// LogDensity returns log p_t(x) = log (1/N) sum_j N(x; alpha_t x1^(j), sigma_t^2 I)
// for every row of x.
func (e *Empirical) LogDensity(t float64, x *mat.Dense) ([]float64, error) {
	al, si, _, _, err := e.coefficients(t)
	if err != nil {
		return nil, err
	}
	n, d := x.Dims()
	if d != e.Dim() {
		return nil, fmt.Errorf("marginal: points have %d columns, the target has dimension %d", d, e.Dim())
	}
	w := make([]float64, e.Len())
	out := make([]float64, n)
	norm := -float64(d)/2*math.Log(2*math.Pi*si*si) - math.Log(float64(e.Len()))
	for i := range n {
		out[i] = e.posterior(al, si, x.RawRowView(i), w) + norm
	}
	return out, nil
}

// Draw is a batch of the coupling and the path: times, x0 ~ N(0, I), the
// index of each x1 in the target, x_t and the conditional field
// u_t(x_t | x0, x1).
type Draw struct {
	T      []float64
	X0, XT *mat.Dense
	Index  []int // row of X1 paired with each x0
	UCond  *mat.Dense
}

// Sample draws n triples (t, x0, x1) with t ~ U[tMin, tMax], x0 ~ N(0, I)
// and x1 uniform among the points, and returns x_t and u_t(x_t | x0, x1).
func (e *Empirical) Sample(n int, tMin, tMax float64, rng *rand.Rand) (*Draw, error) {
	if n <= 0 {
		return nil, fmt.Errorf("marginal: number of samples must be positive, got %d", n)
	}
	if !(0 <= tMin && tMin <= tMax && tMax <= 1) {
		return nil, fmt.Errorf("marginal: need 0 <= tMin <= tMax <= 1, got [%v, %v]", tMin, tMax)
	}
	d := e.Dim()
	dr := &Draw{T: make([]float64, n), X0: mat.NewDense(n, d, nil), XT: mat.NewDense(n, d, nil), Index: make([]int, n), UCond: mat.NewDense(n, d, nil)}
	for i := range n {
		t := tMin + (tMax-tMin)*rng.Float64()
		al, si, dal, dsi := e.Schedule.Coefficients(t)
		j := rng.IntN(e.Len())
		c := e.X1.RawRowView(j)
		x0, xt, u := dr.X0.RawRowView(i), dr.XT.RawRowView(i), dr.UCond.RawRowView(i)
		for k := range x0 {
			x0[k] = rng.NormFloat64()
			xt[k] = al*c[k] + si*x0[k]
			u[k] = dal*c[k] + dsi*x0[k]
		}
		dr.T[i], dr.Index[i] = t, j
	}
	return dr, nil
}
