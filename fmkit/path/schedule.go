package path

import (
	"fmt"
	"math"

	"github.com/flowmatching/gofm/fmkit/internal/names"
)

// This file holds the schedules (alpha_t, sigma_t) of affine Gaussian paths
// beyond the linear one: the variance-preserving (VP) diffusion path, the
// cosine path and the polynomial paths. All use the chapter's time: t = 0 is
// noise (x0 ~ N(0, I)), t = 1 is data, and
//
//	x_t = alpha_t x1 + sigma_t x0,    u_t = alpha'_t x1 + sigma'_t x0.

// VP is the schedule of the variance-preserving diffusion (the "VP SDE" of
// Song et al. 2021, the continuous-time DDPM) written in the chapter's time.
//
// Diffusion models run their own time tau in [0, 1] the other way: tau = 0
// is data, tau = 1 is noise, and the forward SDE
//
//	dx = -1/2 beta(tau) x dtau + sqrt(beta(tau)) dW,    beta(tau) = BetaMin + tau (BetaMax - BetaMin),
//
// turns a data point x1 into x_tau = m(tau) x1 + sqrt(1 - m(tau)^2) eps with
// eps ~ N(0, I) and
//
//	m(tau) = exp(-1/2 B(tau)),    B(tau) = int_0^tau beta = BetaMin tau + (BetaMax - BetaMin) tau^2 / 2.
//
// The chapter's t maps to tau by tau(t) = 1 - (1 - TauMin) t (t = 0 is
// tau = 1, t = 1 is tau = TauMin), so that
//
//	alpha_t = m(tau(t)),    sigma_t = sqrt(1 - alpha_t^2),
//	alpha'_t = 1/2 (1 - TauMin) beta(tau(t)) alpha_t,    sigma'_t = -alpha_t alpha'_t / sigma_t.
//
// alpha_t^2 + sigma_t^2 = 1 at every t: the variance of x_t stays 1 for
// unit-variance data, hence "variance preserving".
//
// The endpoints are approximate, as in every VP diffusion: with the usual
// BetaMin = 0.1, BetaMax = 20, alpha_0 = exp(-5.025) = 0.0066 (p_0 is N(0, I)
// up to 0.7% of the data), and TauMin = 1e-3 stops at sigma_1 = 0.0105 (the
// samples keep 1% noise). TauMin > 0 keeps sigma'_t finite: at tau = 0,
// sigma_tau = sqrt(1 - m^2) ~ sqrt(BetaMin tau) has an infinite slope. Score
// SDE implementations stop their samplers at the same tau = 1e-3.
type VP struct {
	BetaMin, BetaMax float64
	TauMin           float64 // diffusion time at t = 1, in [0, 1)
}

// DefaultVP is the VP schedule with beta from 0.1 to 20 and TauMin = 1e-3.
func DefaultVP() VP { return VP{BetaMin: 0.1, BetaMax: 20, TauMin: 1e-3} }

// Validate reports a schedule that does not define a path.
func (v VP) Validate() error {
	switch {
	case !(v.BetaMin >= 0) || !(v.BetaMax >= v.BetaMin) || math.IsInf(v.BetaMax, 0):
		return fmt.Errorf("path: VP schedule needs 0 <= BetaMin <= BetaMax < Inf, got BetaMin=%v BetaMax=%v", v.BetaMin, v.BetaMax)
	case !(v.BetaMax > 0):
		return fmt.Errorf("path: VP schedule needs BetaMax > 0, got %v", v.BetaMax)
	case !(v.TauMin >= 0 && v.TauMin < 1):
		return fmt.Errorf("path: VP schedule needs TauMin in [0, 1), got %v", v.TauMin)
	}
	return nil
}

// Tau is the diffusion time tau(t) = 1 - (1 - TauMin) t of the chapter's t.
func (v VP) Tau(t float64) float64 { return 1 - (1-v.TauMin)*t }

// Beta is the noise rate beta(tau) = BetaMin + tau (BetaMax - BetaMin) of the
// forward SDE at diffusion time tau.
func (v VP) Beta(tau float64) float64 { return v.BetaMin + tau*(v.BetaMax-v.BetaMin) }

// Mean is m(tau) = exp(-1/2 int_0^tau beta), the factor that multiplies the
// data point after diffusing for a time tau.
func (v VP) Mean(tau float64) float64 {
	return math.Exp(-0.5 * (v.BetaMin*tau + 0.5*(v.BetaMax-v.BetaMin)*tau*tau))
}

