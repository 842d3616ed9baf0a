package exercise_test

// A student of the mistake suite: the functions of every part, with the
// reference solution's as defaults, and the stages of the notebook that run
// them.

import (
	"fmt"
	"math"
	"os"
	"sync"
	"testing"

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

// student is one attempt at the exercise: the functions of every part.
type student struct {
	embed  exercise.TimeEmbedding
	v      exercise.Field
	linear exercise.PathFunc
	loss   exercise.Loss
	train  trainer
	euler  exercise.Sampler
	curved exercise.CurvedPathFunc
}

// trainer is a CFM training loop as the student writes it in part 2c: it
// calls the student's loss and network (passed here, as the notebook's
// trainCFM calls the cfmLoss and vTheta of the notebook).
type trainer struct {
	lr       func(k, steps int) float64 // learning rate at step k
	noUpdate bool                       // forgets adam.UpdateGraph
}

func cosine(k, steps int) float64 {
	return 1e-2 * (0.01 + 0.99*(1+math.Cos(math.Pi*float64(k)/float64(steps)))/2)
}

// fn is the TrainFunc of the trainer with the student's loss and network.
func (tr trainer) fn(loss exercise.Loss, v exercise.Field) exercise.TrainFunc {
	return func(p exercise.PathFunc, steps int) (*context.Context, []float64, error) {
		const batch = 256
		backend, err := fmkit.Backend()
		if err != nil {
			return nil, nil, err
		}
		ctx := context.New()
		if err := ctx.SetRNGStateFromSeed(1); err != nil {
			return nil, nil, err
		}
		adam := optimizers.Adam().LearningRate(1e-2).Done()
		step, err := context.NewExec(backend, ctx, func(ctx *context.Context, t, xt, ut, lrNow *Node) *Node {
			optimizers.LearningRateVar(ctx, dtypes.Float32, 1e-2).SetValueGraph(lrNow)
			l := loss(ctx, v, t, xt, ut)
			if !tr.noUpdate {
				adam.UpdateGraph(ctx, t.Graph(), l)
			}
			return l
		})
		if err != nil {
			return nil, nil, err
		}
		defer step.Finalize()
		rng := data.NewRand(1)
		t := make([]float64, batch)
		xt, ut := mat.NewDense(batch, 2, nil), mat.NewDense(batch, 2, nil)
		var losses []float64
		for k := range steps {
			x0, x1 := data.Gaussian{D: 2}.Sample(batch, rng), data.Moons{}.Sample(batch, rng)
			for i := range batch {
				t[i] = rng.Float64()
				p(t[i], x0.RawRowView(i), x1.RawRowView(i), xt.RawRowView(i), ut.RawRowView(i))
			}
			outs, err := step.Exec(exercise.Vector(t), exercise.Tensor(xt), exercise.Tensor(ut), float32(tr.lr(k, steps)))
			if err != nil {
				return nil, nil, err
			}
			l, err := exercise.Float(outs[0])
			if err != nil {
				return nil, nil, err
			}
			losses = append(losses, l)
		}
		return ctx, losses, nil
	}
}

func reference() student {
	return student{timeEmbedding, vTheta, linearPath, cfmLoss, trainer{lr: cosine}, eulerSample, curvedPath}
}

// fieldWith is the network of the solution with another time embedding.
func fieldWith(embed exercise.TimeEmbedding) exercise.Field {
	return func(ctx *context.Context, t, x *Node) *Node {
		h := Concatenate([]*Node{x, embed(ConvertDType(t, x.DType()))}, -1)
		for i := range 3 {
			h = activations.Swish(field.Linear(ctx.Inf("hidden_%d", i), h, 64))
		}
		return field.Linear(ctx.In("output"), h, 2)
	}
}

// euler is the sampler of the solution with the time and the step size of
// each step given by the student's formulas.
func euler(at func(k int, h float64) float64, step func(steps int) float64) exercise.Sampler {
	return func(v ode.Field, x0 *mat.Dense, steps int) ([]*mat.Dense, error) {
		if steps <= 0 {
			return nil, fmt.Errorf("steps must be positive, got %d", steps)
		}
		h := step(steps)
		x := mat.DenseCopyOf(x0)
		traj := []*mat.Dense{mat.DenseCopyOf(x)}
		for k := range steps {
			vel, err := v.Velocity(at(k, h), x)
			if err != nil {
				return nil, err
			}
			x.Add(x, scaled(h, vel))
			traj = append(traj, mat.DenseCopyOf(x))
		}
		return traj, nil
	}
}

// curvedWith is a curved path whose velocity is computed by the student's
// formula ut(t, a, d, r) from d = x1 - x0 and r = R(x1 - x0); rot is the
// student's rotation.
func curvedWith(rot func(d [2]float64) [2]float64, ut func(a, t float64, d, r [2]float64) [2]float64) exercise.CurvedPathFunc {
	return func(a, t float64, x0, x1, xt, u []float64) {
		d := [2]float64{x1[0] - x0[0], x1[1] - x0[1]}
		r := rot(d)
		for j := range 2 {
			xt[j] = (1-t)*x0[j] + t*x1[j] + a*t*(1-t)*r[j]
		}
		v := ut(a, t, d, r)
		u[0], u[1] = v[0], v[1]
	}
}

func plus90(d [2]float64) [2]float64  { return [2]float64{-d[1], d[0]} }
func minus90(d [2]float64) [2]float64 { return [2]float64{d[1], -d[0]} }
func rightU(a, t float64, d, r [2]float64) [2]float64 {
	return [2]float64{d[0] + a*(1-2*t)*r[0], d[1] + a*(1-2*t)*r[1]}
}

func lossOf(f func(diff *Node) *Node) exercise.Loss {
	return func(ctx *context.Context, v exercise.Field, t, xt, ut *Node) *Node {
		return f(Sub(v(ctx, t, xt), ut))
	}
}

// The checks of the notebook, in its order.
type stage string

const (
	network     stage = "network"      // CheckNetwork, part 1
	loss        stage = "loss"         // CheckLoss, parts 2a and 2b
	train       stage = "train"        // CheckTraining of the linear path, part 2c
	sampler     stage = "euler"        // CheckEuler, part 3a
	compare     stage = "3b"           // CompareSamplers
	gap         stage = "4a"           // StudyGap
	curved      stage = "curved"       // CheckCurvedPath, part 4b
	trainCurved stage = "train-curved" // CheckTraining of the curved path
)

// run runs the stages for student s and returns their reports.
func (s student) run(t *testing.T, stages []stage, steps int) []*exercise.Report {
	var out []*exercise.Report
	for _, st := range stages {
		var r *exercise.Report
		switch st {
		case network:
			r = exercise.CheckNetwork(s.embed, s.v)
		case loss:
			r = exercise.CheckLoss(s.linear, s.loss, s.v)
		case train:
			_, r = exercise.CheckTraining("linear", s.train.fn(s.loss, s.v), s.linear, s.loss, s.v, steps)
		case sampler:
			r = exercise.CheckEuler(s.euler, s.v)
		case compare:
			c := exercise.CompareSamplers(s.euler, s.v)
			r = c.Checks
		case gap:
			r = exercise.StudyGap(s.linear, s.euler, s.v).Checks
		case curved:
			r = exercise.CheckCurvedPath(s.curved, 1)
		case trainCurved:
			_, r = exercise.CheckTraining("curved", s.train.fn(s.loss, s.v), exercise.WithAmplitude(s.curved, 1), s.loss, s.v, steps)
		default:
			t.Fatalf("unknown stage %q", st)
		}
		out = append(out, r)
	}
	return out
}

// shortModel is a linear model trained 100 steps by the reference solution
// (it fails the W2 gate), for the cases that analyse a model without
// training one.
var shortModel = sync.OnceValues(func() ([]byte, error) {
	dir, err := os.MkdirTemp("", "exercise-mistakes-")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(dir)
	old, had := os.LookupEnv("FMKIT_CACHE")
	os.Setenv("FMKIT_CACHE", dir)
	defer func() {
		if had {
			os.Setenv("FMKIT_CACHE", old)
		} else {
			os.Unsetenv("FMKIT_CACHE")
		}
	}()
	s := reference()
	if res, r := exercise.CheckTraining("linear", s.train.fn(s.loss, s.v), s.linear, s.loss, s.v, 100); res == nil {
		return nil, fmt.Errorf("training the fixture failed:\n%s", r)
	}
	return os.ReadFile(exercise.CheckpointPath("linear"))
})
