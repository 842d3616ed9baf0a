package exercise

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/plot"
)

// runSampler calls the student's sampler on a copy of x0 (which it might
// modify), recovering a panic, and checks the shape of what it returns.
func runSampler(s Sampler, v ode.Field, x0 *mat.Dense, steps int) ([]*mat.Dense, error) {
	return runSamplerOn(s, v, mat.DenseCopyOf(x0), steps)
}

// runSamplerOn is runSampler on x0 itself.
func runSamplerOn(s Sampler, v ode.Field, x0 *mat.Dense, steps int) ([]*mat.Dense, error) {
	var traj []*mat.Dense
	err := try(func() error {
		var err error
		traj, err = s(v, x0, steps)
		return err
	})
	if err != nil {
		return nil, err
	}
	if len(traj) != steps+1 {
		return nil, &shapeError{tr("%[2]d 步返回了 %[1]d 个状态：要返回 steps+1 个状态，即 t_k = k/steps（k = 0..steps）处的 x（traj[0] = x0）",
			"%d states returned for %d steps; return steps+1 states, x at t_k = k/steps for k = 0..steps (traj[0] = x0)", len(traj), steps)}
	}
	n, d := x0.Dims()
	for k, x := range traj {
		if x == nil {
			return nil, &shapeError{tr("第 %d 个状态是 nil", "state %d is nil", k)}
		}
		if r, c := x.Dims(); r != n || c != d {
			return nil, &shapeError{tr("第 %d 个状态的形状是 [%d, %d]，而 x0 是 [%d, %d]", "state %d has shape [%d, %d], x0 has [%d, %d]", k, r, c, n, d)}
		}
	}
	return traj, nil
}

// countingField counts the evaluations of a field.
type countingField struct {
	f     ode.Field
	calls int
	times []float64
}

func (c *countingField) Velocity(t float64, x *mat.Dense) (*mat.Dense, error) {
	c.calls++
	c.times = append(c.times, t)
	return c.f.Velocity(t, x)
}

var eulerX0 = mat.NewDense(3, 2, []float64{0.5, -1, 2, 0.25, -1.5, 1})

