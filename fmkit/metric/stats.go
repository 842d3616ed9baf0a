package metric

import (
	"fmt"
	"math"
	"strconv"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// Sampler draws n points (an n x d matrix) with a seed: the same seed gives
// the same points. A data set is a Sampler through
//
//	func(n int, seed uint64) (*mat.Dense, error) { return data.Sample("moons", n, seed) }
//
// and a trained model through its sampling method with fixed solver options.
type Sampler func(n int, seed uint64) (*mat.Dense, error)

// MinDraws is the fewest independent draws the statistics of this file
// accept: with fewer, a standard deviation says little (its own relative
// error is about 1/sqrt(2(k-1)), 35% at k = 5).
const MinDraws = 5

// Estimate is a quantity measured on N independent draws: their mean and
// their sample standard deviation
//
//	Mean = (1/N) sum_k v_k,   SD = sqrt( sum_k (v_k - Mean)^2 / (N - 1) ).
//
// SD is the spread of one measurement (what a reader who reruns with
// another seed should expect); SE = SD/sqrt(N) is the uncertainty of the
// mean.
type Estimate struct {
	Mean, SD float64
	N        int
	Values   []float64 // the N measurements, in draw order
}

// Summarize returns the Estimate of the values. It fails for fewer than two
// values (no spread can be measured) and for NaN or infinite values.
func Summarize(values []float64) (Estimate, error) {
	if len(values) < 2 {
		return Estimate{}, fmt.Errorf("metric.Summarize: needs at least 2 values to measure a spread, got %d; measure over more seeds or draws", len(values))
	}
	s := 0.0
	for k, v := range values {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return Estimate{}, fmt.Errorf("metric.Summarize: value %d is %v; every measurement must be finite", k, v)
		}
		s += v
	}
	n := float64(len(values))
	mean := s / n
	ss := 0.0
	for _, v := range values {
		ss += (v - mean) * (v - mean)
	}
	return Estimate{Mean: mean, SD: math.Sqrt(ss / (n - 1)), N: len(values), Values: append([]float64(nil), values...)}, nil
}

// SE returns the standard error of the mean, SD/sqrt(N).
func (e Estimate) SE() float64 {
	if e.N == 0 {
		return math.NaN()
	}
	return e.SD / math.Sqrt(float64(e.N))
}

// String formats the estimate as "mean ± sd" with the number of decimals
// that shows two significant digits of the sd (at least one decimal, at
// most six), e.g. "0.152 ± 0.021" or "12.3 ± 1.4".
func (e Estimate) String() string {
	return e.Format(decimalsFor(e.SD))
}

// Format formats the estimate as "mean ± sd" with the given number of
// decimals.
func (e Estimate) Format(decimals int) string {
	return strconv.FormatFloat(e.Mean, 'f', decimals, 64) + " ± " + strconv.FormatFloat(e.SD, 'f', decimals, 64)
}

// decimalsFor returns the number of decimals that shows two significant
// digits of sd, clamped to [1, 6].
func decimalsFor(sd float64) int {
	if !(sd > 0) || math.IsInf(sd, 0) {
		return 3
	}
	d := 1 - int(math.Floor(math.Log10(sd)))
	return min(max(d, 1), 6)
}

// drawSeed derives the seed of draw k of stream s from a base seed (a
// SplitMix64 step), so that the draws of a statistic are independent of
// each other and of other streams.
func drawSeed(seed uint64, stream, k int) uint64 {
	z := seed + 0x9e3779b97f4a7c15*uint64(1+2*k+stream*1_000_003)
	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9
	z = (z ^ (z >> 27)) * 0x94d049bb133111eb
	return z ^ (z >> 31)
}

func checkDraws(fn string, n, draws int) error {
	if n <= 0 {
		return fmt.Errorf("%s: sample size must be positive, got %d (use n >= 1000 for W2 on 2D data)", fn, n)
	}
	if draws < MinDraws {
		return fmt.Errorf("%s: needs at least %d independent draws to measure a spread, got %d", fn, MinDraws, draws)
	}
	return nil
}

func draw(fn, what string, s Sampler, n int, seed uint64) (*mat.Dense, error) {
	if s == nil {
		return nil, fmt.Errorf("%s: the %s sampler is nil", fn, what)
	}
	x, err := s(n, seed)
	if err != nil {
		return nil, fmt.Errorf("%s: %s sampler: %w", fn, what, err)
	}
	if r, _ := x.Dims(); r != n {
		return nil, fmt.Errorf("%s: the %s sampler returned %d points, want %d", fn, what, r, n)
	}
	return x, nil
}

