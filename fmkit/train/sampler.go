package train

import (
	"fmt"
	"math"

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

// DefaultStepsPerCall is the number of solver steps a Sampler compiles into
// one graph unless told otherwise.
const DefaultStepsPerCall = 25

// Sampler integrates dx/dt = v_theta(t, x) of a model with a fixed-step
// Runge-Kutta method (see package ode) like ode.Solve(model, x0, opt), but
// with StepsPerCall solver steps compiled into one GoMLX graph:
//
//	for each step k:  k_i = v_theta(t_k + c_i h, x + h sum_{j<i} a_ij k_j),
//	                  x <- x + h sum_i b_i k_i,
//
// all computed in the graph. One call of the executable advances the points
// by StepsPerCall steps, so the points stay on the backend between steps,
// the per-call costs (moving the points to and from the host, converting
// them, starting the executable) are paid once per StepsPerCall steps
// instead of once per field evaluation, and the network's weights are
// prepared once for all of them (field.Evaluator: weights laid out for the
// products, the time features of each step computed on one row). The time grid is ode.Solve's: h =
// (T1 - T0) / Steps, the last step landing exactly on T1. The arithmetic is
// float32 (ode.Solve accumulates x in float64), so results agree with
// ode.Solve to float32 rounding.
//
// A Sampler keeps its compiled graphs (one per method, steps per call and
// trajectory setting); reuse it. It works for unconditional velocity models
// (the default CFM model); for score or conditional models use Model.Sample
// and Model.SampleGuided.
type Sampler struct {
	Model        *Model
	StepsPerCall int // solver steps per executable call (> 0)

	execs map[samplerKey]*context.Exec
}

type samplerKey struct {
	method string
	steps  int
	traj   bool
}

// Sampler returns a compiled multi-step sampler of the model with
// DefaultStepsPerCall steps per call.
func (m *Model) Sampler() *Sampler {
	return &Sampler{Model: m, StepsPerCall: DefaultStepsPerCall}
}

// Sample draws n points x0 ~ p0 (seeded as Model.Sample does) and integrates
// them from T0 to T1 (0 to 1 by default).
func (s *Sampler) Sample(n int, seed uint64, opt ode.Options) (*ode.Result, error) {
	if n <= 0 {
		return nil, fmt.Errorf("sampler: number of samples must be positive, got %d", n)
	}
	return s.Solve(s.Model.Source().Sample(n, data.NewRand(seed)), opt)
}

// Solve integrates from the points x0 (one per row) with the fixed-step
// method opt.Method in opt.Steps steps; with opt.Trajectory it keeps x after
// every step. NFE counts the field evaluations (stages x steps), as
// ode.Solve does.
func (s *Sampler) Solve(x0 *mat.Dense, opt ode.Options) (*ode.Result, error) {
	m := s.Model
	if m == nil {
		return nil, fmt.Errorf("sampler: no model")
	}
	if m.Config.Classes > 0 || m.Config.Output() != path.Velocity {
		return nil, fmt.Errorf("sampler: the compiled sampler integrates velocity models only; this model predicts %s with %d classes: use Model.Sample or Model.SampleGuided", m.Config.Output(), m.Config.Classes)
	}
	if s.StepsPerCall <= 0 {
		return nil, fmt.Errorf("sampler: StepsPerCall must be positive, got %d", s.StepsPerCall)
	}
	tb, err := ode.Method(opt.Method)
	if err != nil {
		return nil, err
	}
	if opt.Steps <= 0 {
		return nil, fmt.Errorf("sampler: number of steps must be positive, got %d", opt.Steps)
	}
	n, d := x0.Dims()
	if d != m.Config.Field.Dim {
		return nil, fmt.Errorf("sampler: points have %d columns but the model's dimension is %d", d, m.Config.Field.Dim)
	}
	t0, t1 := opt.T0, opt.T1
	if t0 == 0 && t1 == 0 {
		t1 = 1
	}
	if t0 == t1 || math.IsNaN(t0) || math.IsNaN(t1) {
		return nil, fmt.Errorf("sampler: empty time interval [%v, %v]", t0, t1)
	}
	x := gx.Float32(x0)
	if err := finite32(x, d, t0); err != nil {
		return nil, fmt.Errorf("sampler: initial points: %w", err)
	}

	// The time grid of ode.Solve: step k starts at t0 + k h; the last step
	// lands on t1.
	h := (t1 - t0) / float64(opt.Steps)
	starts := make([]float64, opt.Steps)
	sizes := make([]float64, opt.Steps)
	for k := range starts {
		starts[k] = t0 + float64(k)*h
		sizes[k] = h
	}
	sizes[opt.Steps-1] = t1 - starts[opt.Steps-1]

	res := &ode.Result{}
	if opt.Trajectory {
		res.Times = append(res.Times, t0)
		res.Traj = append(res.Traj, mat.DenseCopyOf(x0))
	}
	for k := 0; k < opt.Steps; k += s.StepsPerCall {
		steps := min(s.StepsPerCall, opt.Steps-k)
		exec, err := s.exec(tb, steps, opt.Trajectory)
		if err != nil {
			return nil, err
		}
		// Times of every stage of every step, and the step sizes.
		times := make([]float32, 0, steps*tb.Stages())
		hs := make([]float32, steps)
		for j := range steps {
			for _, c := range tb.C {
				times = append(times, float32(starts[k+j]+c*sizes[k+j]))
			}
			hs[j] = float32(sizes[k+j])
		}
		var outs []*tensors.Tensor
		err = gx.Catch("sampler", func() error {
			var err error
			outs, err = exec.Exec(tensors.FromFlatDataAndDimensions(x, n, d), times, hs)
			return err
		})
		if err != nil {
			return nil, fmt.Errorf("sampler: %s steps %d-%d of %d: %w", tb.Name, k+1, k+steps, opt.Steps, err)
		}
		x = tensors.MustCopyFlatData[float32](outs[0])
		res.NFE += steps * tb.Stages()
		tEnd := starts[k+steps-1] + sizes[k+steps-1]
		if err := finite32(x, d, tEnd); err != nil {
			return nil, fmt.Errorf("sampler: %s steps %d-%d of %d (t=%.4g): %w; try a smaller step or check the field", tb.Name, k+1, k+steps, opt.Steps, tEnd, err)
		}
		if opt.Trajectory {
			all := tensors.MustCopyFlatData[float32](outs[1]) // [steps, n, d]
			for j := range steps {
				res.Times = append(res.Times, starts[k+j]+sizes[k+j])
				res.Traj = append(res.Traj, dense64(all[j*n*d:(j+1)*n*d], n, d))
			}
		}
	}
	res.X = dense64(x, n, d)
	return res, nil
}

// exec returns the executable that advances x by steps steps of tb, with
// inputs x [n, d], the stage times [steps * stages] and the step sizes
// [steps]; its outputs are x after the last step and, with traj, x after
// every step, stacked as [steps, n, d].
func (s *Sampler) exec(tb ode.Tableau, steps int, traj bool) (*context.Exec, error) {
	key := samplerKey{tb.Name, steps, traj}
	if e, ok := s.execs[key]; ok {
		return e, nil
	}
	m := s.Model
	stages := tb.Stages()
	e, err := context.NewExec(m.Backend(), m.Context(), func(ctx *context.Context, x, times, hs *Node) []*Node {
		v := m.Config.Field.Evaluator(ctx.In(fieldScope), x.Graph()) // weights read once for all steps
		// On fmkit's pure-Go backend the points are split into chunks
		// (field.Chunks) that go through all the steps independently, so
		// the backend runs them side by side; elsewhere one chunk.
		// Step sizes and stage times as scalars, shared by all chunks.
		hOf := make([]*Node, steps)
		tOf := make([]*Node, steps*stages)
		for j := range hOf {
			hOf[j] = Reshape(Slice(hs, AxisRange(j, j+1)))
		}
		for k := range tOf {
			tOf[k] = Reshape(Slice(times, AxisRange(k, k+1)))
		}
		chunks := field.Chunks(x.Graph(), x.Shape().Dimensions[0])
		finals := make([]*Node, len(chunks))
		snaps := make([][]*Node, steps) // snaps[j][c]: chunk c after step j
		for c, r := range chunks {
			xc := field.SliceRows(x, r)
			for j := range steps {
				h := hOf[j]
				ks := make([]*Node, stages)
				for i := range stages {
					xi := xc
					for l, a := range tb.A[i] {
						if a != 0 {
							xi = Add(xi, Mul(MulScalar(h, a), ks[l]))
						}
					}
					ks[i] = v.Velocity(tOf[j*stages+i], xi)
				}
				var step *Node
				for i, b := range tb.B {
					if b == 0 {
						continue
					}
					term := MulScalar(ks[i], b)
					if step == nil {
						step = term
					} else {
						step = Add(step, term)
					}
				}
				xc = Add(xc, Mul(h, step))
				if traj {
					snaps[j] = append(snaps[j], xc)
				}
			}
			finals[c] = xc
		}
		if traj {
			stacked := make([]*Node, steps)
			for j := range steps {
				stacked[j] = InsertAxes(concatRows(snaps[j]), 0)
			}
			return []*Node{concatRows(finals), Concatenate(stacked, 0)}
		}
		return []*Node{concatRows(finals)}
	})
	if err != nil {
		return nil, fmt.Errorf("sampler: building %d %s steps: %w", steps, tb.Name, err)
	}
	if s.execs == nil {
		s.execs = map[samplerKey]*context.Exec{}
	}
	s.execs[key] = e
	return e, nil
}

// Close releases the compiled graphs.
func (s *Sampler) Close() {
	for k, e := range s.execs {
		e.Finalize()
		delete(s.execs, k)
	}
}

func dense64(x []float32, n, d int) *mat.Dense {
	out := mat.NewDense(n, d, nil)
	raw := out.RawMatrix().Data
	for i, v := range x {
		raw[i] = float64(v)
	}
	return out
}

func finite32(x []float32, d int, t float64) error {
	for i, v := range x {
		if f := float64(v); math.IsNaN(f) || math.IsInf(f, 0) {
			return fmt.Errorf("%w %v in point %d at t=%.4g", ode.ErrNaN, v, i/d, t)
		}
	}
	return nil
}
