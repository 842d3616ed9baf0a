package train

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/field"
	"github.com/flowmatching/gofm/fmkit/internal/gx"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/path"
)

// Conditional flow matching with classifier-free guidance (section 6.5.3).
//
// With Config.Classes = K > 0 the network is v_theta(t, x, c)
// (field.Conditional) and the target data are labelled (data.Labelled). A
// training batch draws (x1, c) ~ p1(x, c), x0 ~ p0 and t ~ U[0, 1]
// independently, replaces each label by ∅ with probability LabelDrop, and
// takes an Adam step on
//
//	(1/B) sum_i || v_theta(t_i, x_t,i, c_i) - u_t,i ||^2,
//
// the Monte Carlo estimate of the chapter's conditional objective
// E_{p(c)} E_{t, q(x0, x1 | c)} || v_theta(t, x_t, c) - u_t(x_t | x0, x1) ||^2,
// plus the same objective with c = ∅ (the unconditional field) on the
// dropped fraction. Sampling uses the guided field
// (1 + w) v_theta(t, x, c) - w v_theta(t, x, ∅) (field.Conditional.Guided).

// Conditional returns the network of a conditional configuration.
func (c Config) Conditional() field.Conditional {
	return field.Conditional{MLP: c.Field, Classes: c.Classes}
}

// condState holds the label stream of a conditional trainer.
type condState struct {
	target data.Labelled
	lb     []int32
}

func (tr *Trainer) condState() *condState {
	if tr.cond == nil {
		l, _ := data.LookupLabelled(tr.Config.Target) // checked by Validate
		tr.cond = &condState{target: l, lb: make([]int32, tr.Config.Batch)}
	}
	return tr.cond
}

// newConditionalStep builds (lazily compiled) the training step of a
// conditional model: inputs t [B], x_t [B, d], target [B, d], labels [B]
// (int32, ∅ = Classes) and the learning rate.
func newConditionalStep(backend backends.Backend, ctx *context.Context, cfg Config, opt optimizers.Interface) (*context.Exec, error) {
	return context.NewExec(backend, ctx, func(ctx *context.Context, t, xt, target, labels, lr *Node) *Node {
		optimizers.LearningRateVar(ctx, dtypes.Float32, cfg.LR).SetValueGraph(lr)
		loss := ConditionalLossGraph(ctx, cfg, t, xt, target, labels)
		opt.UpdateGraph(ctx, t.Graph(), loss)
		return loss
	})
}

// ConditionalLossGraph is the loss (1/B) sum_i ||v_theta(t_i, x_t,i, c_i) - target_i||^2
// of a batch, building the conditional network in ctx.
func ConditionalLossGraph(ctx *context.Context, cfg Config, t, xt, target, labels *Node) *Node {
	return chunkedLoss(ctx, xt, func(ctx *context.Context, r field.Rows) *Node {
		v := cfg.Conditional().Build(ctx, field.SliceRows(t, r), field.SliceRows(xt, r), field.SliceRows(labels, r))
		return ReduceSum(Square(Sub(v, field.SliceRows(target, r))), -1)
	})
}

// DrawLabelled samples one batch of a conditional model: (x1, c) from the
// labelled target, x0 ~ p0 independently, t ~ U[0, 1], and then replaces
// each label by ∅ (Classes) with probability LabelDrop.
func (tr *Trainer) DrawLabelled() (t []float64, x0, x1 *mat.Dense, labels []int, err error) {
	if tr.Config.Classes == 0 {
		return nil, nil, nil, nil, fmt.Errorf("train: DrawLabelled: the model is unconditional (Classes = 0); use Draw")
	}
	cs := tr.condState()
	b := tr.Config.Batch
	x1, labels = cs.target.SampleLabelled(b, tr.rng)
	x0 = tr.src.Sample(b, tr.rng)
	t = make([]float64, b)
	for i := range t {
		t[i] = tr.rng.Float64()
	}
	for i := range labels {
		if tr.rng.Float64() < tr.Config.LabelDrop {
			labels[i] = tr.Config.Classes
		}
	}
	return t, x0, x1, labels, nil
}