// W2Spread measures a fixed sample x (n x d) against the data: the exact W2
// between x and each of draws independent reference samples of the same
// size n, summarised as mean ± sd. The spread is the part of W2 that comes
// from the reference sample alone; to include the model's own sampling
// noise use W2Draws. It fails for draws < MinDraws and on the inputs W2
// rejects.
func W2Spread(x *mat.Dense, ref Sampler, draws int, seed uint64) (Estimate, error) {
	const fn = "metric.W2Spread"
	if x == nil {
		return Estimate{}, fmt.Errorf("%s: the sample is nil", fn)
	}
	n, _ := x.Dims()
	if err := checkDraws(fn, n, draws); err != nil {
		return Estimate{}, err
	}
	vals := make([]float64, draws)
	for k := range draws {
		r, err := draw(fn, "reference", ref, n, drawSeed(seed, 2, k))
		if err != nil {
			return Estimate{}, err
		}
		if vals[k], err = W2(x, r); err != nil {
			return Estimate{}, fmt.Errorf("%s: draw %d: %w", fn, k, err)
		}
	}
	return Summarize(vals)
}

// W2Draws measures a sampler (a model with fixed solver settings) against
// the data: on each of draws independent draws it takes n fresh points of
// the model and n fresh points of the reference and computes their exact
// W2; the result is mean ± sd over the draws. The sd is what a reader who
// reruns with other seeds should expect to see; it includes the noise of
// both samples. Draw k's seeds depend only on (seed, k): two calls with the
// same seed give two models the same model seeds (the same x0) and the same
// reference samples, draw by draw, so their Values can be compared with
// PairedTest (ComparePaired does this for two samplers). It fails for
// n <= 0, draws < MinDraws, a sampler error or a sampler that returns the
// wrong number of points.
func W2Draws(model, ref Sampler, n, draws int, seed uint64) (Estimate, error) {
	return drawsOf("metric.W2Draws", W2, model, ref, n, draws, seed)
}

// NoiseBand measures the data's own sampling noise: the exact W2 between
// two independent samples of the reference, each of size n, over draws
// pairs, as mean ± sd. It is the W2 a perfect model would show at this n:
// a noise scale, not a lower bound (a model's sample can land below it on
// a given draw, as can another data sample). Differences in W2 much smaller
// than its sd are not evidence.
func NoiseBand(ref Sampler, n, draws int, seed uint64) (Estimate, error) {
	return noiseBandOf("metric.NoiseBand", W2, ref, n, draws, seed)
}

// Verdict is the outcome of a comparison of two measured quantities.
type Verdict int

const (
	// WithinNoise: the difference is not distinguishable from zero at the
	// chosen level.
	WithinNoise Verdict = iota
	// ALower: A's value is lower than B's beyond the noise (for W2, A is
	// better).
	ALower
	// BLower: B's value is lower than A's beyond the noise.
	BLower
)

func (v Verdict) String() string {
	switch v {
	case ALower:
		return "A lower"
	case BLower:
		return "B lower"
	}
	return "within noise"
}

// Alpha is the two-sided significance level of the comparisons: a
// difference is called real when a difference at least as large would
// arise by chance with probability below 5%.
const Alpha = 0.05

// Comparison is the result of comparing quantity A with quantity B.
type Comparison struct {
	A, B Estimate
	// Diff is the estimate of A - B: for a paired comparison, the mean and
	// sd of the per-draw differences; for independent estimates, the
	// difference of the means with the Welch standard error as SD/sqrt(N)
	// (N = 1, so SE() is that standard error).
	Diff    Estimate
	T, DF   float64 // the t statistic and its degrees of freedom
	P       float64 // two-sided p-value
	Paired  bool
	Verdict Verdict
}

// Sentence describes the comparison in one line, naming A and B, for
// example "Euler − RK4 = 0.031 ± 0.009 (mean ± sd of 8 paired draws,
// p = 0.0003): RK4 lower".
func (c Comparison) Sentence(nameA, nameB string) string {
	kind := fmt.Sprintf("mean ± sd of %d paired draws", c.Diff.N)
	se := c.Diff.SD
	if !c.Paired {
		kind = fmt.Sprintf("difference ± standard error, %d and %d independent draws", c.A.N, c.B.N)
		se = c.Diff.SE()
	}
	d := decimalsFor(se)
	var verdict string
	switch c.Verdict {
	case ALower:
		verdict = nameA + " lower"
	case BLower:
		verdict = nameB + " lower"
	default:
		verdict = "within noise"
	}
	return fmt.Sprintf("%s − %s = %s ± %s (%s, p = %.2g): %s", nameA, nameB,
		strconv.FormatFloat(c.Diff.Mean, 'f', d, 64), strconv.FormatFloat(se, 'f', d, 64), kind, c.P, verdict)
}

