package train

import (
	"fmt"
	"math"
	"math/rand/v2"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/coupling"
	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/field"
	"github.com/flowmatching/gofm/fmkit/internal/gx"
	"github.com/flowmatching/gofm/fmkit/nb"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/path"
)

// fieldScope is the context scope of the network's variables.
const fieldScope = "field"

// Model is a trained vector field v_theta(t, x). It implements ode.Field.
type Model struct {
	Config  Config
	History []float64 // training loss at every step
	Seconds float64   // training wall time (0 when loaded from a checkpoint)

	backend  backends.Backend
	ctx      *context.Context
	velocity *context.Exec
	guided   *context.Exec // classifier-free guided field of a conditional model (conditional.go)
}

// Trainer owns the state of a CFM training run: the network and Adam state
// in a GoMLX context, the compiled training step, and the seeded data stream.
// Train drives it; benchmarks call StepOn with batches of their own.
type Trainer struct {
	Config  Config
	History []float64

	backend  backends.Backend
	ctx      *context.Context
	exec     *context.Exec
	multi    *context.Exec // several steps per call (StepsOn, steps.go)
	src, tgt data.Dist
	path     path.Path
	rng      *rand.Rand
	t        []float64
	tb, xtb  []float32 // float32 buffers handed to the graph
	utb      []float32
	cond     *condState // labels of a conditional model (conditional.go)
}

// NewTrainer validates cfg, initialises the network with cfg.Seed and
// compiles nothing yet (the first step compiles the graph).
func NewTrainer(cfg Config) (*Trainer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(int64(cfg.Seed)); err != nil {
		return nil, err
	}
	return newTrainerIn(cfg, ctx)
}

// newTrainerIn is NewTrainer on a validated cfg whose network and Adam state
// live in ctx: a new context, or one already holding weights to start from
// (newTrainerFrom, reflow.go), which the step then finds instead of creating.
func newTrainerIn(cfg Config, ctx *context.Context) (*Trainer, error) {
	backend, err := fmkit.Backend()
	if err != nil {
		return nil, err
	}
	src, _ := data.Lookup(cfg.Source)
	tgt, _ := data.Lookup(cfg.Target)
	p, _ := path.Lookup(cfg.Path)
	opt := optimizers.Adam().LearningRate(cfg.LR).Done()
	var exec *context.Exec
	if cfg.Classes > 0 {
		exec, err = newConditionalStep(backend, ctx, cfg, opt)
	} else {
		exec, err = context.NewExec(backend, ctx, func(ctx *context.Context, t, xt, ut, lr *Node) *Node {
			// Checked(false): the variables may exist already, created by
			// the several-steps call (StepsOn) that Train runs first on XLA.
			ctx = ctx.Checked(false)
			optimizers.LearningRateVar(ctx, dtypes.Float32, cfg.LR).SetValueGraph(lr)
			loss := LossGraph(ctx, cfg, t, xt, ut)
			opt.UpdateGraph(ctx, t.Graph(), loss)
			return loss
		})
	}
	if err != nil {
		return nil, fmt.Errorf("train: building the training step: %w", err)
	}
	d := cfg.Field.Dim
	return &Trainer{
		Config: cfg, History: make([]float64, 0, cfg.Steps),
		backend: backend, ctx: ctx, exec: exec, src: src, tgt: tgt, path: p,
		rng: data.NewRand(cfg.Seed),
		t:   make([]float64, cfg.Batch),
		tb:  make([]float32, cfg.Batch), xtb: make([]float32, cfg.Batch*d), utb: make([]float32, cfg.Batch*d),
	}, nil
}

// Draw samples one batch of the coupling q(x0, x1) and times t ~ U[0, 1]:
// x1 ~ p1 and x0 ~ p0 independently, then x0 is re-paired with x1 by the
// configured minibatch coupling (package coupling): "independent" keeps the
// pairs, "ot" uses the exact optimal assignment of the minibatch
// (minimising sum_i ||x0_perm(i) - x1_i||^2), "sinkhorn" draws each x1's
// partner from the entropic plan with regularisation SinkhornEps.
func (tr *Trainer) Draw() (t []float64, x0, x1 *mat.Dense, err error) {
	b := tr.Config.Batch
	x1 = tr.tgt.Sample(b, tr.rng)
	x0 = tr.src.Sample(b, tr.rng)
	q, err := coupling.Lookup(tr.Config.Coupling, tr.Config.SinkhornEps)
	if err != nil {
		return nil, nil, nil, fmt.Errorf("train: %w", err)
	}
	if x0, err = q.Pair(x0, x1, tr.rng); err != nil {
		return nil, nil, nil, fmt.Errorf("train: minibatch coupling: %w", err)
	}
	t = make([]float64, b)
	for i := range t {
		t[i] = tr.rng.Float64()
	}
	return t, x0, x1, nil
}

