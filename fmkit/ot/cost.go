package ot

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// SqEuclidean returns the n x m matrix of squared Euclidean distances
// C_ij = ||a_i - b_j||^2 between the rows of a (n x d) and of b (m x d).
//
// It fails if a or b is nil or empty, if their numbers of columns differ, or
// if an entry is NaN or infinite.
func SqEuclidean(a, b *mat.Dense) (*mat.Dense, error) {
	if err := CheckPoints("a", a); err != nil {
		return nil, fmt.Errorf("ot.SqEuclidean: %w", err)
	}
	if err := CheckPoints("b", b); err != nil {
		return nil, fmt.Errorf("ot.SqEuclidean: %w", err)
	}
	n, d := a.Dims()
	m, db := b.Dims()
	if d != db {
		return nil, fmt.Errorf("ot.SqEuclidean: dimension mismatch, a is %dx%d and b is %dx%d; both need one column per coordinate (the same d)", n, d, m, db)
	}
	out := make([]float64, n*m)
	for i := range n {
		ai := a.RawRowView(i)
		oi := out[i*m : (i+1)*m]
		for j := range m {
			bj := b.RawRowView(j)
			s := 0.0
			for k, x := range ai {
				t := x - bj[k]
				s += t * t
			}
			oi[j] = s
		}
	}
	return mat.NewDense(n, m, out), nil
}

// Match pairs the rows of a and b (both n x d) so that the total squared
// distance is minimal: a_i is paired with b_{perm[i]} and
// total = sum_i ||a_i - b_{perm[i]}||^2, so total/n is the squared
// 2-Wasserstein distance between the two samples. It is
// Assign(SqEuclidean(a, b)). For minibatch OT coupling, reorder b as
// b'_i = b_{perm[i]}.
func Match(a, b *mat.Dense) (perm []int, total float64, err error) {
	if a != nil && b != nil {
		n, _ := a.Dims()
		m, _ := b.Dims()
		if n != m && n > 0 && m > 0 {
			return nil, 0, fmt.Errorf("ot.Match: needs the same number of points, a has %d rows and b has %d; subsample the larger set (or use Sinkhorn, which allows different sizes)", n, m)
		}
	}
	c, err := SqEuclidean(a, b)
	if err != nil {
		return nil, 0, fmt.Errorf("ot.Match: %w", err)
	}
	return Assign(c)
}

// CheckPoints returns an error unless p is a non-empty matrix of finite
// numbers. name is used in the message ("a", "b", "traj[3]", ...).
func CheckPoints(name string, p *mat.Dense) error {
	if p == nil {
		return fmt.Errorf("%s is nil; pass an n x d *mat.Dense with one row per point", name)
	}
	if p.IsEmpty() {
		return fmt.Errorf("%s is empty (0 points); pass at least one row", name)
	}
	r, c := p.Dims()
	for i := range r {
		for j, x := range p.RawRowView(i)[:c] {
			if math.IsNaN(x) || math.IsInf(x, 0) {
				return fmt.Errorf("%s has a non-finite value %v at row %d, column %d; remove or fix that point", name, x, i, j)
			}
		}
	}
	return nil
}
