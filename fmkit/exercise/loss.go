package exercise

import (
	"errors"
	"fmt"
	"math"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/path"
)

// CheckLoss grades parts 2a and 2b: the linear path and the CFM loss.
//
// The path is compared with fmkit's path.Linear at 20 random (t, x0, x1),
// t = 0 and t = 1 included (x_t = (1-t) x0 + t x1 and u_t = x1 - x0 to 1e-12).
// The loss is evaluated with a known field v(t, x) = x A + t b (no weights)
// on a fixed batch of 16: it must be a scalar equal to
// (1/B) sum_i ||v(t_i, x_t,i) - u_t,i||^2 (relative error 1e-4), and 0 when
// u_t = v(t, x_t). With the student's v_theta it must be finite, and 60 Adam
// steps on one fixed batch of 64 must lower it by at least 20% (gradients
// reach the weights).
func CheckLoss(linear PathFunc, loss Loss, v Field) *Report {
	r := &Report{Title: "Check of parts 2a and 2b: linear path and CFM loss"}
	checkLinearPath(r, linear)
	checkLoss(r, loss, v)
	r.Show()
	return r
}

// pathCase is one (t, x0, x1) at which a path is checked.
type pathCase struct {
	t      float64
	x0, x1 []float64
}

func pathCases(n int, seed uint64) []pathCase {
	rng := data.NewRand(seed)
	cs := make([]pathCase, n)
	for i := range cs {
		cs[i] = pathCase{t: rng.Float64(), x0: []float64{rng.NormFloat64(), rng.NormFloat64()}, x1: []float64{rng.NormFloat64(), rng.NormFloat64()}}
	}
	cs[0].t, cs[1].t = 0, 1
	return cs
}

// evalPath calls p, recovering a panic.
func evalPath(p PathFunc, c pathCase) (xt, ut []float64, err error) {
	xt, ut = []float64{math.NaN(), math.NaN()}, []float64{math.NaN(), math.NaN()}
	err = try(func() error {
		p(c.t, append([]float64(nil), c.x0...), append([]float64(nil), c.x1...), xt, ut)
		return nil
	})
	return xt, ut, err
}

func dist2(a, b []float64) float64 {
	return math.Max(math.Abs(a[0]-b[0]), math.Abs(a[1]-b[1]))
}

func checkLinearPath(r *Report, p PathFunc) {
	const name = "2a linear path"
	ref := path.Linear()
	var worstX, worstU float64
	var badX, badU *pathCase
	swapped, negated := true, true
	for _, c := range pathCases(20, 3) {
		xt, ut, err := evalPath(p, c)
		if err != nil {
			r.Error(name, err, "linearPath panicked")
			return
		}
		wx, wu := make([]float64, 2), make([]float64, 2)
		ref.Point(c.t, c.x0, c.x1, wx, wu)
		sw := make([]float64, 2)
		ref.Point(1-c.t, c.x0, c.x1, sw, make([]float64, 2))
		if dist2(xt, sw) > 1e-9 {
			swapped = false
		}
		if dist2(ut, []float64{-wu[0], -wu[1]}) > 1e-9 {
			negated = false
		}
		if e := dist2(xt, wx); e > worstX || math.IsNaN(e) {
			worstX, badX = e, &c
			if math.IsNaN(e) {
				worstX = math.Inf(1)
			}
		}
		if e := dist2(ut, wu); e > worstU || math.IsNaN(e) {
			worstU, badU = e, &c
			if math.IsNaN(e) {
				worstU = math.Inf(1)
			}
		}
	}
	switch {
	case worstX <= 1e-12:
		r.Pass(name+": x_t", "x_t = (1-t) x0 + t x1 at 20 points, t = 0 and 1 included")
	case swapped:
		r.Fail(name+": x_t", "x_t runs from x1 to x0: the path starts at the noise x0 at t = 0 and ends at the data x1 at t = 1, x_t = (1-t) x0 + t x1")
	default:
		wx := make([]float64, 2)
		ref.Point(badX.t, badX.x0, badX.x1, wx, make([]float64, 2))
		got, _, _ := evalPath(p, *badX)
		r.Fail(name+": x_t", "at t=%.3f, x0=%.3f, x1=%.3f: want x_t = (1-t) x0 + t x1 = %.4f, got %.4f", badX.t, badX.x0, badX.x1, wx, got)
	}
	switch {
	case worstU <= 1e-12:
		r.Pass(name+": u_t", "u_t = x1 - x0 at the same points")
	case negated:
		r.Fail(name+": u_t", "u_t has the wrong sign: the velocity points from x0 to x1, u_t = x1 - x0")
	default:
		wu := make([]float64, 2)
		ref.Point(badU.t, badU.x0, badU.x1, make([]float64, 2), wu)
		_, got, _ := evalPath(p, *badU)
		r.Fail(name+": u_t", "at t=%.3f, x0=%.3f, x1=%.3f: want u_t = d x_t/dt = x1 - x0 = %.4f, got %.4f", badU.t, badU.x0, badU.x1, wu, got)
	}
}

