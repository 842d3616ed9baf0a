package exercise

import (
	"errors"
	"fmt"
	"math"
	"sort"
	"strconv"
	"time"

	"gonum.org/v1/gonum/mat"
	gplot "gonum.org/v1/plot"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/nb"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/plot"
)

// SamplerRun is one sampler on the trained model.
type SamplerRun struct {
	Method  string          // "euler" or "dopri5"
	Steps   int             // Euler steps (0 for dopri5)
	Tol     float64         // dopri5 rtol = atol (0 for Euler)
	NFE     int             // evaluations of v_theta
	Seconds float64         // wall time of the integration
	W2      metric.Estimate // exact W2 of the 1000 samples to fresh moons, over W2Draws draws (the same draws for every run)
	Error   float64         // RMS distance of the samples to the reference solution (same x0)
}

// SamplerComparison is what CompareSamplers measured. Matched pairs Euler
// runs with the Dopri5 run at rtol = atol = 1e-3.
type SamplerComparison struct {
	Reference SamplerRun // dopri5 at rtol = atol = 1e-5: the "exact" ODE solution
	Dopri5    []SamplerRun
	Euler     []SamplerRun
	// Matched: the Dopri5 run at 1e-3; EulerSameError: the Euler run with
	// the fewest steps whose Error is at most its Error (nil if none of the
	// step counts reaches it); EulerSameQuality: the Euler run with the
	// fewest steps whose W2 is not higher than Matched's beyond the noise
	// (paired test over the reference draws), nil if none.
	Matched          SamplerRun
	EulerSameError   *SamplerRun
	EulerSameQuality *SamplerRun
	// Coarse compares the Euler run of lowest mean W2 (CoarseSteps steps)
	// with Dopri5 at rtol = atol = 1e-4 on W2Draws fresh draws of x0 and of
	// the moons (paired): whether a coarse Euler really lands closer to the
	// data than an accurate solution of the same ODE, or only by chance.
	Coarse      *metric.Comparison
	CoarseSteps int
	// FineSteps are the steps Dopri5 attempted at the smallest tolerance
	// compared (1e-4): where along t it spends its evaluations.
	FineSteps []ode.StepInfo
	// Checks lists what the comparison relies on (the model passed its
	// training check, part 2c; the sampler passes part 3a); Trusted is
	// Checks.Passed(). When it is false no conclusion is drawn, and when
	// there is nothing to compare (no model, a stub) the runs are empty.
	Checks  *Report
	Trusted bool
}

// Step counts and tolerances compared by CompareSamplers.
var (
	CompareEulerSteps = []int{4, 8, 16, 32, 64, 128}
	CompareTolerances = []float64{1e-2, 1e-3, 1e-4}
)

func rmsDistance(a, b *mat.Dense) float64 {
	n, d := a.Dims()
	s := 0.0
	for i := range n {
		for j := range d {
			e := a.At(i, j) - b.At(i, j)
			s += e * e
		}
	}
	return math.Sqrt(s / float64(n))
}

