// Package likelihood computes log-likelihoods of continuous normalizing
// flows (CNFs, section 6.1.1) and measures what they cost (section 6.1.2).
//
// # The instantaneous change of variables
//
// A CNF moves points by dx_t/dt = v_t(x_t) from t = 0 to t = 1, carrying
// p0 to p_t. Along one path the log-density changes by minus the
// divergence of the field,
//
//	d/dt log p_t(x_t) = -div v_t(x_t),   div v = sum_j dv_j/dx_j = tr(dv/dx),
//
// so that
//
//	log p1(x1) = log p0(x0) - int_0^1 div v_t(x_t) dt.
//
// Flow.LogProb evaluates it at given points x1: it integrates the
// augmented state z = [x, l] with dx/dt = v and dl/dt = -div v backwards
// from [x1, 0] at t = 1 to [x0, int_0^1 div v dt] at t = 0 with any fmkit
// solver (ode.Solve's fixed-step methods or ode.SolveAdaptive's dopri5),
// then adds log p0(x0). Flow.Push runs the same ODE forwards from samples
// of p0 and returns each sample with its log-density.
//
// # Divergence: exact or Hutchinson
//
// The exact divergence (Divergence, in a GoMLX graph) takes one reverse
// pass per dimension: the j-th pass gives row j of the Jacobian J = dv/dx
// and contributes its diagonal entry J_jj. Its cost grows like d passes,
// which is what rules it out for images.
//
// Hutchinson's estimator replaces the trace by a random quadratic form,
//
//	tr(J) = E[eps^T J eps]   for any probe with E[eps eps^T] = I,
//
// estimated with K probes by (1/K) sum_k eps_k^T J eps_k, which costs one
// vector-Jacobian product per probe whatever d is. Rademacher probes
// (entries +-1) and Gaussian probes are both unbiased; their single-probe
// variances are 2 sum_{i != j} S_ij^2 and 2 sum_{i,j} S_ij^2 with
// S = (J + J^T)/2 (HutchinsonVariance), and the K-probe mean has 1/K of it.
// In the augmented ODE the probes are drawn once per integration and kept
// for every t, so the integral of the estimate is itself unbiased.
//
// # Maximum-likelihood training and its cost
//
// A CNF trained by maximum likelihood minimises NLL = -(1/B) sum_i
// log p1(x1_i), and every step must solve the ODE with the divergence
// inside. MLTrainer does it "discretize-then-optimize": LogProbGraph
// unrolls a fixed-step Runge-Kutta solver in one GoMLX graph, with exact
// divergences, and Adam differentiates through all of it (a second-order
// derivative, since each divergence is made of gradients). SplitMLP is the
// network it trains: fmkit's MLP with its first layer written so that the
// pure-Go backend can differentiate it twice (see SplitMLP).
// CompareStepCost times one such step against one CFM step of the same
// network on the same batch size, in the same process.
package likelihood
