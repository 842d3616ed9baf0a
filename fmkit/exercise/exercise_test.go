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

// status returns the status of the first item whose name contains key.
func status(t *testing.T, r *exercise.Report, key string) exercise.Status {
	t.Helper()
	for _, it := range r.Items {
		if strings.Contains(it.Name, key) {
			return it.Status
		}
	}
	t.Fatalf("no item %q in\n%s", key, r)
	return -1
}

func detail(r *exercise.Report, key string) string {
	for _, it := range r.Items {
		if strings.Contains(it.Name, key) {
			return it.Detail
		}
	}
	return ""
}

func expect(t *testing.T, r *exercise.Report, key string, want exercise.Status, hint string) {
	t.Helper()
	if got := status(t, r, key); got != want {
		t.Errorf("item %q: status %v, want %v\n%s", key, got, want, r)
		return
	}
	if hint != "" && !strings.Contains(detail(r, key), hint) {
		t.Errorf("item %q: detail %q lacks %q", key, detail(r, key), hint)
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
	if d := detail(r, "sinusoidal"); !strings.Contains(d, "8 sin/cos pairs, ω from 1 to 100") {
		t.Errorf("sinusoidal detail %q", d)
	}
}

func TestNetworkStubs(t *testing.T) {
	r := exercise.CheckNetwork(stubEmbedding, stubField)
	if len(r.Items) != 2 || r.Count(exercise.NotYet) != 2 {
		t.Fatalf("want two not-yet-written items:\n%s", r)
	}
	if !strings.Contains(r.Items[0].Detail, exercise.Part1a) || !strings.Contains(r.Items[1].Detail, exercise.Part1b) {
		t.Errorf("details do not name the parts:\n%s", r)
	}
}

func TestNetworkBroken(t *testing.T) {
	// The field of the solution with a broken embedding inside it would fail
	// too; test each part with the other one correct.
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
	panics := func(t *Node) *Node { var s []int; _ = s[3]; return t }
	for _, c := range []struct {
		name  string
		embed exercise.TimeEmbedding
		item  string
		hint  string
	}{
		{"rank 1", flat, "1a time embedding: shape", "shape [256, E]"},
		{"NaN", nan, "finite", "NaN or Inf"},
		{"one frequency", oneFreq, "sinusoidal", "only one frequency"},
		{"periodic", periodic, "tells times apart", "multiples of 2π"},
		{"panics", panics, "1a time embedding", "index out of range"},
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
		{"ignores t", noT, "uses t", "concatenate timeEmbedding(t)"},
		{"affine", affine, "nonlinear", "activation"},
		{"3 outputs", wide, "1b v_θ: shape", "[7, 2]"},
		{"mixes the batch", mixing, "points independent", "must not mix"},
		{"no weights", noWeights, "has weights", "field.Linear"},
	} {
		r := exercise.CheckNetwork(timeEmbedding, c.v)
		expect(t, r, c.item, exercise.Failed, c.hint)
	}
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
	expect(t, r, "2b loss with v_θ", exercise.Waiting, exercise.Part1b)

	swapped := func(t float64, x0, x1, xt, ut []float64) { linearPath(1-t, x0, x1, xt, ut) }
	negated := func(t float64, x0, x1, xt, ut []float64) {
		linearPath(t, x0, x1, xt, ut)
		ut[0], ut[1] = -ut[0], -ut[1]
	}
	r = exercise.CheckLoss(swapped, cfmLoss, vTheta)
	expect(t, r, "x_t", exercise.Failed, "runs from x1 to x0")
	r = exercise.CheckLoss(negated, cfmLoss, vTheta)
	expect(t, r, "u_t", exercise.Failed, "wrong sign")

	meanAll := func(ctx *context.Context, v exercise.Field, t, xt, ut *Node) *Node {
		return ReduceAllMean(Square(Sub(v(ctx, t, xt), ut)))
	}
	perRow := func(ctx *context.Context, v exercise.Field, t, xt, ut *Node) *Node {
		return ReduceSum(Square(Sub(v(ctx, t, xt), ut)), -1)
	}
	detached := func(ctx *context.Context, v exercise.Field, t, xt, ut *Node) *Node {
		return ReduceAllMean(ReduceSum(Square(Sub(StopGradient(v(ctx, t, xt)), ut)), -1))
	}
	r = exercise.CheckLoss(linearPath, meanAll, vTheta)
	expect(t, r, "2b CFM loss: value", exercise.Failed, "averaged over the 2 coordinates")
	r = exercise.CheckLoss(linearPath, perRow, vTheta)
	expect(t, r, "2b CFM loss: scalar", exercise.Failed, "must be a scalar")
	r = exercise.CheckLoss(linearPath, detached, vTheta)
	expect(t, r, "trainable", exercise.Failed, "gradient reaches the weights")
}

func TestEuler(t *testing.T) {
	useTempCache(t)
	r := exercise.CheckEuler(eulerSample, vTheta)
	for _, it := range r.Items[:len(r.Items)-1] {
		if it.Status != exercise.Passed {
			t.Fatalf("reference solution fails:\n%s", r)
		}
	}
	expect(t, r, "trained model", exercise.Waiting, "part 2c")

	r = exercise.CheckEuler(stubEuler, vTheta)
	if len(r.Items) != 1 || r.Items[0].Status != exercise.NotYet {
		t.Fatalf("stub:\n%s", r)
	}
	rightPoint := func(v ode.Field, x0 *mat.Dense, steps int) ([]*mat.Dense, error) {
		if steps <= 0 {
			return nil, errors.New("bad steps")
		}
		h := 1 / float64(steps)
		x := mat.DenseCopyOf(x0)
		traj := []*mat.Dense{mat.DenseCopyOf(x)}
		for k := range steps {
			vel, err := v.Velocity(float64(k+1)*h, x)
			if err != nil {
				return nil, err
			}
			x.Add(x, scaled(h, vel))
			traj = append(traj, mat.DenseCopyOf(x))
		}
		return traj, nil
	}
	r = exercise.CheckEuler(rightPoint, vTheta)
	expect(t, r, "uses t_k", exercise.Failed, "end of each step")
	lenient := func(v ode.Field, x0 *mat.Dense, steps int) ([]*mat.Dense, error) {
		if steps <= 0 {
			return []*mat.Dense{x0}, nil
		}
		return eulerSample(v, x0, steps)
	}
	r = exercise.CheckEuler(lenient, vTheta)
	expect(t, r, "bad step count", exercise.Failed, "should return an error")
	inPlace := func(v ode.Field, x0 *mat.Dense, steps int) ([]*mat.Dense, error) {
		traj, err := eulerSample(v, x0, steps)
		if err == nil {
			x0.Copy(traj[len(traj)-1])
		}
		return traj, err
	}
	r = exercise.CheckEuler(inPlace, vTheta)
	expect(t, r, "states", exercise.Failed, "must not be modified")
	short := func(v ode.Field, x0 *mat.Dense, steps int) ([]*mat.Dense, error) {
		traj, err := eulerSample(v, x0, steps)
		if err != nil {
			return nil, err
		}
		return traj[1:], nil
	}
	r = exercise.CheckEuler(short, vTheta)
	expect(t, r, "constant field", exercise.Failed, "steps+1 states")
}

func TestCurvedPath(t *testing.T) {
	r := exercise.CheckCurvedPath(curvedPath, 1)
	if !r.Passed() {
		t.Fatalf("reference solution fails:\n%s", r)
	}
	r = exercise.CheckCurvedPath(stubCurved, 1)
	if len(r.Items) != 1 || r.Items[0].Status != exercise.NotYet {
		t.Fatalf("stub:\n%s", r)
	}
	flipped := func(a, t float64, x0, x1, xt, ut []float64) { curvedPath(-a, t, x0, x1, xt, ut) }
	r = exercise.CheckCurvedPath(flipped, 1)
	expect(t, r, "x_t", exercise.Failed, "other way")
	straight := func(a, t float64, x0, x1, xt, ut []float64) { linearPath(t, x0, x1, xt, ut) }
	r = exercise.CheckCurvedPath(straight, 1)
	expect(t, r, "x_t", exercise.Failed, "straight line")
	badU := func(a, t float64, x0, x1, xt, ut []float64) {
		curvedPath(a, t, x0, x1, xt, ut)
		ut[0] += a * t * (x1[1] - x0[1]) // forgot the product rule
	}
	r = exercise.CheckCurvedPath(badU, 1)
	expect(t, r, "d x_t/dt", exercise.Failed, "finite difference")
}

func TestTrainingGate(t *testing.T) {
	useTempCache(t)
	// Too short a training: everything runs, the W2 gate fails.
	res, r := exercise.CheckTraining("linear", trainCFM, linearPath, vTheta, 150)
	expect(t, r, "runs", exercise.Passed, "150 steps")
	expect(t, r, "loss decreases", exercise.Passed, "")
	expect(t, r, "W2", exercise.Failed, "train longer")
	if res == nil || !(res.W2 > exercise.W2Threshold) || res.W2Noise < 0.8 {
		t.Fatalf("result %+v", res)
	}
	// The saved model reloads with the same velocities.
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
	if len(m.Losses) != 150 {
		t.Errorf("reloaded %d losses", len(m.Losses))
	}
	// The Euler check now grades the trained model (and fails its gate).
	r = exercise.CheckEuler(eulerSample, vTheta)
	expect(t, r, "W2 to the moons", exercise.Failed, "")

	// A failed run deletes the model of the earlier one; stubs report
	// themselves and nothing is saved.
	_, r = exercise.CheckTraining("linear", stubTrain, linearPath, vTheta, 10)
	expect(t, r, "2c training", exercise.NotYet, exercise.Part2c)
	_, r = exercise.CheckTraining("linear", trainCFM, stubPath, vTheta, 10)
	expect(t, r, "2c training", exercise.Waiting, exercise.Part2a)
	_, r = exercise.CheckTraining("curved", trainCFM, exercise.WithAmplitude(stubCurved, 1), vTheta, 10)
	expect(t, r, "4b training", exercise.NotYet, exercise.Part4b)
	_, r = exercise.CheckTraining("curved", stubTrain, exercise.WithAmplitude(curvedPath, 1), vTheta, 10)
	expect(t, r, "4b training", exercise.Waiting, exercise.Part2c)
	if _, err := exercise.LoadModel("linear", vTheta); !errors.Is(err, exercise.ErrNoModel) {
		t.Errorf("LoadModel after failed trainings: %v", err)
	}
	if _, err := os.Stat(exercise.CheckpointPath("linear")); !os.IsNotExist(err) {
		t.Errorf("checkpoint written by a stub: %v", err)
	}
}

func TestAnalysesWait(t *testing.T) {
	useTempCache(t)
	if c := exercise.CompareSamplers(eulerSample, vTheta); c != nil {
		t.Error("CompareSamplers without a model")
	}
	if s := exercise.StudyGap(linearPath, eulerSample, vTheta); s != nil {
		t.Error("StudyGap without a model")
	}
	if s := exercise.StudyGap(stubPath, stubEuler, stubField); s != nil {
		t.Error("StudyGap with stubs")
	}
	if p := exercise.ComparePaths(stubPath, stubCurved, 1, stubEuler, stubField); p != nil {
		t.Error("ComparePaths with stubs")
	}
}
