package exercise

import (
	"fmt"
	"strconv"

	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/nb"
	"github.com/flowmatching/gofm/fmkit/plot"
)

// Show shows the table of the sweep (Table) and its figure (Figure).
func (r *SweepResult) Show() {
	r.Table()
	f, err := r.Figure()
	if err != nil {
		fmt.Println("figure not shown:", firstLine(err.Error()))
		return
	}
	show(f)
}

// Table shows one row per model: W2 at each NFE (mean ± sd over the draws)
// with its paired difference from the baseline; kinetic energy, mean squared
// displacement, excess energy and straightness (mean ± standard error over
// the particles); and the training time.
// The seed check, if any, is the last row.
func (r *SweepResult) Table() {
	s := r.Sweep
	base := strconv.FormatFloat(s.Baseline, 'g', -1, 64)
	head := []string{s.Param, tr("训练种子", "training seed").String()}
	for _, k := range s.NFE {
		head = append(head, tr("W2，%d 步", "W2, %d steps", k).String(), tr("%d 步：与 %s = %s 之差", "%d steps: minus %s = %s", k, s.Param, base).String())
	}
	head = append(head, texts(tr("动能 KE", "kinetic energy KE"), both("D = E‖x(1) − x(0)‖²"),
		tr("多余能量 KE − D", "excess energy KE − D"), tr("直线度", "straightness"), tr("训练秒数", "training s"))...)
	pts := r.Points
	if r.SeedCheck != nil {
		pts = append(pts[:len(pts):len(pts)], *r.SeedCheck)
	}
	var rows [][]string
	for _, p := range pts {
		row := []string{strconv.FormatFloat(p.Value, 'g', -1, 64), strconv.FormatUint(p.Seed, 10)}
		for k := range s.NFE {
			row = append(row, p.W2[k].Format(3), diffCell(p.W2VsBaseline[k], p.Value == s.Baseline && p.Seed == s.Train.Seed))
		}
		row = append(row, seCell(p.Energy, 2), seCell(p.Displacement, 2), seCell(p.Excess, 2), seCell(p.Straightness, 3),
			fmt.Sprintf("%.1f", p.TrainSeconds))
		rows = append(rows, row)
	}
	nb.Table(head, rows)
	fmt.Println(tr("W2：%d 组抽样（每组 %d 个点）的均值 ± 标准差，每组抽样所有模型都用同样的 x0 和同样的目标样本，差值逐组配对比较（t 检验，p < %.2g 才算超出噪声）。"+
		"数据本身的噪声带（两份独立目标样本之间的 W2）：%s。动能、位移、多余能量和直线度：%d 个粒子（%d 步欧拉轨迹）的均值 ± 标准误差。",
		"W2: mean ± sd over %d draws of %d points; on each draw every model gets the same x0 and the same target sample, and differences are compared draw by draw (t-test; beyond the noise only when p < %.2g). "+
			"The data's own noise band (W2 between two independent target samples): %s. Energy, displacement, excess energy and straightness: mean ± standard error over %d particles (%d-step Euler trajectories).",
		s.Draws, s.N, metric.Alpha, r.Noise.Format(3), s.N, s.EnergySteps).String())
}

// diffCell formats a paired difference "±" the sd of the per-draw
// differences, with p and the verdict.
func diffCell(c metric.Comparison, isBaseline bool) string {
	if isBaseline {
		return tr("（基线）", "(baseline)").String()
	}
	spread := c.Diff.SD
	verdict := tr("噪声内", "within noise")
	switch c.Verdict {
	case metric.ALower:
		verdict = tr("更低", "lower")
	case metric.BLower:
		verdict = tr("更高", "higher")
	}
	return tr("%+.3f ± %.3f（p = %.2g，%s）", "%+.3f ± %.3f (p = %.2g, %s)", c.Diff.Mean, spread, c.P, verdict).String()
}

func seCell(e metric.Estimate, decimals int) string {
	return fmt.Sprintf("%.*f ± %.*f", decimals, e.Mean, decimals, e.SE())
}

// Figure draws, against the swept parameter: W2 at each NFE (mean ± sd over
// the draws) above the data's noise band; kinetic energy, mean squared
// displacement and excess energy (± standard error); and straightness
// (± standard error).
// The seed check is drawn as separate points at the baseline.
func (r *SweepResult) Figure() (*plot.Figure, error) {
	s := r.Sweep
	n := len(r.Points)
	x := make([]float64, n)
	for i, p := range r.Points {
		x[i] = p.Value
	}
	series := func(name string, get func(p SweepPoint) (float64, float64)) plot.Series {
		sr := plot.Series{Name: name, X: x, Y: make([]float64, n), Err: make([]float64, n)}
		for i, p := range r.Points {
			sr.Y[i], sr.Err[i] = get(p)
		}
		return sr
	}
	seed := func(name string, get func(p SweepPoint) (float64, float64)) []plot.Series {
		if r.SeedCheck == nil {
			return nil
		}
		y, e := get(*r.SeedCheck)
		return []plot.Series{{Name: name + fmt.Sprintf(" (seed %d)", r.SeedCheck.Seed), X: []float64{s.Baseline}, Y: []float64{y}, Err: []float64{e}}}
	}
	var w2 []plot.Series
	for k, nfe := range s.NFE {
		name := fmt.Sprintf("%d Euler steps", nfe)
		get := func(p SweepPoint) (float64, float64) { return p.W2[k].Mean, p.W2[k].SD }
		w2 = append(w2, series(name, get))
		w2 = append(w2, seed(name, get)...)
	}
	band := []plot.Band{{Name: "data vs data (noise)", Lo: r.Noise.Mean - r.Noise.SD, Hi: r.Noise.Mean + r.Noise.SD}}
	pw, err := plot.CurvesWithBands(fmt.Sprintf("W2 to the target (mean ± sd, %d draws)", s.Draws), s.Param, "exact W2", false, band, w2...)
	if err != nil {
		return nil, err
	}
	energy := func(p SweepPoint) (float64, float64) { return p.Energy.Mean, p.Energy.SE() }
	disp := func(p SweepPoint) (float64, float64) { return p.Displacement.Mean, p.Displacement.SE() }
	excess := func(p SweepPoint) (float64, float64) { return p.Excess.Mean, p.Excess.SE() }
	ke := append([]plot.Series{series("kinetic energy KE", energy), series("D = E|x(1) - x(0)|²", disp), series("excess KE - D", excess)},
		seed("kinetic energy KE", energy)...)
	pk, err := plot.Curves(fmt.Sprintf("energy of the learned flow (± se, %d particles)", s.N), s.Param, "", false, ke...)
	if err != nil {
		return nil, err
	}
	straight := func(p SweepPoint) (float64, float64) { return p.Straightness.Mean, p.Straightness.SE() }
	ps, err := plot.Curves("straightness (± se)", s.Param, "straightness", false,
		append([]plot.Series{series("straightness", straight)}, seed("straightness", straight)...)...)
	if err != nil {
		return nil, err
	}
	return plot.Row(pw, pk, ps), nil
}
