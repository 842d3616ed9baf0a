// Package path defines conditional probability paths p_t(x | x0, x1) of flow
// matching and their conditional velocity fields u_t(x | x0, x1).
//
// Conventions follow the chapter: x0 ~ p0 is the source (noise), x1 ~ p1 is
// the data, t runs from 0 (noise) to 1 (data), and a conditional path is a
// curve t -> x_t between x0 and x1 with x_{t=0} = x0 and x_{t=1} = x1. Its
// conditional velocity is u_t(x_t | x0, x1) = d x_t / dt; conditional flow
// matching regresses v_theta(t, x_t) onto it:
//
//	L_CFM(theta) = E_{t ~ U[0,1], (x0, x1) ~ q} || v_theta(t, x_t) - u_t(x_t | x0, x1) ||^2.
//
// Affine paths write x_t = alpha_t x1 + sigma_t x0, so that
//
//	u_t = alpha'_t x1 + sigma'_t x0,
//
// with alpha_0 = 0, sigma_0 = 1 and alpha_1 = 1, sigma_1 = 0. The linear
// (CondOT, rectified-flow) path is alpha_t = t, sigma_t = 1 - t:
//
//	x_t = (1 - t) x0 + t x1,    u_t = x1 - x0.
//
// Paths that are not affine (for example a curved path that bends away from
// the straight line) implement Path directly with a general x_t and velocity.
// Everything is evaluated on the host in float64: a training batch of x_t is
// built here ("simulation-free": no ODE is solved) and fed to the network.
//
// Other affine paths are given by their Schedule and registered by name:
// "vp" (the variance-preserving diffusion, VP), "cosine" (Cosine), "poly2"
// and "poly3" (Polynomial); LookupSchedule returns the schedules
// themselves. On an affine Gaussian path the velocity, the noise x0, the
// data x1 and the score are interchangeable predictions (Param, Convert).
// VP.SimulateForward simulates the diffusion's forward SDE, and
// MixtureScore is the exact score of a Gaussian-mixture target.
package path

import (
	"fmt"
	"math"
	"sort"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// Path is a conditional probability path with its conditional velocity.
// Point computes, for one pair (x0, x1) and one time t, the point x_t and the
// velocity u_t(x_t | x0, x1) = d x_t / dt, writing them into xt and ut (all
// slices of the same length d).
type Path interface {
	Name() string
	Point(t float64, x0, x1, xt, ut []float64)
}

// Schedule gives the coefficients of an affine path x_t = alpha_t x1 + sigma_t x0
// and their time derivatives.
type Schedule interface {
	Coefficients(t float64) (alpha, sigma, dAlpha, dSigma float64)
}

// Affine is a path given by a Schedule: x_t = alpha_t x1 + sigma_t x0 and
// u_t = alpha'_t x1 + sigma'_t x0.
type Affine struct {
	Label string
	Schedule
}

// Name returns the path's name.
func (a Affine) Name() string { return a.Label }

// Point implements Path.
func (a Affine) Point(t float64, x0, x1, xt, ut []float64) {
	al, si, dal, dsi := a.Coefficients(t)
	for j := range x0 {
		xt[j] = al*x1[j] + si*x0[j]
		ut[j] = dal*x1[j] + dsi*x0[j]
	}
}

// LinearSchedule is alpha_t = t, sigma_t = 1 - t.
type LinearSchedule struct{}

// Coefficients implements Schedule.
func (LinearSchedule) Coefficients(t float64) (alpha, sigma, dAlpha, dSigma float64) {
	return t, 1 - t, 1, -1
}

// Linear is the CondOT path x_t = (1-t) x0 + t x1 with u_t = x1 - x0.
func Linear() Affine { return Affine{Label: "linear", Schedule: LinearSchedule{}} }

var registry = map[string]func() Path{
	"linear": func() Path { return Linear() },
}

// Register adds a named path constructor (used by packages and notebooks that
// define new paths, so that configurations can name them).
func Register(name string, mk func() Path) { registry[strings.ToLower(name)] = mk }

// Names lists the registered path names.
func Names() []string {
	names := make([]string, 0, len(registry))
	for n := range registry {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// Lookup returns the named path: a registered name (Names), or
// "bridge:SIGMA" for the Brownian-bridge path of Bridge.
func Lookup(name string) (Path, error) {
	if p, ok, err := parseBridge(name); ok {
		return p, err
	}
	mk, ok := registry[strings.ToLower(name)]
	if !ok {
		return nil, fmt.Errorf("path: unknown path %q: use one of %s, or bridge:SIGMA", name, strings.Join(Names(), ", "))
	}
	return mk(), nil
}

// Sample is a batch drawn from a conditional path: row i of XT is x_t at time
// T[i] between row i of X0 and row i of X1, and row i of UT its conditional
// velocity.
type Sample struct {
	T              []float64
	X0, X1, XT, UT *mat.Dense
}

// Interpolate evaluates p at times t for the pairs (x0[i], x1[i]). x0 and x1
// must have the same shape and len(t) rows.
func Interpolate(p Path, t []float64, x0, x1 *mat.Dense) (Sample, error) {
	n, d := x0.Dims()
	n1, d1 := x1.Dims()
	if n != n1 || d != d1 {
		return Sample{}, fmt.Errorf("path %s: x0 is %dx%d but x1 is %dx%d; pair each x0 with one x1 of the same dimension", p.Name(), n, d, n1, d1)
	}
	if len(t) != n {
		return Sample{}, fmt.Errorf("path %s: %d times for %d pairs; give one t per pair", p.Name(), len(t), n)
	}
	s := Sample{T: t, X0: x0, X1: x1, XT: mat.NewDense(n, d, nil), UT: mat.NewDense(n, d, nil)}
	for i := range n {
		if t[i] < 0 || t[i] > 1 || math.IsNaN(t[i]) {
			return Sample{}, fmt.Errorf("path %s: t[%d] = %v is outside [0, 1]", p.Name(), i, t[i])
		}
		p.Point(t[i], x0.RawRowView(i), x1.RawRowView(i), s.XT.RawRowView(i), s.UT.RawRowView(i))
	}
	return s, nil
}
