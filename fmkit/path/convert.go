package path

import (
	"fmt"
	"math"
	"strings"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/ode"
)

// Param names what a network predicts at a point x_t of an affine Gaussian
// path x_t = alpha_t x1 + sigma_t x0 with x0 ~ N(0, I). Each is a fixed
// linear combination c1 x1 + c0 x0 of the data point and the noise behind
// x_t (its regression target), and the trained network predicts its
// conditional mean given x_t:
//
//	Velocity  u_t = alpha'_t x1 + sigma'_t x0        (c1, c0) = (alpha'_t, sigma'_t)   flow matching
//	Epsilon   eps = x0                               (c1, c0) = (0, 1)                 DDPM noise prediction
//	X1        x1                                     (c1, c0) = (1, 0)                 x1-prediction ("denoiser")
//	Score     grad log p_t(x_t | x1) = -x0 / sigma_t (c1, c0) = (0, -1/sigma_t)        denoising score matching
//
// For the score, E[-x0 / sigma_t | x_t] is the marginal score
// grad_x log p_t(x_t) (Vincent 2011), so a score model and a velocity model
// are two descriptions of the same thing: any one of the four, together with
// x_t, gives the others (see Convert).
type Param string

// The four parameterisations of an affine Gaussian path.
const (
	Velocity Param = "velocity"
	Epsilon  Param = "epsilon"
	X1       Param = "x1"
	Score    Param = "score"
)

// Params lists the four parameterisations.
func Params() []Param { return []Param{Velocity, Epsilon, X1, Score} }

// Coefficients returns (c1, c0) such that p = c1 x1 + c0 x0 at time t of the
// path with schedule s. The score has no coefficients where sigma_t = 0.
func (p Param) Coefficients(s Schedule, t float64) (c1, c0 float64, err error) {
	alpha, sigma, dAlpha, dSigma := s.Coefficients(t)
	switch p {
	case Velocity:
		c1, c0 = dAlpha, dSigma
	case Epsilon:
		c1, c0 = 0, 1
	case X1:
		c1, c0 = 1, 0
	case Score:
		if sigma == 0 {
			return 0, 0, fmt.Errorf("path: the score is undefined at t=%v where sigma_t = 0 (alpha_t = %v): the path has no noise left", t, alpha)
		}
		c1, c0 = 0, -1/sigma
	default:
		return 0, 0, fmt.Errorf("path: unknown parameterisation %q: use one of velocity, epsilon, x1, score", string(p))
	}
	if !finite(c1) || !finite(c0) {
		return 0, 0, fmt.Errorf("path: %s is not finite at t=%v (alpha'_t = %v, sigma'_t = %v); stay inside (0, 1)", p, t, dAlpha, dSigma)
	}
	return c1, c0, nil
}

func finite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }

// ConversionCoefficients returns (a, b) such that, at time t of the path with
// schedule s, the prediction of `to` is a x_t + b (prediction of `from`).
//
// With from = a1 x1 + a0 x0 and to = b1 x1 + b0 x0 (see Param.Coefficients),
// x_t = alpha_t x1 + sigma_t x0 and the prediction of `from` are two linear
// equations in (x1, x0); with det = alpha_t a0 - sigma_t a1 their solution is
//
//	x1 = (a0 x_t - sigma_t from) / det,    x0 = (alpha_t from - a1 x_t) / det,
//
// so that
//
//	a = (b1 a0 - b0 a1) / det,    b = (b0 alpha_t - b1 sigma_t) / det.
//
// For instance, from the score to the velocity on the VP path this is
// a = b = 1/2 (1 - TauMin) beta(tau(t)): the probability-flow ODE (see
// VP.ProbabilityFlow). A conversion is impossible where det = 0: at t = 0 of
// the linear path, x_t = x0 = eps, so the noise says nothing about x1.
func ConversionCoefficients(s Schedule, t float64, from, to Param) (a, b float64, err error) {
	a1, a0, err := from.Coefficients(s, t)
	if err != nil {
		return 0, 0, err
	}
	b1, b0, err := to.Coefficients(s, t)
	if err != nil {
		return 0, 0, err
	}
	if from == to {
		return 0, 1, nil
	}
	alpha, sigma, _, _ := s.Coefficients(t)
	det := alpha*a0 - sigma*a1
	if det == 0 || !finite(det) {
		return 0, 0, fmt.Errorf("path: cannot convert %s to %s at t=%v: with alpha_t=%v and sigma_t=%v, x_t and the %s do not determine x1 and x0; convert at a time inside (0, 1)", from, to, t, alpha, sigma, from)
	}
	a, b = (b1*a0-b0*a1)/det, (b0*alpha-b1*sigma)/det
	if !finite(a) || !finite(b) {
		return 0, 0, fmt.Errorf("path: converting %s to %s at t=%v overflows (a=%v, b=%v)", from, to, t, a, b)
	}
	return a, b, nil
}

// Convert turns predictions of one parameterisation into another at time t:
// row i of the result is a xt[i] + b pred[i] with (a, b) from
// ConversionCoefficients. xt and pred must have the same shape.
func Convert(s Schedule, t float64, xt, pred *mat.Dense, from, to Param) (*mat.Dense, error) {
	n, d := xt.Dims()
	if pn, pd := pred.Dims(); pn != n || pd != d {
		return nil, fmt.Errorf("path: converting %s to %s: x_t is %dx%d but the prediction is %dx%d; give one prediction per point", from, to, n, d, pn, pd)
	}
	a, b, err := ConversionCoefficients(s, t, from, to)
	if err != nil {
		return nil, err
	}
	out := mat.NewDense(n, d, nil)
	for i := range n {
		x, p, o := xt.RawRowView(i), pred.RawRowView(i), out.RawRowView(i)
		for j := range o {
			o[j] = a*x[j] + b*p[j]
		}
	}
	return out, nil
}

// ConvertField wraps a field f(t, x) that predicts `from` on the path with
// schedule s into the field that predicts `to`. With to = Velocity it turns
// a score model or a noise-prediction model into the velocity of the ODE
// dx/dt = v(t, x) that a sampler integrates (for the score on the VP path,
// the probability-flow ODE).
func ConvertField(s Schedule, f ode.Field, from, to Param) ode.Field {
	return ode.FieldFunc(func(t float64, x *mat.Dense) (*mat.Dense, error) {
		pred, err := f.Velocity(t, x)
		if err != nil {
			return nil, err
		}
		return Convert(s, t, x, pred, from, to)
	})
}

// ParseParam returns the parameterisation with the given name.
func ParseParam(name string) (Param, error) {
	p := Param(strings.ToLower(name))
	for _, q := range Params() {
		if p == q {
			return p, nil
		}
	}
	return "", fmt.Errorf("path: unknown parameterisation %q: use one of velocity, epsilon, x1, score", name)
}