// StepOnLabelled takes one Adam step of a conditional model on the batch
// (t, x0, x1) with the labels of x1 (values 0..Classes, Classes being ∅).
func (tr *Trainer) StepOnLabelled(t []float64, x0, x1 *mat.Dense, labels []int, lr float64) (float64, error) {
	if tr.Config.Classes == 0 {
		return 0, fmt.Errorf("train: StepOnLabelled: the model is unconditional (Classes = 0); use StepOn")
	}
	cs := tr.condState()
	s, err := path.Interpolate(tr.path, t, x0, x1)
	if err != nil {
		return 0, err
	}
	b, d := s.XT.Dims()
	if b != tr.Config.Batch || len(labels) != b {
		return 0, fmt.Errorf("train: batch of %d pairs and %d labels, the trainer was configured for %d", b, len(labels), tr.Config.Batch)
	}
	if err := field.CheckLabels(labels, tr.Config.Classes, true); err != nil {
		return 0, fmt.Errorf("train: %w", err)
	}
	for i, v := range t {
		tr.tb[i] = float32(v)
	}
	for i, l := range labels {
		cs.lb[i] = int32(l)
	}
	gx.Fill32(tr.xtb, s.XT)
	gx.Fill32(tr.utb, tr.Config.regressionTarget(s))
	outs, err := tr.exec.Exec(
		tensors.FromFlatDataAndDimensions(tr.tb, b),
		tensors.FromFlatDataAndDimensions(tr.xtb, b, d),
		tensors.FromFlatDataAndDimensions(tr.utb, b, d),
		tensors.FromFlatDataAndDimensions(cs.lb, b),
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

func (tr *Trainer) stepConditional(k int) (float64, error) {
	t, x0, x1, labels, err := tr.DrawLabelled()
	if err != nil {
		return 0, err
	}
	return tr.StepOnLabelled(t, x0, x1, labels, tr.Config.LearningRate(k))
}

// GuidedGraph builds the classifier-free guided field
// (1 + w) v_theta(t, x, c) - w v_theta(t, x, ∅) of a conditional model in a
// graph, with the weights of ctx (use Context()): t scalar or [B], x [B, d],
// labels int32 [B], w a scalar. For a score model it is the guided noise
// prediction (Model.Guided converts it to a velocity).
func (m *Model) GuidedGraph(ctx *context.Context, t, x, labels, w *Node) *Node {
	if m.Config.Classes == 0 {
		panic("train: GuidedGraph: the model is unconditional (Classes = 0); use VelocityGraph")
	}
	return m.Config.Conditional().Guided(ctx.In(fieldScope), t, x, labels, w)
}

// Guided returns the guided velocity field of a conditional model as an
// ode.Field for a batch whose row i has label labels[i]:
//
//	v_w(t, x_i) = (1 + w) v_theta(t, x_i, c_i) - w v_theta(t, x_i, ∅).
//
// w = 0 is the conditional field (no guidance), w > 0 strengthens the
// condition, w = -1 ignores it. Labels must be classes 0..Classes-1 and w
// a finite number.
func (m *Model) Guided(labels []int, w float64) (ode.Field, error) {
	if m.Config.Classes == 0 {
		return nil, fmt.Errorf("model: the model is unconditional (Classes = 0): use it as an ode.Field directly")
	}
	if err := field.CheckGuidance(w); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	if len(labels) == 0 {
		return nil, fmt.Errorf("model: no labels: give one class per point to generate")
	}
	if err := field.CheckLabels(labels, m.Config.Classes, false); err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	lb := make([]int32, len(labels))
	for i, l := range labels {
		lb[i] = int32(l)
	}
	d := m.Config.Field.Dim
	return ode.FieldFunc(func(t float64, x *mat.Dense) (*mat.Dense, error) {
		n, dx := x.Dims()
		if n != len(lb) || dx != d {
			return nil, fmt.Errorf("model: guided field for %d points of dimension %d, got %dx%d", len(lb), d, n, dx)
		}
		if m.guided == nil {
			exec, err := context.NewExec(m.backend, m.Context(), func(ctx *context.Context, t, x, labels, w *Node) *Node {
				return byChunks(x, func(r field.Rows) *Node {
					return m.GuidedGraph(ctx, rowsOf(t, r), field.SliceRows(x, r), field.SliceRows(labels, r), w)
				})
			})
			if err != nil {
				return nil, fmt.Errorf("model: building the guided field: %w", err)
			}
			m.guided = exec
		}
		outs, err := m.guided.Exec(float32(t), tensors.FromFlatDataAndDimensions(gx.Float32(x), n, d),
			tensors.FromFlatDataAndDimensions(lb, n), float32(w))
		if err != nil {
			return nil, fmt.Errorf("model: evaluating the guided field at t=%v: %w", t, err)
		}
		return m.toVelocity(t, x, outs[0])
	}), nil
}

// SampleGuided draws len(labels) points x0 ~ p0 (seeded) and integrates the
// guided field (see Guided) from t = 0 to 1: row i of Result.X is a sample
// of class labels[i] at guidance weight w.
func (m *Model) SampleGuided(labels []int, w float64, seed uint64, opt ode.Options) (*ode.Result, error) {
	f, err := m.Guided(labels, w)
	if err != nil {
		return nil, err
	}
	x0 := m.Source().Sample(len(labels), data.NewRand(seed))
	return ode.Solve(f, x0, opt)
}

// Repeat returns the labels 0..classes-1, each repeated n times (class by
// class): the labels of a grid of n samples per class.
func Repeat(classes, n int) []int {
	out := make([]int, 0, classes*n)
	for c := range classes {
		for range n {
			out = append(out, c)
		}
	}
	return out
}
