package path

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/ode"
)

// SimulateForward draws x_t on the VP path the way a diffusion model without
// closed-form marginals would have to: by simulating the forward SDE
//
//	dx = -1/2 beta(tau) x dtau + sqrt(beta(tau)) dW
//
// from the data (x = x1[i] at tau = 0) to tau(t[i]) with `steps`
// Euler-Maruyama steps of size h = tau(t[i]) / steps each,
//
//	x <- x - 1/2 beta(tau) x h + sqrt(beta(tau) h) z,    z ~ N(0, I).
//
// Row i of the result is distributed (up to the O(h) bias of the scheme) as
// alpha_t x1[i] + sigma_t x0 with x0 ~ N(0, I), the point that Interpolate
// computes in one line: that is what "simulation-free" training saves.
func (v VP) SimulateForward(x1 *mat.Dense, t []float64, steps int, rng *rand.Rand) (*mat.Dense, error) {
	if err := v.Validate(); err != nil {
		return nil, err
	}
	n, d := x1.Dims()
	if len(t) != n {
		return nil, fmt.Errorf("path: SimulateForward: %d times for %d points; give one t per point", len(t), n)
	}
	if steps <= 0 {
		return nil, fmt.Errorf("path: SimulateForward: number of steps must be positive, got %d", steps)
	}
	x := mat.DenseCopyOf(x1)
	for i := range n {
		if !(t[i] >= 0 && t[i] <= 1) {
			return nil, fmt.Errorf("path: SimulateForward: t[%d] = %v is outside [0, 1]", i, t[i])
		}
		row := x.RawRowView(i)
		h := v.Tau(t[i]) / float64(steps)
		for k := range steps {
			beta := v.Beta(float64(k) * h)
			decay, noise := 1-0.5*beta*h, math.Sqrt(beta*h)
			for j := range d {
				row[j] = decay*row[j] + noise*rng.NormFloat64()
			}
		}
	}
	return x, nil
}

// MixtureScore is the exact score grad_x log p_t(x) of the path with
// schedule s when the data is a mixture of K isotropic Gaussians with equal
// weights, centres mu_k (the rows of centres) and standard deviation std
// (std = 0: the empirical distribution of the centres), and x0 ~ N(0, I).
// Then p_t is the mixture of N(alpha_t mu_k, v_t I) with v_t = alpha_t^2 std^2 + sigma_t^2, and
//
//	grad log p_t(x) = sum_k w_k(x) (alpha_t mu_k - x) / v_t,    w_k(x) ∝ exp(-|x - alpha_t mu_k|^2 / (2 v_t)).
//
// It needs v_t > 0. Converted to a velocity (ConvertField) it is the exact
// marginal field u_t(x) of the path: no network involved.
func MixtureScore(s Schedule, centres *mat.Dense, std float64) ode.Field {
	k, d := centres.Dims()
	return ode.FieldFunc(func(t float64, x *mat.Dense) (*mat.Dense, error) {
		n, dx := x.Dims()
		if dx != d {
			return nil, fmt.Errorf("path: MixtureScore: points have %d columns, the centres %d", dx, d)
		}
		alpha, sigma, _, _ := s.Coefficients(t)
		vt := alpha*alpha*std*std + sigma*sigma
		if !(vt > 0) {
			return nil, fmt.Errorf("path: MixtureScore at t=%v: p_t has zero variance (alpha_t=%v, sigma_t=%v, std=%v); the score is undefined", t, alpha, sigma, std)
		}
		out := mat.NewDense(n, d, nil)
		logw := make([]float64, k)
		for i := range n {
			xi := x.RawRowView(i)
			top := math.Inf(-1)
			for c := range k {
				mu := centres.RawRowView(c)
				r2 := 0.0
				for j := range d {
					e := xi[j] - alpha*mu[j]
					r2 += e * e
				}
				logw[c] = -r2 / (2 * vt)
				top = math.Max(top, logw[c])
			}
			total := 0.0
			for c := range k {
				logw[c] = math.Exp(logw[c] - top)
				total += logw[c]
			}
			o := out.RawRowView(i)
			for c := range k {
				w := logw[c] / total
				mu := centres.RawRowView(c)
				for j := range d {
					o[j] += w * (alpha*mu[j] - xi[j]) / vt
				}
			}
		}
		return out, nil
	})
}
