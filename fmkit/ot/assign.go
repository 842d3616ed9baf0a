package ot

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Assign solves the linear assignment problem for the square n x n cost
// matrix: it returns the permutation perm minimising
// total = sum_i cost[i, perm[i]] (row i is matched with column perm[i]).
// Costs may be negative and may tie; among equal-cost optima one is
// returned. The cost matrix is not modified.
//
// The algorithm is Jonker-Volgenant (shortest augmenting paths with dual
// potentials), O(n^3) in the worst case; see the package documentation.
//
// It fails for a nil, empty or non-square matrix and for NaN or infinite
// entries.
func Assign(cost *mat.Dense) (perm []int, total float64, err error) {
	if cost == nil || cost.IsEmpty() {
		return nil, 0, fmt.Errorf("ot.Assign: cost matrix is nil or empty; pass an n x n matrix with n >= 1")
	}
	n, m := cost.Dims()
	if n != m {
		return nil, 0, fmt.Errorf("ot.Assign: cost matrix must be square (as many rows as columns), got %dx%d; subsample the larger point set so both have the same size", n, m)
	}
	c := make([]float64, n*n)
	for i := range n {
		row := cost.RawRowView(i)
		for j, x := range row {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return nil, 0, fmt.Errorf("ot.Assign: cost[%d, %d] = %v is not finite; all costs must be finite numbers", i, j, x)
			}
		}
		copy(c[i*n:(i+1)*n], row)
	}
	perm = lapjv(n, c)
	for i, j := range perm {
		total += c[i*n+j]
	}
	return perm, total, nil
}

// lapjv returns the optimal row-to-column assignment for the dense n x n
// row-major cost matrix c.
//
// Invariant after initialisation: with column potentials v and, for a
// matched row i, u_i = c[i, x_i] - v[x_i], all reduced costs
// c[i, j] - u_i - v[j] are >= 0 (up to rounding) and 0 on matched pairs.
func lapjv(n int, c []float64) []int {
	x := make([]int, n) // x[i]: column matched to row i, or -1
	y := make([]int, n) // y[j]: row matched to column j, or -1
	for i := range x {
		x[i], y[i] = -1, -1
	}
	if n == 1 {
		x[0] = 0
		return x
	}
	v := make([]float64, n)

	// Column reduction: v_j = min_i c_ij; the column goes to its argmin
	// row unless that row already has a column (columns in reverse order,
	// as in JV, so ties favour low column indices). Row-major sweep for
	// the minima.
	argmin := make([]int, n)
	copy(v, c[:n])
	for i := 1; i < n; i++ {
		row := c[i*n : (i+1)*n]
		for j, h := range row {
			if h < v[j] {
				v[j] = h
				argmin[j] = i
			}
		}
	}
	matches := make([]int, n) // number of columns whose minimum is in row i
	for j := n - 1; j >= 0; j-- {
		i := argmin[j]
		matches[i]++
		if x[i] < 0 {
			x[i], y[j] = j, i
		}
	}

	// Reduction transfer: a row that is the minimum of exactly one column
	// j1 lowers v[j1] by its second-best reduced cost, so that u_i becomes
	// positive, leaving more slack for the other rows. Rows that got no
	// column are free.
	free := make([]int, 0, n)
	for i := range n {
		switch matches[i] {
		case 0:
			free = append(free, i)
		case 1:
			j1 := x[i]
			row := c[i*n : (i+1)*n]
			mu := math.Inf(1)
			for j, h := range row {
				if j != j1 && h-v[j] < mu {
					mu = h - v[j]
				}
			}
			v[j1] -= mu
		}
	}

	// Augmenting row reduction, two rounds: a free row takes its best
	// column j1 (lowering v[j1] to its second-best reduced cost) and the
	// row it displaces is processed next. With floats a decrease can round
	// to nothing and two rows could swap a column forever; and on
	// geometric costs the chains get long while the decreases get tiny. So
	// each round is capped at 2n steps (measured on n = 256 and 1000
	// squared-Euclidean instances: larger caps cost more than they save in
	// the augmentation); rows left over are handled exactly below.
	numFree := len(free)
	free = free[:n]
	for range 2 {
		if numFree == 0 {
			break
		}
		prev := numFree
		numFree = 0
		k := 0
		steps := 0
		for k < prev {
			i := free[k]
			k++
			steps++
			if steps > 2*n {
				free[numFree] = i
				numFree++
				for ; k < prev; k++ {
					free[numFree] = free[k]
					numFree++
				}
				break
			}
			row := c[i*n : (i+1)*n]
			u1, j1 := row[0]-v[0], 0
			u2, j2 := math.Inf(1), -1
			for j := 1; j < n; j++ {
				h := row[j] - v[j]
				if h < u2 {
					if h >= u1 {
						u2, j2 = h, j
					} else {
						u2, j2 = u1, j1
						u1, j1 = h, j
					}
				}
			}
			i0 := y[j1]
			if u1 < u2 {
				v[j1] -= u2 - u1
			} else if i0 >= 0 {
				// Tie: take the second-best column instead, which may be free.
				j1 = j2
				i0 = y[j1]
			}
			x[i], y[j1] = j1, i
			if i0 >= 0 {
				x[i0] = -1
				if u1 < u2 {
					k--
					free[k] = i0 // continue the chain with the displaced row
				} else {
					free[numFree] = i0
					numFree++
				}
			}
		}
	}

	// Augmentation: for each free row, Dijkstra on reduced costs until a
	// free column is reached, then update potentials and flip the path.
	d := make([]float64, n) // shortest path distances to the columns
	pred := make([]int, n)  // predecessor row on the shortest path
	cols := make([]int, n)  // columns: [0,low) scanned, [low,up) at distance dmin, [up,n) rest
	for _, f := range free[:numFree] {
		rowf := c[f*n : (f+1)*n]
		for j := range n {
			d[j] = rowf[j] - v[j]
			pred[j] = f
			cols[j] = j
		}
		low, up := 0, 0
		dmin := 0.0
		end := -1
		for end < 0 {
			if up == low {
				// Collect the unscanned columns at minimal distance.
				dmin = d[cols[up]]
				up++
				for k := up; k < n; k++ {
					j := cols[k]
					h := d[j]
					if h <= dmin {
						if h < dmin {
							up = low
							dmin = h
						}
						cols[k], cols[up] = cols[up], j
						up++
					}
				}
				for k := low; k < up; k++ {
					if y[cols[k]] < 0 {
						end = cols[k]
						break
					}
				}
				if end >= 0 {
					break
				}
			}
			// Scan one column at distance dmin: relax through its row.
			j1 := cols[low]
			low++
			i := y[j1]
			row := c[i*n : (i+1)*n]
			u1 := row[j1] - v[j1] - dmin
			for k := up; k < n; k++ {
				j := cols[k]
				h := row[j] - v[j] - u1
				if h < d[j] {
					pred[j] = i
					if h <= dmin { // == dmin in exact arithmetic
						d[j] = dmin
						if y[j] < 0 {
							end = j
							break
						}
						cols[k], cols[up] = cols[up], j
						up++
					} else {
						d[j] = h
					}
				}
			}
		}
		// Potentials of the scanned columns: keeps reduced costs >= 0.
		for _, j := range cols[:low] {
			v[j] += d[j] - dmin
		}
		// Flip the alternating path from end back to f.
		for {
			i := pred[end]
			y[end] = i
			end, x[i] = x[i], end
			if i == f {
				break
			}
		}
	}
	return x
}
