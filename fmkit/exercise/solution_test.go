package exercise_test

// A reference solution of exercise 6.2, written as a student would in the
// notebook (the same code as solutions/exercise-6.2.ipynb), used by the
// tests and examples of this package.

import (
	"errors"
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/exercise"
	"github.com/flowmatching/gofm/fmkit/field"
	"github.com/flowmatching/gofm/fmkit/ode"
)

const numFreqs, maxFreq = 8, 100.0

func timeEmbedding(t *Node) *Node {
	g := t.Graph()
	freqs := make([]float64, numFreqs)
	for k := range freqs {
		freqs[k] = math.Pow(maxFreq, float64(k)/float64(numFreqs-1))
	}
	tt := InsertAxes(t, -1)                                                    // [B, 1]
	angles := Mul(tt, InsertAxes(ConvertDType(Const(g, freqs), t.DType()), 0)) // [B, K]
	return Concatenate([]*Node{tt, Sin(angles), Cos(angles)}, -1)              // [B, 1+2K]
}

func vTheta(ctx *context.Context, t, x *Node) *Node {
	h := Concatenate([]*Node{x, timeEmbedding(ConvertDType(t, x.DType()))}, -1)
	for i := range 3 {
		h = activations.Swish(field.Linear(ctx.Inf("hidden_%d", i), h, 64))
	}
	return field.Linear(ctx.In("output"), h, 2)
}

func linearPath(t float64, x0, x1, xt, ut []float64) {
	for j := range x0 {
		xt[j] = (1-t)*x0[j] + t*x1[j]
		ut[j] = x1[j] - x0[j]
	}
}

func cfmLoss(ctx *context.Context, v exercise.Field, t, xt, ut *Node) *Node {
	diff := Sub(v(ctx, t, xt), ut)
	return ReduceAllMean(ReduceSum(Square(diff), -1))
}

func trainCFM(p exercise.PathFunc, steps int) (*context.Context, []float64, error) {
	const batch, lr = 256, 1e-2
	backend, err := fmkit.Backend()
	if err != nil {
		return nil, nil, err
	}
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(1); err != nil {
		return nil, nil, err
	}
	adam := optimizers.Adam().LearningRate(lr).Done()
	step, err := context.NewExec(backend, ctx, func(ctx *context.Context, t, xt, ut, lrNow *Node) *Node {
		optimizers.LearningRateVar(ctx, dtypes.Float32, lr).SetValueGraph(lrNow)
		loss := cfmLoss(ctx, vTheta, t, xt, ut)
		adam.UpdateGraph(ctx, t.Graph(), loss)
		return loss
	})
	if err != nil {
		return nil, nil, err
	}
	defer step.Finalize()
	rng := data.NewRand(1)
	p0, p1 := data.Gaussian{D: 2}, data.Moons{}
	t := make([]float64, batch)
	xt, ut := mat.NewDense(batch, 2, nil), mat.NewDense(batch, 2, nil)
	losses := make([]float64, 0, steps)
	for k := range steps {
		x0, x1 := p0.Sample(batch, rng), p1.Sample(batch, rng)
		for i := range batch {
			t[i] = rng.Float64()
			p(t[i], x0.RawRowView(i), x1.RawRowView(i), xt.RawRowView(i), ut.RawRowView(i))
		}
		lrK := lr * (0.01 + 0.99*(1+math.Cos(math.Pi*float64(k)/float64(steps)))/2)
		outs, err := step.Exec(exercise.Vector(t), exercise.Tensor(xt), exercise.Tensor(ut), float32(lrK))
		if err != nil {
			return nil, nil, err
		}
		loss, err := exercise.Float(outs[0])
		if err != nil {
			return nil, nil, err
		}
		losses = append(losses, loss)
	}
	return ctx, losses, nil
}

func eulerSample(v ode.Field, x0 *mat.Dense, steps int) ([]*mat.Dense, error) {
	if steps <= 0 {
		return nil, fmt.Errorf("euler: the number of steps must be positive, got %d", steps)
	}
	h := 1 / float64(steps)
	x := mat.DenseCopyOf(x0)
	traj := []*mat.Dense{mat.DenseCopyOf(x)}
	for k := range steps {
		vel, err := v.Velocity(float64(k)*h, x)
		if err != nil {
			return nil, fmt.Errorf("euler step %d: %w", k+1, err)
		}
		x.Add(x, scaled(h, vel))
		traj = append(traj, mat.DenseCopyOf(x))
	}
	return traj, nil
}

func scaled(h float64, m *mat.Dense) *mat.Dense {
	out := mat.DenseCopyOf(m)
	out.Scale(h, out)
	return out
}

func curvedPath(a, t float64, x0, x1, xt, ut []float64) {
	dx, dy := x1[0]-x0[0], x1[1]-x0[1]
	rx, ry := -dy, dx // R(x1 - x0): rotated by +90 degrees
	xt[0] = (1-t)*x0[0] + t*x1[0] + a*t*(1-t)*rx
	xt[1] = (1-t)*x0[1] + t*x1[1] + a*t*(1-t)*ry
	ut[0] = dx + a*(1-2*t)*rx
	ut[1] = dy + a*(1-2*t)*ry
}

var _ = errors.New
