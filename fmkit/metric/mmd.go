package metric

import (
	"fmt"
	"math"
	"sort"

	"gonum.org/v1/gonum/mat"
)

// MMD2 returns the unbiased estimate of the squared maximum mean
// discrepancy between the distributions of the rows of x (n x d) and y
// (m x d) with the Gaussian kernel k(a, b) = exp(-||a - b||^2 / (2 h^2)):
//
//	MMD^2_u = 1/(n(n-1)) sum_{i != j} k(x_i, x_j) + 1/(m(m-1)) sum_{i != j} k(y_i, y_j)
//	          - 2/(n m) sum_{i, j} k(x_i, y_j)
//
// (Gretton et al. 2012, eq. 3). It is 0 in expectation when both samples
// come from the same distribution, so it can be slightly negative; it does
// not shrink with n the way W2 between two samples does, which makes it a
// cleaner two-sample statistic, at the price of depending on h. With
// bandwidth h <= 0 it uses MedianBandwidth(x, y). Compare numbers only at
// the same h. It fails for fewer than 2 points in a sample, different
// dimensions, or non-finite values. Cost O((n + m)^2 d).
func MMD2(x, y *mat.Dense, bandwidth float64) (float64, error) {
	const fn = "metric.MMD2"
	n, err := checkPair(fn, x, y)
	if err != nil {
		return 0, err
	}
	m, _ := y.Dims()
	if n < 2 || m < 2 {
		return 0, fmt.Errorf("%s: the unbiased estimate needs at least 2 points in each sample, got %d and %d", fn, n, m)
	}
	h := bandwidth
	if !(h > 0) {
		if h, err = MedianBandwidth(x, y); err != nil {
			return 0, fmt.Errorf("%s: %w", fn, err)
		}
	}
	if math.IsInf(h, 0) || math.IsNaN(h) {
		return 0, fmt.Errorf("%s: bandwidth %v is not finite", fn, h)
	}
	g := 1 / (2 * h * h)
	within := func(a *mat.Dense, k int) float64 {
		s := 0.0
		for i := range k {
			for j := i + 1; j < k; j++ {
				s += math.Exp(-g * sqDist(a.RawRowView(i), a.RawRowView(j)))
			}
		}
		return 2 * s / float64(k*(k-1))
	}
	cross := 0.0
	for i := range n {
		for j := range m {
			cross += math.Exp(-g * sqDist(x.RawRowView(i), y.RawRowView(j)))
		}
	}
	return within(x, n) + within(y, m) - 2*cross/float64(n*m), nil
}

// MedianBandwidth is the median heuristic for the Gaussian kernel's
// bandwidth: the median of the distances ||a - b|| between distinct points
// of the pooled sample of x and y (Gretton et al. 2012). For samples larger
// than 1000 points in total it uses the first 1000 of the pooled rows (x's
// first), which changes the median little and keeps the cost bounded. It
// fails if all those points coincide.
func MedianBandwidth(x, y *mat.Dense) (float64, error) {
	if _, err := checkPair("metric.MedianBandwidth", x, y); err != nil {
		return 0, err
	}
	var pts [][]float64
	for _, a := range []*mat.Dense{x, y} {
		r, _ := a.Dims()
		for i := 0; i < r && len(pts) < 1000; i++ {
			pts = append(pts, a.RawRowView(i))
		}
	}
	d := make([]float64, 0, len(pts)*(len(pts)-1)/2)
	for i := range pts {
		for j := i + 1; j < len(pts); j++ {
			d = append(d, math.Sqrt(sqDist(pts[i], pts[j])))
		}
	}
	sort.Float64s(d)
	med := d[len(d)/2]
	if len(d)%2 == 0 {
		med = (d[len(d)/2-1] + d[len(d)/2]) / 2
	}
	if !(med > 0) {
		return 0, fmt.Errorf("metric.MedianBandwidth: the median distance between the points is %v; the samples are (nearly) all one point, give a bandwidth explicitly", med)
	}
	return med, nil
}

func sqDist(a, b []float64) float64 {
	s := 0.0
	for k, v := range a {
		e := v - b[k]
		s += e * e
	}
	return s
}

// Distance is a two-sample statistic, such as W2 or MMD2 at a fixed
// bandwidth.
type Distance func(a, b *mat.Dense) (float64, error)

// MMD2At returns MMD2 with the fixed bandwidth h as a Distance (fix h for
// every draw of a comparison: the median heuristic would change it from
// draw to draw).
func MMD2At(h float64) Distance {
	return func(a, b *mat.Dense) (float64, error) {
		if !(h > 0) {
			return 0, fmt.Errorf("metric.MMD2At: bandwidth must be positive, got %v", h)
		}
		return MMD2(a, b, h)
	}
}

// Draws is W2Draws for any two-sample Distance: on each of draws
// independent draws, n fresh points of the model against n fresh points of
// the reference, summarised as mean ± sd.
func Draws(dist Distance, model, ref Sampler, n, draws int, seed uint64) (Estimate, error) {
	return drawsOf("metric.Draws", dist, model, ref, n, draws, seed)
}

// drawsOf is Draws with the caller's name in its errors.
func drawsOf(fn string, dist Distance, model, ref Sampler, n, draws int, seed uint64) (Estimate, error) {
	return pairedDraws(fn, dist, "model", model, 1, ref, n, draws, seed)
}

// pairedDraws measures dist between n points of sampler a (seeded from
// stream aStream) and n points of ref (stream 2) on each of draws draws,
// summarised as mean ± sd. The streams fix which draws two statistics
// share: stream 1 is a model's, stream 3 a second data sample's, stream 2
// the reference every statistic of one seed shares.
func pairedDraws(fn string, dist Distance, aWhat string, a Sampler, aStream int, ref Sampler, n, draws int, seed uint64) (Estimate, error) {
	if dist == nil {
		return Estimate{}, fmt.Errorf("%s: the distance is nil", fn)
	}
	if err := checkDraws(fn, n, draws); err != nil {
		return Estimate{}, err
	}
	vals := make([]float64, draws)
	for k := range draws {
		x, err := draw(fn, aWhat, a, n, drawSeed(seed, aStream, k))
		if err != nil {
			return Estimate{}, err
		}
		r, err := draw(fn, "reference", ref, n, drawSeed(seed, 2, k))
		if err != nil {
			return Estimate{}, err
		}
		if vals[k], err = dist(x, r); err != nil {
			return Estimate{}, fmt.Errorf("%s: draw %d: %w", fn, k, err)
		}
	}
	return Summarize(vals)
}

// DistanceNoiseBand is NoiseBand for any two-sample Distance: the
// statistic between two independent samples of the reference, mean ± sd
// over draws.
func DistanceNoiseBand(dist Distance, ref Sampler, n, draws int, seed uint64) (Estimate, error) {
	return noiseBandOf("metric.DistanceNoiseBand", dist, ref, n, draws, seed)
}

// noiseBandOf is DistanceNoiseBand with the caller's name in its errors.
func noiseBandOf(fn string, dist Distance, ref Sampler, n, draws int, seed uint64) (Estimate, error) {
	return pairedDraws(fn, dist, "reference", ref, 3, ref, n, draws, seed)
}