// knownField is v(t, x) = x A + t b with fixed A and b: a field without
// weights whose loss the check can compute on the host.
var (
	knownA = [2][2]float64{{0.5, -0.3}, {0.2, 0.8}}
	knownB = [2]float64{1, -1}
)

func knownField(_ *context.Context, t, x *Node) *Node {
	g := x.Graph()
	a := ConvertDType(Const(g, [][]float32{{float32(knownA[0][0]), float32(knownA[0][1])}, {float32(knownA[1][0]), float32(knownA[1][1])}}), x.DType())
	b := ConvertDType(Const(g, []float32{float32(knownB[0]), float32(knownB[1])}), x.DType())
	tt := ConvertDType(t, x.DType())
	if tt.Rank() == 1 {
		tt = InsertAxes(tt, -1)
	}
	return Add(Dot(x, a), Mul(tt, InsertAxes(b, 0)))
}

func knownFieldHost(t float64, x []float64) [2]float64 {
	var v [2]float64
	for j := range 2 {
		v[j] = x[0]*knownA[0][j] + x[1]*knownA[1][j] + t*knownB[j]
	}
	return v
}

// lossBatch is a fixed batch (t, x_t, u_t) of n rows.
type lossBatch struct {
	t      []float64
	xt, ut *mat.Dense
}

func newLossBatch(n int, seed uint64) lossBatch {
	rng := data.NewRand(seed)
	b := lossBatch{t: make([]float64, n), xt: mat.NewDense(n, 2, nil), ut: mat.NewDense(n, 2, nil)}
	for i := range n {
		b.t[i] = rng.Float64()
		for j := range 2 {
			b.xt.Set(i, j, rng.NormFloat64())
			b.ut.Set(i, j, rng.NormFloat64())
		}
	}
	return b
}

// evalLoss evaluates the student's loss with field v (weights in ctx) on b.
func evalLoss(loss Loss, v Field, ctx *context.Context, b lossBatch) (float64, error) {
	var val float64
	err := try(func() error {
		backend, err := fmkit.Backend()
		if err != nil {
			return err
		}
		exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, t, xt, ut *Node) *Node {
			return loss(ctx, v, t, xt, ut)
		})
		if err != nil {
			return err
		}
		defer exec.Finalize()
		outs, err := exec.Exec(Vector(b.t), Tensor(b.xt), Tensor(b.ut))
		if err != nil {
			return err
		}
		if outs[0].Rank() != 0 {
			return &shapeError{fmt.Sprintf("the loss has shape %s; it must be a scalar: sum the squared error over the coordinates (axis -1) and average over the batch", outs[0].Shape())}
		}
		val, err = Float(outs[0])
		return err
	})
	return val, err
}

