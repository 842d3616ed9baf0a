package exercise

import (
	"errors"
	"math"
	"sort"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/internal/gx"
)

// embeddingGrid is the number of times in [0, 1] at which CheckNetwork
// evaluates the time embedding (fine enough to unwrap the phase of
// frequencies up to ~800 rad per unit of t).
const embeddingGrid = 256

// evalEmbedding runs embed on t (shape [len(t)]) and returns its output as a
// matrix, or an error saying what is wrong with it.
func evalEmbedding(embed TimeEmbedding, t []float64) (*mat.Dense, error) {
	var out *mat.Dense
	err := try(func() error {
		backend, err := fmkit.Backend()
		if err != nil {
			return err
		}
		exec, err := NewExec(backend, func(t *Node) *Node { return embed(t) })
		if err != nil {
			return err
		}
		defer exec.Finalize()
		outs, err := exec.Exec(Vector(t))
		if err != nil {
			return err
		}
		dims := outs[0].Shape().Dimensions
		if len(dims) != 2 || dims[0] != len(t) {
			return &shapeError{tr("t 的形状为 [%[1]d] 时返回了形状 %[2]s：每个时间一行特征，形状应为 [%[1]d, E]",
				"for t of shape [%d] it returned shape %s; return one row of features per time, shape [%d, E]",
				len(t), outs[0].Shape().String(), len(t))}
		}
		out, err = gx.Dense(outs[0])
		return err
	})
	return out, err
}

// sinCosPairs finds pairs of columns (i, j) of emb with emb_i^2 + emb_j^2 = 1
// on every row, each column used once, and estimates the angular frequency
// of each pair from its unwrapped phase over t.
func sinCosPairs(emb *mat.Dense, t []float64) (freqs []float64) {
	n, e := emb.Dims()
	used := make([]bool, e)
	for i := range e {
		for j := i + 1; j < e && !used[i]; j++ {
			if used[j] {
				continue
			}
			ok := true
			for r := range n {
				a, b := emb.At(r, i), emb.At(r, j)
				if math.Abs(a*a+b*b-1) > 2e-3 {
					ok = false
					break
				}
			}
			if !ok {
				continue
			}
			used[i], used[j] = true, true
			// Phase theta(t) = atan2(col i, col j), unwrapped.
			prev := math.Atan2(emb.At(0, i), emb.At(0, j))
			total := 0.0
			for r := 1; r < n; r++ {
				cur := math.Atan2(emb.At(r, i), emb.At(r, j))
				d := cur - prev
				d -= 2 * math.Pi * math.Round(d/(2*math.Pi))
				total += d
				prev = cur
			}
			freqs = append(freqs, math.Abs(total/(t[n-1]-t[0])))
		}
	}
	sort.Float64s(freqs)
	return freqs
}

// CheckNetwork grades part 1: the time embedding and the network v_theta.
//
// The time embedding is evaluated at 256 times in [0, 1]: it must return
// shape [B, E], finite values that change with t, at least two pairs of
// columns with sin^2 + cos^2 = 1 (the sinusoidal code of several
// frequencies omega_k) at distinct frequencies, and different codes for
// different times.
//
// v_theta is built with fresh weights (seed 1) on 7 points: it must return
// shape [7, 2], finite values, have trainable weights, depend on t, be
// nonlinear in x, and treat the points of a batch independently (the same
// rows evaluated as a batch of 3 give the same velocities, with the weights
// reused). The items of v_theta that can come from its time embedding
// (shape, finite values, dependence on t) say "needs part 1a" when the
// embedding failed.
func CheckNetwork(embed TimeEmbedding, v Field) *Report {
	r := &Report{Title: tr("第 1 部分的检查：时间嵌入与网络 v_θ(t, x)", "Check of part 1: time embedding and network v_θ(t, x)")}
	before := len(r.Items)
	checkEmbedding(r, embed)
	embedding := verdictOf(Part1a, &Report{Items: r.Items[before:]})
	checkField(r, v, []verdict{embedding})
	r.Show()
	return r
}

