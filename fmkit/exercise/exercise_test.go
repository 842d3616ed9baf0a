package exercise_test

import (
	"errors"
	"math"
	"os"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/exercise"
	"github.com/flowmatching/gofm/fmkit/field"
	"github.com/flowmatching/gofm/fmkit/ode"
)

// Stubs as the exercise notebook has them.
func stubEmbedding(t *Node) *Node { panic(exercise.TODO(exercise.Part1a)) }
func stubField(ctx *context.Context, t, x *Node) *Node {
	panic(exercise.TODO(exercise.Part1b))
}
func stubPath(t float64, x0, x1, xt, ut []float64) { panic(exercise.TODO(exercise.Part2a)) }
func stubLoss(ctx *context.Context, v exercise.Field, t, xt, ut *Node) *Node {
	panic(exercise.TODO(exercise.Part2b))
}
func stubTrain(p exercise.PathFunc, steps int) (*context.Context, []float64, error) {
	panic(exercise.TODO(exercise.Part2c))
}
func stubEuler(v ode.Field, x0 *mat.Dense, steps int) ([]*mat.Dense, error) {
	panic(exercise.TODO(exercise.Part3a))
}
func stubCurved(a, t float64, x0, x1, xt, ut []float64) { panic(exercise.TODO(exercise.Part4b)) }

func TestMain(m *testing.M) {
	exercise.Lang = exercise.English // the hints the tests look for are the English ones
	os.Exit(m.Run())
}

// item returns the item with the given ID; an ID ending in "*" stands for
// the first item of that prefix that did not pass (or the last item, if all
// passed).
func item(t *testing.T, r *exercise.Report, id string) exercise.Item {
	t.Helper()
	if p, ok := strings.CutSuffix(id, "*"); ok {
		var last exercise.Item
		found := false
		for _, it := range r.Items {
			if strings.HasPrefix(it.ID, p) {
				last, found = it, true
				if it.Status != exercise.Passed {
					return it
				}
			}
		}
		if found {
			return last
		}
	} else if it, ok := r.Find(id); ok {
		return it
	}
	t.Fatalf("no item %q in\n%s", id, r)
	return exercise.Item{}
}

func expect(t *testing.T, r *exercise.Report, id string, want exercise.Status, hint string) {
	t.Helper()
	it := item(t, r, id)
	if it.Status != want {
		t.Errorf("item %q: status %v, want %v\n%s", id, it.Status, want, r)
		return
	}
	if hint != "" && !strings.Contains(it.Detail.EN, hint) {
		t.Errorf("item %q: detail %q lacks %q", id, it.Detail.EN, hint)
	}
}

func useTempCache(t *testing.T) {
	t.Helper()
	t.Setenv("FMKIT_CACHE", t.TempDir())
}

func TestNetworkSolution(t *testing.T) {
	r := exercise.CheckNetwork(timeEmbedding, vTheta)
	if !r.Passed() {
		t.Fatalf("reference solution fails:\n%s", r)
	}
	expect(t, r, "1a/sinusoidal", exercise.Passed, "8 sin/cos pairs, ω from 1 to 100")
}

func TestNetworkStubs(t *testing.T) {
	r := exercise.CheckNetwork(stubEmbedding, stubField)
	if len(r.Items) != 2 || r.Count(exercise.NotYet) != 2 {
		t.Fatalf("want two not-yet-written items:\n%s", r)
	}
	if !strings.Contains(r.Items[0].Detail.EN, exercise.Part1a) || !strings.Contains(r.Items[1].Detail.EN, exercise.Part1b) {
		t.Errorf("details do not name the parts:\n%s", r)
	}
	// A network that calls the stub of the embedding waits for part 1a.
	r = exercise.CheckNetwork(stubEmbedding, fieldWith(stubEmbedding))
	expect(t, r, "1b/run", exercise.Waiting, "needs "+exercise.Part1a+" first")
}

