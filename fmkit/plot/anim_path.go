package plot

import (
	"fmt"

	"gonum.org/v1/gonum/mat"
)

// MaxPathSteps bounds the number of time steps of PathFlow.
const MaxPathSteps = 1000

// PathFlow returns the Flow of a conditional probability path: each pair
// (x0_i, x1_i), rows of x0 and x1, moves along its own conditional path
// x_t = ψ_t(x0_i, x1_i), computed by p at the times t_k = k/steps, k = 0 ..
// steps. p writes x_t (and u_t, unused here) of one pair at time t into
// xt, as fmkit/path's Path.Point does (for instance the linear path
// x_t = (1-t) x0 + t x1, or the curved path of exercise 6.2 through
// exercise.WithAmplitude).
//
// When the pairs are drawn from the coupling q(x0, x1), the particles at t
// are samples of the marginal path p_t = ∫ p_t(x | x0, x1) q(x0, x1):
// the Flow's frames (its Density is nil) show their histogram, the
// particles' own marginal density, behind the first Dots of them. Change
// the returned Flow's fields (Dots, Bounds, Frames, Density) before
// calling Animate.
//
// It returns an error if p is nil, x0 and x1 are not n x 2 with the same
// n, steps is not in 1..MaxPathSteps, or p panics or writes a non-finite
// x_t (saying at which t and for which pair; a panic with an error value
// wraps that error).
func PathFlow(title string, p func(t float64, x0, x1, xt, ut []float64), x0, x1 *mat.Dense, steps int) (f Flow, err error) {
	fail := func(format string, args ...any) (Flow, error) {
		return Flow{}, fmt.Errorf("plot.PathFlow %q: %s", title, fmt.Sprintf(format, args...))
	}
	if p == nil {
		return fail("the path function is nil; give the function that writes x_t of a pair (x0, x1) at time t")
	}
	n, err := checkPoints("x0", x0)
	if err != nil {
		return fail("%v", err)
	}
	m, err := checkPoints("x1", x1)
	if err != nil {
		return fail("%v", err)
	}
	if n != m {
		return fail("%d points x0 and %d points x1; give one x1 per x0 (the pairs of the coupling)", n, m)
	}
	if steps < 1 || steps > MaxPathSteps {
		return fail("steps = %d, want 1 to %d", steps, MaxPathSteps)
	}
	f = Flow{Title: title}
	xt, ut := make([]float64, 2), make([]float64, 2)
	var t float64
	var pair int
	defer func() {
		if r := recover(); r != nil {
			if e, ok := r.(error); ok { // kept in the chain, for errors.Is and errors.As
				f, err = Flow{}, fmt.Errorf("plot.PathFlow %q: the path function panicked at t = %v for pair %d: %w", title, t, pair, e)
				return
			}
			f, err = fail("the path function panicked at t = %v for pair %d: %v", t, pair, r)
		}
	}()
	for k := range steps + 1 {
		t = float64(k) / float64(steps)
		snap := mat.NewDense(n, 2, nil)
		for pair = range n {
			xt[0], xt[1] = 0, 0
			p(t, x0.RawRowView(pair), x1.RawRowView(pair), xt, ut)
			if !finite(xt[0]) || !finite(xt[1]) {
				return fail("the path function wrote x_t = (%v, %v) at t = %v for pair %d; want finite values", xt[0], xt[1], t, pair)
			}
			snap.Set(pair, 0, xt[0])
			snap.Set(pair, 1, xt[1])
		}
		f.Times = append(f.Times, t)
		f.Particles = append(f.Particles, snap)
	}
	return f, nil
}