// CheckEuler grades part 3a, the Euler sampler x_{k+1} = x_k + h v(t_k, x_k),
// h = 1/N, t_k = k h, on fields whose Euler solution is known exactly:
//
//   - v = (1, -2): after N = 4 steps x = x0 + (1, -2), with N+1 states and
//     x0 unchanged;
//   - v(t, x) = (t, 0): x_N = x0 + (sum_k t_k h, 0) = x0 + ((N-1)/(2N), 0);
//     evaluating at t_{k+1} instead gives (N+1)/(2N);
//   - v = -x: x_N = (1 - 1/N)^N x0 exactly (to 1e-12), whose error to the
//     exact e^(-1) x0 halves when N doubles (order 1);
//   - exactly N evaluations of v for N steps (NFE = N);
//   - an error (not a panic) for N <= 0 and when v fails.
//
// Then, if the linear model was trained (part 2c), 1000 samples with 100
// Euler steps must be within exact W2 <= 0.20 of fresh moons (mean over
// W2Draws draws); their trajectories are shown. When the model did not pass
// its own training check, that item says "needs part 2c" (the sampler is
// graded by the exact solutions above).
func CheckEuler(euler Sampler, v Field) *Report {
	r := &Report{Title: tr("第 3a 部分的检查：欧拉采样器", "Check of part 3a: Euler sampler")}
	var fig *plot.Figure
	defer func() {
		r.Show()
		if fig != nil {
			show(fig)
		}
	}()
	if !checkEulerExact(r, euler) {
		return r
	}
	model, err := LoadModel("linear", v)
	if err != nil {
		if errors.Is(err, ErrNoModel) {
			r.wait("3a/model", tr("需要第 2c 部分训练好的线性模型（先运行它的检查）", "needs the linear model of part 2c (run its check first)"))
		} else {
			r.err("3a/model", "", err, nil, Text{})
		}
		return r
	}
	x0s, fresh := evalSets()
	traj, err := runSampler(euler, model, x0s, 100)
	if err != nil {
		failSampler(r, "3a/model", err)
		return r
	}
	w2, err := w2ToMoons(traj[100])
	if err != nil {
		r.fail("3a/w2", both(firstLine(err.Error())))
		return r
	}
	if !model.Gate.Passed {
		r.blocked("3a/w2", tr("W2 = %s，但这个模型没有通过%s——%s", "W2 = %s, but this model did not pass %s: %s", fmtW2(w2), partText(model.Gate.Part), model.Gate.Reason), model.Gate.verdict())
	} else {
		r.check("3a/w2", w2.Mean <= W2Threshold,
			tr("训练好的 v_θ 用 100 步欧拉法：W2 = %s ≤ %.2f（1000 个样本，对 %d 组新的月牙样本）", "100 Euler steps of the trained v_θ: W2 = %s <= %.2f (1000 samples against %d draws of fresh moons)", fmtW2(w2), W2Threshold, W2Draws),
			tr("训练好的 v_θ 用 100 步欧拉法：W2 = %s > %.2f；第 2c 部分用 Dopri5 时通过了，所以问题在采样器", "100 Euler steps of the trained v_θ: W2 = %s > %.2f; part 2c passed with Dopri5, so look at the sampler", fmtW2(w2), W2Threshold))
	}
	paths, err1 := plot.Trajectories("your Euler sampler, 100 steps", traj, 300)
	gen, err2 := plot.Scatter(fmt.Sprintf("generated (Euler 100): W2 %s", fmtW2(w2)),
		plot.Points{Name: "fresh moons (faint)", X: fresh, Color: faintData}, plot.Points{Name: "generated", X: traj[100], Color: generatedColour})
	if err := errors.Join(err1, err2); err != nil {
		fmt.Println("figure not shown:", firstLine(err.Error()))
	} else {
		fig = plot.Row(paths, gen)
	}
	return r
}

// failSampler reports an error of the student's sampler.
func failSampler(r *Report, id string, err error) {
	var se *shapeError
	if errors.As(err, &se) {
		r.fail(id, se.msg)
		return
	}
	r.err(id, Part3a, err, nil, tr("eulerSample 出错", "eulerSample failed"))
}

// gradeSampler grades part 3a silently on the exact solutions (no model):
// the verdict the analyses use.
func gradeSampler(euler Sampler) verdict {
	return silently(Part3a, func(r *Report) { checkEulerExact(r, euler) })
}

