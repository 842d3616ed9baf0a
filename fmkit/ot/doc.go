// Package ot computes optimal transport between point clouds (empirical
// measures) given as *mat.Dense matrices, one row per point and one column
// per dimension (n x d), as everywhere in fmkit.
//
// # Monge and Kantorovich on samples
//
// Let a_1..a_n and b_1..b_m be points of R^d and let
//
//	mu = (1/n) sum_i delta(a_i),    nu = (1/m) sum_j delta(b_j)
//
// be the uniform empirical measures they define, and C_ij = c(a_i, b_j) the
// cost matrix (in fmkit usually c(x, y) = ||x - y||^2, which SqEuclidean
// computes; Assign and Sinkhorn accept any finite cost matrix).
//
// The Monge problem looks for a map T that pushes mu onto nu and minimises
// the average cost (1/n) sum_i c(a_i, T(a_i)). On samples a map sends each
// a_i, with its whole mass 1/n, to a single b_j, and every b_j must receive
// mass 1/m, i.e. exactly n/m of the a_i: admissible maps exist only when m
// divides n. For n = m they are the permutations sigma of {1..n} and the
// problem reads
//
//	min over permutations sigma of (1/n) sum_i C_{i, sigma(i)}.
//
// Otherwise there is no admissible map at all (the mass of a point cannot
// be split), which is why Kantorovich relaxed the problem to couplings: a
// plan P is an n x m matrix with P_ij >= 0, rows summing to 1/n and columns
// summing to 1/m (P_ij is the mass moved from a_i to b_j), and
//
//	OT(mu, nu) = min over plans P of <P, C> = sum_ij P_ij C_ij.
//
// With the squared Euclidean cost, W2(mu, nu) = sqrt(OT(mu, nu)) is the
// 2-Wasserstein distance (package fmkit/metric).
//
// # Why a permutation is enough when n = m (Birkhoff)
//
// For n = m the feasible plans are exactly (1/n) B where B is a doubly
// stochastic matrix (non-negative, all row and column sums 1). The
// Birkhoff-von Neumann theorem says that the set of doubly stochastic
// matrices is a convex polytope whose vertices are the n! permutation
// matrices. The objective <P, C> is linear, and a linear function over a
// bounded polytope attains its minimum at a vertex. So some optimal plan is
// (1/n) times a permutation matrix: the Kantorovich optimum equals the Monge
// optimum and no mass needs to be split. Computing OT between two equal-size
// samples is therefore a linear assignment problem, which Assign solves
// exactly. (Other optimal plans that split mass may exist when there are
// ties; they have the same cost.)
//
// # Functions and the formulas they implement
//
// SqEuclidean(a, b) returns the n x m cost matrix
//
//	C_ij = ||a_i - b_j||^2 = sum_k (a_ik - b_jk)^2,
//
// computed from the differences (not as |a|^2 + |b|^2 - 2 a.b, which loses
// precision and can go negative for nearby points).
//
// Assign(C) solves the linear assignment problem for a square n x n C:
//
//	perm = argmin over permutations sigma of sum_i C_{i, sigma(i)},
//	total = sum_i C_{i, perm[i]}.
//
// It is the Jonker-Volgenant shortest augmenting path method. It keeps
// column potentials v_j (and implicit row potentials u_i) with reduced costs
// C_ij - u_i - v_j >= 0 that are 0 on the matched pairs (LP duality:
// sum_i u_i + sum_j v_j <= cost of every assignment, with equality for the
// current partial one). After a cheap initialisation (column reduction,
// reduction transfer and two rounds of augmenting row reduction, which
// usually match most rows), each remaining free row is matched by a
// Dijkstra search on reduced costs for the nearest free column, the
// potentials of the scanned columns are updated so reduced costs stay
// non-negative, and the matching is flipped along the path. Each
// augmentation is O(n^2), so the worst case is O(n^3); on random geometric
// costs it is much faster (see BenchmarkAssign1000). The result is exact up
// to floating point rounding in the potentials.
//
// Match(a, b) = Assign(SqEuclidean(a, b)): row a_i is paired with
// b_{perm[i]}, and total/n is the squared W2 distance. Reordering b by perm
// gives the minibatch OT coupling used by OT conditional flow matching.
//
// Sinkhorn(C, eps, maxIter, tol) solves the entropic problem with uniform
// marginals a_i = 1/n, b_j = 1/m:
//
//	P_eps = argmin over plans P of <P, C> - eps H(P),   H(P) = -sum_ij P_ij log P_ij.
//
// The solution has the form P_ij = exp((f_i + g_j - C_ij)/eps) with dual
// potentials f, g found by alternating the updates
//
//	f_i = eps log(1/n) - eps LSE_j((g_j - C_ij)/eps),
//	g_j = eps log(1/m) - eps LSE_i((f_i - C_ij)/eps),
//
// where LSE_k(z_k) = log sum_k exp(z_k) is evaluated with the max-shift
// trick. Working with the logs of the potentials (instead of the scalings
// exp(f/eps), as in the textbook Sinkhorn) avoids underflow of
// exp(-C_ij/eps) when eps is small compared with the costs. After each g
// update the column sums of P are exactly 1/m; the iteration stops when the
// row marginal error sum_i |sum_j P_ij - 1/n| (an L1 distance between
// probability vectors) is at most tol, or after maxIter updates. The
// returned Cost is <P_eps, C>. Since P_eps is a plan (up to the marginal
// error), OT <= <P_eps, C>. Comparing the entropic objective at P_eps and at
// an optimal plan P*, and using that every plan has entropy between
// max(log n, log m) (the entropy of a marginal) and log(nm), gives
//
//	OT <= <P_eps, C> <= OT + eps (H(P_eps) - H(P*)) <= OT + eps log(min(n, m)),
//
// so the entropic cost is a biased upper bound that converges to OT as
// eps -> 0, at the price of slower convergence: the iteration is a
// contraction whose rate degrades quickly as eps/max(C) shrinks. For
// example 50 uniform points in the unit square (max C ~ 2) need a few
// hundred iterations at eps = 1e-2 and a few thousand at eps = 3e-3 for an
// L1 marginal error of 1e-7, and point sets with outliers are much slower.
// (Warm-started eps-scaling and over-relaxation were tried and gave at
// most a 2-3x saving on such problems, so the plain iteration is kept.)
// For exact values on equal-size samples, use Assign.
package ot