// CompareSamplers answers question 3b with measurements: the student's Euler
// sampler against fmkit's adaptive Dopri5 (the chapter's RK45) on the trained
// linear model, from the same 1000 points x0 ~ p0. For each run it measures
// the NFE, the wall time, the exact W2 to fresh moons (sample quality, mean
// ± sd over W2Draws draws of the moons, the same draws for every run) and
// the RMS distance of the samples to a reference solution of the same ODE
// (Dopri5 at rtol = atol = 1e-5; the solver's own error). It then matches
// quality: the fewest Euler steps (of 4, 8, ..., 128) reaching the error of
// Dopri5 at 1e-3, and the fewest whose W2 is not worse than its W2 beyond
// the noise; and it tests, over fresh draws of x0 and of the moons, whether
// the Euler run of lowest W2 is really closer to the data than an accurate
// solution. It shows the table, the error and W2 against the NFE, and the
// step sizes Dopri5 chose along t. Wall times are measured in this process,
// one run after the other; compare them as ratios.
//
// It first checks what it relies on: the linear model must have passed its
// training check and the sampler part 3a; otherwise it still measures and
// draws, but says that the numbers mean little and draws no conclusion.
func CompareSamplers(euler Sampler, v Field) *SamplerComparison {
	r := &Report{Title: tr("问题 3b：欧拉法与自适应 Dopri5", "Question 3b: Euler against adaptive Dopri5")}
	c := &SamplerComparison{Checks: r}
	model := modelItem(r, "3b/model", "linear", v)
	samplerV := gradeSampler(euler)
	partItem(r, "3b/sampler", samplerV)
	if model == nil || samplerV.status == NotYet {
		r.Show()
		return c
	}
	x0, _ := evalSets()
	// Warm up (compiles v_theta for this batch size) so that no run pays it.
	if _, err := model.Velocity(0, x0); err != nil {
		r.err("3b/run", "", err, nil, tr("计算训练好的 v_θ 出错", "evaluating the trained v_θ failed"))
		r.Show()
		return c
	}
	r.Show()
	c.Trusted = trusted(r)
	var steps []ode.StepInfo
	var finals []*mat.Dense // the samples of every run, in the order Reference, Dopri5..., Euler...
	adaptive := func(tol float64) (SamplerRun, *mat.Dense, error) {
		start := time.Now()
		res, err := ode.SolveAdaptive(model, x0, ode.AdaptiveOptions{RTol: tol, ATol: tol})
		if err != nil {
			return SamplerRun{}, nil, err
		}
		run := SamplerRun{Method: "dopri5", Tol: tol, NFE: res.NFE, Seconds: time.Since(start).Seconds()}
		steps = res.Steps
		finals = append(finals, res.X)
		return run, res.X, err
	}
	fail := func(err error) *SamplerComparison {
		e := &Report{Title: r.Title}
		e.err("3b/run", "", err, nil, Text{})
		e.Show()
		return &SamplerComparison{Checks: r}
	}
	run, ref, err := adaptive(1e-5)
	if err != nil {
		return fail(err)
	}
	c.Reference = run
	for _, tol := range CompareTolerances {
		run, x, err := adaptive(tol)
		if err != nil {
			return fail(err)
		}
		run.Error = rmsDistance(x, ref)
		c.Dopri5 = append(c.Dopri5, run)
		if tol == 1e-3 {
			c.Matched = run
		}
		c.FineSteps = steps
	}
	for _, n := range CompareEulerSteps {
		start := time.Now()
		traj, err := runSampler(euler, model, x0, n)
		if err != nil {
			e := &Report{Title: r.Title}
			failSampler(e, "3b/sampler", err)
			e.Show()
			return &SamplerComparison{Checks: r}
		}
		run := SamplerRun{Method: "euler", Steps: n, NFE: n, Seconds: time.Since(start).Seconds()}
		finals = append(finals, traj[n])
		run.Error = rmsDistance(traj[n], ref)
		c.Euler = append(c.Euler, run)
	}
	// The W2 of every run, over the same reference draws.
	w2s, err := w2ToMoonsAll(finals)
	if err != nil {
		return fail(err)
	}
	c.Reference.W2 = w2s[0]
	for i := range c.Dopri5 {
		c.Dopri5[i].W2 = w2s[1+i]
		if c.Dopri5[i].Tol == 1e-3 {
			c.Matched = c.Dopri5[i]
		}
	}
	for i := range c.Euler {
		c.Euler[i].W2 = w2s[1+len(c.Dopri5)+i]
	}
	best := 0
	for i := range c.Euler {
		e := &c.Euler[i]
		if c.EulerSameError == nil && e.Error <= c.Matched.Error {
			c.EulerSameError = e
		}
		if cmp, err := metric.PairedTest(e.W2.Values, c.Matched.W2.Values); err == nil && cmp.Verdict != metric.BLower && c.EulerSameQuality == nil {
			c.EulerSameQuality = e
		}
		if e.W2.Mean < c.Euler[best].W2.Mean {
			best = i
		}
	}
	// Is the coarse Euler run of lowest W2 really closer to the data than an
	// accurate solution? Fresh x0 and fresh moons on each draw.
	c.CoarseSteps = c.Euler[best].Steps
	eulerDraw := func(n int, seed uint64) (*mat.Dense, error) {
		traj, err := runSampler(euler, model, data.Gaussian{D: 2}.Sample(n, data.NewRand(seed)), c.CoarseSteps)
		if err != nil {
			return nil, err
		}
		return traj[len(traj)-1], nil
	}
	accurateDraw := func(n int, seed uint64) (*mat.Dense, error) {
		res, err := ode.SolveAdaptive(model, data.Gaussian{D: 2}.Sample(n, data.NewRand(seed)), ode.AdaptiveOptions{RTol: 1e-4, ATol: 1e-4})
		if err != nil {
			return nil, err
		}
		return res.X, nil
	}
	if cmp, err := metric.ComparePaired(eulerDraw, accurateDraw, moons, W2Samples, W2Draws, 31); err == nil {
		c.Coarse = &cmp
	} else {
		fmt.Println("coarse Euler against the accurate solution not measured:", firstLine(err.Error()))
	}
	c.show(r)
	return c
}

