package likelihood

import (
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"math"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/field"
	"github.com/flowmatching/gofm/fmkit/internal/gx"
	"github.com/flowmatching/gofm/fmkit/nb"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/path"
	"github.com/flowmatching/gofm/fmkit/train"
)

// Kinds of constrained fields (ConstrainedConfig.Kind), both built from
// one scalar network s_theta(t, x) (ScalarMLP):
//
//   - CurlFree ("gradient"): v = grad_x phi_theta(t, x). Its Jacobian is the Hessian of
//     phi, symmetric, so curl v = 0: the field is irrotational (curl-free).
//     Brenier: the optimal-transport velocity is of this form, and so is
//     the marginal field of the independent coupling from a Gaussian source
//     (u_t(x) = (x + (1-t) grad log p_t(x))/t on the linear path).
//   - DivFree ("stream", d = 2): v = (d psi/dy, -d psi/dx) for a stream function psi.
//     Then div v = d2psi/dxdy - d2psi/dydx = 0: the flow preserves volume,
//     so by the instantaneous change of variables log p1(x1) = log p0(x0)
//     along every path; the density's values are only moved around, never
//     raised, so max p1 = max p0 and -E log p1 >= log(2 pi) for a standard
//     Gaussian p0 in 2D.
const (
	CurlFree = "gradient"
	DivFree  = "stream"
)

// ConstrainedKinds lists the constrained field kinds.
var ConstrainedKinds = []string{CurlFree, DivFree}

// ScalarMLP is the scalar network s_theta(t, x): R x R^d -> R built like
// SplitMLP(m) (same time embedding, Depth hidden layers of Width units, the
// first layer as x W_x + emb(t) W_t + b) but with one output, returned with
// shape [B]. Its matrix products carry matrix-product gradients, so it can
// be differentiated twice on the pure-Go backend: once for v = grad s, and
// once more when a loss on v is differentiated with respect to the weights.
func ScalarMLP(m field.MLP) func(ctx *context.Context, t, x *Node) *Node {
	act := activations.FromName(strings.ToLower(m.Activation))
	return func(ctx *context.Context, t, x *Node) *Node {
		if x.Rank() != 2 || x.Shape().Dimensions[1] != m.Dim {
			panic(fmt.Sprintf("likelihood.ScalarMLP: x must have shape [batch, %d], got %s", m.Dim, x.Shape()))
		}
		if m.Depth < 1 {
			panic("likelihood.ScalarMLP: the scalar network needs at least one hidden layer (Depth >= 1); with none its gradient would not depend on x")
		}
		batch := x.Shape().Dimensions[0]
		if t.IsScalar() {
			t = BroadcastToDims(t, batch)
		}
		if t.DType() != x.DType() {
			t = ConvertDType(t, x.DType())
		}
		emb := m.TimeEmbedding(t)
		first := ctx.In("hidden_0")
		wt := first.In("t").VariableWithShape("weights", shapes.Make(x.DType(), emb.Shape().Dimensions[1], m.Width)).ValueGraph(x.Graph())
		h := activations.Apply(act, Add(linear2(first.In("x"), x, m.Width), matMul2(emb, wt)))
		for i := 1; i < m.Depth; i++ {
			h = activations.Apply(act, linear2(ctx.Inf("hidden_%d", i), h, m.Width))
		}
		return Reshape(linear2(ctx.In("output"), h, 1), batch)
	}
}

// ConstrainedField returns the Field of the given kind built on
// ScalarMLP(m): CurlFree gives v = grad_x s, DivFree (m.Dim = 2) gives
// v = (ds/dy, -ds/dx) = grad s R with R = [[0, -1], [1, 0]]. The gradient
// is taken inside the graph (rows are independent, so the gradient of
// sum_i s(t, x_i) with respect to x is row by row grad s(t, x_i)).
func ConstrainedField(kind string, m field.MLP) (Field, error) {
	if err := m.Validate(); err != nil {
		return nil, fmt.Errorf("likelihood: %w", err)
	}
	if m.Depth < 1 {
		return nil, fmt.Errorf("likelihood: a constrained field needs a scalar network with Depth >= 1 hidden layers, got %d", m.Depth)
	}
	s := ScalarMLP(m)
	switch strings.ToLower(kind) {
	case CurlFree:
		return func(ctx *context.Context, t, x *Node) *Node {
			return Gradient(ReduceAllSum(s(ctx, t, x)), x)[0]
		}, nil
	case DivFree:
		if m.Dim != 2 {
			return nil, fmt.Errorf("likelihood: a stream-function field is two-dimensional, the network has Dim = %d", m.Dim)
		}
		return func(ctx *context.Context, t, x *Node) *Node {
			g := Gradient(ReduceAllSum(s(ctx, t, x)), x)[0]
			r := Reshape(ConstAsDType(x.Graph(), x.DType(), []float64{0, -1, 1, 0}), 2, 2)
			return Dot(g, r) // [g_x, g_y] R = [g_y, -g_x]
		}, nil
	}
	return nil, fmt.Errorf("likelihood: unknown constrained field %q: use one of %s", kind, strings.Join(ConstrainedKinds, ", "))
}

