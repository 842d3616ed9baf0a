package likelihood

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/field"
	"github.com/flowmatching/gofm/fmkit/internal/gx"
	"github.com/flowmatching/gofm/fmkit/ode"
)

// LogProbGraph builds log p1(x1) for every row of x1 ([B, d] -> [B]) inside
// a graph, for p0 = N(0, I), by unrolling a fixed-step Runge-Kutta solver
// (tableau tb, steps steps) on the augmented ODE dx/dt = v_t(x),
// dl/dt = -div v_t(x) from t = 1 back to t = 0, with exact divergences:
//
//	log p1(x1) = log N(x0; 0, I) - int_0^1 div v_t(x_t) dt.
//
// Every stage evaluates v and its d-pass divergence, so one call costs
// steps * stages * (1 forward + d backward) network passes, and the whole
// computation stays one differentiable graph: differentiating it with
// respect to the weights is "discretize-then-optimize" maximum-likelihood
// training (exact gradients of the discretised log-likelihood, second-order
// through the divergence).
//
// f is built once per stage with the same ctx, so ctx must allow reusing
// variables (ctx.Checked(false), or ctx.Reuse() for existing weights).
func LogProbGraph(ctx *context.Context, f Field, x1 *Node, tb ode.Tableau, steps int) *Node {
	checkX("LogProbGraph", x1)
	if steps <= 0 {
		panic(fmt.Sprintf("likelihood.LogProbGraph: the number of solver steps must be positive, got %d", steps))
	}
	g := x1.Graph()
	dt := x1.DType()
	d := x1.Shape().Dimensions[1]
	h := -1 / float64(steps)
	x := x1
	// l does not feed back into the dynamics, so its stage values are not
	// needed: only the stage slopes kl_i = -div v at the stage points.
	var l *Node
	s := tb.Stages()
	kx := make([]*Node, s)
	kl := make([]*Node, s)
	for k := range steps {
		t := 1 + float64(k)*h
		for i := range s {
			xs := x
			for j, a := range tb.A[i] {
				if a != 0 {
					xs = Add(xs, MulScalar(kx[j], h*a))
				}
			}
			v, div := Divergence(ctx, f, Scalar(g, dt, t+tb.C[i]*h), xs)
			kx[i], kl[i] = v, Neg(div)
		}
		for i, w := range tb.B {
			if w != 0 {
				x = Add(x, MulScalar(kx[i], h*w))
				if l == nil {
					l = MulScalar(kl[i], h*w)
				} else {
					l = Add(l, MulScalar(kl[i], h*w))
				}
			}
		}
	}
	// l(0) = int_0^1 div v_t dt; log p0(x0) = -d/2 log 2pi - ||x0||^2/2.
	logp0 := AddScalar(MulScalar(ReduceSum(Square(x), -1), -0.5), -0.5*float64(d)*math.Log(2*math.Pi))
	return Sub(logp0, l)
}

// MLConfig configures maximum-likelihood training of a CNF (section
// 6.1.2): the loss is the negative log-likelihood of a data batch,
//
//	NLL(theta) = -(1/B) sum_i log p1(x1_i),
//
// computed by LogProbGraph with the unrolled solver Method x Steps, and
// minimised with Adam. The network is the same fmkit MLP that CFM trains.
type MLConfig struct {
	Field  field.MLP
	Batch  int
	Method string // fixed-step solver of the unrolled ODE: "euler", "midpoint", "heun", "rk4"
	Steps  int    // solver steps from t = 1 to t = 0
	LR     float64
	Seed   uint64
}

// MLTrainer runs maximum-likelihood CNF training steps.
type MLTrainer struct {
	Config  MLConfig
	History []float64 // NLL of every step

	backend backends.Backend
	ctx     *context.Context
	exec    *context.Exec
	tb      ode.Tableau
	buf     []float32
}