func checkEmbedding(r *Report, embed TimeEmbedding) {
	t := make([]float64, embeddingGrid)
	for i := range t {
		t[i] = float64(i) / float64(embeddingGrid-1)
	}
	emb, err := evalEmbedding(embed, t)
	if err != nil {
		var se *shapeError
		if errors.As(err, &se) {
			r.fail("1a/shape", se.msg)
			return
		}
		r.err("1a/run", Part1a, err, nil, tr("t 的形状为 [256] 时 timeEmbedding(t) 出错", "timeEmbedding(t) failed for t of shape [256]"))
		return
	}
	n, e := emb.Dims()
	r.pass("1a/shape", tr("t 的形状为 [%[3]d] 时输出 [%[1]d, %[2]d]", "[%d, %d] for t of shape [%d]", n, e, n))
	if !r.check("1a/finite", finite(emb), tr("t ∈ [0, 1] 上没有 NaN 或 Inf", "no NaN or Inf for t in [0, 1]"),
		tr("t ∈ [0, 1] 上有特征是 NaN 或 Inf：检查除法和对数", "some features are NaN or Inf for t in [0, 1]: look for a division or a log")) {
		return
	}
	spread := 0.0
	for j := range e {
		lo, hi := math.Inf(1), math.Inf(-1)
		for i := range n {
			lo, hi = math.Min(lo, emb.At(i, j)), math.Max(hi, emb.At(i, j))
		}
		spread = math.Max(spread, hi-lo)
	}
	if !r.check("1a/uses-t", spread > 1e-6,
		tr("t 从 0 变到 1 时特征最多变化 %.3g", "the features change by up to %.3g as t goes from 0 to 1", spread),
		tr("你的特征不随 t 变化：每个时间都得到同一个编码。角度要由输入的 t 算出：ω_k t，即 Mul(InsertAxes(t, -1), ω)",
			"your features do not depend on t: every time gets the same code. Compute the angles ω_k t from the input t, Mul(InsertAxes(t, -1), ω)")) {
		return
	}
	var freqs []float64 // frequencies of the sin/cos pairs, ω = 0 (constant columns) left out
	for _, f := range sinCosPairs(emb, t) {
		if f > 1e-6 {
			freqs = append(freqs, f)
		}
	}
	distinct := 0
	for i := range freqs {
		if i == 0 || freqs[i]-freqs[i-1] > 1e-3*freqs[i] {
			distinct++
		}
	}
	switch {
	case distinct >= 2:
		r.pass("1a/sinusoidal", tr("%d 对 sin/cos，ω 从 %.3g 到 %.3g", "%d sin/cos pairs, ω from %.3g to %.3g", len(freqs), freqs[0], freqs[len(freqs)-1]))
	case len(freqs) == 0:
		r.fail("1a/sinusoidal", tr("没有找到成对的列 (sin(ω t), cos(ω t))：对每个频率 ω_k 加上 sin(ω_k t) 和 cos(ω_k t) 两个特征",
			"no pair of columns (sin(ω t), cos(ω t)) found: for each frequency ω_k add the two features sin(ω_k t) and cos(ω_k t)"))
	default:
		r.fail("1a/sinusoidal", tr("只有一个频率（ω = %.3g）：用 K ≥ 2 个频率，例如几何级数 ω_k = ω_max^(k/(K-1))，就像 Transformer 用一串几何递增的波长",
			"only one frequency (ω = %.3g): use K >= 2 frequencies, e.g. a geometric ladder ω_k = ω_max^(k/(K-1)), as the Transformer uses a ladder of wavelengths", freqs[0]))
	}
	// Different times must get different codes.
	minDist, at := math.Inf(1), [2]int{}
	for i := range n {
		for j := i + 1; j < n; j++ {
			d := 0.0
			for k := range e {
				x := emb.At(i, k) - emb.At(j, k)
				d += x * x
			}
			if d < minDist {
				minDist, at = d, [2]int{i, j}
			}
		}
	}
	minDist = math.Sqrt(minDist)
	hint := tr("t = %.3f 和 t = %.3f 得到同一个编码（距离 %.2g）：编码在 [0, 1] 上必须一一对应；加入 t 本身，或一个低于 2π 的频率",
		"t = %.3f and t = %.3f get the same code (distance %.2g): the code must tell every two times of [0, 1] apart; include t itself or a frequency below 2π", t[at[0]], t[at[1]], minDist)
	if at == [2]int{0, n - 1} && multiplesOf2Pi(freqs) {
		hint = tr("t = 0 和 t = 1 得到同一个编码（距离 %.2g）：你的频率都是 2π 的整数倍，所以编码在 t = 1 时绕回起点；加入 t 本身，或一个低于 2π 的频率",
			"t = 0 and t = 1 get the same code (distance %.2g): your frequencies are all multiples of 2π, so the code comes back to its start at t = 1; include t itself or a frequency below 2π", minDist)
	}
	r.check("1a/distinct", minDist > 1e-3,
		tr("256 个时间里最接近的两个编码相距 %.3g", "the closest codes of two of the 256 times are %.3g apart", minDist), hint)
}