// PairedTest compares two measurements taken on the same draws (a[k] and
// b[k] share draw k's seeds) by Student's paired t-test on d_k = a_k - b_k:
//
//	t = mean(d) / (sd(d)/sqrt(N)),   N - 1 degrees of freedom,
//
// and calls the difference real (ALower or BLower) when the two-sided
// p-value is below Alpha. Pairing removes the noise both share (the same
// reference sample, the same starting points), so it detects smaller
// differences than two independent estimates would. When every d_k is 0
// the verdict is WithinNoise with p = 1. It fails when the lengths differ
// or fewer than MinDraws pairs are given.
func PairedTest(a, b []float64) (Comparison, error) {
	const fn = "metric.PairedTest"
	if len(a) != len(b) {
		return Comparison{}, fmt.Errorf("%s: %d values of A but %d of B; pair the measurements draw by draw", fn, len(a), len(b))
	}
	if len(a) < MinDraws {
		return Comparison{}, fmt.Errorf("%s: needs at least %d paired draws, got %d", fn, MinDraws, len(a))
	}
	ea, err := Summarize(a)
	if err != nil {
		return Comparison{}, fmt.Errorf("%s: A: %w", fn, err)
	}
	eb, err := Summarize(b)
	if err != nil {
		return Comparison{}, fmt.Errorf("%s: B: %w", fn, err)
	}
	d := make([]float64, len(a))
	for k := range a {
		d[k] = a[k] - b[k]
	}
	ed, err := Summarize(d)
	if err != nil {
		return Comparison{}, fmt.Errorf("%s: %w", fn, err)
	}
	c := Comparison{A: ea, B: eb, Diff: ed, DF: float64(len(d) - 1), Paired: true}
	c.T, c.P = tTest(ed.Mean, ed.SE(), c.DF)
	c.Verdict = verdict(c.T, c.P)
	return c, nil
}

// CompareIndependent compares two estimates measured on independent draws
// by Welch's t-test:
//
//	t = (mean_A - mean_B) / sqrt(sd_A^2/N_A + sd_B^2/N_B),
//
// with the Welch–Satterthwaite degrees of freedom. Use it when A and B do
// not share their draws; otherwise PairedTest is more sensitive.
func CompareIndependent(a, b Estimate) (Comparison, error) {
	const fn = "metric.CompareIndependent"
	if a.N < 2 || b.N < 2 {
		return Comparison{}, fmt.Errorf("%s: each estimate needs at least 2 draws, got %d and %d", fn, a.N, b.N)
	}
	va, vb := a.SD*a.SD/float64(a.N), b.SD*b.SD/float64(b.N)
	se := math.Sqrt(va + vb)
	df := 1.0
	if se > 0 {
		df = (va + vb) * (va + vb) / (va*va/float64(a.N-1) + vb*vb/float64(b.N-1))
	}
	c := Comparison{A: a, B: b, Diff: Estimate{Mean: a.Mean - b.Mean, SD: se, N: 1}, DF: df}
	c.T, c.P = tTest(c.Diff.Mean, se, df)
	c.Verdict = verdict(c.T, c.P)
	return c, nil
}

// ComparePaired compares two samplers against the same data on the same
// draws: on draw k both get the same seed (common random numbers, e.g. the
// same x0 for two solvers of one model) and are measured by exact W2
// against the same fresh reference sample of size n; the per-draw W2 of A
// and B are then compared by PairedTest. ALower means A is closer to the
// data than B beyond the noise.
func ComparePaired(a, b, ref Sampler, n, draws int, seed uint64) (Comparison, error) {
	const fn = "metric.ComparePaired"
	if err := checkDraws(fn, n, draws); err != nil {
		return Comparison{}, err
	}
	wa, wb := make([]float64, draws), make([]float64, draws)
	for k := range draws {
		r, err := draw(fn, "reference", ref, n, drawSeed(seed, 2, k))
		if err != nil {
			return Comparison{}, err
		}
		s := drawSeed(seed, 1, k)
		xa, err := draw(fn, "A", a, n, s)
		if err != nil {
			return Comparison{}, err
		}
		xb, err := draw(fn, "B", b, n, s)
		if err != nil {
			return Comparison{}, err
		}
		if wa[k], err = W2(xa, r); err != nil {
			return Comparison{}, fmt.Errorf("%s: draw %d: %w", fn, k, err)
		}
		if wb[k], err = W2(xb, r); err != nil {
			return Comparison{}, fmt.Errorf("%s: draw %d: %w", fn, k, err)
		}
	}
	c, err := PairedTest(wa, wb)
	if err != nil {
		return Comparison{}, fmt.Errorf("%s: %w", fn, err)
	}
	return c, nil
}

// tTest returns the t statistic of a mean difference with standard error
// se and its two-sided p-value under Student's t with df degrees of
// freedom. A zero difference with zero standard error gives t = 0, p = 1;
// a non-zero one with zero standard error gives t = ±Inf, p = 0.
func tTest(diff, se, df float64) (t, p float64) {
	switch {
	case se > 0:
		t = diff / se
	case diff == 0:
		return 0, 1
	default:
		return math.Copysign(math.Inf(1), diff), 0
	}
	st := distuv.StudentsT{Mu: 0, Sigma: 1, Nu: df}
	p = 2 * st.Survival(math.Abs(t))
	return t, min(p, 1)
}

func verdict(t, p float64) Verdict {
	if !(p < Alpha) {
		return WithinNoise
	}
	if t < 0 {
		return ALower
	}
	return BLower
}
