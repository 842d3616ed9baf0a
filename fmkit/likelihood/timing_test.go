package likelihood

import (
	"math"
	"testing"

	"github.com/flowmatching/gofm/fmkit/field"
)

// TimeDivergence keeps one time per repeat for each estimator, and the
// summaries are their means; a bad batch or dimension is an error.
func TestTimeDivergenceRuns(t *testing.T) {
	res, err := TimeDivergence([]int{2, 3}, 16, 5)
	if err != nil {
		t.Fatal(err)
	}
	if len(res) != 2 || res[0].Dim != 2 || res[1].Dim != 3 {
		t.Fatalf("got %+v", res)
	}
	for _, r := range res {
		if len(r.ExactRuns) != 5 || len(r.HutchinsonRuns) != 5 || len(r.RatioRuns) != 5 {
			t.Fatalf("d=%d: %d, %d, %d runs, want 5 each", r.Dim, len(r.ExactRuns), len(r.HutchinsonRuns), len(r.RatioRuns))
		}
		me, mh := 0.0, 0.0
		for k := range 5 {
			if !(r.ExactRuns[k] > 0) || !(r.HutchinsonRuns[k] > 0) {
				t.Fatalf("d=%d: non-positive time in repeat %d", r.Dim, k)
			}
			if math.Abs(r.RatioRuns[k]-r.ExactRuns[k]/r.HutchinsonRuns[k]) > 1e-12 {
				t.Errorf("d=%d: ratio of repeat %d is %v, want %v", r.Dim, k, r.RatioRuns[k], r.ExactRuns[k]/r.HutchinsonRuns[k])
			}
			me += r.ExactRuns[k] / 5
			mh += r.HutchinsonRuns[k] / 5
		}
		if math.Abs(me-r.ExactSeconds) > 1e-12 || math.Abs(mh-r.HutchinsonSeconds) > 1e-12 {
			t.Errorf("d=%d: means %v, %v, summaries %v, %v", r.Dim, me, mh, r.ExactSeconds, r.HutchinsonSeconds)
		}
	}
	if _, err := TimeDivergence([]int{2}, 0, 5); err == nil {
		t.Error("batch 0 accepted")
	}
	if _, err := TimeDivergence([]int{0}, 4, 5); err == nil {
		t.Error("dimension 0 accepted")
	}
}

// CompareStepCost keeps one ratio per round, each the round's likelihood
// time over its mean CFM time, and Ratio is their median.
func TestCompareStepCostRounds(t *testing.T) {
	cfg := MLConfig{Field: field.MLP{Dim: 2, Width: 16, Depth: 2, Activation: "swish", TimeFreqs: 4, MaxFreq: 10}, Batch: 32, Method: "euler", Steps: 2, LR: 1e-3, Seed: 1}
	c, err := CompareStepCost(cfg, "8gaussians", 5, 2)
	if err != nil {
		t.Fatal(err)
	}
	if len(c.RoundRatio) != 5 || len(c.RoundML) != 5 || len(c.RoundCFM) != 5 || len(c.NLL) != 5 || len(c.CFMLoss) != 10 {
		t.Fatalf("rounds: %d ratios, %d ML, %d CFM, %d NLL, %d CFM losses", len(c.RoundRatio), len(c.RoundML), len(c.RoundCFM), len(c.NLL), len(c.CFMLoss))
	}
	for k, r := range c.RoundRatio {
		if math.Abs(r-c.RoundML[k]/c.RoundCFM[k]) > 1e-12 {
			t.Errorf("round %d: ratio %v, want %v", k, r, c.RoundML[k]/c.RoundCFM[k])
		}
	}
	if c.Ratio != median(c.RoundRatio) {
		t.Errorf("Ratio %v is not the median of %v", c.Ratio, c.RoundRatio)
	}
}