func TestNetworkBroken(t *testing.T) {
	// Each part is tested with the other one correct (vTheta uses the
	// correct embedding).
	flat := func(t *Node) *Node { return Mul(t, t) }                     // rank 1
	nan := func(t *Node) *Node { return InsertAxes(Log(Sub(t, t)), -1) } // -Inf
	oneFreq := func(t *Node) *Node {
		tt := InsertAxes(t, -1)
		return Concatenate([]*Node{tt, Sin(tt), Cos(tt)}, -1)
	}
	periodic := func(t *Node) *Node {
		tt := MulScalar(InsertAxes(t, -1), 2*math.Pi)
		t2 := MulScalar(tt, 2)
		return Concatenate([]*Node{Sin(tt), Cos(tt), Sin(t2), Cos(t2)}, -1)
	}
	for _, c := range []struct {
		name  string
		embed exercise.TimeEmbedding
		item  string
		hint  string
	}{
		{"rank 1", flat, "1a/shape", "shape [256, E]"},
		{"NaN", nan, "1a/finite", "NaN or Inf"},
		{"one frequency", oneFreq, "1a/sinusoidal", "only one frequency"},
		{"periodic", periodic, "1a/distinct", "multiples of 2π"},
	} {
		r := exercise.CheckNetwork(c.embed, vTheta)
		expect(t, r, c.item, exercise.Failed, c.hint)
	}

	noT := func(ctx *context.Context, t, x *Node) *Node {
		h := x
		for i := range 2 {
			h = Tanh(field.Linear(ctx.Inf("h%d", i), h, 16))
		}
		return field.Linear(ctx.In("out"), h, 2)
	}
	affine := func(ctx *context.Context, t, x *Node) *Node {
		h := Concatenate([]*Node{x, timeEmbedding(t)}, -1)
		return field.Linear(ctx.In("out"), field.Linear(ctx.In("h"), h, 16), 2)
	}
	wide := func(ctx *context.Context, t, x *Node) *Node {
		h := Concatenate([]*Node{x, timeEmbedding(t)}, -1)
		return field.Linear(ctx.In("out"), Tanh(field.Linear(ctx.In("h"), h, 16)), 3)
	}
	mixing := func(ctx *context.Context, t, x *Node) *Node {
		v := vTheta(ctx, t, x)
		return Sub(v, ReduceAndKeep(v, ReduceMean, 0))
	}
	noWeights := func(ctx *context.Context, t, x *Node) *Node { return Tanh(x) }
	for _, c := range []struct {
		name string
		v    exercise.Field
		item string
		hint string
	}{
		{"ignores t", noT, "1b/uses-t", "concatenate timeEmbedding(t)"},
		{"affine", affine, "1b/nonlinear", "activation"},
		{"3 outputs", wide, "1b/shape", "[7, 2]"},
		{"mixes the batch", mixing, "1b/batch", "must not mix"},
		{"no weights", noWeights, "1b/weights", "field.Linear"},
	} {
		r := exercise.CheckNetwork(timeEmbedding, c.v)
		expect(t, r, c.item, exercise.Failed, c.hint)
	}

	// A network that panics on its own is not blamed on an embedding that
	// merely lacks sin/cos pairs.
	panics := func(ctx *context.Context, t, x *Node) *Node {
		d := x.Shape().Dimensions[2]
		return field.Linear(ctx.In("out"), x, d)
	}
	r := exercise.CheckNetwork(func(t *Node) *Node { return InsertAxes(t, -1) }, panics)
	expect(t, r, "1a/sinusoidal", exercise.Failed, "no pair of columns")
	expect(t, r, "1b/run", exercise.Failed, "at the line `d := x.Shape().Dimensions[2]`")
}

func TestLoss(t *testing.T) {
	r := exercise.CheckLoss(linearPath, cfmLoss, vTheta)
	if !r.Passed() {
		t.Fatalf("reference solution fails:\n%s", r)
	}
	r = exercise.CheckLoss(stubPath, stubLoss, vTheta)
	if r.Count(exercise.NotYet) != 2 || r.Count(exercise.Failed) != 0 {
		t.Fatalf("stubs:\n%s", r)
	}
	r = exercise.CheckLoss(linearPath, cfmLoss, stubField)
	expect(t, r, "2b/trainable", exercise.Waiting, exercise.Part1b)

	sqrtMean := func(ctx *context.Context, v exercise.Field, t, xt, ut *Node) *Node {
		return Sqrt(ReduceAllMean(ReduceSum(Square(Sub(v(ctx, t, xt), ut)), -1)))
	}
	absolute := func(ctx *context.Context, v exercise.Field, t, xt, ut *Node) *Node {
		return ReduceAllMean(ReduceSum(Abs(Sub(v(ctx, t, xt), ut)), -1))
	}
	detached := func(ctx *context.Context, v exercise.Field, t, xt, ut *Node) *Node {
		return ReduceAllMean(ReduceSum(Square(Sub(StopGradient(v(ctx, t, xt)), ut)), -1))
	}
	r = exercise.CheckLoss(linearPath, sqrtMean, vTheta)
	expect(t, r, "2b/value", exercise.Failed, "square root")
	r = exercise.CheckLoss(linearPath, absolute, vTheta)
	expect(t, r, "2b/value", exercise.Failed, "instead of Abs")
	r = exercise.CheckLoss(linearPath, detached, vTheta)
	expect(t, r, "2b/trainable", exercise.Failed, "gradient reaches the weights")
}

