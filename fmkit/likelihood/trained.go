package likelihood

import (
	"fmt"
	"math"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/ode"
)

// LogDensity is the exact log-density of a distribution at one point.
type LogDensity func(x []float64) float64

// TrueLogDensity returns the exact log-density of a registered data set
// that has one: "gaussian" (N(0, I) in its dimension) and "8gaussians"
// (data.EightGaussians: an equal mixture of 8 isotropic Gaussians of
// standard deviation Std centred on a circle of radius Radius),
//
//	log p(x) = log (1/8) sum_k N(x; mu_k, Std^2 I)
//
// evaluated with the log-sum-exp trick. The moons, circles, spirals and the
// checkerboard's edges have no density that fmkit can evaluate (the
// noise-free moons lie on curves and have no density at all), so a
// likelihood on them has nothing to be compared with: the error says so.
func TrueLogDensity(name string) (LogDensity, error) {
	d, err := data.Lookup(name)
	if err != nil {
		return nil, fmt.Errorf("likelihood: %w", err)
	}
	switch dist := d.(type) {
	case data.Gaussian:
		return StandardNormalLogDensity, nil
	case data.EightGaussians:
		centres := mat.NewDense(8, 2, nil)
		for k := range 8 {
			a := 2 * math.Pi * float64(k) / 8
			centres.Set(k, 0, dist.Radius*math.Cos(a))
			centres.Set(k, 1, dist.Radius*math.Sin(a))
		}
		return MixtureLogDensity(centres, dist.Std)
	}
	return nil, fmt.Errorf("likelihood: %q has no density fmkit can evaluate; use \"8gaussians\" or \"gaussian\" to compare a model's likelihood with the truth", name)
}

// MixtureLogDensity is the log-density of the equal-weight mixture of
// isotropic Gaussians N(mu_k, std^2 I), mu_k the rows of centres:
//
//	log p(x) = -log K + logsumexp_k [ -d/2 log(2 pi std^2) - ||x - mu_k||^2 / (2 std^2) ].
func MixtureLogDensity(centres *mat.Dense, std float64) (LogDensity, error) {
	if centres == nil || centres.IsEmpty() {
		return nil, fmt.Errorf("likelihood: a mixture needs at least one centre (a K x d matrix)")
	}
	if !(std > 0) || math.IsInf(std, 0) {
		return nil, fmt.Errorf("likelihood: the mixture's standard deviation must be a positive number, got %v", std)
	}
	k, d := centres.Dims()
	mu := mat.DenseCopyOf(centres)
	norm := -0.5*float64(d)*math.Log(2*math.Pi*std*std) - math.Log(float64(k))
	return func(x []float64) float64 {
		if len(x) != d {
			return math.NaN()
		}
		best := math.Inf(-1)
		e := make([]float64, k)
		for i := range k {
			s := 0.0
			for j, c := range mu.RawRowView(i) {
				s += (x[j] - c) * (x[j] - c)
			}
			e[i] = -s / (2 * std * std)
			best = math.Max(best, e[i])
		}
		sum := 0.0
		for _, v := range e {
			sum += math.Exp(v - best)
		}
		return norm + best + math.Log(sum)
	}, nil
}

// HeldOut is the likelihood of held-out points x_1..x_n ~ p1 under a flow
// q (its p1 model), beside the true density p when it is known.
//
//	NLL  = -(1/n) sum_i log q(x_i)                (nats per point)
//	True = -(1/n) sum_i log p(x_i)                (the entropy H(p), estimated on the same points)
//	Gap  = (1/n) sum_i [log p(x_i) - log q(x_i)]  = NLL - True, an unbiased estimate of KL(p || q) >= 0
//
// Each is an Estimate over the n points (Mean, SD of one point's value,
// N = n), so SE() = SD/sqrt(n) is its standard error. Because Gap pairs
// the two log-densities point by point, its standard error is much
// smaller than NLL's: the points' own spread (which the true density shares)
// cancels. Bits per dimension is NLL / (d ln 2) (no dequantisation: the
// data are continuous).
type HeldOut struct {
	N, D int
	// Solver describes how log q was integrated (e.g. "dopri5 rtol 1e-05
	// atol 1e-07, exact divergence"); NFE is its number of evaluations of
	// the augmented field.
	Solver string
	NFE    int
	LogQ   []float64 // log q(x_i), the model's log-density
	LogP   []float64 // log p(x_i), the true log-density (nil when unknown)
	NLL    metric.Estimate
	True   metric.Estimate // zero when the true density is unknown
	Gap    metric.Estimate // zero when the true density is unknown
}

// BitsPerDim is NLL / (d ln 2), the model's NLL in bits per dimension.
func (h *HeldOut) BitsPerDim() float64 { return h.NLL.Mean / (float64(h.D) * math.Ln2) }

// TrueBitsPerDim is the true NLL (the entropy estimate) in bits per
// dimension.
func (h *HeldOut) TrueBitsPerDim() float64 { return h.True.Mean / (float64(h.D) * math.Ln2) }