func (c *SamplerComparison) show(pre *Report) {
	rows := [][]string{}
	add := func(name string, run SamplerRun, withErr bool) {
		errText := tr("（参考解）", "(reference)").String()
		if withErr {
			errText = fmt.Sprintf("%.2e", run.Error)
		}
		rows = append(rows, []string{name, fmt.Sprintf("%d", run.NFE), fmt.Sprintf("%.0f", 1000*run.Seconds),
			run.W2.Format(3), errText})
	}
	for _, run := range c.Dopri5 {
		add(fmt.Sprintf("Dopri5, rtol = atol = %g", run.Tol), run, true)
	}
	add("Dopri5, rtol = atol = 1e-5", c.Reference, false)
	for _, run := range c.Euler {
		add(tr("你的欧拉法，%d 步", "your Euler, %d steps", run.Steps).String(), run, true)
	}
	nb.Table(texts(tr("采样器（1000 个点）", "sampler (1000 points)"), both("NFE"), tr("墙钟 ms", "wall ms"),
		tr("到月牙的 W2（均值 ± 标准差，%d 组）", "W2 to moons (mean ± sd, %d draws)", W2Draws), tr("到参考解的 RMS 误差", "RMS error to reference")), rows)

	if !c.Trusted {
		markdown(caution(pre))
	} else {
		markdown(c.conclusions())
	}
	fig, err := c.figure()
	if err != nil {
		fmt.Println("figure not shown:", firstLine(err.Error()))
		return
	}
	show(fig)
}

