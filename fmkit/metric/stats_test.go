package metric_test

import (
	"errors"
	"math"
	"strings"
	"testing"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/metric"
	"gonum.org/v1/gonum/mat"
)

// Reference values computed with NumPy 2 / SciPy 1.17.1:
//
//	a = [0.152, 0.161, 0.149, 0.170, 0.158, 0.166, 0.150]
//	b = [0.140, 0.158, 0.139, 0.151, 0.150, 0.149, 0.148]
//	np.mean(a), np.std(a, ddof=1)            -> 0.158, 0.008144527815247085
//	scipy.stats.ttest_rel(a, b)              -> 4.1502257259466955, 0.00600957556731906
//	scipy.stats.ttest_ind(a, b, equal_var=False) -> 2.56477629140776, 0.025525319407123864
//	c = [1.0, 1.2, 0.9, 1.1, 1.05]; d = [1.02, 1.15, 0.95, 1.12, 1.0]
//	scipy.stats.ttest_rel(c, d)              -> 0.09829463743659925, 0.9264270382011767
var (
	refA = []float64{0.152, 0.161, 0.149, 0.170, 0.158, 0.166, 0.150}
	refB = []float64{0.140, 0.158, 0.139, 0.151, 0.150, 0.149, 0.148}
	refC = []float64{1.0, 1.2, 0.9, 1.1, 1.05}
	refD = []float64{1.02, 1.15, 0.95, 1.12, 1.0}
)

func near(t *testing.T, what string, got, want, tol float64) {
	t.Helper()
	if math.Abs(got-want) > tol*math.Max(1, math.Abs(want)) {
		t.Errorf("%s = %.15g, want %.15g (SciPy/NumPy)", what, got, want)
	}
}

func TestSummarizeMatchesNumPy(t *testing.T) {
	e, err := metric.Summarize(refA)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "mean", e.Mean, 0.158, 1e-12)
	near(t, "sd (ddof=1)", e.SD, 0.008144527815247085, 1e-12)
	near(t, "SE", e.SE(), 0.008144527815247085/math.Sqrt(7), 1e-12)
	if e.N != 7 || len(e.Values) != 7 {
		t.Errorf("N = %d, len(Values) = %d, want 7", e.N, len(e.Values))
	}
	if got, want := e.String(), "0.1580 ± 0.0081"; got != want {
		t.Errorf("String() = %q, want %q", got, want)
	}
	if got := (metric.Estimate{Mean: 12.34, SD: 1.4, N: 5}).String(); got != "12.3 ± 1.4" {
		t.Errorf("String() = %q, want %q", got, "12.3 ± 1.4")
	}
}

func TestPairedTestMatchesSciPy(t *testing.T) {
	c, err := metric.PairedTest(refA, refB)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "t", c.T, 4.1502257259466955, 1e-9)
	near(t, "p", c.P, 0.00600957556731906, 1e-7)
	if c.Verdict != metric.BLower || !c.Paired || c.DF != 6 {
		t.Errorf("verdict %v, paired %v, df %v; want B lower, paired, df 6", c.Verdict, c.Paired, c.DF)
	}
	c, err = metric.PairedTest(refC, refD)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "t", c.T, 0.09829463743659925, 1e-9)
	near(t, "p", c.P, 0.9264270382011767, 1e-7)
	if c.Verdict != metric.WithinNoise {
		t.Errorf("verdict %v, want within noise", c.Verdict)
	}
	// Swapping A and B flips the sign and the verdict.
	c, _ = metric.PairedTest(refB, refA)
	if c.Verdict != metric.ALower || c.T >= 0 {
		t.Errorf("swapped: verdict %v, t %v; want A lower, t < 0", c.Verdict, c.T)
	}
}

func TestCompareIndependentMatchesSciPyWelch(t *testing.T) {
	a, _ := metric.Summarize(refA)
	b, _ := metric.Summarize(refB)
	c, err := metric.CompareIndependent(a, b)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "t", c.T, 2.56477629140776, 1e-9)
	near(t, "p", c.P, 0.025525319407123864, 1e-7)
	if c.Verdict != metric.BLower || c.Paired {
		t.Errorf("verdict %v, paired %v; want B lower, unpaired", c.Verdict, c.Paired)
	}
	if s := c.Sentence("A", "B"); !strings.Contains(s, "independent") || !strings.HasSuffix(s, "B lower") {
		t.Errorf("Sentence = %q", s)
	}
}

