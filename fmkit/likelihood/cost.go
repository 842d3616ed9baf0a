package likelihood

import (
	"fmt"
	"math"
	"sort"
	"time"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/internal/gx"
	"github.com/flowmatching/gofm/fmkit/path"
)

// StepCost compares the wall time of one maximum-likelihood CNF training
// step with one CFM training step of the same network (SplitMLP of the
// same field.MLP, same initial weights, same batch size, Adam in both), run
// alternately in this process so that both see the same machine load.
type StepCost struct {
	Config MLConfig
	// NFE is the number of evaluations of v_theta in one likelihood step's
	// forward solve (Steps x stages); each also takes d backward passes for
	// the divergence, and the step then differentiates all of it. A CFM step
	// evaluates v_theta once, at one t per pair, and differentiates that.
	NFE int
	// Rounds of the comparison: each round times one likelihood step and
	// CFMPerRound CFM steps.
	Rounds, CFMPerRound int
	// Seconds per step (after compilation), each the median over the
	// rounds (for CFM, of each round's mean), and the median over the rounds
	// of the round's ratio: medians, so that a burst of load from other
	// processes during one round does not decide the result.
	MLSeconds, CFMSeconds, Ratio float64
	// Per round: the likelihood step's seconds, the mean CFM step's, and
	// their ratio (both timed under the same load), for the spread over
	// rounds (metric.Summarize).
	RoundML, RoundCFM, RoundRatio []float64
	// Compilation (graph building + first call) seconds of each step.
	MLCompileSeconds, CFMCompileSeconds float64
	// NLL is the likelihood loss at every likelihood step; CFMLoss the CFM
	// loss at every CFM step.
	NLL, CFMLoss []float64
}

// CompareStepCost measures StepCost on batches of the named target: rounds
// rounds of one likelihood step then cfmPerRound CFM steps (x1 ~ target,
// x0 ~ N(0, I), t ~ U[0, 1], linear path), after one untimed step of each
// that compiles it.
func CompareStepCost(cfg MLConfig, target string, rounds, cfmPerRound int) (*StepCost, error) {
	if rounds <= 0 || cfmPerRound <= 0 {
		return nil, fmt.Errorf("likelihood: CompareStepCost needs positive counts, got rounds=%d, cfmPerRound=%d", rounds, cfmPerRound)
	}
	tgt, err := data.Lookup(target)
	if err != nil {
		return nil, fmt.Errorf("likelihood: %w", err)
	}
	if tgt.Dim() != cfg.Field.Dim {
		return nil, fmt.Errorf("likelihood: target %q has dimension %d but the field's Dim is %d", target, tgt.Dim(), cfg.Field.Dim)
	}
	ml, err := NewMLTrainer(cfg)
	if err != nil {
		return nil, err
	}
	defer ml.Close()
	cfm, err := newCFMStep(cfg)
	if err != nil {
		return nil, err
	}
	defer cfm.exec.Finalize()

	rng := data.NewRand(cfg.Seed + 1)
	src := data.Gaussian{D: cfg.Field.Dim}
	lin := path.Linear()
	cfmBatch := func() (float64, error) {
		x1 := tgt.Sample(cfg.Batch, rng)
		x0 := src.Sample(cfg.Batch, rng)
		t := make([]float64, cfg.Batch)
		for i := range t {
			t[i] = rng.Float64()
		}
		s, err := path.Interpolate(lin, t, x0, x1)
		if err != nil {
			return 0, err
		}
		return cfm.step(t, s.XT, s.UT)
	}
	res := &StepCost{Config: cfg, NFE: cfg.Steps * ml.tb.Stages(), Rounds: rounds, CFMPerRound: cfmPerRound}
	start := time.Now()
	if _, err := ml.StepOn(tgt.Sample(cfg.Batch, rng)); err != nil {
		return nil, err
	}
	res.MLCompileSeconds = time.Since(start).Seconds()
	start = time.Now()
	if _, err := cfmBatch(); err != nil {
		return nil, err
	}
	res.CFMCompileSeconds = time.Since(start).Seconds()
	for range rounds {
		x1 := tgt.Sample(cfg.Batch, rng)
		start := time.Now()
		nll, err := ml.StepOn(x1)
		mlTime := time.Since(start).Seconds()
		if err != nil {
			return nil, err
		}
		res.NLL = append(res.NLL, nll)
		var cfmTime time.Duration
		for range cfmPerRound {
			start := time.Now()
			loss, err := cfmBatch()
			cfmTime += time.Since(start)
			if err != nil {
				return nil, err
			}
			res.CFMLoss = append(res.CFMLoss, loss)
		}
		cfmMean := cfmTime.Seconds() / float64(cfmPerRound)
		res.RoundML = append(res.RoundML, mlTime)
		res.RoundCFM = append(res.RoundCFM, cfmMean)
		res.RoundRatio = append(res.RoundRatio, mlTime/cfmMean)
	}
	res.MLSeconds = median(res.RoundML)
	res.CFMSeconds = median(res.RoundCFM)
	res.Ratio = median(res.RoundRatio)
	return res, nil
}

// median of xs (the mean of the two middle values for an even count).
func median(xs []float64) float64 {
	s := append([]float64(nil), xs...)
	sort.Float64s(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}

// cfmStep is a compiled CFM training step of SplitMLP(cfg.Field).
type cfmStep struct {
	exec         *context.Exec
	tb, xtb, utb []float32
	batch, d     int
}

func newCFMStep(cfg MLConfig) (*cfmStep, error) {
	if err := cfg.Field.Validate(); err != nil {
		return nil, fmt.Errorf("likelihood: %w", err)
	}
	backend, err := backendOf()
	if err != nil {
		return nil, err
	}
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(int64(cfg.Seed)); err != nil {
		return nil, err
	}
	f := SplitMLP(cfg.Field)
	opt := optimizers.Adam().LearningRate(cfg.LR).Done()
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, t, xt, ut *Node) *Node {
		v := f(ctx.In("field"), t, xt)
		loss := ReduceAllMean(ReduceSum(Square(Sub(v, ut)), -1))
		opt.UpdateGraph(ctx, t.Graph(), loss)
		return loss
	})
	if err != nil {
		return nil, fmt.Errorf("likelihood: building the CFM step: %w", err)
	}
	d := cfg.Field.Dim
	return &cfmStep{exec: exec, tb: make([]float32, cfg.Batch), xtb: make([]float32, cfg.Batch*d), utb: make([]float32, cfg.Batch*d), batch: cfg.Batch, d: d}, nil
}

func (c *cfmStep) step(t []float64, xt, ut *mat.Dense) (float64, error) {
	for i, v := range t {
		c.tb[i] = float32(v)
	}
	gx.Fill32(c.xtb, xt)
	gx.Fill32(c.utb, ut)
	var outs []*tensors.Tensor
	err := gx.Catch("likelihood: CFM step", func() (err error) {
		outs, err = c.exec.Exec(
			tensors.FromFlatDataAndDimensions(c.tb, c.batch),
			tensors.FromFlatDataAndDimensions(c.xtb, c.batch, c.d),
			tensors.FromFlatDataAndDimensions(c.utb, c.batch, c.d))
		return err
	})
	if err != nil {
		return 0, err
	}
	loss := float64(tensors.ToScalar[float32](outs[0]))
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, fmt.Errorf("likelihood: the CFM loss became %v", loss)
	}
	return loss, nil
}