func TestEuler(t *testing.T) {
	useTempCache(t)
	r := exercise.CheckEuler(eulerSample, vTheta)
	for _, it := range r.Items[:len(r.Items)-1] {
		if it.Status != exercise.Passed {
			t.Fatalf("reference solution fails:\n%s", r)
		}
	}
	expect(t, r, "3a/model", exercise.Waiting, "part 2c")

	r = exercise.CheckEuler(stubEuler, vTheta)
	if len(r.Items) != 1 || r.Items[0].Status != exercise.NotYet {
		t.Fatalf("stub:\n%s", r)
	}
	lenient := func(v ode.Field, x0 *mat.Dense, steps int) ([]*mat.Dense, error) {
		if steps <= 0 {
			return []*mat.Dense{x0}, nil
		}
		return eulerSample(v, x0, steps)
	}
	r = exercise.CheckEuler(lenient, vTheta)
	expect(t, r, "3a/bad-steps", exercise.Failed, "should return an error")
	inPlace := func(v ode.Field, x0 *mat.Dense, steps int) ([]*mat.Dense, error) {
		traj, err := eulerSample(v, x0, steps)
		if err == nil {
			x0.Copy(traj[len(traj)-1])
		}
		return traj, err
	}
	r = exercise.CheckEuler(inPlace, vTheta)
	expect(t, r, "3a/states", exercise.Failed, "must not be modified")
	short := func(v ode.Field, x0 *mat.Dense, steps int) ([]*mat.Dense, error) {
		traj, err := eulerSample(v, x0, steps)
		if err != nil {
			return nil, err
		}
		return traj[1:], nil
	}
	r = exercise.CheckEuler(short, vTheta)
	expect(t, r, "3a/constant", exercise.Failed, "steps+1 states")
}

func TestCurvedPath(t *testing.T) {
	r := exercise.CheckCurvedPath(curvedPath, 1)
	if !r.Passed() {
		t.Fatalf("reference solution fails:\n%s", r)
	}
	expect(t, r, "4b/bend", exercise.Passed, "as fmkit's path.Curved")
	r = exercise.CheckCurvedPath(stubCurved, 1)
	if len(r.Items) != 1 || r.Items[0].Status != exercise.NotYet {
		t.Fatalf("stub:\n%s", r)
	}
	straight := func(a, t float64, x0, x1, xt, ut []float64) { linearPath(t, x0, x1, xt, ut) }
	r = exercise.CheckCurvedPath(straight, 1)
	expect(t, r, "4b/bend", exercise.Failed, "straight line")
	expect(t, r, "4b/ut", exercise.Passed, "")
	along := func(a, t float64, x0, x1, xt, ut []float64) { // bends along x1 - x0
		linearPath(t+a*t*(1-t), x0, x1, xt, ut)
		for j := range 2 {
			ut[j] *= 1 + a*(1-2*t)
		}
	}
	r = exercise.CheckCurvedPath(along, 1)
	expect(t, r, "4b/bend", exercise.Failed, "component along x1 - x0")
	expect(t, r, "4b/ut", exercise.Passed, "")
	badU := func(a, t float64, x0, x1, xt, ut []float64) {
		curvedPath(a, t, x0, x1, xt, ut)
		ut[0] += a * t * (x1[1] - x0[1]) // a wrong product rule
	}
	r = exercise.CheckCurvedPath(badU, 1)
	expect(t, r, "4b/ut", exercise.Failed, "finite difference")
	// Another size of the bend is allowed, and noted.
	double := func(a, t float64, x0, x1, xt, ut []float64) { curvedPath(2*a, t, x0, x1, xt, ut) }
	r = exercise.CheckCurvedPath(double, 1)
	if !r.Passed() {
		t.Errorf("a bend twice as large fails:\n%s", r)
	}
	expect(t, r, "4b/bend", exercise.Passed, "2 times a t(1-t) R(x1 - x0)")
}

