package metric

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// TotalVariance is the spread of a sample x (n x d) about its mean, the
// trace of its covariance matrix (with 1/n):
//
//	TV(x) = (1/n) sum_i ||x_i - xbar||^2,   xbar = (1/n) sum_i x_i.
//
// sqrt(TV) is the RMS distance of the points to their centre. Comparing the
// TV of generated samples with the data's shows whether a sampler shrinks
// the distribution (TV too small) or blurs it (TV too large), which W2
// alone does not say. It fails for a nil or empty sample and for NaN or
// infinite values.
func TotalVariance(x *mat.Dense) (float64, error) {
	n, d, err := checkSample("metric.TotalVariance", "sample", x)
	if err != nil {
		return 0, err
	}
	tv := 0.0
	for j := range d {
		m := 0.0
		for i := range n {
			m += x.At(i, j)
		}
		m /= float64(n)
		for i := range n {
			v := x.At(i, j) - m
			tv += v * v
		}
	}
	return tv / float64(n), nil
}

// MeanNearestDistance measures how far the points of x lie from a reference
// sample ref (m x d, same d), such as a large sample of data on a thin
// support (the noise-free moons): the mean over the points of x of the
// Euclidean distance to the nearest point of ref,
//
//	D(x, ref) = (1/n) sum_i min_j ||x_i - ref_j||.
//
// With a dense ref it estimates the mean distance of the samples to the
// data's support (for the moons of arc length 2 pi, m = 5000 points are
// about 0.0013 apart along the curves, which bounds the bias). Unlike W2 it
// ignores how the samples spread along the support: a sample squeezed onto
// one point of the support has D = 0. Cost O(n m d). It fails for nil or
// empty samples, mismatched dimensions and non-finite values.
func MeanNearestDistance(x, ref *mat.Dense) (float64, error) {
	const fn = "metric.MeanNearestDistance"
	n, d, err := checkSample(fn, "sample", x)
	if err != nil {
		return 0, err
	}
	m, dr, err := checkSample(fn, "reference", ref)
	if err != nil {
		return 0, err
	}
	if d != dr {
		return 0, fmt.Errorf("%s: the sample has %d columns but the reference %d", fn, d, dr)
	}
	sum := 0.0
	for i := range n {
		xi := x.RawRowView(i)
		best := math.Inf(1)
		for j := range m {
			rj := ref.RawRowView(j)
			s := 0.0
			for k, v := range xi {
				u := v - rj[k]
				s += u * u
			}
			best = math.Min(best, s)
		}
		sum += math.Sqrt(best)
	}
	return sum / float64(n), nil
}

// RMSBlocks measures the distance between two samples whose rows are
// paired, x_i and y_i (the same starting point x0_i integrated by two
// solvers, say), as the root-mean-square distance
//
//	RMS = sqrt( (1/b) sum_{i in block} ||x_i - y_i||^2 )
//
// on each of blocks consecutive blocks of b = n / blocks rows, summarised
// as mean ± sd over the blocks. When the rows are independent draws (rows
// of x0 drawn independently), the blocks are independent draws of a
// b-point RMS error, so the sd is its spread from draw to draw at no extra
// cost. Rows beyond blocks*b are left out. It fails for mismatched shapes,
// fewer than MinDraws blocks, fewer than 2 rows per block, or non-finite
// values.
func RMSBlocks(x, y *mat.Dense, blocks int) (Estimate, error) {
	const fn = "metric.RMSBlocks"
	n, d, err := checkSample(fn, "first sample", x)
	if err != nil {
		return Estimate{}, err
	}
	ny, dy, err := checkSample(fn, "second sample", y)
	if err != nil {
		return Estimate{}, err
	}
	if n != ny || d != dy {
		return Estimate{}, fmt.Errorf("%s: the samples are %d x %d and %d x %d; the rows must be paired", fn, n, d, ny, dy)
	}
	if blocks < MinDraws {
		return Estimate{}, fmt.Errorf("%s: needs at least %d blocks to measure a spread, got %d", fn, MinDraws, blocks)
	}
	b := n / blocks
	if b < 2 {
		return Estimate{}, fmt.Errorf("%s: %d rows make %d blocks of %d; want at least 2 rows per block", fn, n, blocks, b)
	}
	vals := make([]float64, blocks)
	for k := range blocks {
		s := 0.0
		for i := k * b; i < (k+1)*b; i++ {
			xi, yi := x.RawRowView(i), y.RawRowView(i)
			for j := range xi {
				u := xi[j] - yi[j]
				s += u * u
			}
		}
		vals[k] = math.Sqrt(s / float64(b))
	}
	return Summarize(vals)
}

// checkSample checks that x is a non-empty sample of finite values and
// returns its shape.
func checkSample(fn, what string, x *mat.Dense) (n, d int, err error) {
	if x == nil {
		return 0, 0, fmt.Errorf("%s: the %s is nil", fn, what)
	}
	n, d = x.Dims()
	if n == 0 || d == 0 {
		return 0, 0, fmt.Errorf("%s: the %s is empty (%d x %d)", fn, what, n, d)
	}
	for i := range n {
		for j, v := range x.RawRowView(i) {
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return 0, 0, fmt.Errorf("%s: the %s has %v at row %d, column %d", fn, what, v, i, j)
			}
		}
	}
	return n, d, nil
}
