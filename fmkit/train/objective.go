package train

import (
	"fmt"
	"math"
	"strings"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/field"
	"github.com/flowmatching/gofm/fmkit/internal/gx"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/path"
)

// Training objectives (Config.Objective). Both regress the network's output
// onto a target built from the same batch (t, x0, x1) on the same path, with
// the same network and the same mean squared error; they differ in the
// target:
//
//   - ObjectiveVelocity (the default, also ""): conditional flow matching,
//     v_theta(t, x_t) -> u_t = alpha'_t x1 + sigma'_t x0.
//
//   - ObjectiveScore: denoising score matching (Vincent 2011; Song et al.
//     2021) on an affine Gaussian path. The conditional score of
//     x_t = alpha_t x1 + sigma_t x0 given x1 is
//     grad log p_t(x_t | x1) = -x0 / sigma_t, and the network eps_theta
//     predicts the noise, the score model being s_theta = -eps_theta / sigma_t.
//     With the usual weight lambda(t) = sigma_t^2 the DSM loss is
//
//     lambda(t) || s_theta(t, x_t) + x0 / sigma_t ||^2 = || eps_theta(t, x_t) - x0 ||^2,
//
//     which stays bounded where sigma_t -> 0. Sampling integrates the
//     probability-flow ODE, whose velocity is the score converted by
//     path.Convert (for the VP path, 1/2 beta (x + s_theta)).
//
//     On the Brownian-bridge path of SB-CFM ("bridge:SIGMA", sigma > 0) the
//     same objective is the score head of simulation-free score and flow
//     matching (SF2M, Tong et al. 2024): x_t = mu_t + sigma sqrt(t(1-t)) eps
//     has the conditional score -eps / (sigma sqrt(t(1-t))), the network
//     eps_theta predicts the bridge's noise eps (path.BridgeNoise, the
//     same eps that built x_t), and with lambda(t) = sigma^2 t (1-t)
//
//     lambda(t) || s_theta(t, x_t) + eps / (sigma sqrt(t(1-t))) ||^2 = || eps_theta(t, x_t) - eps ||^2,
//
//     s_theta = -eps_theta / (sigma sqrt(t(1-t))) (BridgeScore). The bridge
//     is not affine in x0, so a bridge score model has no velocity: sample
//     it together with a velocity model trained on the same path and
//     coupling (Model.SampleSDEWithScore).
const (
	ObjectiveVelocity = "velocity"
	ObjectiveScore    = "score"
)

// Objectives lists the accepted Objective names.
var Objectives = []string{ObjectiveVelocity, ObjectiveScore}

func (c Config) objective() string {
	if c.Objective == "" {
		return ObjectiveVelocity
	}
	return strings.ToLower(c.Objective)
}

// Output is what the network of a model with this configuration predicts:
// path.Velocity for flow matching, path.Epsilon (the noise x0) for score
// matching.
func (c Config) Output() path.Param {
	if c.objective() == ObjectiveScore {
		return path.Epsilon
	}
	return path.Velocity
}

// validateModel checks Objective, Classes and LabelDrop (the rest of
// Validate has checked the names they depend on).
func (c Config) validateModel() error {
	switch c.objective() {
	case ObjectiveVelocity:
	case ObjectiveScore:
		p, _ := path.Lookup(c.Path)
		if b, ok := p.(path.Bridge); ok {
			if !(b.Sigma > 0) {
				return fmt.Errorf("train: score matching on the bridge path needs sigma > 0 (at sigma = 0 the bridge is the straight line and has no score), got %q", c.Path)
			}
			break
		}
		if _, ok := path.ScheduleOf(p); !ok {
			return fmt.Errorf("train: score matching needs an affine Gaussian path (x_t = alpha_t x1 + sigma_t x0), and %q is not one: use one of %s", c.Path, strings.Join(affinePaths(), ", "))
		}
		src, _ := data.Lookup(c.Source)
		if _, ok := src.(data.Gaussian); !ok {
			return fmt.Errorf("train: score matching needs standard Gaussian noise x0 as the source, got %q: use \"gaussian\" (or \"gaussian64\" for 64-dimensional data)", c.Source)
		}
	default:
		return fmt.Errorf("train: unknown objective %q: use one of %s", c.Objective, strings.Join(Objectives, ", "))
	}
	if c.Classes < 0 {
		return fmt.Errorf("train: Classes must be >= 0 (0: an unconditional model), got %d", c.Classes)
	}
	if c.Classes == 0 {
		if c.LabelDrop != 0 {
			return fmt.Errorf("train: LabelDrop = %v needs a conditional model: set Classes to the number of classes of %q", c.LabelDrop, c.Target)
		}
		return nil
	}
	l, err := data.LookupLabelled(c.Target)
	if err != nil {
		return fmt.Errorf("train: a conditional model (Classes = %d) needs labelled data: %w", c.Classes, err)
	}
	if l.Classes() != c.Classes {
		return fmt.Errorf("train: target %q has %d classes but Classes = %d; set Classes = %d", c.Target, l.Classes(), c.Classes, l.Classes())
	}
	if !(c.LabelDrop >= 0 && c.LabelDrop < 1) {
		return fmt.Errorf("train: LabelDrop must be in [0, 1) (the probability of training on ∅), got %v", c.LabelDrop)
	}
	if strings.ToLower(c.Coupling) != "independent" {
		return fmt.Errorf("train: coupling %q would pair x0 and x1 across classes; a conditional model (Classes = %d) uses Coupling \"independent\"", c.Coupling, c.Classes)
	}
	return nil
}