// permuteRows returns the matrix whose row i is x's row perm[i].
func permuteRows(x *mat.Dense, perm []int) *mat.Dense {
	n, d := x.Dims()
	out := mat.NewDense(n, d, nil)
	for i, j := range perm {
		copy(out.RawRowView(i), x.RawRowView(j))
	}
	return out
}

// StepOn takes one Adam step on the batch (t, x0, x1) at learning rate lr:
// it builds x_t and u_t on the conditional path and runs the compiled step.
// It returns the batch loss, and an error if it is NaN or Inf.
func (tr *Trainer) StepOn(t []float64, x0, x1 *mat.Dense, lr float64) (float64, error) {
	if tr.Config.Classes > 0 {
		return 0, fmt.Errorf("train: the model is conditional (%d classes): call StepOnLabelled with the labels of x1", tr.Config.Classes)
	}
	s, err := path.Interpolate(tr.path, t, x0, x1)
	if err != nil {
		return 0, err
	}
	b, d := s.XT.Dims()
	if b != tr.Config.Batch {
		return 0, fmt.Errorf("train: batch of %d pairs, the trainer was configured for %d", b, tr.Config.Batch)
	}
	for i, v := range t {
		tr.tb[i] = float32(v)
	}
	gx.Fill32(tr.xtb, s.XT)
	gx.Fill32(tr.utb, tr.Config.regressionTarget(s))
	outs, err := tr.exec.Exec(
		tensors.FromFlatDataAndDimensions(tr.tb, b),
		tensors.FromFlatDataAndDimensions(tr.xtb, b, d),
		tensors.FromFlatDataAndDimensions(tr.utb, b, d),
		float32(lr))
	if err != nil {
		return 0, fmt.Errorf("train: step %d: %w", len(tr.History)+1, err)
	}
	loss := float64(tensors.ToScalar[float32](outs[0]))
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, fmt.Errorf("train: the loss became %v at step %d (lr %g): training diverged; lower the learning rate (LR)", loss, len(tr.History)+1, lr)
	}
	tr.History = append(tr.History, loss)
	return loss, nil
}

// Step draws a batch and takes the k-th (0-based) step of the schedule.
func (tr *Trainer) Step(k int) (float64, error) {
	if tr.Config.Classes > 0 {
		return tr.stepConditional(k)
	}
	t, x0, x1, err := tr.Draw()
	if err != nil {
		return 0, err
	}
	return tr.StepOn(t, x0, x1, tr.Config.LearningRate(k))
}

// drawn is one training batch: (t, x0, x1), the labels of x1 for a
// conditional model, or the error of drawing it.
type drawn struct {
	t      []float64
	x0, x1 *mat.Dense
	labels []int
	err    error
}

// prefetch draws the batches of steps 0..n-1 (Draw, or DrawLabelled for a
// conditional model) in order on another goroutine, one step ahead of the
// training loop, so that drawing, and above all the minibatch coupling (an
// O(B^3) assignment for OT), runs while the backend computes the previous
// step. The batches are exactly those Step would draw; the trainer's random
// stream is used by that goroutine only until it ends. It stops after the
// first error, or when stop is closed.
func (tr *Trainer) prefetch(n int, stop <-chan struct{}) <-chan drawn {
	if tr.Config.Classes > 0 {
		tr.condState() // initialised here, not concurrently
	}
	ch := make(chan drawn, 1)
	go func() {
		defer close(ch)
		for range n {
			var b drawn
			if tr.Config.Classes > 0 {
				b.t, b.x0, b.x1, b.labels, b.err = tr.DrawLabelled()
			} else {
				b.t, b.x0, b.x1, b.err = tr.Draw()
			}
			select {
			case ch <- b:
			case <-stop:
				return
			}
			if b.err != nil {
				return
			}
		}
	}()
	return ch
}

// stepOnBatch takes the k-th (0-based) step of the schedule on a drawn
// batch.
func (tr *Trainer) stepOnBatch(b drawn, k int) (float64, error) {
	switch {
	case b.err != nil:
		return 0, b.err
	case b.x0 == nil:
		return 0, fmt.Errorf("train: step %d: no batch was drawn", k+1)
	case tr.Config.Classes > 0:
		return tr.StepOnLabelled(b.t, b.x0, b.x1, b.labels, tr.Config.LearningRate(k))
	default:
		return tr.StepOn(b.t, b.x0, b.x1, tr.Config.LearningRate(k))
	}
}

