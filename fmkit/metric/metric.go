package metric

import (
	"fmt"
	"math"

	"github.com/flowmatching/gofm/fmkit/ot"
	"gonum.org/v1/gonum/mat"
)

// Sinkhorn settings used by W2Sinkhorn: the L1 marginal tolerance and the
// iteration budget.
const (
	sinkhornTol     = 1e-6
	sinkhornMaxIter = 20000
)

// W2 returns the exact 2-Wasserstein distance between the uniform empirical
// measures on the rows of a and b (both n x d):
//
//	W2 = sqrt( min over permutations sigma of (1/n) sum_i ||a_i - b_sigma(i)||^2 ).
//
// It fails if the sizes or dimensions differ, or if an input is nil, empty
// or holds NaN or infinite values.
func W2(a, b *mat.Dense) (float64, error) {
	n, err := checkPair("metric.W2", a, b)
	if err != nil {
		return 0, err
	}
	if m, _ := b.Dims(); m != n {
		return 0, fmt.Errorf("metric.W2: W2 needs equal sample sizes, got n=%d and m=%d; subsample the larger set (or use W2Sinkhorn, which allows different sizes)", n, m)
	}
	_, total, err := ot.Match(a, b)
	if err != nil {
		return 0, fmt.Errorf("metric.W2: %w", err)
	}
	return math.Sqrt(max(total/float64(n), 0)), nil
}

// W2Sinkhorn returns sqrt(<P_eps, C>), the square root of the transport
// cost of the entropic optimal plan between the uniform measures on the
// rows of a (n x d) and b (m x d, m may differ from n), with
// C_ij = ||a_i - b_j||^2 and regularisation eps > 0 in units of squared
// distance. Before the square root it is an upper bound of W2^2, biased by
// at most eps log(min(n, m)); see the package documentation.
//
// It fails on the same bad inputs as W2 (except different sizes), for
// eps <= 0, and when Sinkhorn does not reach an L1 marginal error of 1e-6
// within 20000 iterations (eps too small for the scale of the costs).
func W2Sinkhorn(a, b *mat.Dense, eps float64) (float64, error) {
	if _, err := checkPair("metric.W2Sinkhorn", a, b); err != nil {
		return 0, err
	}
	c, err := ot.SqEuclidean(a, b)
	if err != nil {
		return 0, fmt.Errorf("metric.W2Sinkhorn: %w", err)
	}
	plan, err := ot.Sinkhorn(c, eps, sinkhornMaxIter, sinkhornTol)
	if err != nil {
		return 0, fmt.Errorf("metric.W2Sinkhorn: %w", err)
	}
	if !plan.Converged {
		return 0, fmt.Errorf("metric.W2Sinkhorn: Sinkhorn did not converge in %d iterations (marginal error %.3g > %g) with eps=%g while the largest squared distance is %.3g; use a larger eps",
			plan.Iter, plan.MarginalErr, sinkhornTol, eps, mat.Max(c))
	}
	return math.Sqrt(max(plan.Cost, 0)), nil
}

// KineticEnergy estimates the kinetic energy (Benamou-Brenier action)
// int E||v_t||^2 dt of a flow observed along discrete trajectories:
// traj[k] holds the n particles (n x d) at time times[k], and
//
//	KE = (1/n) sum_i sum_k ||x_i(t_{k+1}) - x_i(t_k)||^2 / (t_{k+1} - t_k).
//
// On [0, 1] it is >= E||x(1) - x(0)||^2 >= W2^2(p_0, p_1), with equality in
// the first inequality for straight constant-speed paths.
//
// It fails if there are fewer than two time points, if len(times) differs
// from len(traj), if times are not finite and strictly increasing, or if
// the matrices are nil, empty, non-finite or of different shapes.
func KineticEnergy(traj []*mat.Dense, times []float64) (float64, error) {
	energy, _, err := pathEnergies("metric.KineticEnergy", traj, times)
	if err != nil {
		return 0, err
	}
	s := 0.0
	for _, e := range energy {
		s += e
	}
	return s / float64(len(energy)), nil
}