func moons(t *testing.T) metric.Sampler {
	t.Helper()
	s, err := data.SampleFunc("moons")
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// blurred is a "worse model": the moons plus Gaussian noise of sd sigma.
func blurred(ref metric.Sampler, sigma float64) metric.Sampler {
	return func(n int, seed uint64) (*mat.Dense, error) {
		x, err := ref(n, seed)
		if err != nil {
			return nil, err
		}
		g, _ := data.Sample("gaussian", n, seed^0x5eed)
		out := mat.NewDense(n, 2, nil)
		out.Scale(sigma, g)
		out.Add(out, x)
		return out, nil
	}
}

// offset makes a sampler whose randomness is independent of the one given
// the same seed: a statistically identical model that shares nothing.
func offset(s metric.Sampler, by uint64) metric.Sampler {
	return func(n int, seed uint64) (*mat.Dense, error) { return s(n, seed+by) }
}

func TestComparePairedDetectsTheBetterModel(t *testing.T) {
	ref := moons(t)
	good, bad := offset(ref, 1<<40), blurred(offset(ref, 1<<41), 0.15)
	c, err := metric.ComparePaired(good, bad, ref, 1000, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	if c.Verdict != metric.ALower {
		t.Fatalf("good vs blurred: %s; want the good model (A) lower", c.Sentence("good", "blurred"))
	}
	c, _ = metric.ComparePaired(bad, good, ref, 1000, 5, 1)
	if c.Verdict != metric.BLower {
		t.Fatalf("blurred vs good: %s; want B lower", c.Sentence("blurred", "good"))
	}
}

func TestComparePairedIdenticalModelsAreWithinNoise(t *testing.T) {
	ref := moons(t)
	// Same seeds: exactly the same points, zero difference.
	c, err := metric.ComparePaired(ref, ref, ref, 500, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	if c.Verdict != metric.WithinNoise || c.P != 1 {
		t.Errorf("identical samplers with shared seeds: %s", c.Sentence("A", "B"))
	}
	// Two statistically identical models with independent randomness: a
	// level-0.05 test calls them different in about 5% of comparisons.
	// Over 20 base seeds, more than 4 false alarms (P < 1.6% under a
	// correct test) means the test is miscalibrated.
	alarms := 0
	for s := range uint64(20) {
		c, err := metric.ComparePaired(offset(ref, 1<<40), offset(ref, 1<<41), ref, 300, 5, 100+s)
		if err != nil {
			t.Fatal(err)
		}
		if c.Verdict != metric.WithinNoise {
			alarms++
			t.Logf("seed %d: %s", s, c.Sentence("A", "B"))
		}
	}
	if alarms > 4 {
		t.Errorf("%d of 20 comparisons of identical models were called different", alarms)
	}
}

func TestNoiseBandOfTheMoons(t *testing.T) {
	// NOTES.md: 0.048-0.170 over 15 seed pairs at n = 1000 (mean 0.096, sd 0.034).
	e, err := metric.NoiseBand(moons(t), 1000, 6, 7)
	if err != nil {
		t.Fatal(err)
	}
	if e.N != 6 || e.Mean < 0.05 || e.Mean > 0.16 || e.SD <= 0 || e.SD > 0.08 {
		t.Errorf("noise band of the moons at n=1000 = %v (N %d); want a mean in [0.05, 0.16] and 0 < sd < 0.08", e, e.N)
	}
	// A standard Gaussian is far outside it (~0.95).
	g, _ := data.SampleFunc("gaussian")
	w, err := metric.W2Draws(g, moons(t), 1000, 5, 7)
	if err != nil {
		t.Fatal(err)
	}
	if w.Mean < e.Mean+5*e.SD {
		t.Errorf("Gaussian vs moons %v is not far above the noise band %v", w, e)
	}
	// W2Spread of one fixed sample varies only with the reference draws.
	x, _ := data.Sample("moons", 1000, 99)
	sp, err := metric.W2Spread(x, moons(t), 5, 7)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(sp.Mean-e.Mean) > 4*(e.SD+sp.SD) {
		t.Errorf("W2Spread of a data sample %v far from the noise band %v", sp, e)
	}
}

func TestStatsRejectBadInput(t *testing.T) {
	ref := moons(t)
	short := func(n int, seed uint64) (*mat.Dense, error) { return ref(n-1, seed) }
	failing := func(n int, seed uint64) (*mat.Dense, error) { return nil, errors.New("boom") }
	nan := func(n int, seed uint64) (*mat.Dense, error) {
		x, _ := ref(n, seed)
		x.Set(0, 0, math.NaN())
		return x, nil
	}
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"few draws", func() error { _, err := metric.W2Draws(ref, ref, 100, 4, 1); return err }(), "at least 5"},
		{"n = 0", func() error { _, err := metric.NoiseBand(ref, 0, 5, 1); return err }(), "sample size must be positive"},
		{"nil sampler", func() error { _, err := metric.W2Draws(nil, ref, 100, 5, 1); return err }(), "model sampler is nil"},
		{"wrong count", func() error { _, err := metric.ComparePaired(ref, short, ref, 100, 5, 1); return err }(), "returned 99 points, want 100"},
		{"sampler error", func() error { _, err := metric.W2Draws(failing, ref, 100, 5, 1); return err }(), "boom"},
		{"NaN", func() error { _, err := metric.W2Draws(nan, ref, 100, 5, 1); return err }(), "NaN"},
		{"nil sample", func() error { _, err := metric.W2Spread(nil, ref, 5, 1); return err }(), "sample is nil"},
		{"one value", func() error { _, err := metric.Summarize([]float64{1}); return err }(), "at least 2 values"},
		{"Inf value", func() error { _, err := metric.Summarize([]float64{1, math.Inf(1)}); return err }(), "must be finite"},
		{"unpaired lengths", func() error { _, err := metric.PairedTest(refA, refC); return err }(), "pair the measurements"},
	} {
		if tc.err == nil || !strings.Contains(tc.err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one containing %q", tc.name, tc.err, tc.want)
		}
	}
}

// W2Draws with the same seed pairs draw by draw with ComparePaired's draws.
func TestW2DrawsPairsBySeed(t *testing.T) {
	ref := moons(t)
	good, bad := offset(ref, 1<<40), blurred(offset(ref, 1<<41), 0.15)
	a, err := metric.W2Draws(good, ref, 300, 5, 9)
	if err != nil {
		t.Fatal(err)
	}
	b, _ := metric.W2Draws(bad, ref, 300, 5, 9)
	c, _ := metric.ComparePaired(good, bad, ref, 300, 5, 9)
	for k := range 5 {
		if a.Values[k] != c.A.Values[k] || b.Values[k] != c.B.Values[k] {
			t.Fatalf("draw %d: W2Draws gave %v and %v, ComparePaired %v and %v", k, a.Values[k], b.Values[k], c.A.Values[k], c.B.Values[k])
		}
	}
}