// Coefficients implements Schedule.
func (v VP) Coefficients(t float64) (alpha, sigma, dAlpha, dSigma float64) {
	tau := v.Tau(t)
	alpha = v.Mean(tau)
	sigma = math.Sqrt(-math.Expm1(2 * math.Log(alpha))) // sqrt(1 - alpha^2), accurate near alpha = 1
	dAlpha = 0.5 * (1 - v.TauMin) * v.Beta(tau) * alpha
	if sigma > 0 {
		dSigma = -alpha * dAlpha / sigma
	} else {
		dSigma = math.Inf(-1)
	}
	return alpha, sigma, dAlpha, dSigma
}

// ProbabilityFlow is the velocity of the probability-flow ODE of the VP SDE,
// in the chapter's time, given the score s = grad_x log p_t(x) at (t, x):
//
//	dx/dt = -(dtau/dt) [f(x, tau) - 1/2 g(tau)^2 s] = 1/2 (1 - TauMin) beta(tau(t)) (x + s),
//
// with the drift f = -1/2 beta x and diffusion g = sqrt(beta) of the forward
// SDE (section 6.4.1). It writes the velocity into out (which may alias x
// or s).
func (v VP) ProbabilityFlow(t float64, x, s, out []float64) {
	c := 0.5 * (1 - v.TauMin) * v.Beta(v.Tau(t))
	for i := range out {
		out[i] = c * (x[i] + s[i])
	}
}

// Cosine is the schedule alpha_t = sin(pi t / 2), sigma_t = cos(pi t / 2):
// variance preserving like VP, with exact endpoints and bounded derivatives
// alpha'_t = pi/2 cos(pi t / 2), sigma'_t = -pi/2 sin(pi t / 2).
type Cosine struct{}

// Coefficients implements Schedule.
func (Cosine) Coefficients(t float64) (alpha, sigma, dAlpha, dSigma float64) {
	s, c := math.Sincos(math.Pi / 2 * t)
	return s, c, math.Pi / 2 * c, -math.Pi / 2 * s
}

// Polynomial is the schedule alpha_t = t^N, sigma_t = 1 - t^N (N > 0), with
// alpha'_t = N t^(N-1) and sigma'_t = -alpha'_t: N = 1 is the linear path;
// N > 1 lingers near the noise and moves to the data late.
type Polynomial struct{ N float64 }

// Coefficients implements Schedule.
func (p Polynomial) Coefficients(t float64) (alpha, sigma, dAlpha, dSigma float64) {
	alpha = math.Pow(t, p.N)
	dAlpha = p.N * math.Pow(t, p.N-1)
	return alpha, 1 - alpha, dAlpha, -dAlpha
}

// schedules maps schedule names to their default-parameter schedules. Each
// but "ve" is also registered as an affine path of the same name
// (path.Lookup).
var schedules = map[string]func() Schedule{
	"linear": func() Schedule { return LinearSchedule{} },
	"vp":     func() Schedule { return DefaultVP() },
	"cosine": func() Schedule { return Cosine{} },
	"poly2":  func() Schedule { return Polynomial{N: 2} },
	"poly3":  func() Schedule { return Polynomial{N: 3} },
	"ve":     func() Schedule { return DefaultVE() },
}

func init() {
	for name, mk := range schedules {
		if name == "linear" {
			continue // registered in path.go
		}
		if name == "ve" {
			continue // its p_0 is N(0, SigmaMax^2 I), not the N(0, I) source a path starts from: see VE
		}
		Register(name, func() Path { return Affine{Label: name, Schedule: mk()} })
	}
}

// ScheduleNames lists the schedule names LookupSchedule accepts, sorted.
func ScheduleNames() []string { return names.Sorted(schedules) }

// LookupSchedule returns the named schedule: "linear", "vp" (DefaultVP),
// "cosine", "poly2", "poly3" or "ve" (DefaultVE; a schedule only, not a
// trainable path name, see VE).
func LookupSchedule(name string) (Schedule, error) {
	mk, err := names.Lookup(schedules, "path", "schedule", name)
	if err != nil {
		return nil, err
	}
	return mk(), nil
}

// ScheduleOf returns the schedule of an affine path and whether p is one.
func ScheduleOf(p Path) (Schedule, bool) {
	switch a := p.(type) {
	case Affine:
		return a.Schedule, a.Schedule != nil
	case *Affine:
		return a.Schedule, a != nil && a.Schedule != nil
	}
	return nil, false
}
