package likelihood

import (
	"fmt"
	"time"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/field"
)

// DivergenceTiming is the measured cost of one divergence evaluation of a
// network v_theta: R^d -> R^d on a batch.
type DivergenceTiming struct {
	Dim               int
	ExactSeconds      float64 // mean over the repeats: d reverse passes
	HutchinsonSeconds float64 // mean over the repeats: one probe, one reverse pass
	Ratio             float64 // ExactSeconds / HutchinsonSeconds
	// Per repeat: the seconds of the exact divergence and of the
	// Hutchinson estimate timed right after it (same load), and their
	// ratio, so that the spread over repeats can be reported.
	ExactRuns, HutchinsonRuns, RatioRuns []float64
	ExactCompileSeconds                  float64
	HutchinsonCompileSeconds             float64
}

// TimeDivergence measures, for a randomly initialised fmkit MLP (field.
// DefaultMLP(d)) in each dimension d, the time of one exact divergence and
// of one single-probe Rademacher Hutchinson estimate on a batch of points,
// over reps repeats after a first, compiling evaluation of each. The two
// are timed alternately in this process, so each repeat's ratio
//
//	ratio_k = exact_k / hutchinson_k
//
// compares two evaluations made under the same machine load; the per-repeat
// times and ratios are kept (ExactRuns, HutchinsonRuns, RatioRuns) beside
// their means.
func TimeDivergence(dims []int, batch, reps int) ([]DivergenceTiming, error) {
	if batch <= 0 || reps <= 0 {
		return nil, fmt.Errorf("likelihood: TimeDivergence needs batch > 0 and reps > 0, got %d and %d", batch, reps)
	}
	backend, err := fmkit.Backend()
	if err != nil {
		return nil, err
	}
	var out []DivergenceTiming
	for _, d := range dims {
		if d <= 0 {
			return nil, fmt.Errorf("likelihood: dimension must be positive, got %d", d)
		}
		m := field.DefaultMLP(d)
		ctx := context.New()
		fl := NewFlow(backend, ctx, func(ctx *context.Context, t, x *Node) *Node { return m.Build(ctx.In("field"), t, x) })
		x := data.Gaussian{D: d}.Sample(batch, data.NewRand(uint64(d)))
		p, err := NewProbes("rademacher", 1, batch, d, 1)
		if err != nil {
			return nil, err
		}
		r := DivergenceTiming{Dim: d}
		start := time.Now()
		if _, _, err := fl.Divergence(0.5, x); err != nil {
			return nil, err
		}
		r.ExactCompileSeconds = time.Since(start).Seconds()
		start = time.Now()
		if _, err := fl.HutchinsonEstimates(0.5, x, p); err != nil {
			return nil, err
		}
		r.HutchinsonCompileSeconds = time.Since(start).Seconds()
		for range reps {
			start := time.Now()
			if _, _, err := fl.Divergence(0.5, x); err != nil {
				return nil, err
			}
			te := time.Since(start).Seconds()
			start = time.Now()
			if _, err := fl.HutchinsonEstimates(0.5, x, p); err != nil {
				return nil, err
			}
			th := time.Since(start).Seconds()
			r.ExactRuns = append(r.ExactRuns, te)
			r.HutchinsonRuns = append(r.HutchinsonRuns, th)
			r.RatioRuns = append(r.RatioRuns, te/th)
			r.ExactSeconds += te / float64(reps)
			r.HutchinsonSeconds += th / float64(reps)
		}
		r.Ratio = r.ExactSeconds / r.HutchinsonSeconds
		out = append(out, r)
	}
	return out, nil
}
