package marginal

import (
	"fmt"
	"math"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/internal/gx"
)

// Model is a network v_theta(t, x) whose graph can be built around;
// *train.Model implements it.
type Model interface {
	Backend() backends.Backend
	Context() *context.Context
	VelocityGraph(ctx *context.Context, t, x *Node) *Node
}

// LossSample is one Monte Carlo sample of (t, x0, x1, x_t) with both
// regression targets of section 6.3.3 at every point: the conditional
// field u_t(x_t | x0, x1) of L_CFM and the closed-form marginal field
// u_t(x_t) of L_FM. Evaluating several parameter settings on the same
// sample makes their losses comparable.
type LossSample struct {
	Draw  *Draw
	UMarg *mat.Dense // u_t(x_t), the closed-form marginal field at each x_t
	// Constant is the part of L_CFM - L_FM that does not involve theta,
	// (1/n) sum_i ||u_t(x_t,i | x0_i, x1_i) - u_t(x_t,i)||^2: the mean
	// posterior variance of the conditional field.
	Constant float64
}

// NewLossSample draws n triples with t ~ U[0, 1] (see Sample) and computes
// the marginal field at each x_t (cost n * N * d).
func (e *Empirical) NewLossSample(n int, seed uint64) (*LossSample, error) {
	dr, err := e.Sample(n, 0, 1, data.NewRand(seed))
	if err != nil {
		return nil, err
	}
	for i, t := range dr.T {
		if _, s, _, _ := e.Schedule.Coefficients(t); !(s > 0) {
			dr.T[i] = math.Nextafter(t, 0) // t = 1 exactly: step back
		}
	}
	um, err := e.VelocityAt(dr.T, dr.XT)
	if err != nil {
		return nil, err
	}
	c := 0.0
	for i := range n {
		a, b := dr.UCond.RawRowView(i), um.RawRowView(i)
		for k := range a {
			c += (a[k] - b[k]) * (a[k] - b[k])
		}
	}
	return &LossSample{Draw: dr, UMarg: um, Constant: c / float64(n)}, nil
}

// Losses are the two objectives of section 6.3.3 for one parameter
// setting theta, estimated on a LossSample, with their gradients:
//
//	L_FM(theta)  = (1/n) sum_i ||v_theta(t_i, x_t,i) - u_t(x_t,i)||^2,
//	L_CFM(theta) = (1/n) sum_i ||v_theta(t_i, x_t,i) - u_t(x_t,i | x0_i, x1_i)||^2.
//
// Expanding the square, L_CFM - L_FM = Constant + 2 Cross with
// Cross = (1/n) sum_i <v_theta - u_t, u_t - u_t(.|x0, x1)>, whose
// expectation is 0 for every theta because E[u_t(x_t | x0, x1) | x_t] =
// u_t(x_t): on a finite sample the gap varies with theta only by this
// zero-mean term, and so do the gradients.
type Losses struct {
	FM, CFM float64
	// GradFM and GradCFM are the gradients of the two losses with respect
	// to every trainable weight, flattened in the same order.
	GradFM, GradCFM []float64
}

// Gap is L_CFM - L_FM.
func (l *Losses) Gap() float64 { return l.CFM - l.FM }

// GradRelDiff is ||grad L_FM - grad L_CFM|| / ||grad L_CFM||.
func (l *Losses) GradRelDiff() float64 {
	d, n := 0.0, 0.0
	for i, g := range l.GradCFM {
		d += (l.GradFM[i] - g) * (l.GradFM[i] - g)
		n += g * g
	}
	return math.Sqrt(d / n)
}

// GradCosine is the cosine of the angle between the two gradients.
func (l *Losses) GradCosine() float64 {
	dot, a, b := 0.0, 0.0, 0.0
	for i, g := range l.GradCFM {
		dot += l.GradFM[i] * g
		a += l.GradFM[i] * l.GradFM[i]
		b += g * g
	}
	return dot / math.Sqrt(a*b)
}

// Evaluate computes both losses and their gradients for the model m on
// the sample (one graph, float32, all n points in one batch).
func (s *LossSample) Evaluate(m Model) (*Losses, error) {
	ls, err := EvaluateMany(m, s)
	if err != nil {
		return nil, err
	}
	return ls[0], nil
}

// EvaluateMany is Evaluate on several samples: result k is the losses of
// m on samples[k]. The graph is built once and run on every sample, which
// is much cheaper than building it for each (samples of one size share one
// compiled program).
func EvaluateMany(m Model, samples ...*LossSample) ([]*Losses, error) {
	if len(samples) == 0 {
		return nil, fmt.Errorf("marginal: no loss samples to evaluate")
	}
	for k, s := range samples {
		if s == nil || s.Draw == nil {
			return nil, fmt.Errorf("marginal: loss sample %d is nil", k)
		}
	}
	exec, err := context.NewExec(m.Backend(), m.Context(), func(ctx *context.Context, in []*Node) []*Node {
		t, xt, um, uc := in[0], in[1], in[2], in[3]
		v := m.VelocityGraph(ctx, t, xt)
		fm := ReduceAllMean(ReduceSum(Square(Sub(v, um)), -1))
		cfm := ReduceAllMean(ReduceSum(Square(Sub(v, uc)), -1))
		var vars []*Node
		for vr := range ctx.IterVariables() {
			if vr.Trainable && vr.InUseByGraph(t.Graph()) {
				vars = append(vars, vr.ValueGraph(t.Graph()))
			}
		}
		if len(vars) == 0 {
			panic("the model has no trainable weights in this graph")
		}
		out := []*Node{fm, cfm}
		out = append(out, Gradient(fm, vars...)...)
		return append(out, Gradient(cfm, vars...)...)
	})
	if err != nil {
		return nil, fmt.Errorf("marginal: building the loss graph: %w", err)
	}
	defer exec.Finalize()
	out := make([]*Losses, len(samples))
	for k, s := range samples {
		if out[k], err = s.run(exec); err != nil {
			return nil, fmt.Errorf("marginal: loss sample %d: %w", k, err)
		}
	}
	return out, nil
}

// run evaluates the loss graph exec on the sample.
func (s *LossSample) run(exec *context.Exec) (*Losses, error) {
	n, _ := s.Draw.XT.Dims()
	tb := make([]float32, n)
	for i, t := range s.Draw.T {
		tb[i] = float32(t)
	}
	var outs []*tensors.Tensor
	err := gx.Catch("marginal: evaluating the losses", func() (err error) {
		outs, err = exec.Exec(tensors.FromFlatDataAndDimensions(tb, n), gx.Tensor(s.Draw.XT), gx.Tensor(s.UMarg), gx.Tensor(s.Draw.UCond))
		return err
	})
	if err != nil {
		return nil, err
	}
	l := &Losses{FM: float64(tensors.ToScalar[float32](outs[0])), CFM: float64(tensors.ToScalar[float32](outs[1]))}
	k := (len(outs) - 2) / 2
	for i, o := range outs[2:] {
		flat, err := tensors.CopyFlatData[float32](o)
		if err != nil {
			return nil, err
		}
		for _, v := range flat {
			if i < k {
				l.GradFM = append(l.GradFM, float64(v))
			} else {
				l.GradCFM = append(l.GradCFM, float64(v))
			}
		}
	}
	return l, nil
}