// conclusions are the sentences the measurements support.
func (c *SamplerComparison) conclusions() Text {
	m := c.Matched
	lines := []Text{tr("**质量相当时**（与 rtol = atol = 1e-3 的 Dopri5 相比：NFE %d，%.0f ms，W2 %s，误差 %.1e）：",
		"**At matched quality** (against Dopri5 at rtol = atol = 1e-3: NFE %d, %.0f ms, W2 %s, error %.1e):", m.NFE, 1000*m.Seconds, m.W2.String(), m.Error)}
	if e := c.EulerSameError; e != nil {
		lines = append(lines, tr("- 求解器误差相同：欧拉法需要 %d 步（NFE %d，是 Dopri5 的 %.1f 倍，墙钟时间的 %.1f 倍）。",
			"- same solver error: Euler needs %d steps (NFE %d, %.1fx Dopri5's NFE, %.1fx its wall time).",
			e.Steps, e.NFE, float64(e.NFE)/float64(m.NFE), e.Seconds/m.Seconds))
	} else {
		last := c.Euler[len(c.Euler)-1]
		lines = append(lines, tr("- 求解器误差相同：欧拉法用 %d 步也达不到（误差 %.1e，NFE %d，是 Dopri5 的 %.1f 倍）。",
			"- same solver error: not reached by Euler with %d steps (error %.1e, NFE %d, %.1fx Dopri5's NFE).",
			last.Steps, last.Error, last.NFE, float64(last.NFE)/float64(m.NFE)))
	}
	if e := c.EulerSameQuality; e != nil {
		lines = append(lines, tr("- 样本质量相同（W2 不比它差，差别在噪声之内，按 %d 组参考样本配对检验）：欧拉法需要 %d 步（NFE %d，是 Dopri5 的 %.2f 倍，墙钟时间的 %.2f 倍）。",
			"- same sample quality (W2 not worse beyond the noise, paired over the %d reference draws): Euler needs %d steps (NFE %d, %.2fx Dopri5's NFE, %.2fx its wall time).",
			W2Draws, e.Steps, e.NFE, float64(e.NFE)/float64(m.NFE), e.Seconds/m.Seconds))
	} else {
		lines = append(lines, tr("- 样本质量相同：所试的步数里，欧拉法的 W2 都明显比它差。", "- same sample quality: with every step count tried, Euler's W2 is worse beyond the noise."))
	}
	if k := c.Coarse; k != nil {
		s := tr("欧拉法 %d 步 − Dopri5 1e-4 = %.3f ± %.3f（%d 次配对抽样的均值 ± 标准差，p = %.2g）",
			"Euler %d steps − Dopri5 1e-4 = %.3f ± %.3f (mean ± sd of %d paired draws, p = %.2g)", c.CoarseSteps, k.Diff.Mean, k.Diff.SD, k.Diff.N, k.P)
		switch k.Verdict {
		case metric.ALower:
			lines = append(lines, cat(tr("- 粗糙的欧拉法（%d 步，表中 W2 最低）在 %d 次新的抽样（x0 和月牙都重抽）上**确实**比精确解更接近数据：",
				"- the coarse Euler run (%d steps, the lowest W2 of the table) **is** closer to the data than the accurate solution over %d fresh draws of x0 and of the moons: ", c.CoarseSteps, W2Draws), s))
		case metric.BLower:
			lines = append(lines, cat(tr("- 粗糙的欧拉法（%d 步，表中 W2 最低）在 %d 次新的抽样上比精确解离数据更远：表中的低值是偶然：",
				"- the coarse Euler run (%d steps, the lowest W2 of the table) is farther from the data than the accurate solution over %d fresh draws: its low value in the table was chance: ", c.CoarseSteps, W2Draws), s))
		default:
			lines = append(lines, cat(tr("- 粗糙的欧拉法（%d 步，表中 W2 最低）与精确解的差别在 %d 次新的抽样上处于噪声之内：表中较低的值不能作为证据：",
				"- the coarse Euler run (%d steps, the lowest W2 of the table) and the accurate solution are within noise of each other over %d fresh draws: its lower value in the table is not evidence: ", c.CoarseSteps, W2Draws), s))
		}
	}
	out := lines[0]
	for _, l := range lines[1:] {
		out = cat(out, both("\n"), l)
	}
	return out
}