// regressionTarget is the batch's regression target: u_t for flow
// matching, the noise x0 for score matching.
func (c Config) regressionTarget(s path.Sample) *mat.Dense {
	if c.Output() != path.Epsilon {
		return s.UT
	}
	if _, ok := c.bridge(); ok {
		// The bridge's noise eps of each row: path.Bridge.Point drew it from
		// (t, x0, x1) with BridgeNoise, so recomputing it gives the same eps.
		n, d := s.X0.Dims()
		eps := mat.NewDense(n, d, nil)
		for i := range n {
			path.BridgeNoise(s.T[i], s.X0.RawRowView(i), s.X1.RawRowView(i), eps.RawRowView(i))
		}
		return eps
	}
	return s.X0
}

// bridge returns the Brownian-bridge path of the configuration, if its path is one.
func (c Config) bridge() (path.Bridge, bool) {
	p, err := path.Lookup(c.Path)
	if err != nil {
		return path.Bridge{}, false
	}
	b, ok := p.(path.Bridge)
	return b, ok
}

// modelSummary is appended to String for score and conditional models
// (empty for the default CFM model, whose summary is unchanged).
func (c Config) modelSummary() string {
	var s string
	if c.objective() == ObjectiveScore {
		if _, ok := c.bridge(); ok {
			s += ", bridge score matching (eps-prediction, SF2M)"
		} else {
			s += ", score matching (eps-prediction)"
		}
	}
	if c.Classes > 0 {
		s += fmt.Sprintf(", conditional on %d classes, label dropout %g", c.Classes, c.LabelDrop)
	}
	return s
}

func (c Config) progressTitle() string {
	what := "CFM training"
	if c.objective() == ObjectiveScore {
		what = "score matching"
	}
	if c.Classes > 0 {
		what = "conditional " + what
	}
	return what + ": " + c.Source + " -> " + c.Target
}

// mustBeVelocityNetwork panics (GoMLX style, inside graph building) when the
// network's output is not v_theta(t, x).
func (c Config) mustBeVelocityNetwork(what string) {
	if c.Classes > 0 {
		panic(fmt.Sprintf("train: %s: the model is conditional (%d classes); use GuidedGraph", what, c.Classes))
	}
	if c.Output() != path.Velocity {
		panic(fmt.Sprintf("train: %s: the network of a score model predicts the noise, not the velocity; use Model.Velocity, which converts it", what))
	}
}

// networkGraph builds the unconditional network's raw output, chunk by
// chunk on fmkit's pure-Go backend (see byChunks). For one time t for the
// whole batch (a solver step) it uses field.Evaluator, whose first layer
// embeds t once instead of once per point.
func (m *Model) networkGraph(ctx *context.Context, t, x *Node) *Node {
	if t.IsScalar() {
		e := m.Config.Field.Evaluator(ctx.In(fieldScope), x.Graph())
		return byChunks(x, func(r field.Rows) *Node { return e.Velocity(t, field.SliceRows(x, r)) })
	}
	return byChunks(x, func(r field.Rows) *Node {
		return m.Config.Field.Build(ctx.In(fieldScope), rowsOf(t, r), field.SliceRows(x, r))
	})
}

// byChunks is f over the rows of x's batch, computed for each range of rows
// of field.Chunks (one on most backends; one per core on fmkit's pure-Go
// backend, where the chunks then run side by side) and concatenated. For
// graphs that are not differentiated with respect to x (field.SliceRows).
func byChunks(x *Node, f func(r field.Rows) *Node) *Node {
	chunks := field.Chunks(x.Graph(), x.Shape().Dimensions[0])
	outs := make([]*Node, len(chunks))
	for i, r := range chunks {
		outs[i] = f(r)
	}
	return concatRows(outs)
}

// concatRows joins the chunks' results along the batch axis (a single
// chunk is returned as it is).
func concatRows(parts []*Node) *Node {
	if len(parts) == 1 {
		return parts[0]
	}
	return Concatenate(parts, 0)
}

// rowsOf is rows r of t, or t itself when it is a scalar (one time for the
// whole batch).
func rowsOf(t *Node, r field.Rows) *Node {
	if t.IsScalar() {
		return t
	}
	return field.SliceRows(t, r)
}