// stepsOnBatches takes steps k..k+n-1 of the schedule on the next n drawn
// batches in one call (StepsOn) and returns the last step's loss.
func (tr *Trainer) stepsOnBatches(batches <-chan drawn, k, n int) (float64, error) {
	ts := make([][]float64, n)
	x0s := make([]*mat.Dense, n)
	x1s := make([]*mat.Dense, n)
	lrs := make([]float64, n)
	for i := range n {
		b := <-batches
		switch {
		case b.err != nil:
			return 0, b.err
		case b.x0 == nil:
			return 0, fmt.Errorf("train: step %d: no batch was drawn", k+i+1)
		}
		ts[i], x0s[i], x1s[i], lrs[i] = b.t, b.x0, b.x1, tr.Config.LearningRate(k+i)
	}
	prepared, err := tr.PrepareBatches(ts, x0s, x1s)
	if err != nil {
		return 0, err
	}
	losses, err := tr.StepsOn(prepared, lrs)
	if err != nil {
		return 0, err
	}
	return losses[n-1], nil
}

// Model returns the trained model (sharing the trainer's weights).
func (tr *Trainer) Model() *Model {
	return &Model{Config: tr.Config, History: tr.History, backend: tr.backend, ctx: tr.ctx}
}

// Close releases the compiled training steps.
func (tr *Trainer) Close() {
	tr.exec.Finalize()
	if tr.multi != nil {
		tr.multi.Finalize()
	}
}

// LossGraph is the CFM loss (1/B) sum_i ||v_theta(t_i, x_t,i) - u_t,i||^2 of
// a batch, building the network in ctx. On fmkit's pure-Go backend the sum
// runs over chunks of the batch that the backend computes side by side (see
// field.Chunks); the loss and its gradient are the same.
func LossGraph(ctx *context.Context, cfg Config, t, xt, ut *Node) *Node {
	return chunkedLoss(ctx, xt, func(ctx *context.Context, r field.Rows) *Node {
		v := cfg.Field.Build(ctx, field.SliceRows(t, r), field.SliceRows(xt, r))
		return ReduceSum(Square(Sub(v, field.SliceRows(ut, r))), -1)
	})
}

// chunkedLoss is the mean over the rows of x's batch of the per-row losses
// that rowLoss returns for a range of rows, with the network's variables in
// ctx's field scope: one range on most backends, one per chunk of
// field.Chunks on fmkit's pure-Go backend (the first chunk creates the
// variables, the others reuse them).
func chunkedLoss(ctx *context.Context, x *Node, rowLoss func(ctx *context.Context, r field.Rows) *Node) *Node {
	n := x.Shape().Dimensions[0]
	chunks := field.Chunks(x.Graph(), n)
	if len(chunks) == 1 {
		return ReduceAllMean(rowLoss(ctx.In(fieldScope), chunks[0]))
	}
	var sum *Node
	for i, r := range chunks {
		c := ctx.In(fieldScope)
		if i > 0 {
			c = c.Reuse()
		}
		l := ReduceAllSum(rowLoss(c, r))
		if sum == nil {
			sum = l
		} else {
			sum = Add(sum, l)
		}
	}
	return DivScalar(sum, float64(n))
}

// Train fits a model to cfg. It shows a progress display unless cfg.Quiet,
// and fails with an error naming the step if the loss becomes NaN or Inf.
func Train(cfg Config) (*Model, error) {
	tr, err := NewTrainer(cfg)
	if err != nil {
		return nil, err
	}
	defer tr.Close()
	var prog *nb.Progress
	if !cfg.Quiet {
		prog = nb.NewProgress(cfg.progressTitle(), cfg.Steps)
	}
	start := time.Now()
	stop := make(chan struct{})
	defer close(stop)
	batches := tr.prefetch(cfg.Steps, stop)
	// perCall steps per executable call (StepsPerCall: several on XLA, for
	// runs of at least MultiStepMinSteps), on the same batches in the same
	// order; the last Steps mod perCall steps, and every step of a
	// conditional model, go one per call.
	perCall := StepsPerCall(tr.backend)
	if cfg.Classes > 0 || cfg.Steps < MultiStepMinSteps {
		perCall = 1
	}
	for k := 0; k < cfg.Steps; {
		var loss float64
		n := 1
		if perCall > 1 && cfg.Steps-k >= perCall {
			n = perCall
			loss, err = tr.stepsOnBatches(batches, k, n)
		} else {
			loss, err = tr.stepOnBatch(<-batches, k)
		}
		if err != nil {
			if prog != nil {
				prog.Done(fmt.Sprintf("stopped at step %d: %v", len(tr.History)+1, err))
			}
			return nil, err
		}
		k += n
		if prog != nil {
			prog.Update(k, fmt.Sprintf("loss %.4f", loss))
		}
	}
	m := tr.Model()
	m.Seconds = time.Since(start).Seconds()
	if prog != nil {
		prog.Done(fmt.Sprintf("loss (mean of the last 100 steps) %.4f", tailMean(m.History, 100)))
	}
	return m, nil
}

