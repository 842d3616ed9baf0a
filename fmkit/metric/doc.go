// Package metric measures the quality of samples and of flows: distances
// between point clouds and geometric properties of trajectories. Point sets
// are *mat.Dense, one row per point, one column per dimension (n x d).
//
// # Wasserstein distances
//
// For two samples a_1..a_n and b_1..b_n of the same size, with uniform
// weights 1/n, the 2-Wasserstein distance is
//
//	W2(a, b) = sqrt( min over permutations sigma of (1/n) sum_i ||a_i - b_sigma(i)||^2 ).
//
// Restricting to permutations loses nothing: with equal sizes and uniform
// weights the Kantorovich optimum is attained at a permutation (Birkhoff;
// see package fmkit/ot). W2 solves the assignment problem exactly with
// ot.Assign on the squared Euclidean cost, O(n^3) in the worst case (about
// 0.1-0.2 s for n = 1000 in 2D). It is the W2 distance between the two
// empirical measures, which is itself a (biased, noisy) estimate of the W2
// distance between the distributions they were drawn from: even two
// independent samples of the same distribution have W2 > 0, shrinking like
// n^(-1/d) in dimension d >= 3 (about n^(-1/2), up to log factors, in 2D).
// Compare models at the same n, or against the W2 between two samples of
// the data.
//
// W2Sinkhorn(a, b, eps) replaces the exact problem by the entropic one
// (ot.Sinkhorn, uniform weights, sizes n and m may differ) and returns
//
//	sqrt(<P_eps, C>),   C_ij = ||a_i - b_j||^2,
//
// the square root of the transport cost of the entropic plan (without the
// entropy term). Before the square root this is an upper bound of W2^2,
// since P_eps is a transport plan and W2^2 is the minimum over plans,
// and the bias is at most eps log(min(n, m)):
//
//	W2^2 <= <P_eps, C> <= W2^2 + eps log(min(n, m)),
//
// (up to Sinkhorn's marginal tolerance). It is biased upwards, it is not 0
// for a = b, and it depends on eps (in units of squared distance): use it
// only to compare numbers computed with the same eps and sizes. Sinkhorn
// converges slowly when eps is small compared with the largest squared
// distance (see package fmkit/ot); below about 1% of it W2Sinkhorn may
// report non-convergence, and the exact W2 is then the better tool.
//
// # Every number with its noise
//
// A W2 computed on one pair of samples is one draw of a random variable: two
// independent samples of the moons at n = 1000 are 0.05 to 0.17 apart. The
// statistics of stats.go measure quality figures over several independent
// draws (seeded Samplers) and say whether a difference exceeds the noise:
//
//   - Summarize: mean ± sd (sample sd, N-1) of any measurement over draws.
//   - NoiseBand: W2 between two independent data samples of size n, the W2
//     a perfect model would show (a noise scale, not a lower bound).
//   - W2Draws: W2 of fresh model samples against fresh data samples;
//     W2Spread: a fixed sample against fresh data samples.
//   - ComparePaired: two samplers on the same draws (same seed, same
//     reference), then PairedTest, Student's paired t-test at level Alpha;
//     CompareIndependent: Welch's t-test for estimates without shared draws.
//
// A comparison's Verdict is WithinNoise unless the two-sided p-value is
// below Alpha = 0.05; Sentence writes it out for a notebook.
//
// # Kinetic energy and straightness of a flow
//
// A flow is observed as discrete trajectories: traj[k] is an n x d matrix
// with the positions x_i(t_k) of n particles at time times[k], for
// t_0 < t_1 < ... < t_K (usually t_0 = 0, t_K = 1, e.g. the states of an
// ODE solver). With increments Dx_ik = x_i(t_{k+1}) - x_i(t_k) and steps
// dt_k = t_{k+1} - t_k:
//
// KineticEnergy estimates the Benamou-Brenier action of the flow,
// int_0^1 E||v_t(x_t)||^2 dt, by approximating the velocity on each step by
// the finite difference Dx_ik/dt_k (the Riemann sum of ||v||^2 dt):
//
//	KE = (1/n) sum_i E_i,     E_i = sum_k ||Dx_ik||^2 / dt_k.
//
// By Cauchy-Schwarz, ||x_i(t_K) - x_i(t_0)||^2 = ||sum_k Dx_ik||^2
// <= (sum_k dt_k) (sum_k ||Dx_ik||^2/dt_k), so on [0, 1]
//
//	E_i >= ||x_i(1) - x_i(0)||^2,
//
// with equality exactly for a straight path run at constant speed (sampled
// anywhere along it). Averaging, KE >= E||x(1) - x(0)||^2, and since the
// flow pairs each x(0) with its x(1), E||x(1) - x(0)||^2 is the cost of a
// coupling of the two end distributions and so is >= W2^2(p_0, p_1):
//
//	KE >= E||x(1) - x(0)||^2 >= W2^2(p_0, p_1).
//
// (Benamou-Brenier: the minimum of the action over all flows between p_0
// and p_1 is W2^2, attained by the straight optimal-transport
// displacement.) The Riemann sum only sees the polygon through the sampled
// states, so it underestimates the energy of a curved path sampled
// coarsely; it converges as the steps shrink.
//
// Straightness compares, particle by particle, the squared displacement
// with the energy actually spent:
//
//	S = (1/n) sum_i S_i,   S_i = ||x_i(t_K) - x_i(t_0)||^2 / ((t_K - t_0) E_i),
//
// with S_i = 1 for a particle that does not move (E_i = 0). Each S_i lies in
// [0, 1] by the inequality above; S_i = 1 if and only if the sampled path is
// a straight segment traversed at constant speed, and S_i = 0 for a loop
// that returns to its start. The factor (t_K - t_0) makes S independent of
// the time interval. For example a semicircle of radius r run at constant
// speed in unit time has displacement 2r and energy (pi r)^2, so
// S = 4/pi^2 ~ 0.405. A straightness near 1 means an ODE solver with few
// steps (even one Euler step) will follow the flow accurately, which is
// what rectified flows and OT couplings aim for. (This is a normalised,
// scale-free variant; Liu et al.'s rectified-flow "straightness" is the
// unnormalised int E||(x_1 - x_0) - v_t||^2 dt, which equals
// KE - E||x_1 - x_0||^2 on [0, 1].)
package metric