// ConstrainedConfig is everything that determines a constrained model: the
// kind of field and a train.Config that names the data (Source, Target),
// the conditional path, the coupling, the network's sizes (Field: the
// scalar network uses Dim, Width, Depth, Activation and the time
// embedding), and the CFM training budget (Steps, Batch, LR, LRDecay,
// Seed). Only velocity models are constrained (Objective "" , Classes 0).
type ConstrainedConfig struct {
	Kind  string       `json:"kind"`
	Train train.Config `json:"train"`
}

// Validate checks the configuration and says what to change.
func (c ConstrainedConfig) Validate() error {
	if err := c.Train.Validate(); err != nil {
		return err
	}
	if c.Train.Classes > 0 || (c.Train.Objective != "" && strings.ToLower(c.Train.Objective) != train.ObjectiveVelocity) {
		return fmt.Errorf("likelihood: a constrained model is an unconditional velocity model: set Objective \"\" and Classes 0")
	}
	_, err := ConstrainedField(c.Kind, c.Train.Field)
	return err
}

// Hash names the configuration in the checkpoint cache.
func (c ConstrainedConfig) Hash() string {
	b, _ := json.Marshal(struct {
		Format int
		Kind   string
		Train  string
	}{constrainedFormat, strings.ToLower(c.Kind), c.Train.Hash()})
	h := sha256.Sum256(b)
	return hex.EncodeToString(h[:8])
}

// String is a one-line summary.
func (c ConstrainedConfig) String() string {
	return fmt.Sprintf("%s field from a scalar %s; %s", c.Kind, c.Train.Field, c.Train)
}

// ConstrainedModel is a trained constrained velocity field. It is an
// ode.Field (Velocity) and a likelihood Model (ForModel gives its Flow).
type ConstrainedModel struct {
	Config  ConstrainedConfig
	History []float64 // CFM loss at every step
	Seconds float64   // training wall time (0 when loaded from the cache)

	backend backends.Backend
	ctx     *context.Context
	field   Field
	flow    *Flow
}

// Backend is the backend holding the weights.
func (m *ConstrainedModel) Backend() backends.Backend { return m.backend }

// Context returns the model's context, set to reuse its variables.
func (m *ConstrainedModel) Context() *context.Context { return m.ctx.Reuse() }

// VelocityGraph builds the constrained v_theta(t, x) in a graph.
func (m *ConstrainedModel) VelocityGraph(ctx *context.Context, t, x *Node) *Node {
	return m.field(ctx.In("field"), t, x)
}

// Velocity evaluates v_theta(t, x) for every row of x (an ode.Field).
func (m *ConstrainedModel) Velocity(t float64, x *mat.Dense) (*mat.Dense, error) {
	if m.flow == nil {
		m.flow = ForModel(m)
	}
	return m.flow.Velocity(t, x)
}

// Sample draws n points of the source (seeded) and integrates the field
// from t = 0 to 1 with opt.
func (m *ConstrainedModel) Sample(n int, seed uint64, opt ode.Options) (*ode.Result, error) {
	if n <= 0 {
		return nil, fmt.Errorf("likelihood: number of samples must be positive, got %d", n)
	}
	src, err := data.Lookup(m.Config.Train.Source)
	if err != nil {
		return nil, err
	}
	return ode.Solve(m, src.Sample(n, data.NewRand(seed)), opt)
}

// SampleFunc is the model with fixed solver options as a seeded sampler
// (metric.Sampler's shape), as train.Model.SampleFunc.
func (m *ConstrainedModel) SampleFunc(opt ode.Options) func(n int, seed uint64) (*mat.Dense, error) {
	opt.Trajectory = false
	return func(n int, seed uint64) (*mat.Dense, error) {
		r, err := m.Sample(n, seed, opt)
		if err != nil {
			return nil, err
		}
		return r.X, nil
	}
}