// multiplesOf2Pi reports whether every frequency is a nonzero integer
// multiple of 2π.
func multiplesOf2Pi(freqs []float64) bool {
	if len(freqs) == 0 {
		return false
	}
	for _, f := range freqs {
		k := f / (2 * math.Pi)
		if math.Round(k) < 1 || math.Abs(k-math.Round(k)) > 1e-3*k {
			return false
		}
	}
	return true
}

// fieldPoints are the 7 points of CheckField.
var fieldPoints = mat.NewDense(7, 2, []float64{
	0, 0, 1, 0, -0.5, 0.8, 1.5, -1, -1.2, -0.3, 0.3, 2, 2, 0.5,
})

// gradeNetwork grades part 1b silently: the verdict later checks use.
func gradeNetwork(v Field) verdict {
	return silently(Part1b, func(r *Report) { checkField(r, v, nil) })
}

// checkField grades v_theta; embedding holds the verdict of part 1a (nil
// when it is not known).
func checkField(r *Report, v Field, embedding []verdict) {
	ctx := context.New()
	_ = ctx.SetRNGStateFromSeed(1)
	m := NewModel("fresh", v, ctx)
	n, _ := fieldPoints.Dims()
	tMid := make([]float64, n)
	for i := range tMid {
		tMid[i] = 0.1 + 0.8*float64(i)/float64(n-1)
	}
	out, err := m.eval(tMid, fieldPoints)
	if err != nil {
		var se *shapeError
		if errors.As(err, &se) {
			r.failOr("1b/shape", crashing(embedding), paren(se.msg, tr("最后用一个 2 个单元的全连接层", "end with a dense layer of 2 units")))
			return
		}
		r.err("1b/run", Part1b, err, embedding, tr("t 的形状为 [7]、x 的形状为 [7, 2] 时 vTheta(ctx, t, x) 出错",
			"vTheta(ctx, t, x) failed for t of shape [7] and x of shape [7, 2]"))
		return
	}
	r.pass("1b/shape", tr("t 为 [7]、x 为 [7, 2] 时输出 [7, 2]", "[7, 2] for t of shape [7] and x of shape [7, 2]"))
	if !r.checkOr("1b/finite", finite(out), crashing(embedding), tr("没有 NaN 或 Inf", "no NaN or Inf"),
		tr("速度里有 NaN 或 Inf：检查除法、对数和权重的初始化", "the velocity has NaN or Inf values: look at divisions, logs and the initialisation of the weights")) {
		return
	}
	params := numParams(m.ctx)
	if !r.check("1b/weights", params > 0, tr("%d 个可训练的权重", "%d trainable weights", params),
		tr("ctx 里没有可训练的变量：用 field.Linear(ctx.In(\"...\"), h, units)（或 layers.Dense）建层，训练才有东西可拟合",
			"no trainable variables in ctx: create the layers with field.Linear(ctx.In(\"...\"), h, units) (or layers.Dense) so that training has something to fit")) {
		return
	}
	// Depends on t.
	t1, t9 := make([]float64, n), make([]float64, n)
	for i := range n {
		t1[i], t9[i] = 0.1, 0.9
	}
	v1, err1 := m.eval(t1, fieldPoints)
	v9, err9 := m.eval(t9, fieldPoints)
	if err := errors.Join(err1, err9); err != nil {
		r.err("1b/uses-t", Part1b, err, embedding, tr("在 t = 0.1 和 t = 0.9 处计算 v_θ 出错", "evaluating v_θ at t = 0.1 and t = 0.9 failed"))
		return
	}
	dt := maxAbsDiff(v1, v9)
	r.checkOr("1b/uses-t", dt > 1e-5, embedding,
		tr("v_θ(0.1, x) 与 v_θ(0.9, x) 最多相差 %.3g", "v_θ(0.1, x) and v_θ(0.9, x) differ by up to %.3g", dt),
		tr("v_θ(t, x) 不随 t 变化：在第一层之前把 timeEmbedding(t) 拼接到 x 上（如果已经拼接了，检查 timeEmbedding 本身是否随 t 变化，即第 1a 部分）",
			"v_θ(t, x) does not change with t: concatenate timeEmbedding(t) to x before the first layer (if you did, check that timeEmbedding itself changes with t, part 1a)"))
	// Nonlinear in x: v((x+y)/2) != (v(x) + v(y))/2.
	a := mat.DenseCopyOf(fieldPoints)
	b := mat.NewDense(n, 2, nil)
	for i := range n {
		b.Set(i, 0, -fieldPoints.At(n-1-i, 1))
		b.Set(i, 1, fieldPoints.At(n-1-i, 0)*1.3)
	}
	mid := mat.NewDense(n, 2, nil)
	mid.Add(a, b)
	mid.Scale(0.5, mid)
	va, errA := m.eval(tMid, a)
	vb, errB := m.eval(tMid, b)
	vm, errM := m.eval(tMid, mid)
	if err := errors.Join(errA, errB, errM); err != nil {
		r.err("1b/nonlinear", Part1b, err, nil, Text{})
		return
	}
	avg := mat.NewDense(n, 2, nil)
	avg.Add(va, vb)
	avg.Scale(0.5, avg)
	nl := maxAbsDiff(vm, avg)
	r.check("1b/nonlinear", nl > 1e-4,
		tr("v_θ((x+y)/2) 与 (v_θ(x)+v_θ(y))/2 最多相差 %.3g", "v_θ((x+y)/2) differs from (v_θ(x)+v_θ(y))/2 by up to %.3g", nl),
		tr("v_θ 对 x 是仿射的：在每个隐藏层后面加一个非线性激活函数（例如 activations.Swish）", "v_θ is affine in x: put a nonlinear activation (e.g. activations.Swish) after each hidden layer"))
	// Points are independent and the weights are reused: rows 0..2 alone.
	sub := mat.DenseCopyOf(fieldPoints.Slice(0, 3, 0, 2))
	vs, err := m.eval(tMid[:3], sub)
	if err != nil {
		r.err("1b/batch", Part1b, err, nil, tr("同一组权重在 3 个点的批次上出错（是不是写死了批大小，或者再次调用时新建了变量？）",
			"v_θ failed on a batch of 3 points with the same weights (does it hard-code the batch size, or create new variables when called again?)"))
		return
	}
	d := maxAbsDiff(vs, mat.DenseCopyOf(out.Slice(0, 3, 0, 2)))
	r.check("1b/batch", d < 1e-4,
		tr("前 3 个点单独计算时速度不变（差 %.2g）", "the first 3 points give the same velocities alone (diff %.2g)", d),
		tr("前 3 个点单独计算时得到别的速度（差 %.3g）：v_θ 不能混合一个批次里的点（不要沿第 0 轴做归约）",
			"the first 3 points get other velocities when evaluated alone (diff %.3g): v_θ must not mix the points of a batch (no reduction over axis 0)", d))
}