// NewMLTrainer checks cfg and prepares (but does not yet compile) the
// training step.
func NewMLTrainer(cfg MLConfig) (*MLTrainer, error) {
	if err := cfg.Field.Validate(); err != nil {
		return nil, fmt.Errorf("likelihood: %w", err)
	}
	tb, err := ode.Method(cfg.Method)
	if err != nil {
		return nil, fmt.Errorf("likelihood: %w", err)
	}
	switch {
	case cfg.Steps <= 0:
		return nil, fmt.Errorf("likelihood: the unrolled solver needs Steps > 0, got %d", cfg.Steps)
	case cfg.Batch <= 0:
		return nil, fmt.Errorf("likelihood: Batch must be positive, got %d", cfg.Batch)
	case !(cfg.LR > 0) || math.IsInf(cfg.LR, 0):
		return nil, fmt.Errorf("likelihood: learning rate must be a positive number, got %v", cfg.LR)
	}
	backend, err := backendOf()
	if err != nil {
		return nil, err
	}
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(int64(cfg.Seed)); err != nil {
		return nil, err
	}
	tr := &MLTrainer{Config: cfg, backend: backend, ctx: ctx, tb: tb, buf: make([]float32, cfg.Batch*cfg.Field.Dim)}
	opt := optimizers.Adam().LearningRate(cfg.LR).Done()
	// The field is built once per solver stage: its variables are created
	// by the first and reused by the others.
	tr.exec, err = context.NewExec(backend, ctx.Checked(false), func(ctx *context.Context, x1 *Node) *Node {
		loss := Neg(ReduceAllMean(LogProbGraph(ctx, tr.Velocity, x1, tb, cfg.Steps)))
		opt.UpdateGraph(ctx, x1.Graph(), loss)
		return loss
	})
	if err != nil {
		return nil, fmt.Errorf("likelihood: building the maximum-likelihood step: %w", err)
	}
	return tr, nil
}

// Velocity is the trainer's network v_theta(t, x), SplitMLP(Config.Field).
func (tr *MLTrainer) Velocity(ctx *context.Context, t, x *Node) *Node {
	return SplitMLP(tr.Config.Field)(ctx.In("field"), t, x)
}

// Backend and Context make the trainer a Model (see ForModel), so the
// likelihood of the network being trained can be evaluated with any solver.
func (tr *MLTrainer) Backend() backends.Backend { return tr.backend }

// Context returns the trainer's context, set to reuse its variables.
func (tr *MLTrainer) Context() *context.Context { return tr.ctx.Reuse() }

// VelocityGraph is Velocity (the Model interface).
func (tr *MLTrainer) VelocityGraph(ctx *context.Context, t, x *Node) *Node {
	return tr.Velocity(ctx, t, x)
}

// StepOn takes one Adam step on the NLL of the batch x1 (Batch x d) and
// returns the NLL before the step. The first call compiles the graph.
func (tr *MLTrainer) StepOn(x1 *mat.Dense) (float64, error) {
	b, d := x1.Dims()
	if b != tr.Config.Batch || d != tr.Config.Field.Dim {
		return 0, fmt.Errorf("likelihood: batch is %dx%d, the trainer was configured for %dx%d", b, d, tr.Config.Batch, tr.Config.Field.Dim)
	}
	gx.Fill32(tr.buf, x1)
	var outs []*tensors.Tensor
	err := gx.Catch("likelihood: maximum-likelihood step", func() (err error) {
		outs, err = tr.exec.Exec(tensors.FromFlatDataAndDimensions(tr.buf, b, d))
		return err
	})
	if err != nil {
		return 0, err
	}
	loss := float64(tensors.ToScalar[float32](outs[0]))
	if math.IsNaN(loss) || math.IsInf(loss, 0) {
		return loss, fmt.Errorf("likelihood: the NLL became %v at step %d: lower the learning rate or use more solver steps", loss, len(tr.History)+1)
	}
	tr.History = append(tr.History, loss)
	return loss, nil
}

// Close releases the compiled step.
func (tr *MLTrainer) Close() { tr.exec.Finalize() }

// backendOf is the process-wide fmkit backend.
func backendOf() (backends.Backend, error) { return fmkit.Backend() }