// checkEulerExact grades the sampler on fields with known Euler solutions;
// it reports whether the sampler ran (so that the trained model can be
// tried).
func checkEulerExact(r *Report, euler Sampler) bool {
	fail := func(id string, err error) {
		if IsNotWritten(err) {
			r.err("3a/run", Part3a, err, nil, Text{})
			return
		}
		failSampler(r, id, err)
	}
	// Constant field.
	x0 := mat.DenseCopyOf(eulerX0)
	constant := ode.PointFunc(func(_ float64, _, dx []float64) { dx[0], dx[1] = 1, -2 })
	traj, err := runSamplerOn(euler, constant, x0, 4)
	if err != nil {
		fail("3a/constant", err)
		return false
	}
	want := mat.DenseCopyOf(eulerX0)
	for i := range 3 {
		want.Set(i, 0, want.At(i, 0)+1)
		want.Set(i, 1, want.At(i, 1)-2)
	}
	r.check("3a/states", maxAbsDiff(traj[0], eulerX0) < 1e-15 && maxAbsDiff(x0, eulerX0) == 0,
		tr("4 步得到 5 个状态，traj[0] = x0，x0 没有被修改", "5 states for 4 steps, traj[0] = x0, x0 left unchanged"),
		tr("traj[0] 必须是 x0，并且 x0 不能被修改：先复制一份（mat.DenseCopyOf）再迭代", "traj[0] must be x0, and x0 must not be modified: copy it (mat.DenseCopyOf) before stepping"))
	moved := traj[4].At(0, 0) - eulerX0.At(0, 0) // N h, for the constant field (1, -2)
	stepOK := maxAbsDiff(traj[4], want) < 1e-12
	switch {
	case stepOK:
		r.pass("3a/constant", tr("v = (1, -2) 从 t = 0 到 1 把 x0 恰好移动 (1, -2)", "v = (1, -2) moves x0 by exactly (1, -2) from t = 0 to 1"))
	case math.Abs(moved) < 1e-12:
		r.fail("3a/constant", tr("v = (1, -2) 时 x 根本没有动：步长 h 是 0 吗？在 Go 里 1/steps 是整数除法（steps > 1 时为 0），要写 1 / float64(steps)",
			"with v = (1, -2) x did not move at all: is h = 0? In Go 1/steps is an integer division (0 for steps > 1); write 1 / float64(steps)"))
	default:
		r.fail("3a/constant", tr("v = (1, -2) 时 x 移动了 %.4g × (1, -2)，而不是 (1, -2)：N 步的步长之和 N h = %.4g，但必须正好覆盖 [0, 1]，即 h = 1/steps",
			"with v = (1, -2) x moved by %.4g × (1, -2) instead of (1, -2): the N steps add up to N h = %.4g, but must cover [0, 1] exactly, h = 1/steps", moved, moved))
	}
	// Time-dependent field: v = (t, 0).
	const n = 5
	tField := ode.PointFunc(func(t float64, _, dx []float64) { dx[0], dx[1] = t, 0 })
	traj, err = runSampler(euler, tField, mat.DenseCopyOf(eulerX0), n)
	if err != nil {
		fail("3a/tk", err)
		return false
	}
	shift := traj[n].At(0, 0) - eulerX0.At(0, 0)
	left, right := float64(n-1)/(2*n), float64(n+1)/(2*n)
	// With a wrong step size the later items would only repeat it.
	needStep := tr("要先让上面的“常向量场”一项通过（步长 h = 1/steps）", "needs the constant-field item above to pass first (the step size h = 1/steps)")
	switch {
	case !stepOK && math.Abs(shift-left) >= 1e-12:
		r.wait("3a/tk", needStep)
	case math.Abs(shift-left) < 1e-12:
		r.pass("3a/tk", tr("v(t, x) = (t, 0) 给出 x_N - x0 = (N-1)/(2N) = %.3f，v 在 t_k = k/N 处求值", "v(t, x) = (t, 0) gives x_N - x0 = (N-1)/(2N) = %.3f, v evaluated at t_k = k/N", left))
	case math.Abs(shift-right) < 1e-12:
		r.fail("3a/tk", tr("v 在每一步的终点 t_{k+1} 处求值；显式欧拉法用起点：x_{k+1} = x_k + h v(t_k, x_k)，t_k = k h",
			"v is evaluated at the end of each step (t_{k+1}); explicit Euler uses the start: x_{k+1} = x_k + h v(t_k, x_k) with t_k = k h"))
	case math.Abs(shift) < 1e-12:
		r.fail("3a/tk", tr("v(t, x) = (t, 0) 没有移动 x：把每一步的时间 t_k = k h 传给 v.Velocity，而不是 0",
			"v(t, x) = (t, 0) did not move x: pass the time t_k = k h of each step to v.Velocity, not 0"))
	default:
		r.fail("3a/tk", tr("v(t, x) = (t, 0)、N = %d 时 x_N - x0 应为 %.4f（t_k = k/N），得到 %.4f", "with v(t, x) = (t, 0) and N = %d, x_N - x0 should be %.4f (t_k = k/N), got %.4f", n, left, shift))
	}
	// Linear field v = -x: exact Euler iterate and order 1.
	decay := ode.FieldFunc(func(_ float64, x *mat.Dense) (*mat.Dense, error) {
		out := mat.DenseCopyOf(x)
		out.Scale(-1, out)
		return out, nil
	})
	var errs []float64
	exactIterate := true
	for _, steps := range []int{10, 20, 40} {
		traj, err := runSampler(euler, decay, mat.DenseCopyOf(eulerX0), steps)
		if err != nil {
			fail("3a/order", err)
			return false
		}
		iter := math.Pow(1-1/float64(steps), float64(steps))
		e := 0.0
		for i := range 3 {
			for j := range 2 {
				if math.Abs(traj[steps].At(i, j)-iter*eulerX0.At(i, j)) > 1e-12 {
					exactIterate = false
				}
				e = math.Max(e, math.Abs(traj[steps].At(i, j)-math.Exp(-1)*eulerX0.At(i, j)))
			}
		}
		errs = append(errs, e)
	}
	order := math.Log2(errs[1] / errs[2])
	if !stepOK && !(exactIterate && order > 0.85 && order < 1.15) {
		r.wait("3a/order", needStep)
	} else {
		r.check("3a/order", exactIterate && order > 0.85 && order < 1.15,
			tr("v = -x：N = 10、20、40 时到 e^(-1) x0 的误差为 %.2e、%.2e、%.2e（阶 %.2f）", "v = -x: error to e^(-1) x0 is %.2e, %.2e, %.2e for N = 10, 20, 40 (order %.2f)", errs[0], errs[1], errs[2], order),
			tr("v = -x 时应恰好得到 x_N = (1 - 1/N)^N x0；N = 10、20、40 时到 e^(-1) x0 的误差为 %.2e、%.2e、%.2e（阶 %.2f，应为 1）：x_{k+1} = x_k + h v(t_k, x_k)",
				"v = -x should give x_N = (1 - 1/N)^N x0 exactly; errors to e^(-1) x0 are %.2e, %.2e, %.2e for N = 10, 20, 40 (order %.2f, want 1): x_{k+1} = x_k + h v(t_k, x_k)", errs[0], errs[1], errs[2], order))
	}
	// NFE.
	cf := &countingField{f: constant}
	if _, err := runSampler(euler, cf, mat.DenseCopyOf(eulerX0), 7); err != nil {
		fail("3a/nfe", err)
		return false
	}
	r.check("3a/nfe", cf.calls == 7, tr("7 步求值 v 7 次", "7 evaluations of v for 7 steps"),
		tr("7 步求值了 v %d 次：欧拉法每步求值一次，在 t_0 .. t_{N-1}（不在 t = 1）", "%d evaluations of v for 7 steps: Euler evaluates v once per step, at t_0 .. t_{N-1} (not at t = 1)", cf.calls))
	// Bad input and failing fields.
	badSteps := []int{}
	for _, s := range []int{0, -3} {
		var err error
		perr := try(func() error { _, err = euler(constant, mat.DenseCopyOf(eulerX0), s); return nil })
		if perr != nil || err == nil {
			badSteps = append(badSteps, s)
		}
	}
	r.check("3a/bad-steps", len(badSteps) == 0, tr("steps = 0 和 steps = -3 返回错误", "steps = 0 and steps = -3 return an error"),
		tr("steps = %v 应当返回错误（不要 panic，也不要成功）：先检查 steps > 0，用 fmt.Errorf(...) 说明该传什么", "steps = %v should return an error (not panic, not succeed): check steps > 0 first and return fmt.Errorf(...) saying what to pass", badSteps))
	failing := ode.FieldFunc(func(t float64, x *mat.Dense) (*mat.Dense, error) {
		return nil, errors.New("the field cannot be evaluated")
	})
	var ferr error
	perr := try(func() error { _, ferr = euler(failing, mat.DenseCopyOf(eulerX0), 3); return nil })
	r.check("3a/field-errors", perr == nil && ferr != nil, tr("v.Velocity 的错误被返回", "an error of v.Velocity is returned"),
		tr("v.Velocity 返回错误时，把它（注明第几步）返回，不要忽略，也不要 panic", "when v.Velocity returns an error, return it (wrapped with the step) instead of ignoring it or panicking"))
	return true
}
