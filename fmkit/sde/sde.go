// Package sde samples a flow-matching model with a stochastic differential
// equation that has the same marginals p_t as its ODE: the reverse-time SDE
// that diffusion models sample, in the chapter's time (t = 0 noise, t = 1
// data), for any noise level.
//
// # The SDE family of one probability path
//
// Let v_t(x) be the marginal velocity of a probability path p_t, so that the
// ODE dx/dt = v_t(x) carries p_0 to p_1 (continuity equation
// dp/dt = -div(p v)). For any noise level g(t) >= 0 the SDE
//
//	dx = [ v_t(x) + g(t)^2/2 grad log p_t(x) ] dt + g(t) dW,    t from 0 to 1,
//
// has the same marginals: its Fokker-Planck equation is
//
//	dp/dt = -div(p v) - div(p g^2/2 grad log p) + g^2/2 lap p = -div(p v),
//
// because p grad log p = grad p, so the last two terms cancel. g = 0 is the
// probability-flow ODE; on the VP path, g(t)^2 = (1 - TauMin) beta(tau(t))
// (DiffusionNoise) is exactly the reverse-time SDE of the VP diffusion
// (Song et al. 2021) written with t = 1 - tau. The extra drift
// g^2/2 grad log p_t pulls points toward high density, and the noise g dW
// spreads them again: errors of the velocity made early are partly forgotten,
// at the price of more steps (the noise must be integrated finely).
//
// # The score from a velocity model
//
// On an affine Gaussian path x_t = alpha_t x1 + sigma_t x0 with x0 ~ N(0, I)
// the score is a fixed linear function of x and the velocity
// (path.ConversionCoefficients from path.Velocity to path.Score):
//
//	grad log p_t(x) = a_t x + b_t v_t(x),
//
// for the linear path a_t = -1/(1-t), b_t = t/(1-t): grad log p_t(x) = (t v_t(x) - x)/(1 - t).
// It diverges at t = 1 (sigma_1 = 0); Euler-Maruyama evaluates it only at the
// left end of each step, so it never reaches t = 1, but a constant g then
// leaves noise of size g sqrt(h) in the samples: Vanishing(g) brings g(t) to
// 0 at t = 1.
//
// # The scheme
//
// Euler-Maruyama with K steps of size h = 1/K, from x_0 ~ p_0:
//
//	x_{k+1} = x_k + h [ v(t_k, x_k) + g(t_k)^2/2 s(t_k, x_k) ] + g(t_k) sqrt(h) z_k,    z_k ~ N(0, I),
//
// one evaluation of v per step (NFE = K). Its weak order is 1: the marginals
// match the ODE's up to O(h).
package sde

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/path"
)

// Noise is the diffusion coefficient g(t) >= 0 of the SDE at time t in [0, 1].
type Noise func(t float64) float64

// Constant is g(t) = g.
func Constant(g float64) Noise { return func(float64) float64 { return g } }

// Vanishing is g(t) = g (1 - t): as much noise as Constant(g) at t = 0 and
// none at t = 1, so the last steps (where the score of a path with
// sigma_1 = 0 blows up) add no noise the drift cannot remove.
func Vanishing(g float64) Noise { return func(t float64) float64 { return g * (1 - t) } }

// DiffusionNoise is the noise of the VP diffusion's own reverse-time SDE in
// the chapter's time: g(t) = sqrt((1 - TauMin) beta(tau(t))), the speed
// dtau/dt = -(1 - TauMin) absorbed in g^2.
func DiffusionNoise(vp path.VP) Noise {
	return func(t float64) float64 { return math.Sqrt((1 - vp.TauMin) * vp.Beta(vp.Tau(t))) }
}

// Options configure Sample.
type Options struct {
	Steps      int    // Euler-Maruyama steps over [0, 1], > 0
	Noise      Noise  // g(t); nil means 0 (the probability-flow ODE, Euler)
	Seed       uint64 // seeds the Brownian increments z_k
	Trajectory bool   // keep x at every step (Steps+1 snapshots)
}

// ErrNaN is wrapped by errors reporting a non-finite state.
var ErrNaN = ode.ErrNaN

// ScoreFromVelocity returns the score field grad log p_t(x) = a_t x + b_t v(t, x)
// of the affine Gaussian path with schedule s, computed from a velocity
// field v (see the package documentation). It fails where the path has no
// score (sigma_t = 0) or the conversion is singular.
func ScoreFromVelocity(s path.Schedule, v ode.Field) ode.Field {
	return path.ConvertField(s, v, path.Velocity, path.Score)
}

