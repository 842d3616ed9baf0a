package metric

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat/distuv"
)

// DensityCheck is the result of CheckDensity: a 2D density compared, cell by
// cell, with the counts of a sample drawn from it.
type DensityCheck struct {
	Cell    float64    // side of the square cells
	Points  int        // n, the sample size
	Centres *mat.Dense // m x 2, centres of the kept cells
	// Counts, Expected and Z of every kept cell (see CheckDensity).
	Counts   []int
	Expected []float64
	Z        []float64
	// Summary is Summarize(Z): mean near 0 and sd near 1 when the density
	// and the sample agree up to counting noise.
	Summary Estimate
	// ChiSquare = sum_c z_c^2 over the m kept cells, and P its upper tail
	// probability under the chi-square distribution with m degrees of
	// freedom (approximate: the counts are nearly independent binomials
	// when the kept cells are many and each holds a small share of n).
	// P < Alpha says the counts disagree with the density beyond the noise.
	ChiSquare, P float64
}

// WithinNoise reports whether the counts agree with the density up to
// counting noise: P >= Alpha.
func (c *DensityCheck) WithinNoise() bool { return c.P >= Alpha }

// CheckDensity tests a claimed 2D density p against a sample x (n x 2) drawn
// from the distribution it should describe. The plane is cut into square
// cells of side cell (aligned with the origin) covering the sample; for each
// cell the expected count is n times the probability of the cell,
//
//	E_c = n * integral_c p  ~  n * (cell/sub)^2 * sum_s p(s),
//
// the midpoint rule on sub x sub points s of the cell, and the standardised
// difference of the observed count N_c is
//
//	z_c = (N_c - E_c) / sqrt(E_c (1 - E_c/n)),
//
// the binomial noise of a count. Cells with E_c >= minExpected are kept
// (chosen by the claimed density, not by the counts, so the choice does not
// favour cells that happened to receive many points). If p is right, each
// z_c is approximately standard normal: Summary shows a mean near 0 and an
// sd near 1 (slightly above 1 from the midpoint rule's error; far above 1
// when p is wrong), and
//
//	chi2 = sum_c z_c^2  ~  chi-square with m degrees of freedom,
//
// whose upper tail P is the test: WithinNoise unless P < Alpha. logDensity returns log p at every row of its argument;
// it is called once, on all sub-points of all cells.
//
// It fails for a sample that is not n x 2 (n >= 1) or holds non-finite
// values, for cell <= 0, sub < 1, fewer than two kept cells, or a logDensity
// error or a result of the wrong length or with NaN.
func CheckDensity(x *mat.Dense, logDensity func(pts *mat.Dense) ([]float64, error), cell float64, sub int, minExpected float64) (*DensityCheck, error) {
	fail := func(format string, a ...any) (*DensityCheck, error) {
		return nil, fmt.Errorf("metric.CheckDensity: "+format, a...)
	}
	if x == nil {
		return fail("nil sample")
	}
	n, d := x.Dims()
	if n == 0 || d != 2 {
		return fail("needs a non-empty n x 2 sample, got %d x %d", n, d)
	}
	if !(cell > 0) || math.IsInf(cell, 0) || sub < 1 {
		return fail("needs cell > 0 and sub >= 1, got cell = %v, sub = %d", cell, sub)
	}
	lo, hi := [2]int{math.MaxInt, math.MaxInt}, [2]int{math.MinInt, math.MinInt}
	counts := map[[2]int]int{}
	for i := range n {
		var k [2]int
		for j := range 2 {
			v := x.At(i, j)
			if math.IsNaN(v) || math.IsInf(v, 0) {
				return fail("point %d is not finite: (%v, %v)", i, x.At(i, 0), x.At(i, 1))
			}
			k[j] = int(math.Floor(v / cell))
			lo[j], hi[j] = min(lo[j], k[j]), max(hi[j], k[j])
		}
		counts[k]++
	}
	// Every cell of the box that holds the sample, and its sub-points.
	var cells [][2]int
	for a := lo[0]; a <= hi[0]; a++ {
		for b := lo[1]; b <= hi[1]; b++ {
			cells = append(cells, [2]int{a, b})
		}
	}
	h := cell / float64(sub)
	pts := mat.NewDense(len(cells)*sub*sub, 2, nil)
	r := 0
	for _, c := range cells {
		for u := range sub {
			for v := range sub {
				pts.Set(r, 0, float64(c[0])*cell+(float64(u)+0.5)*h)
				pts.Set(r, 1, float64(c[1])*cell+(float64(v)+0.5)*h)
				r++
			}
		}
	}
	lp, err := logDensity(pts)
	if err != nil {
		return fail("log density: %w", err)
	}
	if len(lp) != r {
		return fail("the log density returned %d values for %d points", len(lp), r)
	}
	res := &DensityCheck{Cell: cell, Points: n}
	var centres []float64
	for k, c := range cells {
		e := 0.0
		for s := range sub * sub {
			v := lp[k*sub*sub+s]
			if math.IsNaN(v) || math.IsInf(v, 1) {
				return fail("the log density is %v at (%v, %v)", v, pts.At(k*sub*sub+s, 0), pts.At(k*sub*sub+s, 1))
			}
			e += math.Exp(v)
		}
		e *= float64(n) * h * h
		if e < minExpected || e >= float64(n) {
			continue
		}
		obs := counts[c]
		res.Counts = append(res.Counts, obs)
		res.Expected = append(res.Expected, e)
		res.Z = append(res.Z, (float64(obs)-e)/math.Sqrt(e*(1-e/float64(n))))
		centres = append(centres, (float64(c[0])+0.5)*cell, (float64(c[1])+0.5)*cell)
	}
	if len(res.Z) < 2 {
		return fail("only %d cells expect at least %v points; use larger cells, a larger sample or a smaller minExpected", len(res.Z), minExpected)
	}
	res.Centres = mat.NewDense(len(res.Z), 2, centres)
	if res.Summary, err = Summarize(res.Z); err != nil {
		return fail("%w", err)
	}
	for _, z := range res.Z {
		res.ChiSquare += z * z
	}
	res.P = distuv.ChiSquared{K: float64(len(res.Z))}.Survival(res.ChiSquare)
	return res, nil
}