func TestTrainingGate(t *testing.T) {
	useTempCache(t)
	// Too short a training: everything runs, the W2 gate fails.
	res, r := exercise.CheckTraining("linear", trainCFM, linearPath, cfmLoss, vTheta, 150)
	expect(t, r, "2c/run", exercise.Passed, "150 steps")
	expect(t, r, "2c/decreases", exercise.Passed, "")
	expect(t, r, "2c/w2", exercise.Failed, "train longer")
	if res == nil || !(res.W2.Mean > exercise.W2Threshold) || res.W2P0 < 0.8 || res.W2.N != exercise.W2Draws {
		t.Fatalf("result %+v", res)
	}
	// The saved model reloads with the same velocities and its verdict.
	m, err := exercise.LoadModel("linear", vTheta)
	if err != nil {
		t.Fatal(err)
	}
	x := mat.NewDense(3, 2, []float64{0, 0, 1, 1, -1, 0.5})
	v1, err1 := m.Velocity(0.3, x)
	v2, err2 := res.Model.Velocity(0.3, x)
	if err := errors.Join(err1, err2); err != nil {
		t.Fatal(err)
	}
	if !mat.EqualApprox(v1, v2, 1e-6) {
		t.Errorf("reloaded model differs: %v vs %v", mat.Formatted(v1), mat.Formatted(v2))
	}
	if len(m.Losses) != 150 || m.Gate.Passed || m.Gate.Part != exercise.Part2c || !strings.Contains(m.Gate.Reason.EN, "train longer") {
		t.Errorf("reloaded %d losses, gate %+v", len(m.Losses), m.Gate)
	}
	// The Euler check runs on the model, but its W2 item points at part 2c.
	r = exercise.CheckEuler(eulerSample, vTheta)
	expect(t, r, "3a/w2", exercise.Waiting, "did not pass "+exercise.Part2c)

	// A failed run deletes the model of the earlier one; stubs report
	// themselves and nothing is saved.
	_, r = exercise.CheckTraining("linear", stubTrain, linearPath, cfmLoss, vTheta, 10)
	expect(t, r, "2c/run", exercise.NotYet, exercise.Part2c)
	_, r = exercise.CheckTraining("linear", trainCFM, stubPath, cfmLoss, vTheta, 10)
	expect(t, r, "2c/run", exercise.Waiting, exercise.Part2a)
	_, r = exercise.CheckTraining("curved", trainCFM, exercise.WithAmplitude(stubCurved, 1), cfmLoss, vTheta, 10)
	expect(t, r, "4b/training-run", exercise.NotYet, exercise.Part4b)
	_, r = exercise.CheckTraining("curved", stubTrain, exercise.WithAmplitude(curvedPath, 1), cfmLoss, vTheta, 10)
	expect(t, r, "4b/training-run", exercise.Waiting, exercise.Part2c)
	if _, err := exercise.LoadModel("linear", vTheta); !errors.Is(err, exercise.ErrNoModel) {
		t.Errorf("LoadModel after failed trainings: %v", err)
	}
	if _, err := os.Stat(exercise.CheckpointPath("linear")); !os.IsNotExist(err) {
		t.Errorf("checkpoint written by a stub: %v", err)
	}
}

func TestAnalysesWait(t *testing.T) {
	useTempCache(t)
	if c := exercise.CompareSamplers(eulerSample, vTheta); len(c.Euler) != 0 || c.Trusted {
		t.Error("CompareSamplers without a model")
	} else {
		expect(t, c.Checks, "3b/model", exercise.Waiting, "needs this model")
	}
	if s := exercise.StudyGap(linearPath, eulerSample, vTheta); s.Particles != 0 {
		t.Error("StudyGap without a model")
	}
	if s := exercise.StudyGap(stubPath, stubEuler, stubField); s.Particles != 0 {
		t.Error("StudyGap with stubs")
	} else {
		expect(t, s.Checks, "4a/path", exercise.Waiting, exercise.Part2a+" first")
	}
	if p := exercise.ComparePaths(stubPath, stubCurved, 1, stubEuler, stubField); len(p.Results) != 0 {
		t.Error("ComparePaths with stubs")
	}
}
