package path

import (
	"fmt"
	"math"
	"math/rand/v2"

	"gonum.org/v1/gonum/mat"
)

// VE is the schedule of the variance-exploding diffusion (the "VE SDE" of
// Song et al. 2021, the continuous limit of score matching with Langevin
// dynamics, SMLD) written in the chapter's time t (0 noise, 1 data).
//
// The diffusion runs its own time tau = 1 - t from data (tau = 0) to noise
// (tau = 1) with the forward SDE dx = sqrt(d[sigma^2]/dtau) dW, which only
// adds noise:
//
//	x_tau = x1 + sigma(tau) eps,    sigma(tau) = SigmaMin (SigmaMax/SigmaMin)^tau,    eps ~ N(0, I).
//
// In the affine form x_t = alpha_t x1 + sigma_t x0 of this package (x0 = eps):
//
//	alpha_t = 1,    sigma_t = SigmaMin r^(1-t),    alpha'_t = 0,    sigma'_t = -ln(r) sigma_t,    r = SigmaMax/SigmaMin.
//
// The data are never shrunk, the noise grows ("explodes") to SigmaMax.
//
// # Endpoints
//
// Neither endpoint is exact, unlike the linear path's:
//   - t = 0: x_0 = x1 + SigmaMax eps has the law p1 * N(0, SigmaMax^2 I), not a
//     Gaussian. Sampling starts from Prior, N(0, SigmaMax^2 I); coupling the
//     same eps, W2(p_0, Prior) <= sqrt(E||x1||^2), small against the prior's
//     own scale SigmaMax sqrt(d) when SigmaMax is large (the usual rule:
//     SigmaMax about the largest distance between two data points).
//   - t = 1: x_1 = x1 + SigmaMin eps keeps noise of sd SigmaMin:
//     W2(p_{t=1}, p1) <= SigmaMin sqrt(d).
//
// Because p_0 is not the standard normal a path's source is, VE is a
// schedule (LookupSchedule("ve"): plots, conversions, the probability-flow
// ODE) and not a registered path name for training. The conversions between
// velocity, noise, x1 and score (Param) hold as for every affine Gaussian
// schedule; with alpha'_t = 0 the velocity is a pure multiple of the noise:
// u_t = sigma'_t x0.
type VE struct {
	SigmaMin, SigmaMax float64
}

// DefaultVE is the VE schedule with SigmaMin = 0.01 and SigmaMax = 10, for
// 2D data of scale about 1 (the moons span about 3).
func DefaultVE() VE { return VE{SigmaMin: 0.01, SigmaMax: 10} }

// Validate reports a schedule that does not define a path.
func (v VE) Validate() error {
	if !(v.SigmaMin > 0) || !(v.SigmaMax > v.SigmaMin) || math.IsInf(v.SigmaMax, 0) {
		return fmt.Errorf("path: VE schedule needs 0 < SigmaMin < SigmaMax < Inf, got SigmaMin=%v SigmaMax=%v", v.SigmaMin, v.SigmaMax)
	}
	return nil
}

// Sigma is the noise level sigma(tau) = SigmaMin (SigmaMax/SigmaMin)^tau at
// diffusion time tau.
func (v VE) Sigma(tau float64) float64 {
	return v.SigmaMin * math.Pow(v.SigmaMax/v.SigmaMin, tau)
}

// Coefficients implements Schedule.
func (v VE) Coefficients(t float64) (alpha, sigma, dAlpha, dSigma float64) {
	sigma = v.Sigma(1 - t)
	return 1, sigma, 0, -math.Log(v.SigmaMax/v.SigmaMin) * sigma
}

// ProbabilityFlow is the velocity of the probability-flow ODE of the VE SDE
// in the chapter's time, given the score s = grad_x log p_t(x) at (t, x):
//
//	dx/dt = 1/2 d[sigma^2]/dtau s = ln(SigmaMax/SigmaMin) sigma_t^2 s,
//
// (the forward drift is 0 and g^2 = d[sigma^2]/dtau = 2 ln(r) sigma^2; the
// sign flips with t = 1 - tau). It writes the velocity into out (which may
// alias s).
func (v VE) ProbabilityFlow(t float64, x, s, out []float64) {
	sg := v.Sigma(1 - t)
	c := math.Log(v.SigmaMax/v.SigmaMin) * sg * sg
	for i := range out {
		out[i] = c * s[i]
	}
}

// Prior draws n points of N(0, SigmaMax^2 I) in dimension d, where VE
// samplers start (see the endpoints above).
func (v VE) Prior(n, d int, rng *rand.Rand) (*mat.Dense, error) {
	if err := v.Validate(); err != nil {
		return nil, err
	}
	if n <= 0 || d <= 0 {
		return nil, fmt.Errorf("path: VE.Prior needs n > 0 and d > 0, got n=%d d=%d", n, d)
	}
	x := mat.NewDense(n, d, nil)
	raw := x.RawMatrix().Data
	for i := range raw {
		raw[i] = v.SigmaMax * rng.NormFloat64()
	}
	return x, nil
}
