package exercise

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	gplot "gonum.org/v1/plot"

	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/nb"
	"github.com/flowmatching/gofm/fmkit/plot"
)

// PathResult is one trained model in ComparePaths.
type PathResult struct {
	Name          string
	NFE           []int             // Euler steps compared
	W2            []metric.Estimate // exact W2 to fresh moons at each NFE, over W2Draws draws (the same for both models)
	KineticEnergy metric.Estimate   // of the 100-step Euler trajectories: the mean over the particles of their energies (SD over the particles)
	Displacement  metric.Estimate   // E ||x(1) - x(0)||^2 of the same trajectories: the cost of the coupling the flow makes
	Straightness  float64           // of the same trajectories (metric.Straightness)
	Crossings     int               // paths through the gap (of 1000)
	FlowFraction  []float64         // fraction of the particles in the gap at t_k = k/100
	PathFraction  []float64         // fraction of x_t in the gap on the conditional path (20000 pairs), t = 0, 0.05, ..., 1
}

// PathComparison is what ComparePaths measured: the linear model, then the
// curved one.
type PathComparison struct {
	Results []PathResult
	// Checks lists what the comparison relies on; when it has an item
	// that did not pass no conclusion is drawn, and when there is nothing
	// to compare (a model missing, a stub) Results is empty.
	Checks *Report
}

// ComparePathsNFE are the Euler step counts of ComparePaths.
var ComparePathsNFE = []int{2, 4, 8, 16, 100}