// Straightness returns the mean over particles of
//
//	S_i = ||x_i(t_K) - x_i(t_0)||^2 / ((t_K - t_0) E_i),   E_i = sum_k ||Dx_ik||^2 / dt_k,
//
// the squared end-to-end displacement divided by the kinetic energy of the
// sampled path (times its duration). Each S_i is in [0, 1]: 1 for a
// straight path at constant speed (and, by convention, for a particle that
// does not move), below 1 for curved or unevenly paced paths, 0 for a loop.
// Inputs are as for KineticEnergy, and it fails on the same bad inputs.
func Straightness(traj []*mat.Dense, times []float64) (float64, error) {
	energy, disp, err := pathEnergies("metric.Straightness", traj, times)
	if err != nil {
		return 0, err
	}
	span := times[len(times)-1] - times[0]
	s := 0.0
	for i, e := range energy {
		switch {
		case e > 0:
			// min guards against rounding pushing a straight path above 1.
			s += min(disp[i]/(span*e), 1)
		default: // no motion at all
			s += 1
		}
	}
	return s / float64(len(energy)), nil
}

// pathEnergies validates a trajectory and returns, per particle, the
// discrete energy E_i = sum_k ||Dx_ik||^2/dt_k and the squared displacement
// ||x_i(t_K) - x_i(t_0)||^2.
func pathEnergies(fn string, traj []*mat.Dense, times []float64) (energy, disp []float64, err error) {
	if len(traj) < 2 {
		return nil, nil, fmt.Errorf("%s: needs at least 2 time points, got %d; pass the particle positions at every solver step, including t=0 and t=1", fn, len(traj))
	}
	if len(times) != len(traj) {
		return nil, nil, fmt.Errorf("%s: got %d position matrices but %d times; times[k] must be the time of traj[k]", fn, len(traj), len(times))
	}
	for k, x := range traj {
		if err := ot.CheckPoints(fmt.Sprintf("traj[%d]", k), x); err != nil {
			return nil, nil, fmt.Errorf("%s: %w", fn, err)
		}
	}
	n, d := traj[0].Dims()
	for k, x := range traj {
		if r, c := x.Dims(); r != n || c != d {
			return nil, nil, fmt.Errorf("%s: traj[%d] is %dx%d but traj[0] is %dx%d; every time step must hold the same particles, in the same order", fn, k, r, c, n, d)
		}
	}
	for k, t := range times {
		if math.IsNaN(t) || math.IsInf(t, 0) {
			return nil, nil, fmt.Errorf("%s: times[%d] = %v is not finite", fn, k, t)
		}
		if k > 0 && !(t > times[k-1]) {
			return nil, nil, fmt.Errorf("%s: times must be strictly increasing, got times[%d] = %v after times[%d] = %v", fn, k, t, k-1, times[k-1])
		}
	}
	energy = make([]float64, n)
	disp = make([]float64, n)
	for k := 0; k+1 < len(traj); k++ {
		dt := times[k+1] - times[k]
		for i := range n {
			p, q := traj[k].RawRowView(i), traj[k+1].RawRowView(i)
			s := 0.0
			for j, x := range p {
				t := q[j] - x
				s += t * t
			}
			energy[i] += s / dt
		}
	}
	last := traj[len(traj)-1]
	for i := range n {
		p, q := traj[0].RawRowView(i), last.RawRowView(i)
		s := 0.0
		for j, x := range p {
			t := q[j] - x
			s += t * t
		}
		disp[i] = s
	}
	return energy, disp, nil
}

// checkPair validates the two point sets of a distance and returns the
// number of rows of a.
func checkPair(fn string, a, b *mat.Dense) (int, error) {
	if err := ot.CheckPoints("a", a); err != nil {
		return 0, fmt.Errorf("%s: %w", fn, err)
	}
	if err := ot.CheckPoints("b", b); err != nil {
		return 0, fmt.Errorf("%s: %w", fn, err)
	}
	n, d := a.Dims()
	m, db := b.Dims()
	if d != db {
		return 0, fmt.Errorf("%s: dimension mismatch, a is %dx%d and b is %dx%d; both need the same number of columns (one per coordinate)", fn, n, d, m, db)
	}
	return n, nil
}