// Schedule returns the schedule of the model's path, if it is affine.
func (m *Model) Schedule() (path.Schedule, bool) {
	p, err := path.Lookup(m.Config.Path)
	if err != nil {
		return nil, false
	}
	return path.ScheduleOf(p)
}

// toVelocity converts the network's output at (t, x) to the velocity.
func (m *Model) toVelocity(t float64, x *mat.Dense, out *tensors.Tensor) (*mat.Dense, error) {
	raw, err := gx.Dense(out)
	if err != nil {
		return nil, err
	}
	return m.convert(t, x, raw, path.Velocity)
}

func (m *Model) convert(t float64, x, raw *mat.Dense, to path.Param) (*mat.Dense, error) {
	from := m.Config.Output()
	if from == to {
		return raw, nil
	}
	if b, ok := m.Config.bridge(); ok && from == path.Epsilon {
		if to != path.Score {
			return nil, fmt.Errorf("model: a score model on the bridge path %q gives the score only, not the %s (the bridge is not affine in x0); sample it with a velocity model of the same path: velocityModel.SampleSDEWithScore(scoreModel, ...)", m.Config.Path, to)
		}
		return BridgeScore(b, t, raw), nil
	}
	s, ok := m.Schedule()
	if !ok {
		return nil, fmt.Errorf("model: path %q is not affine: its %s cannot be converted to a %s", m.Config.Path, from, to)
	}
	out, err := path.Convert(s, t, x, raw, from, to)
	if err != nil {
		return nil, fmt.Errorf("model: %w", err)
	}
	return out, nil
}

// Predict evaluates the model at time t on the rows of x as the
// parameterisation p (path.Velocity, path.Epsilon, path.X1 or path.Score),
// converting the network's output (see Config.Output) with path.Convert.
// For a score model, Predict(t, x, path.Score) is s_theta(t, x) and
// Velocity(t, x) the probability-flow velocity; a velocity model on an
// affine path gives a score too.
func (m *Model) Predict(t float64, x *mat.Dense, p path.Param) (*mat.Dense, error) {
	if p == path.Velocity {
		return m.Velocity(t, x)
	}
	n, d := x.Dims()
	if d != m.Config.Field.Dim {
		return nil, fmt.Errorf("model: points have %d columns but the model's dimension is %d", d, m.Config.Field.Dim)
	}
	if m.Config.Classes > 0 {
		return nil, fmt.Errorf("model: the model is conditional (%d classes): evaluate it with Guided(labels, w)", m.Config.Classes)
	}
	if m.velocity == nil {
		exec, err := context.NewExec(m.backend, m.Context(), m.networkGraph)
		if err != nil {
			return nil, fmt.Errorf("model: building the network: %w", err)
		}
		m.velocity = exec
	}
	outs, err := m.velocity.Exec(float32(t), tensors.FromFlatDataAndDimensions(gx.Float32(x), n, d))
	if err != nil {
		return nil, fmt.Errorf("model: evaluating the network at t=%v: %w", t, err)
	}
	raw, err := gx.Dense(outs[0])
	if err != nil {
		return nil, err
	}
	return m.convert(t, x, raw, p)
}

// SampleAdaptive draws n points x0 ~ p0 (seeded) and integrates
// dx/dt = v_theta(t, x) from t = 0 to 1 with the adaptive Dormand-Prince
// solver (ode.SolveAdaptive), returning x1 with the NFE and step statistics.
func (m *Model) SampleAdaptive(n int, seed uint64, opt ode.AdaptiveOptions) (*ode.AdaptiveResult, error) {
	if n <= 0 {
		return nil, fmt.Errorf("model: number of samples must be positive, got %d", n)
	}
	x0 := m.Source().Sample(n, data.NewRand(seed))
	return ode.SolveAdaptive(m, x0, opt)
}

// affinePaths lists the registered path names that are affine Gaussian
// paths (those a score model can be trained on).
func affinePaths() []string {
	var out []string
	for _, name := range path.Names() {
		if p, err := path.Lookup(name); err == nil {
			if _, ok := path.ScheduleOf(p); ok {
				out = append(out, name)
			}
		}
	}
	return out
}

// BridgeScore converts the bridge noise predicted by a bridge score model
// into the score: s_theta(t, x) = -eps_theta(t, x) / (sigma sqrt(t(1-t))),
// with t clamped to [path.BridgeTMin, 1 - path.BridgeTMin] (the bridge's
// conditional score is singular at t = 0 and 1, where it has no noise).
func BridgeScore(b path.Bridge, t float64, eps *mat.Dense) *mat.Dense {
	tc := min(max(t, path.BridgeTMin), 1-path.BridgeTMin)
	out := mat.NewDense(eps.RawMatrix().Rows, eps.RawMatrix().Cols, nil)
	out.Scale(-1/(b.Sigma*math.Sqrt(tc*(1-tc))), eps)
	return out
}
