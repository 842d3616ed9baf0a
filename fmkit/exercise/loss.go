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
)

// CheckLoss grades parts 2a and 2b: the linear path and the CFM loss.
//
// The path is compared with fmkit's path.Linear at 20 random (t, x0, x1),
// t = 0 and t = 1 included (x_t = (1-t) x0 + t x1 and u_t = x1 - x0 to 1e-12).
// The loss is evaluated with a known field v(t, x) = x A + t b (no weights)
// on a fixed batch of 16: it must be a scalar equal to
// (1/B) sum_i ||v(t_i, x_t,i) - u_t,i||^2 (relative error 1e-4), and 0 when
// u_t = v(t, x_t); the usual wrong forms (a sum over the batch, a mean over
// the coordinates too, a square root, norms without the square, no square
// at all, absolute values) are recognised and named. With the student's
// v_theta it must stay finite and non-negative, and 60 Adam steps on one
// fixed batch of 64 must lower it by at least 20% (gradients reach the
// weights); when that fails because v_theta fails part 1b, the item says so.
func CheckLoss(linear PathFunc, loss Loss, v Field) *Report {
	r := &Report{Title: tr("第 2a、2b 部分的检查：线性路径与 CFM 损失", "Check of parts 2a and 2b: linear path and CFM loss")}
	checkLinearPath(r, linear)
	if checkLossValue(r, loss) {
		checkLossDescent(r, loss, v)
	}
	r.Show()
	return r
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
			return &shapeError{tr("损失的形状是 %s，它必须是标量：先对坐标（第 -1 轴）求平方误差之和，再对批次求平均",
				"the loss has shape %s; it must be a scalar: sum the squared error over the coordinates (axis -1) and average over the batch", outs[0].Shape().String())}
		}
		val, err = Float(outs[0])
		return err
	})
	return val, err
}

// gradeLoss grades part 2b silently on the known field (without the
// student's network): the verdict later checks use.
func gradeLoss(loss Loss) verdict {
	return silently(Part2b, func(r *Report) { checkLossValue(r, loss) })
}

// lossForms are the values of the usual wrong forms of the CFM loss on a
// batch, with the hint each gets; d_i = v(t_i, x_t,i) - u_t,i.
func lossForms(d [][2]float64) (want float64, forms []lossForm) {
	n := float64(len(d))
	var sq, norm, lin, abs float64
	for _, r := range d {
		s := r[0]*r[0] + r[1]*r[1]
		sq += s
		norm += math.Sqrt(s)
		lin += r[0] + r[1]
		abs += math.Abs(r[0]) + math.Abs(r[1])
	}
	want = sq / n
	noSquare := tr("你的损失对 v - u_t 是线性的（没有平方）：它可以是负数，也没有最小值，训练会把它推向 -∞。要先平方再求和：(1/B) Σ ||v - u_t||²",
		"your loss is linear in v - u_t (no square): it can be negative and has no minimum, so training drives it to -∞. Square the difference before summing: (1/B) Σ ||v - u_t||²")
	forms = []lossForm{
		{want / 2, tr("得到 %.5f，是 (1/B) Σ ||v - u_t||² = %.5f 的一半：你把 2 个坐标也平均了；应当对坐标求和、对批次求平均",
			"got %.5f = half of (1/B) Σ ||v - u_t||² = %.5f: you averaged over the 2 coordinates too; sum the squared error over the coordinates and average over the batch")},
		{sq, tr("得到 %.5f，是应有值 %.5f 的 B 倍：这是对批次求和的损失；对批次求平均（ReduceAllMean），而不是求和",
			"got %.5f = B times the expected %.5f: this is the loss summed over the batch; average over the batch (ReduceAllMean) instead of summing")},
		{math.Sqrt(want), tr("得到 %.5f，是应有值 %.5f 的平方根：损失是平方范数的平均 (1/B) Σ ||v - u_t||²，不开平方根",
			"got %.5f, the square root of the expected %.5f: the loss is the mean squared norm (1/B) Σ ||v - u_t||², without a square root")},
		{norm / n, tr("得到 %.5f：这是范数 ||v - u_t|| 的平均，没有平方（应为 %.5f）。CFM 损失是平方范数的平均：对 Square(v - u_t) 沿坐标求和，再对批次平均",
			"got %.5f: the mean of the norms ||v - u_t|| without the square (want %.5f). The CFM loss is the mean of the squared norms: sum Square(v - u_t) over the coordinates, then average over the batch")},
		{abs / n, tr("得到 %.5f：这是 |v - u_t| 的平均（L1），不是平方（应为 %.5f）；用 Square 代替 Abs",
			"got %.5f: the mean of |v - u_t| (L1), not of the squares (want %.5f); use Square instead of Abs")},
	}
	for _, l := range []float64{lin / n, lin / (2 * n), lin, -lin / n, -lin / (2 * n), -lin} {
		forms = append(forms, lossForm{l, cat(tr("得到 %.5f（应为 %.5f）：", "got %.5f (want %.5f): "), noSquare)})
	}
	return want, forms
}

type lossForm struct {
	value float64
	hint  Text // a format with the value got and the value wanted
}

