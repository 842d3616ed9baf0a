package exercise

import (
	"errors"
	"fmt"
	"image/color"
	"math"

	"gonum.org/v1/gonum/mat"
	gplot "gonum.org/v1/plot"
	"gonum.org/v1/plot/plotter"
	"gonum.org/v1/plot/vg"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/nb"
	"github.com/flowmatching/gofm/fmkit/plot"
)

// Gap is the low-density region between the two moons used by question 4:
//
//	G = { x : |x - c1| < 1 - m  and  |x - c2| < 1 - m },   c1 = (0, 0), c2 = (1, 1/2),
//
// the lens inside both circles that carry the moons (fmkit's moons are the
// upper half of the unit circle around c1 and the lower half of the unit
// circle around c2), shrunk by the margin m. Every point of the noise-free
// moons lies on one of the two circles, so by the triangle inequality every
// point of G is farther than m from the data: p1(G) = 0.
type Gap struct {
	Margin float64 // m, in (0, 1)
}

// DefaultGap is the gap of the exercise, with margin 0.1.
var DefaultGap = Gap{Margin: 0.1}

var (
	moonCentre1 = [2]float64{0, 0}
	moonCentre2 = [2]float64{1, 0.5}
)

// Contains reports whether (x, y) is in the gap.
func (g Gap) Contains(x, y float64) bool {
	r := 1 - g.Margin
	d1 := math.Hypot(x-moonCentre1[0], y-moonCentre1[1])
	d2 := math.Hypot(x-moonCentre2[0], y-moonCentre2[1])
	return d1 < r && d2 < r
}

// Fraction is the fraction of the rows of x (2D points) in the gap.
func (g Gap) Fraction(x *mat.Dense) float64 {
	n, _ := x.Dims()
	in := 0
	for i := range n {
		if g.Contains(x.At(i, 0), x.At(i, 1)) {
			in++
		}
	}
	return float64(in) / float64(n)
}

// Crossings counts the particles of a trajectory (traj[k] is n x 2, the
// states at times t_0 = 0 < t_1 < ... ) that are in the gap at some time
// t_k > 0: the paths that pass through the region between the moons.
func (g Gap) Crossings(traj []*mat.Dense) int {
	if len(traj) == 0 {
		return 0
	}
	n, _ := traj[0].Dims()
	count := 0
	for i := range n {
		for _, x := range traj[1:] {
			if g.Contains(x.At(i, 0), x.At(i, 1)) {
				count++
				break
			}
		}
	}
	return count
}

// outline returns the boundary of the gap as two arcs.
func (g Gap) outline() []plotter.XYs {
	r := 1 - g.Margin
	arc := func(c, other [2]float64) plotter.XYs {
		var pts plotter.XYs
		// Walk the circle from the angle opposite to the other centre, so
		// that the part inside the other disk is one contiguous run.
		base := math.Atan2(other[1]-c[1], other[0]-c[0]) + math.Pi
		for k := 0; k <= 720; k++ {
			a := base + 2*math.Pi*float64(k)/720
			x, y := c[0]+r*math.Cos(a), c[1]+r*math.Sin(a)
			if math.Hypot(x-other[0], y-other[1]) <= r {
				pts = append(pts, plotter.XY{X: x, Y: y})
			}
		}
		return pts
	}
	return []plotter.XYs{arc(moonCentre1, moonCentre2), arc(moonCentre2, moonCentre1)}
}

var gapColour = color.NRGBA{R: 0xd6, G: 0x27, B: 0x28, A: 0xff}

// addGapOutline draws the boundary of the gap on a panel, as a dashed line.
func addGapOutline(p *gplot.Plot, g Gap, c color.Color) {
	for _, arc := range g.outline() {
		l, err := plotter.NewLine(arc)
		if err != nil {
			continue
		}
		l.Color = c
		l.Width = vg.Points(1.6)
		l.Dashes = []vg.Length{vg.Points(4), vg.Points(3)}
		p.Add(l)
	}
}

// ShowData shows the exercise's two distributions: p0, the standard 2D
// Gaussian, and p1, the noise-free two moons (1000 points each), with the
// gap between the moons (see Gap) that question 4 is about.
func ShowData() {
	x0 := data.Gaussian{D: 2}.Sample(1000, data.NewRand(1))
	x1 := data.Moons{}.Sample(1000, data.NewRand(2))
	p0, err1 := plot.Scatter("p0 = N(0, I): x0", plot.Points{Name: "x0 ~ p0", X: x0})
	p1, err2 := plot.Scatter("p1 = two moons: x1, and the gap G", plot.Points{Name: "x1 ~ p1", X: x1})
	if err := errors.Join(err1, err2); err != nil {
		fmt.Println("figure not shown:", firstLine(err.Error()))
		return
	}
	addGapOutline(p1, DefaultGap, gapColour)
	show(plot.Row(p0, p1))
	nb.Sync()
}