// ComparePaths answers question 4b with measurements: the model trained on
// the linear path and the one trained on the curved path of amplitude a
// (models "linear" and "curved" of CheckTraining), sampled with the student's
// Euler sampler from the same 1000 points x0 ~ p0. For each: exact W2 to
// fresh moons at 2, 4, 8, 16 and 100 steps (mean ± sd over W2Draws draws of
// the moons, the same draws for both, so that the two can be compared draw
// by draw); kinetic energy, mean squared displacement E||x(1) - x(0)||^2
// (each with its standard error over the 1000 particles) and straightness
// of the 100-step trajectories; how many paths pass through the gap between
// the moons and the fraction of particles in it over t; and the fraction of
// x_t in the gap on each conditional path. It shows a table and figures.
// One model is trained per path: the spread over training seeds is not
// measured, and the text says so.
//
// It first checks what it relies on (both models passed their training
// check, the paths pass parts 2a and 4b, the sampler part 3a); otherwise it
// still measures and draws, but says that the numbers mean little and draws
// no conclusion.
func ComparePaths(linear PathFunc, curved CurvedPathFunc, a float64, euler Sampler, v Field) *PathComparison {
	r := &Report{Title: tr("问题 4b：线性路径与弯曲路径", "Question 4b: linear against curved path")}
	curvedP := WithAmplitude(curved, a)
	pathsV := failing([]verdict{gradePath("linear", linear), silently(Part4b, func(r *Report) { checkCurved(r, curvedP, a, true) })})
	if len(pathsV) == 0 {
		partItem(r, "4b/paths", verdict{part: Part4b, status: Passed})
		r.Items[len(r.Items)-1].Detail = tr("两条路径都通过了第 2a、4b 部分的检查", "both paths pass the checks of parts 2a and 4b")
	} else {
		partItem(r, "4b/paths", pathsV[0])
	}
	samplerV := gradeSampler(euler)
	partItem(r, "4b/sampler", samplerV)
	models := []*Model{modelItem(r, "4b/linear-model", "linear", v), modelItem(r, "4b/curved-model", "curved", v)}
	r.Show()
	out := &PathComparison{Checks: r}
	if models[0] == nil || models[1] == nil || samplerV.status == NotYet || (len(pathsV) > 0 && pathsV[0].status == NotYet) {
		return out
	}
	paths := []PathFunc{linear, curvedP}
	x0, _ := evalSets()
	var results []PathResult
	var trajs [][]*mat.Dense
	var finals []*mat.Dense // the samples at each NFE, linear then curved
	for i, model := range models {
		res := PathResult{Name: model.Name}
		var traj []*mat.Dense
		for _, n := range ComparePathsNFE {
			tr, err := runSampler(euler, model, x0, n)
			if err != nil {
				e := &Report{Title: r.Title}
				failSampler(e, "4b/sampler", err)
				e.Show()
				return out
			}
			finals = append(finals, tr[n])
			res.NFE = append(res.NFE, n)
			traj = tr
		}
		res.KineticEnergy, res.Displacement = particleEnergies(traj)
		res.Straightness, _ = metric.Straightness(traj, grid(len(traj)-1))
		res.Crossings = DefaultGap.Crossings(traj)
		for _, x := range traj {
			res.FlowFraction = append(res.FlowFraction, DefaultGap.Fraction(x))
		}
		frac, _, err := pathGapProfile(paths[i], grid(20), 20000, 21)
		if err != nil {
			e := &Report{Title: r.Title}
			e.err("4b/paths", "", err, nil, Text{})
			e.Show()
			return out
		}
		res.PathFraction = frac
		results = append(results, res)
		trajs = append(trajs, traj)
	}
	measured, err := w2ToMoonsAll(finals)
	if err != nil {
		fmt.Println("W2 not measured:", firstLine(err.Error()))
		return out
	}
	for i := range results {
		results[i].W2 = measured[i*len(ComparePathsNFE) : (i+1)*len(ComparePathsNFE)]
	}
	head := texts(tr("路径", "path"))
	for _, n := range ComparePathsNFE {
		head = append(head, tr("W2，%d 步", "W2, %d steps", n).String())
	}
	head = append(head, texts(tr("动能", "kinetic energy"), both("E‖x(1) − x(0)‖²"), tr("直线度", "straightness"),
		tr("穿过 G 的路径", "paths through G"), tr("G 中比例的峰值", "peak fraction in G"))...)
	var rows [][]string
	for _, res := range results {
		row := []string{pathLabel(res.Name).String()}
		if res.Name == "curved" {
			row[0] = tr("弯曲（a = %g）", "curved (a = %g)", a).String()
		}
		for _, w := range res.W2 {
			row = append(row, w.Format(3))
		}
		row = append(row, tr("%.2f ± %.2f（标准误差）", "%.2f ± %.2f (se)", res.KineticEnergy.Mean, res.KineticEnergy.SE()).String(),
			tr("%.2f ± %.2f（标准误差）", "%.2f ± %.2f (se)", res.Displacement.Mean, res.Displacement.SE()).String(), fmt.Sprintf("%.3f", res.Straightness),
			tr("%[2]d 条中 %[1]d 条", "%d of %d", res.Crossings, W2Samples).String(), fmt.Sprintf("%.3f", maxOf(res.FlowFraction)))
		rows = append(rows, row)
	}
	nb.Table(head, rows)
	if trusted(r) {
		markdown(pathConclusions(results, a))
	} else {
		markdown(caution(r))
	}
	// Figure text stays in English and maths (no CJK font is assumed).
	plotName := func(res PathResult) string {
		if res.Name == "curved" {
			return fmt.Sprintf("curved (a = %g)", a)
		}
		return res.Name
	}
	var panels []*gplot.Plot
	for i := range results {
		p, err := plot.Trajectories(fmt.Sprintf("%s path: Euler paths of v_θ", plotName(results[i])), trajs[i], 300)
		if err == nil {
			addGapOutline(p, DefaultGap, gapColour)
			panels = append(panels, p)
		}
	}
	var w2s, fracs []plot.Series
	for _, res := range results {
		x, y, e := make([]float64, len(res.NFE)), make([]float64, len(res.NFE)), make([]float64, len(res.NFE))
		for k, n := range res.NFE {
			x[k], y[k], e[k] = float64(n), res.W2[k].Mean, res.W2[k].SD
		}
		w2s = append(w2s, plot.Series{Name: plotName(res), X: x, Y: y, Err: e})
		fracs = append(fracs,
			plot.Series{Name: res.Name + ": p_t", X: grid(20), Y: res.PathFraction},
			plot.Series{Name: res.Name + ": v_θ", X: grid(len(res.FlowFraction) - 1), Y: res.FlowFraction})
	}
	if p, err := plot.Curves(fmt.Sprintf("W2 to the moons vs Euler steps (mean ± sd, %d draws)", W2Draws), "NFE (log)", "exact W2", false, w2s...); err == nil {
		nfe := make([]float64, len(ComparePathsNFE))
		for k, n := range ComparePathsNFE {
			nfe[k] = float64(n)
		}
		logX(p, nfe...)
		panels = append(panels, p)
	}
	if p, err := plot.Curves("fraction of x_t in the gap G", "t", "fraction in G", false, fracs...); err == nil {
		panels = append(panels, p)
	}
	show(plot.Grid(2, panels...))
	out.Results = results
	return out
}