// TrainConstrained fits the constrained field by conditional flow
// matching: the batches (t, x0, x1) are exactly those train.Trainer draws
// for cfg.Train (same data stream, coupling and path), and each Adam step
// minimises (1/B) sum_i ||v_theta(t_i, x_t,i) - u_t,i||^2 with
// v_theta = grad s_theta (or its rotation). The gradient of that loss with
// respect to the weights differentiates through grad_x s: a second-order
// derivative, which GoMLX v0.26 computes (ScalarMLP is built so that the
// pure-Go backend can). It fails with an error naming the step if the loss
// becomes NaN or Inf.
func TrainConstrained(cfg ConstrainedConfig) (*ConstrainedModel, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	f, _ := ConstrainedField(cfg.Kind, cfg.Train.Field)
	backend, err := backendOf()
	if err != nil {
		return nil, err
	}
	tc := cfg.Train
	draws, err := train.NewTrainer(tc) // its Draw is the data stream; its own step is never compiled
	if err != nil {
		return nil, err
	}
	defer draws.Close()
	p, _ := path.Lookup(tc.Path)
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(int64(tc.Seed)); err != nil {
		return nil, err
	}
	opt := optimizers.Adam().LearningRate(tc.LR).Done()
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, t, xt, ut, lr *Node) *Node {
		optimizers.LearningRateVar(ctx, dtypes.Float32, tc.LR).SetValueGraph(lr)
		v := f(ctx.In("field"), t, xt)
		loss := ReduceAllMean(ReduceSum(Square(Sub(v, ut)), -1))
		opt.UpdateGraph(ctx, t.Graph(), loss)
		return loss
	})
	if err != nil {
		return nil, fmt.Errorf("likelihood: building the constrained CFM step: %w", err)
	}
	defer exec.Finalize()
	b, d := tc.Batch, tc.Field.Dim
	tb, xtb, utb := make([]float32, b), make([]float32, b*d), make([]float32, b*d)
	m := &ConstrainedModel{Config: cfg, backend: backend, ctx: ctx, field: f}
	var prog *nb.Progress
	if !tc.Quiet {
		prog = nb.NewProgress(fmt.Sprintf("CFM training of a %s field: %s -> %s", cfg.Kind, tc.Source, tc.Target), tc.Steps)
	}
	start := time.Now()
	for k := range tc.Steps {
		t, x0, x1, err := draws.Draw()
		if err != nil {
			return nil, err
		}
		s, err := path.Interpolate(p, t, x0, x1)
		if err != nil {
			return nil, err
		}
		for i, v := range t {
			tb[i] = float32(v)
		}
		gx.Fill32(xtb, s.XT)
		gx.Fill32(utb, s.UT)
		var outs []*tensors.Tensor
		err = gx.Catch("likelihood: constrained CFM step", func() (err error) {
			outs, err = exec.Exec(tensors.FromFlatDataAndDimensions(tb, b), tensors.FromFlatDataAndDimensions(xtb, b, d),
				tensors.FromFlatDataAndDimensions(utb, b, d), float32(tc.LearningRate(k)))
			return err
		})
		if err != nil {
			return nil, err
		}
		loss := float64(tensors.ToScalar[float32](outs[0]))
		if math.IsNaN(loss) || math.IsInf(loss, 0) {
			if prog != nil {
				prog.Done(fmt.Sprintf("stopped at step %d: loss %v", k+1, loss))
			}
			return nil, fmt.Errorf("likelihood: the %s field's CFM loss became %v at step %d: lower the learning rate (LR)", cfg.Kind, loss, k+1)
		}
		m.History = append(m.History, loss)
		if prog != nil {
			prog.Update(k+1, fmt.Sprintf("loss %.4f", loss))
		}
	}
	m.Seconds = time.Since(start).Seconds()
	if prog != nil {
		prog.Done(fmt.Sprintf("loss (mean of the last 100 steps) %.4f", tailMean(m.History, 100)))
	}
	return m, nil
}

func tailMean(h []float64, n int) float64 {
	n = min(n, len(h))
	if n == 0 {
		return math.NaN()
	}
	s := 0.0
	for _, v := range h[len(h)-n:] {
		s += v
	}
	return s / float64(n)
}
