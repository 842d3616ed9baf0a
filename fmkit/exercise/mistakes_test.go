package exercise_test

// The mistakes a student typically makes in exercise 6.2, each run through
// the checks as the notebook runs them, and what the student is then told:
// the part whose check fails first, the hint it shows, and what the later
// checks say (they point back at that part instead of failing on their own).

import (
	"fmt"
	"math"
	"os"
	"strings"
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

type want struct {
	id     string // item ID; "2c/*" is the first item of 2c that did not pass
	status exercise.Status
	hint   string // in the English detail
}

type mistake struct {
	name    string
	change  func(s *student)
	stages  []stage
	steps   int    // training steps (100 if 0)
	fails   string // the first item that fails ("" for a correct solution)
	hint    string // what its detail says
	then    []want // what later items say
	absent  []string
	withFix bool // a short-trained linear model exists before the stages run
}

// TestStudentMistakes runs typical mistakes (and two correct variants)
// through the checks: each fails first at the part where the mistake is,
// with a hint naming it, and the later checks say "needs part X" instead of
// failing on their own.
func TestStudentMistakes(t *testing.T) {
	for _, m := range mistakes {
		t.Run(m.name, func(t *testing.T) {
			if m.steps >= 1000 && testing.Short() {
				t.Skip("trains two full models (about a minute each on 2 cores)")
			}
			t.Setenv("FMKIT_CACHE", t.TempDir())
			if m.withFix {
				ckpt, err := shortModel()
				if err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(exercise.CheckpointPath("linear"), ckpt, 0o644); err != nil {
					t.Fatal(err)
				}
			}
			s := reference()
			m.change(&s)
			steps := m.steps
			if steps == 0 {
				steps = 100
			}
			reports := s.run(t, m.stages, steps)
			var all strings.Builder
			var first *exercise.Item
			for _, r := range reports {
				all.WriteString(r.String())
				for _, it := range r.Items {
					if it.Status == exercise.Failed && first == nil {
						it := it
						first = &it
					}
				}
			}
			if m.fails == "" {
				for _, r := range reports {
					if !r.Passed() {
						t.Errorf("a correct solution does not pass:\n%s", all.String())
						break
					}
				}
			} else {
				switch {
				case first == nil:
					t.Errorf("nothing fails, want %s:\n%s", m.fails, all.String())
				case first.ID != m.fails || !strings.Contains(first.Detail.EN, m.hint):
					t.Errorf("first failure %s %q, want %s with %q:\n%s", first.ID, first.Detail.EN, m.fails, m.hint, all.String())
				}
			}
			for _, w := range m.then {
				found := false
				for _, r := range reports {
					if _, ok := r.Find(strings.TrimSuffix(w.id, "*")); ok || strings.HasSuffix(w.id, "*") && hasPrefix(r, strings.TrimSuffix(w.id, "*")) {
						expect(t, r, w.id, w.status, w.hint)
						found = true
						break
					}
				}
				if !found {
					t.Errorf("no item %s:\n%s", w.id, all.String())
				}
			}
			for _, s := range append(m.absent, ": :") {
				if strings.Contains(all.String(), s) {
					t.Errorf("the reports say %q:\n%s", s, all.String())
				}
			}
			if testing.Verbose() {
				t.Logf("\n%s", all.String())
			}
		})
	}
}

func hasPrefix(r *exercise.Report, p string) bool {
	for _, it := range r.Items {
		if strings.HasPrefix(it.ID, p) {
			return true
		}
	}
	return false
}

var mistakes = []mistake{
	{
		name: "sign flip: u_t = x0 - x1",
		change: func(s *student) {
			s.linear = func(t float64, x0, x1, xt, ut []float64) {
				linearPath(t, x0, x1, xt, ut)
				ut[0], ut[1] = -ut[0], -ut[1]
			}
		},
		stages: []stage{loss, train},
		fails:  "2a/ut", hint: "wrong sign",
		then:   []want{{"2c/*", exercise.Waiting, "needs part 2a (linearPath), which failed: linear path: u_t: u_t has the wrong sign"}},
		absent: []string{"train longer"},
	},
	{
		name: "reversed time: x_t from x1 to x0",
		change: func(s *student) {
			s.linear = func(t float64, x0, x1, xt, ut []float64) { linearPath(t, x1, x0, xt, ut) }
		},
		stages: []stage{loss, train},
		fails:  "2a/xt", hint: "time is reversed",
		then: []want{
			{"2a/ut", exercise.Waiting, "fix x_t first"},
			{"2c/*", exercise.Waiting, "needs part 2a (linearPath), which failed: linear path: x_t: x_t runs from x1 to x0"},
		},
		absent: []string{"train longer"},
	},
	{
		name:   "summed loss: sum over the batch",
		change: func(s *student) { s.loss = lossOf(func(d *Node) *Node { return ReduceAllSum(Square(d)) }) },
		stages: []stage{loss, train},
		fails:  "2b/value", hint: "summed over the batch; average over the batch (ReduceAllMean)",
		then: []want{
			{"2b/trainable", exercise.Passed, ""},
			{"2c/*", exercise.Waiting, "needs part 2b (cfmLoss), which failed"},
		},
	},
	{
		name: "unsquared loss: mean of ||v - u||",
		change: func(s *student) {
			s.loss = lossOf(func(d *Node) *Node { return ReduceAllMean(Sqrt(ReduceSum(Square(d), -1))) })
		},
		stages: []stage{loss, train},
		fails:  "2b/value", hint: "the mean of the norms ||v - u_t|| without the square",
		then: []want{{"2c/*", exercise.Waiting, "needs part 2b (cfmLoss), which failed"}},
	},
	{
		name:   "no square at all: mean of v - u",
		change: func(s *student) { s.loss = lossOf(func(d *Node) *Node { return ReduceAllMean(ReduceSum(d, -1)) }) },
		stages: []stage{loss, train},
		fails:  "2b/value", hint: "linear in v - u_t (no square): it can be negative",
		then: []want{
			{"2b/trainable", exercise.Failed, "the loss became negative"},
			{"2c/losses", exercise.Waiting, "needs part 2b (cfmLoss), which failed"},
			{"2c/decreases", exercise.Waiting, "needs part 2b"},
		},
	},
	{
		name:   "loss not a scalar",
		change: func(s *student) { s.loss = lossOf(func(d *Node) *Node { return ReduceSum(Square(d), -1) }) },
		stages: []stage{loss, train},
		fails:  "2b/scalar", hint: "it must be a scalar",
		then: []want{{"2c/run", exercise.Waiting, "needs part 2b (cfmLoss), which failed: CFM loss: scalar"}},
	},
	{
		name: "Euler evaluates v at t_{k+1}",
		change: func(s *student) {
			s.euler = euler(func(k int, h float64) float64 { return float64(k+1) * h }, func(n int) float64 { return 1 / float64(n) })
		},
		stages:  []stage{sampler, gap},
		withFix: true,
		fails:   "3a/tk", hint: "end of each step",
		then: []want{{"4a/sampler", exercise.Waiting, "needs part 3a (eulerSample), which failed: Euler: uses t_k"}},
	},
	{
		name: "wrong h: integer division 1/steps",
		change: func(s *student) {
			s.euler = euler(func(k int, h float64) float64 { return float64(k) * h }, func(n int) float64 { return float64(1 / n) })
		},
		stages: []stage{sampler},
		fails:  "3a/constant", hint: "integer division",
	},
	{
		name: "wrong h: 1/(steps+1)",
		change: func(s *student) {
			s.euler = euler(func(k int, h float64) float64 { return float64(k) * h }, func(n int) float64 { return 1 / float64(n+1) })
		},
		stages: []stage{sampler},
		fails:  "3a/constant", hint: "add up to N h = 0.8",
	},
	{
		name: "time embedding constant in t",
		change: func(s *student) {
			s.embed = func(t *Node) *Node {
				g := t.Graph()
				omega := InsertAxes(ConvertDType(Const(g, []float64{1, 2, 4, 8}), t.DType()), 0)
				angles := Mul(OnesLike(InsertAxes(t, -1)), omega) // forgot t
				return Concatenate([]*Node{Sin(angles), Cos(angles)}, -1)
			}
			s.v = fieldWith(s.embed)
		},
		stages: []stage{network, train},
		fails:  "1a/uses-t", hint: "your features do not depend on t",
		then: []want{
			{"1b/uses-t", exercise.Waiting, "needs part 1a (timeEmbedding), which failed: time embedding: depends on t: your features do not depend on t"},
			{"2c/*", exercise.Waiting, "needs part 1b (vTheta), which failed"},
		},
		absent: []string{"only one frequency", "multiples of 2π", "train longer"},
	},
	{
		name: "curved u_t without the derivative of the bend",
		change: func(s *student) {
			s.curved = curvedWith(plus90, func(a, t float64, d, r [2]float64) [2]float64 { return d })
		},
		stages: []stage{curved, trainCurved},
		fails:  "4b/ut", hint: "is the velocity of the straight line",
		then: []want{
			{"4b/bend", exercise.Passed, ""},
			{"4b/training-*", exercise.Waiting, "needs part 4b (curvedPath), which failed"},
		},
	},
	{
		name: "t(1-t) not differentiated in u_t",
		change: func(s *student) {
			s.curved = curvedWith(plus90, func(a, t float64, d, r [2]float64) [2]float64 {
				return [2]float64{d[0] + a*t*(1-t)*r[0], d[1] + a*t*(1-t)*r[1]}
			})
		},
		stages: []stage{curved, trainCurved},
		fails:  "4b/ut", hint: "keeps t(1-t) instead of differentiating it",
		then: []want{
			{"4b/bend", exercise.Passed, ""},
			{"4b/training-*", exercise.Waiting, "needs part 4b (curvedPath), which failed"},
		},
	},
	{
		name:   "bend by -90 degrees (allowed)",
		change: func(s *student) { s.curved = curvedWith(minus90, rightU) },
		stages: []stage{curved},
		then:   []want{{"4b/bend", exercise.Passed, "turns the other way"}},
	},
	{
		name:   "no optimizer update",
		change: func(s *student) { s.train.noUpdate = true },
		stages: []stage{train, gap},
		fails:  "2c/decreases", hint: "did not go down at all",
		then: []want{
			{"2c/w2", exercise.Waiting, "needs the loss to decrease first"},
			{"4a/model", exercise.Waiting, "this model did not pass part 2c (trainCFM): training: loss decreases"},
		},
		absent: []string{"train longer"},
	},
	{
		name: "shape error in the network: Concatenate on axis 0",
		change: func(s *student) {
			s.v = func(ctx *context.Context, t, x *Node) *Node {
				h := Concatenate([]*Node{x, timeEmbedding(t)}, 0)
				return field.Linear(ctx.In("output"), h, 2)
			}
		},
		stages: []stage{network, loss, train},
		fails:  "1b/run", hint: "Concatenate(axis=0)",
		then: []want{
			{"1b/run", exercise.Failed, "at the line `h := Concatenate([]*Node{x, timeEmbedding(t)}, 0)`"},
			{"2b/trainable", exercise.Waiting, "needs part 1b (vTheta), which failed"},
			{"2c/run", exercise.Waiting, "needs part 1b (vTheta), which failed"},
		},
	},
	{
		name: "panic in the network",
		change: func(s *student) {
			s.v = func(ctx *context.Context, t, x *Node) *Node {
				d := x.Shape().Dimensions[2]
				return field.Linear(ctx.In("output"), x, d)
			}
		},
		stages: []stage{network, loss, train},
		fails:  "1b/run", hint: "it panicked: runtime error: index out of range [2] with length 2, at the line",
		then: []want{
			{"1b/run", exercise.Failed, "at the line `d := x.Shape().Dimensions[2]`"},
			{"2b/trainable", exercise.Waiting, "needs part 1b (vTheta), which failed"},
			{"2c/run", exercise.Waiting, "needs part 1b (vTheta), which failed"},
		},
	},
	{
		name: "correct: another embedding, width and activation",
		change: func(s *student) {
			s.embed = func(t *Node) *Node { // 6 octaves of π, no raw t
				tt := InsertAxes(t, -1)
				var feats []*Node
				for k := range 6 {
					a := MulScalar(tt, math.Pi*math.Pow(2, float64(k)))
					feats = append(feats, Sin(a), Cos(a))
				}
				return Concatenate(feats, -1)
			}
			s.v = func(ctx *context.Context, t, x *Node) *Node {
				h := Concatenate([]*Node{x, s.embed(ConvertDType(t, x.DType()))}, -1)
				for i := range 2 {
					h = Tanh(field.Linear(ctx.Inf("layer_%d", i), h, 96))
				}
				return field.Linear(ctx.In("out"), h, 2)
			}
		},
		stages: []stage{network, loss, train, sampler},
		steps:  2000,
	},
	{
		name: "correct: another learning-rate schedule",
		change: func(s *student) {
			s.train.lr = func(k, steps int) float64 { // linear warm-up over 100 steps, then linear decay
				if k < 100 {
					return 1e-2 * float64(k+1) / 100
				}
				return 1e-2 * (1 - float64(k-100)/float64(steps-100))
			}
		},
		stages: []stage{train},
		steps:  2000,
	},
}