// pathConclusions states what the measurements of ComparePaths show, each
// difference with its verdict.
func pathConclusions(results []PathResult, a float64) Text {
	lin, cur := results[0], results[1]
	w2Line := func(k int) Text {
		n := ComparePathsNFE[k]
		cmp, err := metric.PairedTest(cur.W2[k].Values, lin.W2[k].Values)
		verdict := tr("无法比较", "not compared")
		if err == nil {
			switch cmp.Verdict {
			case metric.ALower:
				verdict = tr("弯曲路径更低，超出噪声", "curved lower beyond the noise")
			case metric.BLower:
				verdict = tr("线性路径更低，超出噪声", "linear lower beyond the noise")
			default:
				verdict = tr("差别在噪声之内", "within noise")
			}
		}
		return tr("- %d 步欧拉法时到月牙的 W2：弯曲 %s，线性 %s（%s）。", "- W2 to the moons with %d Euler steps: curved %s against linear %s (%s).",
			n, cur.W2[k].Format(3), lin.W2[k].Format(3), verdict)
	}
	last := len(ComparePathsNFE) - 1
	lines := []Text{
		tr("**测量结果，弯曲路径（a = %g）对线性路径**（W2 按同样的 %d 组参考样本配对比较；每条路径只训练了一个模型，训练种子带来的差异没有测量）：",
			"**Measured, curved (a = %g) against linear** (W2 compared draw by draw over the same %d reference draws; one model was trained per path, so the spread over training seeds is not measured):", a, W2Draws),
		w2Line(0), w2Line(last),
		tr("- 学到的流的动能：%.2f 对 %.2f（%.2f 倍；粒子间的标准误差 %.2f 和 %.2f）；平均位移平方 E‖x(1) − x(0)‖²：%.2f 对 %.2f；直线度 %.3f 对 %.3f。",
			"- kinetic energy of the learned flow: %.2f against %.2f (%.2fx; standard errors over the particles %.2f and %.2f); mean squared displacement E‖x(1) − x(0)‖²: %.2f against %.2f; straightness %.3f against %.3f.",
			cur.KineticEnergy.Mean, lin.KineticEnergy.Mean, cur.KineticEnergy.Mean/lin.KineticEnergy.Mean, cur.KineticEnergy.SE(), lin.KineticEnergy.SE(),
			cur.Displacement.Mean, lin.Displacement.Mean, cur.Straightness, lin.Straightness),
		tr("- 穿过空隙 G 的路径：%d 对 %d（共 %d 条）；G 中粒子比例的峰值：%.3f 对 %.3f。",
			"- paths through the gap G: %d against %d of %d; peak fraction of the particles in G: %.3f against %.3f.",
			cur.Crossings, lin.Crossings, W2Samples, maxOf(cur.FlowFraction), maxOf(lin.FlowFraction)),
	}
	out := lines[0]
	for _, l := range lines[1:] {
		out = cat(out, both("\n"), l)
	}
	return out
}

// particleEnergies returns, over the particles of a trajectory on the
// uniform grid t_k = k/K, the kinetic energies E_i = sum_k ||Dx_ik||^2 / dt
// and the squared displacements ||x_i(1) - x_i(0)||^2 (mean, with the sd
// over the particles).
func particleEnergies(traj []*mat.Dense) (ke, disp metric.Estimate) {
	n, d := traj[0].Dims()
	steps := len(traj) - 1
	dt := 1 / float64(steps)
	e, s := make([]float64, n), make([]float64, n)
	for i := range n {
		for k := range steps {
			for j := range d {
				dx := traj[k+1].At(i, j) - traj[k].At(i, j)
				e[i] += dx * dx / dt
			}
		}
		for j := range d {
			dx := traj[steps].At(i, j) - traj[0].At(i, j)
			s[i] += dx * dx
		}
	}
	ke, _ = metric.Summarize(e)
	disp, _ = metric.Summarize(s)
	return ke, disp
}

func maxOf(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	return m
}
