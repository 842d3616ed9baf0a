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
// with log-domain Sinkhorn iterations (stable for small eps; eps is in the
// units of the costs, e.g. a few percent of their median). It stops when the
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
