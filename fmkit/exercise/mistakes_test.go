package exercise_test

// The mistakes a student typically makes in exercise 6.2, each run through
// the checks as the notebook runs them, and what the student is then told:
// the part whose check fails first, the hint it shows, and what the later
// checks say (they point back at that part instead of failing on their own).

import (
	"math"
	"os"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/flowmatching/gofm/fmkit/exercise"
	"github.com/flowmatching/gofm/fmkit/field"
)

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
		absent: []string{"00000"}, // no W2 of a diverged flow in fixed notation
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
		then: []want{
			{"3a/tk", exercise.Waiting, "needs the constant-field item above to pass first"},
			{"3a/order", exercise.Waiting, "needs the constant-field item above"},
		},
	},
	{
		name: "wrong h: 1/(steps+1)",
		change: func(s *student) {
			s.euler = euler(func(k int, h float64) float64 { return float64(k) * h }, func(n int) float64 { return 1 / float64(n+1) })
		},
		stages: []stage{sampler},
		fails:  "3a/constant", hint: "add up to N h = 0.8",
		then: []want{{"3a/tk", exercise.Waiting, "needs the constant-field item above"}},
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
			s.embed = func(t *Node) *Node { // t and 6 octaves of π
				tt := InsertAxes(t, -1)
				feats := []*Node{tt}
				for k := range 6 {
					a := MulScalar(tt, math.Pi*math.Pow(2, float64(k)))
					feats = append(feats, Sin(a), Cos(a))
				}
				return Concatenate(feats, -1)
			}
			s.v = func(ctx *context.Context, t, x *Node) *Node {
				h := Concatenate([]*Node{x, s.embed(ConvertDType(t, x.DType()))}, -1)
				for i := range 3 {
					h = Tanh(field.Linear(ctx.Inf("layer_%d", i), h, 80))
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