// Sample integrates the SDE of the package documentation from the points x0
// (one per row, drawn from p_0; not modified) over t in [0, 1] with
// Euler-Maruyama, for the velocity field v on the affine Gaussian path with
// schedule s. The result's NFE counts evaluations of v (one per step).
//
// It fails for Steps <= 0, for a negative or non-finite g(t) at a step, for
// a nil schedule (a path that is not affine Gaussian has no score from its
// velocity: use path.ScheduleOf to get one, or train a score model and use
// SampleWithScore), when the field fails, and when the state becomes NaN or
// infinite.
func Sample(v ode.Field, s path.Schedule, x0 *mat.Dense, opt Options) (*ode.Result, error) {
	if s == nil {
		return nil, errors.New("sde: no schedule: the SDE needs the score, which comes from the velocity only on an affine Gaussian path (x_t = alpha_t x1 + sigma_t x0); use path.ScheduleOf(p) to get its schedule, or SampleWithScore with a score model")
	}
	// drift = v + g^2/2 (a x + b v) = (1 + g^2/2 b) v + (g^2/2 a) x
	return integrate(v, x0, opt, func(t, g2 float64, x, vel *mat.Dense) (*mat.Dense, error) {
		if g2 == 0 {
			return vel, nil
		}
		a, b, err := path.ConversionCoefficients(s, t, path.Velocity, path.Score)
		if err != nil {
			return nil, fmt.Errorf("the score at t=%.4g: %w", t, err)
		}
		n, d := x.Dims()
		out := mat.NewDense(n, d, nil)
		out.Scale(1+0.5*g2*b, vel)
		out.Apply(func(i, j int, v float64) float64 { return v + 0.5*g2*a*x.At(i, j) }, out)
		return out, nil
	})
}

// SampleWithScore integrates the same SDE with the score given by its own
// field (for example a score model trained beside the velocity model, as
// SF2M does on the Brownian-bridge path of SB-CFM, where the score cannot
// be had from the velocity):
//
//	x_{k+1} = x_k + h [ v(t_k, x_k) + g(t_k)^2/2 score(t_k, x_k) ] + g(t_k) sqrt(h) z_k.
//
// NFE counts evaluations of v; the score is evaluated only where g(t_k) > 0.
// It fails as Sample does, and for a nil score field.
func SampleWithScore(v, score ode.Field, x0 *mat.Dense, opt Options) (*ode.Result, error) {
	if score == nil {
		return nil, errors.New("sde: the score field is nil")
	}
	return integrate(v, x0, opt, func(t, g2 float64, x, vel *mat.Dense) (*mat.Dense, error) {
		if g2 == 0 {
			return vel, nil
		}
		sc, err := score.Velocity(t, x)
		if err != nil {
			return nil, fmt.Errorf("evaluating the score at t=%.4g: %w", t, err)
		}
		n, d := x.Dims()
		if r, c := sc.Dims(); r != n || c != d {
			return nil, fmt.Errorf("the score field returned %dx%d values for %dx%d points", r, c, n, d)
		}
		out := mat.NewDense(n, d, nil)
		out.Scale(0.5*g2, sc)
		out.Add(out, vel)
		return out, nil
	})
}

// driftFunc returns the SDE's drift at (t, x) from the velocity there and
// g(t)^2.
type driftFunc func(t, g2 float64, x, vel *mat.Dense) (*mat.Dense, error)

// integrate is the Euler-Maruyama loop shared by Sample and SampleWithScore.
func integrate(v ode.Field, x0 *mat.Dense, opt Options, drift driftFunc) (*ode.Result, error) {
	if opt.Steps <= 0 {
		return nil, fmt.Errorf("sde: number of steps must be positive, got %d", opt.Steps)
	}
	if v == nil {
		return nil, errors.New("sde: the velocity field is nil")
	}
	if x0 == nil {
		return nil, errors.New("sde: the initial points are nil")
	}
	g := opt.Noise
	if g == nil {
		g = Constant(0)
	}
	n, d := x0.Dims()
	x := mat.DenseCopyOf(x0)
	if err := finite(x); err != nil {
		return nil, fmt.Errorf("sde: initial points: %w", err)
	}
	rng := data.NewRand(opt.Seed)
	h := 1 / float64(opt.Steps)
	res := &ode.Result{}
	if opt.Trajectory {
		res.Times = append(res.Times, 0)
		res.Traj = append(res.Traj, mat.DenseCopyOf(x))
	}
	xr := x.RawMatrix().Data
	for k := range opt.Steps {
		t := float64(k) * h
		gt := g(t)
		if !(gt >= 0) || math.IsInf(gt, 0) {
			return nil, fmt.Errorf("sde: the noise level g(t) at t=%.4g is %v; it must be finite and >= 0", t, gt)
		}
		vel, err := v.Velocity(t, x)
		if err != nil {
			return nil, fmt.Errorf("sde: evaluating the field at t=%.4g: %w", t, err)
		}
		if r, c := vel.Dims(); r != n || c != d {
			return nil, fmt.Errorf("sde: the field returned a %dx%d velocity for %dx%d points", r, c, n, d)
		}
		res.NFE++
		dr, err := drift(t, gt*gt, x, vel)
		if err != nil {
			return nil, fmt.Errorf("sde: %w", err)
		}
		noise := gt * math.Sqrt(h)
		dd := dr.RawMatrix()
		for i := range n {
			row := xr[i*d : (i+1)*d]
			drow := dd.Data[i*dd.Stride : i*dd.Stride+d]
			for j := range d {
				row[j] += h*drow[j] + noise*rng.NormFloat64()
			}
		}
		if err := finite(x); err != nil {
			return nil, fmt.Errorf("sde: Euler-Maruyama step %d of %d (t=%.4g, g=%.4g): %w; take more steps or lower the noise", k+1, opt.Steps, t+h, gt, err)
		}
		if opt.Trajectory {
			res.Times = append(res.Times, t+h)
			res.Traj = append(res.Traj, mat.DenseCopyOf(x))
		}
	}
	res.X = x
	return res, nil
}

func finite(x *mat.Dense) error {
	for _, v := range x.RawMatrix().Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w (%v)", ErrNaN, v)
		}
	}
	return nil
}
