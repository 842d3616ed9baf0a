package path

import "fmt"

// Curved is the bent path of exercise 6.2 (练习 6.2, question 4): the straight
// line from x0 to x1 plus a term proportional to t(1-t) perpendicular to
// x1 - x0,
//
//	x_t = (1-t) x0 + t x1 + a t(1-t) R(x1 - x0),
//
// where R is the rotation by +90 degrees, R(v_1, v_2) = (-v_2, v_1), and the
// amplitude a sets how far the path bends: at t = 1/2 it is a/4 |x1 - x0| away
// from the straight line, on the left of the direction x1 - x0 for a > 0 and
// on the right for a < 0. a = 0 is the linear path.
//
// Derivation of the conditional velocity. x0 and x1 are fixed along a
// conditional path, so only the coefficients depend on t:
//
//	d/dt (1-t) = -1,   d/dt t = 1,   d/dt t(1-t) = 1 - 2t,
//
// hence
//
//	u_t(x_t | x0, x1) = d x_t / dt = x1 - x0 + a (1 - 2t) R(x1 - x0).
//
// The endpoints are those of the straight line, since t(1-t) vanishes at 0
// and 1: x_{t=0} = x0 and x_{t=1} = x1. The bend is perpendicular to the
// chord because <v, R v> = -v_1 v_2 + v_2 v_1 = 0, and |R v| = |v|, so
// |u_t|^2 = (1 + a^2 (1-2t)^2) |x1 - x0|^2: the path is a parabola arc,
// longer than the chord, run at a speed that is highest at the ends and equal
// to |x1 - x0| at t = 1/2.
//
// In d > 2 dimensions R rotates each pair of coordinates (x_1, x_2),
// (x_3, x_4), ... by +90 degrees, which keeps R v perpendicular to v; in odd
// dimension the last coordinate gets no bend.
type Curved struct {
	A float64 // amplitude a of the t(1-t) term
}

// CurvedAmplitude is the amplitude of the registered "curved" path.
const CurvedAmplitude = 1.0

func init() {
	Register("curved", func() Path { return Curved{A: CurvedAmplitude} })
}

// Name returns "curved" for the registered amplitude, else "curved(a=A)".
func (c Curved) Name() string {
	if c.A == CurvedAmplitude {
		return "curved"
	}
	return fmt.Sprintf("curved(a=%g)", c.A)
}

// Point implements Path: x_t and u_t of the curved path (see Curved).
func (c Curved) Point(t float64, x0, x1, xt, ut []float64) {
	bend, dBend := c.A*t*(1-t), c.A*(1-2*t)
	for j := range x0 {
		d := x1[j] - x0[j]
		xt[j] = (1-t)*x0[j] + t*x1[j]
		ut[j] = d
	}
	for j := 0; j+1 < len(x0); j += 2 {
		// R(d) on the pair (j, j+1): (-d_{j+1}, d_j).
		rx, ry := -(x1[j+1] - x0[j+1]), x1[j]-x0[j]
		xt[j] += bend * rx
		xt[j+1] += bend * ry
		ut[j] += dBend * rx
		ut[j+1] += dBend * ry
	}
}
