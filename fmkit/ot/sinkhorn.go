package ot

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Plan is the result of Sinkhorn.
type Plan struct {
	// P is the n x m entropic transport plan; its entries sum to 1, its
	// column sums are 1/m and its row sums are 1/n up to MarginalErr.
	P *mat.Dense
	// Cost is the transport cost <P, C> = sum_ij P_ij C_ij (not including
	// the entropy term).
	Cost float64
	// Iter is the number of Sinkhorn iterations done (one iteration
	// updates both potentials).
	Iter int
	// MarginalErr is sum_i |sum_j P_ij - 1/n|, the L1 error of the row
	// marginal (the column marginal is exact).
	MarginalErr float64
	// Converged reports whether MarginalErr <= tol was reached within
	// maxIter iterations. If false, P is the last iterate.
	Converged bool
}

// Sinkhorn solves the entropy-regularised transport problem between the
// uniform measures on the n rows and the m columns of cost:
//
//	P = argmin over plans of <P, C> - eps H(P),
//
// with Sinkhorn iterations (eps is in the units of the costs, e.g. a few
// percent of their median). When max C / eps <= scalingLimit the iterations
// run on the scalings u = e^f, v = e^g with K = e^(-C/eps) precomputed
// (mat-vec products, no exponentials per iteration); otherwise, or if a
// scaling over- or underflows, in the log domain (log-sum-exp, stable for
// small eps). Both compute the same iterates up to rounding. It stops when the
// L1 row-marginal error is at most tol, or after maxIter iterations, and
// reports which in Plan.Converged (not reaching tol is not an error).
//
// It fails for a nil or empty cost, NaN or infinite costs, eps <= 0 (or not
// finite), maxIter <= 0, and tol < 0 or NaN.
func Sinkhorn(cost *mat.Dense, eps float64, maxIter int, tol float64) (*Plan, error) {
	if cost == nil || cost.IsEmpty() {
		return nil, fmt.Errorf("ot.Sinkhorn: cost matrix is nil or empty; pass an n x m matrix with n, m >= 1")
	}
	if !(eps > 0) || math.IsInf(eps, 1) {
		return nil, fmt.Errorf("ot.Sinkhorn: eps = %v, the entropic regularisation must be a finite number > 0 (in cost units, e.g. 0.01 to 0.05 times the median cost)", eps)
	}
	if maxIter <= 0 {
		return nil, fmt.Errorf("ot.Sinkhorn: maxIter = %d, needs at least 1 iteration (typical: 1000 or more for small eps)", maxIter)
	}
	if !(tol >= 0) {
		return nil, fmt.Errorf("ot.Sinkhorn: tol = %v, the marginal tolerance must be >= 0 (e.g. 1e-6)", tol)
	}
	n, m := cost.Dims()
	// k = -C/eps, row-major.
	k := make([]float64, n*m)
	for i := range n {
		for j, x := range cost.RawRowView(i) {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, fmt.Errorf("ot.Sinkhorn: cost[%d, %d] = %v is not finite; all costs must be finite numbers", i, j, x)
			}
			k[i*m+j] = -x / eps
		}
	}
	if useScaling {
		if plan, ok := sinkhornScaling(cost, k, n, m, maxIter, tol); ok {
			return plan, nil
		}
	}
	logA, logB := -math.Log(float64(n)), -math.Log(float64(m))
	a := 1 / float64(n)
	// f and g are the potentials divided by eps: P_ij = exp(f_i + g_j + k_ij).
	f := make([]float64, n)
	g := make([]float64, m)
	lse := make([]float64, n) // LSE_j(k_ij + g_j) for the current g
	colMax := make([]float64, m)
	colSum := make([]float64, m)

	iter := 0
	var errL1 float64
	converged := false
	for {
		// Row pass: log row sums of P are f_i + lse_i; this gives the
		// marginal error of the current (f, g) and the next f.
		errL1 = 0
		for i := range n {
			row := k[i*m : (i+1)*m]
			mx := math.Inf(-1)
			for j, x := range row {
				mx = max(mx, x+g[j])
			}
			s := 0.0
			for j, x := range row {
				s += math.Exp(x + g[j] - mx)
			}
			lse[i] = mx + math.Log(s)
			errL1 += math.Abs(math.Exp(f[i]+lse[i]) - a)
		}
		if iter > 0 && errL1 <= tol {
			converged = true
			break
		}
		if iter == maxIter {
			break
		}
		for i := range n {
			f[i] = logA - lse[i]
		}
		// Column pass, row-major for cache: g_j = log(1/m) - LSE_i(k_ij + f_i).
		for j := range m {
			colMax[j] = math.Inf(-1)
			colSum[j] = 0
		}
		for i := range n {
			fi := f[i]
			for j, x := range k[i*m : (i+1)*m] {
				colMax[j] = max(colMax[j], x+fi)
			}
		}
		for i := range n {
			fi := f[i]
			for j, x := range k[i*m : (i+1)*m] {
				colSum[j] += math.Exp(x + fi - colMax[j])
			}
		}
		for j := range m {
			g[j] = logB - colMax[j] - math.Log(colSum[j])
		}
		iter++
	}

	p := make([]float64, n*m)
	total := 0.0
	for i := range n {
		crow := cost.RawRowView(i)
		for j := range m {
			pij := math.Exp(f[i] + g[j] + k[i*m+j])
			p[i*m+j] = pij
			total += pij * crow[j]
		}
	}
	return &Plan{
		P:           mat.NewDense(n, m, p),
		Cost:        total,
		Iter:        iter,
		MarginalErr: errL1,
		Converged:   converged,
	}, nil
}