// HeldOutNLL evaluates log q(x_i) for every row of x by LogProb (the
// augmented ODE integrated from t = 1 back to 0 with opt's solver and
// estimator) and, when truth is not nil, log p(x_i), and summarises them as
// a HeldOut. x should be fresh points of p1 that the model never saw.
func (fl *Flow) HeldOutNLL(x *mat.Dense, truth LogDensity, opt Options) (*HeldOut, error) {
	if err := checkPoints(x); err != nil {
		return nil, err
	}
	n, d := x.Dims()
	if n < 2 {
		return nil, fmt.Errorf("likelihood: HeldOutNLL needs at least 2 held-out points to give a standard error, got %d", n)
	}
	res, err := fl.LogProb(x, opt)
	if err != nil {
		return nil, err
	}
	h := &HeldOut{N: n, D: d, Solver: describeSolver(opt), NFE: res.NFE, LogQ: res.LogP}
	neg := make([]float64, n)
	for i, l := range res.LogP {
		neg[i] = -l
	}
	if h.NLL, err = metric.Summarize(neg); err != nil {
		return nil, fmt.Errorf("likelihood: the model's log-density: %w", err)
	}
	if truth == nil {
		return h, nil
	}
	h.LogP = make([]float64, n)
	negP := make([]float64, n)
	gap := make([]float64, n)
	for i := range n {
		h.LogP[i] = truth(x.RawRowView(i))
		negP[i] = -h.LogP[i]
		gap[i] = h.LogP[i] - res.LogP[i]
	}
	if h.True, err = metric.Summarize(negP); err != nil {
		return nil, fmt.Errorf("likelihood: the true log-density: %w (is it the density of these points' distribution and dimension?)", err)
	}
	if h.Gap, err = metric.Summarize(gap); err != nil {
		return nil, err
	}
	return h, nil
}

// describeSolver names the solver and estimator of opt.
func describeSolver(opt Options) string {
	s := ""
	if opt.Adaptive != nil {
		s = fmt.Sprintf("dopri5 rtol %.0e atol %.0e", opt.Adaptive.RTol, opt.Adaptive.ATol)
	} else {
		s = fmt.Sprintf("%s x %d", opt.Solver.Method, opt.Solver.Steps)
	}
	return s + ", " + opt.Estimator.String() + " divergence"
}

// EstimatorCost compares one divergence estimator with the exact
// divergence on the same points and the same fixed-step solver (so both
// make the same number of field evaluations; see CompareEstimators).
type EstimatorCost struct {
	Estimator Estimator
	// Seconds is the wall time of one LogProb of all the points, over the
	// repeats; Ratio is Seconds divided by the exact run's Seconds of the
	// same repeat (the two are timed back to back, under the same load).
	Seconds, Ratio metric.Estimate
	// NLLDiff is NLL(estimator) - NLL(exact) on the same points, one value
	// per repeat (new probes each time): its mean is the estimator's bias
	// on the data set's NLL (0 in expectation) and its SD the noise the
	// probes add to an NLL.
	NLLDiff metric.Estimate
	// PointRMS is the root-mean-square over points and repeats of
	// log q_estimator(x_i) - log q_exact(x_i): the noise on one point's
	// log-likelihood.
	PointRMS float64
}

// CompareEstimators measures, for every estimator, what Hutchinson's trace
// estimate costs and how much noise it adds to held-out log-likelihoods:
// each of repeats rounds runs LogProb with the exact divergence, then with
// each estimator (probes seeded by Seed + round), on the rows of x with the
// fixed-step solver. The first row is the exact divergence itself (Ratio 1,
// NLLDiff 0).
func (fl *Flow) CompareEstimators(x *mat.Dense, solver ode.Options, ests []Estimator, repeats int) ([]EstimatorCost, error) {
	if repeats < metric.MinDraws {
		return nil, fmt.Errorf("likelihood: CompareEstimators needs at least %d repeats to measure a spread, got %d", metric.MinDraws, repeats)
	}
	for _, e := range ests {
		if err := e.validate(); err != nil {
			return nil, err
		}
	}
	all := append([]Estimator{{Kind: "exact"}}, ests...)
	secs := make([][]float64, len(all))
	diff := make([][]float64, len(all))
	sq := make([]float64, len(all))
	var exactLogQ []float64
	n, _ := x.Dims()
	for r := range repeats {
		for k, e := range all {
			if !e.exact() {
				e.Seed += uint64(r)
			}
			start := time.Now()
			res, err := fl.LogProb(x, Options{Estimator: e, Solver: solver})
			if err != nil {
				return nil, fmt.Errorf("likelihood: %s divergence: %w", e, err)
			}
			secs[k] = append(secs[k], time.Since(start).Seconds())
			if k == 0 {
				exactLogQ = res.LogP
			}
			d := 0.0
			for i, l := range res.LogP {
				e := l - exactLogQ[i]
				d -= e / float64(n)
				sq[k] += e * e
			}
			diff[k] = append(diff[k], d)
		}
	}
	out := make([]EstimatorCost, len(all))
	for k, e := range all {
		ratio := make([]float64, repeats)
		for r := range ratio {
			ratio[r] = secs[k][r] / secs[0][r]
		}
		var err error
		out[k].Estimator = e
		if out[k].Seconds, err = metric.Summarize(secs[k]); err != nil {
			return nil, err
		}
		if out[k].Ratio, err = metric.Summarize(ratio); err != nil {
			return nil, err
		}
		if out[k].NLLDiff, err = metric.Summarize(diff[k]); err != nil {
			return nil, err
		}
		out[k].PointRMS = math.Sqrt(sq[k] / float64(n*repeats))
	}
	return out, nil
}