// pathGapProfile is the fraction of x_t in the gap for x_t on the
// conditional path p between n independent pairs x0 ~ N(0, I), x1 ~ moons,
// at each of the given times; it also returns the points at each time.
func pathGapProfile(p PathFunc, times []float64, n int, seed uint64) ([]float64, []*mat.Dense, error) {
	x0 := data.Gaussian{D: 2}.Sample(n, data.NewRand(seed))
	x1 := data.Moons{}.Sample(n, data.NewRand(seed+1))
	frac := make([]float64, len(times))
	pts := make([]*mat.Dense, len(times))
	err := try(func() error {
		ut := make([]float64, 2)
		for k, t := range times {
			xt := mat.NewDense(n, 2, nil)
			for i := range n {
				p(t, x0.RawRowView(i), x1.RawRowView(i), xt.RawRowView(i), ut)
			}
			if !finite(xt) {
				return fmt.Errorf("the path gave NaN or Inf at t = %v", t)
			}
			frac[k] = DefaultGap.Fraction(xt)
			pts[k] = xt
		}
		return nil
	})
	return frac, pts, err
}

func grid(n int) []float64 {
	t := make([]float64, n+1)
	for k := range t {
		t[k] = float64(k) / float64(n)
	}
	return t
}

// GapStudy is what StudyGap measured on the linear path.
type GapStudy struct {
	Times        []float64 // t of the path profile
	PathFraction []float64 // fraction of x_t in the gap, x_t on the linear path, 20000 pairs
	FlowTimes    []float64 // t_k of the Euler trajectories
	FlowFraction []float64 // fraction of the particles of the learned flow in the gap at t_k
	Crossings    int       // particles of the learned flow in the gap at some t_k > 0
	Particles    int       // number of particles (1000)
	// Checks lists what the study relies on (the path passes part 2a, the
	// model passed its training check, the sampler passes part 3a). When
	// there is nothing to measure (no model, a stub) the other fields are
	// empty.
	Checks *Report
}