// scalingLimit bounds max C / eps for the scaling form of Sinkhorn:
// K >= e^-600 (about 1e-261) stays above float64's smallest normal number;
// a scaling that still over- or underflows sends the caller to the log
// domain.
const scalingLimit = 600

// useScaling lets tests compare the scaling form with the log domain.
var useScaling = true

// sinkhornScaling runs the Sinkhorn iterations in the scaling form
//
//	u_i = (1/n) / (K v)_i,    v_j = (1/m) / (K^T u)_j,    P_ij = u_i K_ij v_j,
//
// with K = exp(k), k = -C/eps. It reports false (and the caller uses the
// log domain) when max C / eps exceeds scalingLimit or a scaling stops
// being a positive finite number.
func sinkhornScaling(cost *mat.Dense, k []float64, n, m, maxIter int, tol float64) (*Plan, bool) {
	kmat := make([]float64, len(k))
	for i, x := range k {
		if -x > scalingLimit {
			return nil, false
		}
		kmat[i] = math.Exp(x)
	}
	a, b := 1/float64(n), 1/float64(m)
	u, v := make([]float64, n), make([]float64, m)
	for i := range u {
		u[i] = 1
	}
	for j := range v {
		v[j] = 1
	}
	kv, ktu := make([]float64, n), make([]float64, m)
	ok := func(x float64) bool { return x > 0 && !math.IsInf(x, 0) && !math.IsNaN(x) }
	iter := 0
	var errL1 float64
	converged := false
	for {
		errL1 = 0
		for i := range n {
			s := 0.0
			for j, x := range kmat[i*m : (i+1)*m] {
				s += x * v[j]
			}
			if !ok(s) {
				return nil, false
			}
			kv[i] = s
			errL1 += math.Abs(u[i]*s - a)
		}
		if iter > 0 && errL1 <= tol {
			converged = true
			break
		}
		if iter == maxIter {
			break
		}
		for i := range n {
			u[i] = a / kv[i]
		}
		for j := range ktu {
			ktu[j] = 0
		}
		for i := range n {
			ui := u[i]
			for j, x := range kmat[i*m : (i+1)*m] {
				ktu[j] += x * ui
			}
		}
		for j := range m {
			if !ok(ktu[j]) {
				return nil, false
			}
			v[j] = b / ktu[j]
		}
		iter++
	}
	p := make([]float64, n*m)
	total := 0.0
	for i := range n {
		crow := cost.RawRowView(i)
		for j := range m {
			pij := u[i] * kmat[i*m+j] * v[j]
			p[i*m+j] = pij
			total += pij * crow[j]
		}
	}
	return &Plan{P: mat.NewDense(n, m, p), Cost: total, Iter: iter, MarginalErr: errL1, Converged: converged}, true
}