// figure draws the solver error and W2 against the NFE, and the step sizes
// of Dopri5 along t.
func (c *SamplerComparison) figure() (*plot.Figure, error) {
	var eN, eErr, eW2, eSD, dN, dErr, dW2, dSD []float64
	for _, run := range c.Euler {
		eN, eErr, eW2, eSD = append(eN, float64(run.NFE)), append(eErr, run.Error), append(eW2, run.W2.Mean), append(eSD, run.W2.SD)
	}
	for _, run := range c.Dopri5 {
		dN, dErr, dW2, dSD = append(dN, float64(run.NFE)), append(dErr, run.Error), append(dW2, run.W2.Mean), append(dSD, run.W2.SD)
	}
	// The error is drawn as log10 on a linear axis, with ticks labelled by
	// the error itself.
	errPlot, err1 := plot.Curves("solver error vs NFE", "NFE (log)", "RMS error to the reference (log)", false,
		plot.Series{Name: "Euler", X: eN, Y: log10s(eErr)}, plot.Series{Name: "Dopri5", X: dN, Y: log10s(dErr)})
	refW2, refSD := c.Reference.W2.Mean, c.Reference.W2.SD
	w2Plot, err2 := plot.Curves(fmt.Sprintf("sample quality vs NFE (mean ± sd, %d draws)", W2Draws), "NFE (log)", "exact W2 to fresh moons", false,
		plot.Series{Name: "Euler", X: eN, Y: eW2, Err: eSD}, plot.Series{Name: "Dopri5", X: dN, Y: dW2, Err: dSD},
		plot.Series{Name: "exact ODE ± sd", X: []float64{eN[0], eN[len(eN)-1]}, Y: []float64{refW2, refW2}, Err: []float64{refSD, refSD}, Shade: true})
	// The accepted steps of Dopri5 but the last, which is cut short to land
	// on t = 1.
	var ts, hs []float64
	rejected := 0
	for _, st := range c.FineSteps {
		if st.Accepted {
			ts, hs = append(ts, st.T), append(hs, st.H)
		} else {
			rejected++
		}
	}
	if len(ts) > 1 {
		ts, hs = ts[:len(ts)-1], hs[:len(hs)-1]
	}
	stepPlot, err3 := plot.Curves(fmt.Sprintf("Dopri5 steps (rtol %g)", c.Dopri5[len(c.Dopri5)-1].Tol),
		"t at the start of the step", "step size h", false,
		plot.Series{Name: fmt.Sprintf("%d accepted (last not shown), %d rejected", len(ts)+1, rejected), X: ts, Y: hs})
	if err := errors.Join(err1, err2, err3); err != nil {
		return nil, err
	}
	stepPlot.X.Min, stepPlot.X.Max = 0, 1
	if err1 == nil {
		logTicksY(errPlot, append(append([]float64(nil), eErr...), dErr...))
	}
	logX(errPlot, eN...)
	logX(w2Plot, eN...)
	return plot.Row(errPlot, w2Plot, stepPlot), nil
}

// logX puts a panel's X axis on a logarithmic scale, with a labelled tick at
// each of the given values (distinct, positive).
func logX(p *gplot.Plot, at ...float64) {
	p.X.Scale = gplot.LogScale{}
	sort.Float64s(at)
	var ticks []gplot.Tick
	for i, v := range at {
		if i > 0 && v == at[i-1] {
			continue
		}
		ticks = append(ticks, gplot.Tick{Value: v, Label: strconv.FormatFloat(v, 'g', -1, 64)})
	}
	p.X.Tick.Marker = gplot.ConstantTicks(ticks)
}

func log10s(x []float64) []float64 {
	out := make([]float64, len(x))
	for i, v := range x {
		out[i] = math.Log10(v)
	}
	return out
}

// logTicksY labels the Y axis of a panel whose values are log10 of the
// given positive values with ticks at 1, 2 and 5 times the powers of 10 in
// their range, labelled by the values themselves.
func logTicksY(p *gplot.Plot, values []float64) {
	lo, hi := math.Inf(1), math.Inf(-1)
	for _, v := range values {
		if v > 0 {
			lo, hi = math.Min(lo, v), math.Max(hi, v)
		}
	}
	if math.IsInf(lo, 0) {
		return
	}
	var ticks []gplot.Tick
	for e := math.Floor(math.Log10(lo)); e <= math.Ceil(math.Log10(hi)); e++ {
		for _, m := range []float64{1, 2, 5} {
			v := m * math.Pow(10, e)
			if v >= lo/1.5 && v <= hi*1.5 {
				ticks = append(ticks, gplot.Tick{Value: math.Log10(v), Label: strconv.FormatFloat(v, 'g', -1, 64)})
			}
		}
	}
	p.Y.Tick.Marker = gplot.ConstantTicks(ticks)
	p.Y.Min, p.Y.Max = math.Log10(lo/1.3), math.Log10(hi*1.3)
}