func checkLoss(r *Report, loss Loss, v Field) {
	const name = "2b CFM loss"
	b := newLossBatch(16, 5)
	n := len(b.t)
	want := 0.0
	for i := range n {
		kv := knownFieldHost(b.t[i], b.xt.RawRowView(i))
		for j := range 2 {
			d := kv[j] - b.ut.At(i, j)
			want += d * d
		}
	}
	want /= float64(n)
	got, err := evalLoss(loss, knownField, context.New(), b)
	if err != nil {
		var se *shapeError
		if errors.As(err, &se) {
			r.Fail(name+": scalar", "%s", se.msg)
			return
		}
		r.ErrorIn(name, Part2b, err, "cfmLoss failed on a batch of 16 with a known field v(t, x) = x A + t b")
		return
	}
	rel := func(a, b float64) float64 { return math.Abs(a-b) / math.Max(math.Abs(b), 1e-12) }
	switch {
	case math.IsNaN(got) || math.IsInf(got, 0):
		r.Fail(name+": value", "the loss is %v on a fixed batch where it should be %.5f", got, want)
	case rel(got, want) < 1e-4:
		r.Pass(name+": value", "%.5f on a fixed batch of 16 with a known field, as (1/B) Σ ||v - u_t||² gives", got)
	case rel(got, want/2) < 1e-4:
		r.Fail(name+": value", "got %.5f = half of (1/B) Σ ||v - u_t||² = %.5f: you averaged over the 2 coordinates too; sum the squared error over the coordinates and average over the batch", got, want)
	case rel(got, want*float64(n)) < 1e-4:
		r.Fail(name+": value", "got %.5f = B times the expected %.5f: average over the batch instead of summing", got, want)
	case rel(got*got, want) < 1e-4 || rel(got*got, want/float64(n)) < 1e-3:
		r.Fail(name+": value", "got %.5f, the square root of the expected value: the loss is the mean squared norm (1/B) Σ ||v - u_t||² = %.5f, without a square root", got, want)
	default:
		r.Fail(name+": value", "got %.5f on a fixed batch of 16 with a known field; want (1/B) Σ_i ||v(t_i, x_t,i) - u_t,i||² = %.5f", got, want)
	}
	// Zero when the field is exact.
	exact := lossBatch{t: b.t, xt: b.xt, ut: mat.NewDense(n, 2, nil)}
	for i := range n {
		kv := knownFieldHost(b.t[i], b.xt.RawRowView(i))
		exact.ut.SetRow(i, kv[:])
	}
	zero, err := evalLoss(loss, knownField, context.New(), exact)
	if err != nil {
		r.Error(name+": zero at the optimum", err, "")
		return
	}
	r.Check(name+": zero at the optimum", math.Abs(zero) < 1e-5, fmt.Sprintf("%.2g when v(t, x_t) = u_t", zero),
		fmt.Sprintf("the loss is %.4g although v(t, x_t) = u_t on every row: it must measure the difference v - u_t", zero))
	// With the student's network: finite, and it can be minimised.
	checkLossDescent(r, loss, v)
}

// checkLossDescent runs 60 Adam steps (lr 1e-2) of the student's loss and
// network on one fixed batch of 64.
func checkLossDescent(r *Report, loss Loss, v Field) {
	const name = "2b loss with v_θ"
	b := newLossBatch(64, 9)
	// A learnable target: u_t = x1 - x0 on the linear path, x0 = x_t - t u_t.
	ctx := context.New()
	_ = ctx.SetRNGStateFromSeed(1)
	var first, last float64
	err := try(func() error {
		backend, err := fmkit.Backend()
		if err != nil {
			return err
		}
		opt := optimizers.Adam().LearningRate(1e-2).Done()
		exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, t, xt, ut *Node) *Node {
			l := loss(ctx, v, t, xt, ut)
			if l.Rank() != 0 {
				panic(&shapeError{fmt.Sprintf("the loss has shape %s, it must be a scalar", l.Shape())})
			}
			if l.DType() != dtypes.Float32 {
				l = ConvertDType(l, dtypes.Float32)
			}
			opt.UpdateGraph(ctx, t.Graph(), l)
			return l
		})
		if err != nil {
			return err
		}
		defer exec.Finalize()
		for k := range 60 {
			outs, err := exec.Exec(Vector(b.t), Tensor(b.xt), Tensor(b.ut))
			if err != nil {
				return err
			}
			val, err := Float(outs[0])
			if err != nil {
				return err
			}
			if math.IsNaN(val) || math.IsInf(val, 0) {
				return fmt.Errorf("the loss became %v at Adam step %d", val, k+1)
			}
			if k == 0 {
				first = val
			}
			last = val
		}
		return nil
	})
	if err != nil {
		r.ErrorIn(name, Part2b, err, "training cfmLoss with vTheta on a fixed batch failed")
		return
	}
	r.Check(name+": trainable", last < 0.8*first,
		fmt.Sprintf("60 Adam steps on a fixed batch lower it from %.3f to %.3f", first, last),
		fmt.Sprintf("60 Adam steps on a fixed batch only moved it from %.3f to %.3f: the loss must come from v(ctx, t, x_t), so that its gradient reaches the weights", first, last))
}