// checkLossValue grades the value of the loss on a known field; it reports
// whether the loss is a scalar that can be graded further.
func checkLossValue(r *Report, loss Loss) bool {
	b := newLossBatch(16, 5)
	n := len(b.t)
	d := make([][2]float64, n)
	for i := range n {
		kv := knownFieldHost(b.t[i], b.xt.RawRowView(i))
		d[i] = [2]float64{kv[0] - b.ut.At(i, 0), kv[1] - b.ut.At(i, 1)}
	}
	want, forms := lossForms(d)
	got, err := evalLoss(loss, knownField, context.New(), b)
	if err != nil {
		var se *shapeError
		if errors.As(err, &se) {
			r.fail("2b/scalar", se.msg)
			return false
		}
		r.err("2b/run", Part2b, err, nil, tr("在一个 16 行的固定批次上、用已知向量场 v(t, x) = x A + t b 计算 cfmLoss 时出错",
			"cfmLoss failed on a batch of 16 with a known field v(t, x) = x A + t b"))
		return false
	}
	rel := func(a, b float64) float64 { return math.Abs(a-b) / math.Max(math.Abs(b), 1e-12) }
	matched := false
	switch {
	case math.IsNaN(got) || math.IsInf(got, 0):
		r.fail("2b/value", tr("在一个本应得到 %[2]v 的固定批次上，损失是 %[1]v", "the loss is %v on a fixed batch where it should be %.5f", got, want))
		matched = true
	case rel(got, want) < 1e-4:
		r.pass("2b/value", tr("在 16 行的固定批次上（已知向量场）得到 %.5f，与 (1/B) Σ ||v - u_t||² 一致",
			"%.5f on a fixed batch of 16 with a known field, as (1/B) Σ ||v - u_t||² gives", got))
		matched = true
	default:
		for _, f := range forms {
			if rel(got, f.value) < 1e-4 {
				r.fail("2b/value", tr(f.hint.ZH, f.hint.EN, got, want))
				matched = true
				break
			}
		}
	}
	if !matched {
		if got < 0 {
			r.fail("2b/value", tr("得到 %.5f，是负数：平方范数的平均不可能小于 0（应为 %.5f）；损失里要有 Square(v - u_t)",
				"got %.5f, a negative value: a mean of squared norms can never be negative (want %.5f); the loss needs Square(v - u_t)", got, want))
		} else {
			r.fail("2b/value", tr("在 16 行的固定批次上（已知向量场）得到 %.5f；应为 (1/B) Σ_i ||v(t_i, x_t,i) - u_t,i||² = %.5f",
				"got %.5f on a fixed batch of 16 with a known field; want (1/B) Σ_i ||v(t_i, x_t,i) - u_t,i||² = %.5f", got, want))
		}
	}
	// Zero when the field is exact.
	exact := lossBatch{t: b.t, xt: b.xt, ut: mat.NewDense(n, 2, nil)}
	for i := range n {
		kv := knownFieldHost(b.t[i], b.xt.RawRowView(i))
		exact.ut.SetRow(i, kv[:])
	}
	zero, err := evalLoss(loss, knownField, context.New(), exact)
	if err != nil {
		r.err("2b/zero", Part2b, err, nil, Text{})
		return true
	}
	r.check("2b/zero", math.Abs(zero) < 1e-5, tr("v(t, x_t) = u_t 时为 %.2g", "%.2g when v(t, x_t) = u_t", zero),
		tr("每一行都有 v(t, x_t) = u_t，损失却是 %.4g：它必须度量差 v - u_t", "the loss is %.4g although v(t, x_t) = u_t on every row: it must measure the difference v - u_t", zero))
	return true
}

// checkLossDescent runs 60 Adam steps (lr 1e-2) of the student's loss and
// network on one fixed batch of 64.
func checkLossDescent(r *Report, loss Loss, v Field) {
	const id = "2b/trainable"
	b := newLossBatch(64, 9)
	ctx := context.New()
	_ = ctx.SetRNGStateFromSeed(1)
	var first, last, lowest float64
	lowestAt := 0
	err := try(func() error {
		backend, err := fmkit.Backend()
		if err != nil {
			return err
		}
		opt := optimizers.Adam().LearningRate(1e-2).Done()
		exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, t, xt, ut *Node) *Node {
			l := loss(ctx, v, t, xt, ut)
			if l.Rank() != 0 {
				panic(&shapeError{tr("损失的形状是 %s，它必须是标量", "the loss has shape %s, it must be a scalar", l.Shape().String())})
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
				first, lowest = val, val
			}
			if val < lowest {
				lowest, lowestAt = val, k+1
			}
			last = val
		}
		return nil
	})
	if err != nil {
		r.err(id, Part2b, err, []verdict{gradeNetwork(v)}, tr("在固定批次上用 vTheta 训练 cfmLoss 出错", "training cfmLoss with vTheta on a fixed batch failed"))
		return
	}
	if lowest < 0 {
		r.fail(id, tr("在固定批次上用 Adam 训练时损失变成了负数（第 %d 步为 %.4g）：平方范数的平均不可能小于 0，损失里一定少了平方",
			"after Adam steps on a fixed batch the loss became negative (%.4[2]g at step %[1]d): a mean of squared norms can never be negative, so the square is missing", lowestAt, lowest))
		return
	}
	if last < 0.8*first {
		r.pass(id, tr("在固定批次上 60 步 Adam 把它从 %.3f 降到 %.3f", "60 Adam steps on a fixed batch lower it from %.3f to %.3f", first, last))
		return
	}
	r.failOr(id, []verdict{gradeNetwork(v)}, tr("在固定批次上 60 步 Adam 只把它从 %.3f 变到 %.3f：损失必须由 v(ctx, t, x_t) 算出，梯度才能传到权重",
		"60 Adam steps on a fixed batch only moved it from %.3f to %.3f: the loss must come from v(ctx, t, x_t), so that its gradient reaches the weights", first, last))
}
