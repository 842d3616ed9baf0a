package metric

import "gonum.org/v1/gonum/mat"

// ParticleEnergies returns, particle by particle, the two sides of the
// Cauchy–Schwarz inequality behind KineticEnergy and Straightness. For a
// discrete trajectory (traj[k] holds the positions x_i(t_k) at times[k], as
// for KineticEnergy), with Dx_ik = x_i(t_{k+1}) - x_i(t_k) and dt_k =
// t_{k+1} - t_k, it returns
//
//	energy[i] = E_i = sum_k ||Dx_ik||^2 / dt_k,
//	sqDisp[i] = D_i = ||x_i(t_K) - x_i(t_0)||^2,
//
// and for every particle, whatever the flow,
//
//	D_i = ||sum_k Dx_ik||^2 <= (sum_k dt_k)(sum_k ||Dx_ik||^2/dt_k) = (t_K - t_0) E_i,
//
// with equality exactly for a straight segment run at constant speed. On
// [0, 1] this is E_i >= D_i: the energy a particle spends is at least its
// squared displacement. It is an identity of the sampled path, not a
// statistical statement, so it holds on every draw; averaged over particles
// it gives KE >= E||x(1) - x(0)||^2. It fails on the inputs KineticEnergy
// rejects.
func ParticleEnergies(traj []*mat.Dense, times []float64) (energy, sqDisp []float64, err error) {
	return pathEnergies("metric.ParticleEnergies", traj, times)
}