func tailMean(h []float64, n int) float64 {
	if len(h) < n {
		n = len(h)
	}
	s := 0.0
	for _, v := range h[len(h)-n:] {
		s += v
	}
	return s / float64(n)
}

// Velocity evaluates v_theta(t, x) for every row of x (it implements ode.Field).
func (m *Model) Velocity(t float64, x *mat.Dense) (*mat.Dense, error) {
	n, d := x.Dims()
	if d != m.Config.Field.Dim {
		return nil, fmt.Errorf("model: points have %d columns but the model's dimension is %d", d, m.Config.Field.Dim)
	}
	if m.Config.Classes > 0 {
		return nil, fmt.Errorf("model: the model is conditional (%d classes): evaluate it with Guided(labels, w) or sample with SampleGuided", m.Config.Classes)
	}
	if m.velocity == nil {
		exec, err := context.NewExec(m.backend, m.Context(), m.networkGraph)
		if err != nil {
			return nil, fmt.Errorf("model: building v_theta: %w", err)
		}
		m.velocity = exec
	}
	outs, err := m.velocity.Exec(float32(t), tensors.FromFlatDataAndDimensions(gx.Float32(x), n, d))
	if err != nil {
		return nil, fmt.Errorf("model: evaluating v_theta at t=%v: %w", t, err)
	}
	return m.toVelocity(t, x, outs[0])
}

// Source returns the model's p0.
func (m *Model) Source() data.Dist { d, _ := data.Lookup(m.Config.Source); return d }

// Target returns the model's p1.
func (m *Model) Target() data.Dist { d, _ := data.Lookup(m.Config.Target); return d }

// Sample draws n points x0 ~ p0 (seeded) and integrates dx/dt = v_theta(t, x)
// from t = 0 to 1 with the given solver options, returning x1 (Result.X),
// the NFE and, if asked, the trajectories.
func (m *Model) Sample(n int, seed uint64, opt ode.Options) (*ode.Result, error) {
	if n <= 0 {
		return nil, fmt.Errorf("model: number of samples must be positive, got %d", n)
	}
	x0 := m.Source().Sample(n, data.NewRand(seed))
	return ode.Solve(m, x0, opt)
}

// SampleFunc returns the model with fixed solver options as a seeded
// sampler, func(n, seed) -> x1 (n x d), the shape metric.Sampler expects:
// for W2 over several draws (metric.W2Draws) or a paired comparison of
// two solvers on the same x0 (metric.ComparePaired). It integrates with
// Sample and so fails as Sample does.
func (m *Model) SampleFunc(opt ode.Options) func(n int, seed uint64) (*mat.Dense, error) {
	opt.Trajectory = false
	return func(n int, seed uint64) (*mat.Dense, error) {
		r, err := m.Sample(n, seed, opt)
		if err != nil {
			return nil, err
		}
		return r.X, nil
	}
}

// Backend is the GoMLX backend holding the model's weights.
func (m *Model) Backend() backends.Backend { return m.backend }

// Context returns the model's GoMLX context, set to reuse its variables:
// build graphs that call VelocityGraph with it (for example a divergence,
// or several solver steps compiled into one executable).
func (m *Model) Context() *context.Context { return m.ctx.Reuse() }

// VelocityGraph builds v_theta(t, x) inside a graph, with the weights of
// ctx (use Context()). t is a scalar or has shape [B]; x has shape [B, d].
// It panics for a score model or a conditional model, whose velocity is not
// the network's output (use Velocity, or Guided).
func (m *Model) VelocityGraph(ctx *context.Context, t, x *Node) *Node {
	m.Config.mustBeVelocityNetwork("VelocityGraph")
	return m.Config.Field.Build(ctx.In(fieldScope), t, x)
}