// StudyGap answers question 4a with measurements: does the linear path cross
// the low-density region between the moons? It shows, for the gap G (see
// Gap):
//
//   - the fraction of x_t = (1-t) x0 + t x1 in G over t, for 20000
//     independent pairs (x0 ~ N(0, I), x1 ~ moons): the mass that p_t puts in
//     the gap, which the learned flow must reproduce at every t;
//   - the same fraction for 1000 particles moved by the trained v_theta with
//     the student's Euler sampler (100 steps), and how many of their paths
//     pass through G;
//   - the density of x_t at t = 0.25, 0.5, 0.75 and 0.9 with the outline of G.
//
// It needs the linear model (part 2c) and the sampler (part 3a); when the
// model did not pass its training check, or the path or the sampler fails
// its part, it says that the numbers mean little.
func StudyGap(linear PathFunc, euler Sampler, v Field) *GapStudy {
	r := &Report{Title: tr("问题 4a：线性路径与两个月牙之间的空隙", "Question 4a: the linear path and the gap between the moons")}
	pathV := gradePath("linear", linear)
	partItem(r, "4a/path", pathV)
	model := modelItem(r, "4a/model", "linear", v)
	samplerV := gradeSampler(euler)
	partItem(r, "4a/sampler", samplerV)
	r.Show()
	if pathV.status == NotYet || samplerV.status == NotYet || model == nil {
		return &GapStudy{Checks: r}
	}
	times := grid(20)
	frac, pts, err := pathGapProfile(linear, times, 20000, 21)
	if err != nil {
		e := &Report{Title: r.Title}
		e.err("4a/path", Part2a, err, nil, tr("计算 linearPath 出错", "evaluating linearPath failed"))
		e.Show()
		return &GapStudy{Checks: r}
	}
	x0, _ := evalSets()
	traj, err := runSampler(euler, model, x0, 100)
	if err != nil {
		e := &Report{Title: r.Title}
		failSampler(e, "4a/sampler", err)
		e.Show()
		return &GapStudy{Checks: r}
	}
	n, _ := x0.Dims()
	st := &GapStudy{Times: times, PathFraction: frac, FlowTimes: grid(100), Crossings: DefaultGap.Crossings(traj), Particles: n, Checks: r}
	for _, x := range traj {
		st.FlowFraction = append(st.FlowFraction, DefaultGap.Fraction(x))
	}
	peak, at := 0.0, 0.0
	for k, f := range frac {
		if f > peak {
			peak, at = f, times[k]
		}
	}
	// Binomial standard errors of the fractions: sqrt(f (1-f) / n).
	se := func(f float64, n int) float64 { return math.Sqrt(f * (1 - f) / float64(n)) }
	last := st.FlowFraction[len(st.FlowFraction)-1]
	cross := float64(st.Crossings) / float64(n)
	nb.Table(texts(tr("两个月牙之间的空隙 G", "the gap G between the moons"), tr("测量值（± 二项标准误差）", "measured (± binomial se)")), [][]string{
		texts(tr("G 中 x0 ~ p0 的比例（t = 0，20000 对）", "fraction of x0 ~ p0 in G (t = 0), 20000 pairs"), tr("%.3f ± %.3f", "%.3f ± %.3f", frac[0], se(frac[0], 20000))),
		texts(tr("线性路径上 x_t 落在 G 中的比例的峰值（20000 对）", "peak fraction of x_t in G on the linear path, 20000 pairs"),
			tr("%.3f ± %.3f，在 t = %.2f", "%.3f ± %.3f at t = %.2f", peak, se(peak, 20000), at)),
		texts(tr("G 中数据 x1 ~ p1 的比例（t = 1）", "fraction of the data x1 ~ p1 in G (t = 1)"), both(fmt.Sprintf("%.3f", frac[len(frac)-1]))),
		texts(tr("学到的流：t = 1 时 G 中的粒子（欧拉法 100 步）", "learned flow: particles in G at t = 1 (Euler, 100 steps)"), tr("%.3f ± %.3f", "%.3f ± %.3f", last, se(last, n))),
		texts(tr("学到的流：穿过 G 的路径", "learned flow: paths that pass through G"),
			tr("%[3]d 条中 %[1]d 条（%.3[4]f ± %.3[5]f）", "%d of %d (%.3f ± %.3f)", st.Crossings, n, n, cross, se(cross, n))),
	})
	if !trusted(r) {
		markdown(caution(r))
	}
	var panels []*gplot.Plot
	crossing := crossingPaths(traj, DefaultGap)
	if p, err := plot.Trajectories(fmt.Sprintf("%d of %d paths pass through G", st.Crossings, n), crossing, 200); err == nil {
		addGapOutline(p, DefaultGap, gapColour)
		panels = append(panels, p)
	}
	b := plot.Bounds{XMin: -1.6, XMax: 2.6, YMin: -1.35, YMax: 1.85}
	for _, k := range []int{5, 10, 15, 18} {
		if p, err := plot.Density(fmt.Sprintf("x_t on the linear path, t = %.2f", times[k]), pts[k], 70, b); err == nil {
			addGapOutline(p, DefaultGap, color.White)
			panels = append(panels, p)
		}
	}
	pathSE, flowSE := make([]float64, len(frac)), make([]float64, len(st.FlowFraction))
	for k, f := range frac {
		pathSE[k] = se(f, 20000)
	}
	for k, f := range st.FlowFraction {
		flowSE[k] = se(f, n)
	}
	if p, err := plot.Curves("fraction of x_t in the gap G (± binomial se)", "t", "fraction in G", false,
		plot.Series{Name: "p_t (20000 pairs)", X: times, Y: frac, Err: pathSE, Shade: true},
		plot.Series{Name: "v_θ, your Euler (1000)", X: st.FlowTimes, Y: st.FlowFraction, Err: flowSE, Shade: true}); err == nil {
		panels = append(panels, p)
	}
	show(plot.Grid(3, panels...))
	return st
}

// crossingPaths keeps the particles of traj that are in the gap at some t_k > 0.
func crossingPaths(traj []*mat.Dense, g Gap) []*mat.Dense {
	n, d := traj[0].Dims()
	var keep []int
	for i := range n {
		for _, x := range traj[1:] {
			if g.Contains(x.At(i, 0), x.At(i, 1)) {
				keep = append(keep, i)
				break
			}
		}
	}
	if len(keep) == 0 {
		keep = []int{0}
	}
	out := make([]*mat.Dense, len(traj))
	for k, x := range traj {
		out[k] = mat.NewDense(len(keep), d, nil)
		for r, i := range keep {
			out[k].SetRow(r, x.RawRowView(i))
		}
	}
	return out
}
