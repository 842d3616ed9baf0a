package exercise

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	gplot "gonum.org/v1/plot"

	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/nb"
	"github.com/flowmatching/gofm/fmkit/path"
	"github.com/flowmatching/gofm/fmkit/plot"
)

// FDTolerance is the largest difference CheckCurvedPath accepts between u_t
// and the central finite difference of x_t.
const FDTolerance = 1e-4

// CheckCurvedPath grades part 4b: the curved path
//
//	x_t = (1-t) x0 + t x1 + a t(1-t) R(x1 - x0),  R(v1, v2) = (-v2, v1),
//
// and its velocity u_t = x1 - x0 + a (1-2t) R(x1 - x0), at 20 random
// (t, x0, x1), t = 0 and t = 1 included, with amplitude a: the endpoints
// x_0 = x0 and x_1 = x1, x_t against fmkit's path.Curved (1e-12), the bend
// x_t - ((1-t) x0 + t x1) perpendicular to x1 - x0, and u_t against the
// central finite difference (x_{t+h} - x_{t-h}) / 2h of the student's own
// x_t with h = 1e-5, to FDTolerance.
func CheckCurvedPath(curved CurvedPathFunc, a float64) *Report {
	r := &Report{Title: fmt.Sprintf("Check of part 4b: the curved path (a = %g)", a)}
	defer r.Show()
	const name = "4b curved path"
	p := WithAmplitude(curved, a)
	ref := path.Curved{A: a}
	flipped := path.Curved{A: -a}
	cases := pathCases(20, 11)
	var endErr, refErr, flipErr, linErr, perp, fdErr, uErr float64
	for _, c := range cases {
		xt, ut, err := evalPath(p, c)
		if err != nil {
			r.ErrorIn(name, Part4b, err, "curvedPath panicked")
			return r
		}
		wx, wu := make([]float64, 2), make([]float64, 2)
		ref.Point(c.t, c.x0, c.x1, wx, wu)
		fx := make([]float64, 2)
		flipped.Point(c.t, c.x0, c.x1, fx, make([]float64, 2))
		lin := []float64{(1-c.t)*c.x0[0] + c.t*c.x1[0], (1-c.t)*c.x0[1] + c.t*c.x1[1]}
		refErr = nanMax(refErr, dist2(xt, wx))
		flipErr = nanMax(flipErr, dist2(xt, fx))
		linErr = nanMax(linErr, dist2(xt, lin))
		uErr = nanMax(uErr, dist2(ut, wu))
		d := []float64{c.x1[0] - c.x0[0], c.x1[1] - c.x0[1]}
		bend := []float64{xt[0] - lin[0], xt[1] - lin[1]}
		perp = nanMax(perp, math.Abs(bend[0]*d[0]+bend[1]*d[1]))
		if c.t == 0 {
			endErr = nanMax(endErr, dist2(xt, c.x0))
		}
		if c.t == 1 {
			endErr = nanMax(endErr, dist2(xt, c.x1))
		}
		if c.t > 0 && c.t < 1 {
			const h = 1e-5
			xp, _, err1 := evalPath(p, pathCase{c.t + h, c.x0, c.x1})
			xm, _, err2 := evalPath(p, pathCase{c.t - h, c.x0, c.x1})
			if err := errors.Join(err1, err2); err != nil {
				r.ErrorIn(name, Part4b, err, "curvedPath panicked")
				return r
			}
			fd := []float64{(xp[0] - xm[0]) / (2 * h), (xp[1] - xm[1]) / (2 * h)}
			fdErr = nanMax(fdErr, dist2(ut, fd))
		}
	}
	r.Check(name+": endpoints", endErr < 1e-12, "x_0 = x0 and x_1 = x1",
		fmt.Sprintf("the path must start at x0 (t = 0) and end at x1 (t = 1); off by %.3g: the bend a t(1-t) R(x1 - x0) vanishes at both ends", endErr))
	r.Check(name+": bend ⟂ (x1 - x0)", perp < 1e-12, "the bend x_t - ((1-t) x0 + t x1) is perpendicular to x1 - x0",
		fmt.Sprintf("the bend x_t - ((1-t) x0 + t x1) has a component along x1 - x0 (up to %.3g): rotate x1 - x0 by 90 degrees, R(v1, v2) = (-v2, v1)", perp))
	switch {
	case refErr < 1e-12:
		r.Pass(name+": x_t", "x_t = (1-t) x0 + t x1 + a t(1-t) R(x1 - x0), as fmkit's path.Curved")
	case flipErr < 1e-12:
		r.Fail(name+": x_t", "the bend goes the other way: R is the rotation by +90 degrees, R(v1, v2) = (-v2, v1)")
	case linErr < 1e-12 && a != 0:
		r.Fail(name+": x_t", "x_t is the straight line: add the bend a t(1-t) R(x1 - x0)")
	default:
		r.Fail(name+": x_t", "x_t differs from (1-t) x0 + t x1 + a t(1-t) R(x1 - x0) by up to %.3g", refErr)
	}
	r.Check(name+": u_t = d x_t/dt", fdErr <= FDTolerance,
		fmt.Sprintf("u_t matches the central finite difference of your x_t to %.1e (<= %.0e)", fdErr, FDTolerance),
		fmt.Sprintf("u_t differs from the finite difference (x_{t+h} - x_{t-h})/2h of your x_t by up to %.3g: differentiate each coefficient, d/dt t(1-t) = 1 - 2t", fdErr))
	r.Check(name+": u_t formula", uErr < 1e-12, "u_t = x1 - x0 + a (1-2t) R(x1 - x0)",
		fmt.Sprintf("u_t differs from x1 - x0 + a (1-2t) R(x1 - x0) by up to %.3g", uErr))
	return r
}

func nanMax(a, b float64) float64 {
	if math.IsNaN(b) {
		return math.Inf(1)
	}
	return math.Max(a, b)
}

// PathResult is one trained model in ComparePaths.
type PathResult struct {
	Name          string
	NFE           []int     // Euler steps compared
	W2            []float64 // exact W2 to 1000 fresh moons at each NFE
	KineticEnergy float64   // of the 100-step Euler trajectories (metric.KineticEnergy)
	Displacement  float64   // E ||x(1) - x(0)||^2 of the same trajectories: the cost of the coupling the flow makes
	Straightness  float64   // of the same trajectories (metric.Straightness)
	Crossings     int       // paths through the gap (of 1000)
	FlowFraction  []float64 // fraction of the particles in the gap at t_k = k/100
	PathFraction  []float64 // fraction of x_t in the gap on the conditional path (20000 pairs), t = 0, 0.05, ..., 1
}

// ComparePathsNFE are the Euler step counts of ComparePaths.
var ComparePathsNFE = []int{2, 4, 8, 16, 100}

// ComparePaths answers question 4b with measurements: the model trained on
// the linear path and the one trained on the curved path of amplitude a
// (models "linear" and "curved" of CheckTraining), sampled with the student's
// Euler sampler from the same 1000 points x0 ~ p0. For each: exact W2 to
// 1000 fresh moons at 2, 4, 8, 16 and 100 steps; kinetic energy, mean
// squared displacement E||x(1) - x(0)||^2 and straightness of the 100-step
// trajectories; how many paths pass through the
// gap between the moons and the fraction of particles in it over t; and the
// fraction of x_t in the gap on each conditional path. It shows a table and
// figures.
func ComparePaths(linear PathFunc, curved CurvedPathFunc, a float64, euler Sampler, v Field) []PathResult {
	r := &Report{Title: "Question 4b: linear against curved path"}
	paths := []struct {
		name string
		p    PathFunc
	}{{"linear", linear}, {"curved", WithAmplitude(curved, a)}}
	x0, fresh := evalSets()
	var results []PathResult
	var trajs [][]*mat.Dense
	for _, pt := range paths {
		model, err := LoadModel(pt.name, v)
		if err != nil {
			if errors.Is(err, ErrNoModel) {
				r.Wait("4b "+pt.name+" model", "needs the %s model: run its training check first", pt.name)
			} else {
				r.Error("4b "+pt.name+" model", err, "")
			}
			continue
		}
		res := PathResult{Name: pt.name}
		var traj []*mat.Dense
		for _, n := range ComparePathsNFE {
			tr, err := runSampler(euler, model, x0, n)
			if err != nil {
				r.Blocked("4b "+pt.name+" model", err, "eulerSample failed on the trained model")
				break
			}
			w2, _ := metric.W2(tr[n], fresh)
			res.NFE, res.W2 = append(res.NFE, n), append(res.W2, w2)
			traj = tr
		}
		if len(res.W2) != len(ComparePathsNFE) {
			continue
		}
		times := grid(len(traj) - 1)
		res.KineticEnergy, _ = metric.KineticEnergy(traj, times)
		res.Displacement = meanSquaredDisplacement(traj[0], traj[len(traj)-1])
		res.Straightness, _ = metric.Straightness(traj, times)
		res.Crossings = DefaultGap.Crossings(traj)
		for _, x := range traj {
			res.FlowFraction = append(res.FlowFraction, DefaultGap.Fraction(x))
		}
		frac, _, err := pathGapProfile(pt.p, grid(20), 20000, 21)
		if err != nil {
			r.Blocked("4b "+pt.name+" path", err, "")
			continue
		}
		res.PathFraction = frac
		results = append(results, res)
		trajs = append(trajs, traj)
	}
	if len(results) != len(paths) {
		r.Show()
		return nil
	}
	head := []string{"path"}
	for _, n := range ComparePathsNFE {
		head = append(head, fmt.Sprintf("W2, %d steps", n))
	}
	head = append(head, "kinetic energy", "E‖x(1) − x(0)‖²", "straightness", "paths through G", "peak fraction in G")
	var rows [][]string
	for _, res := range results {
		row := []string{res.Name}
		if res.Name == "curved" {
			row[0] = fmt.Sprintf("curved (a = %g)", a)
		}
		for _, w := range res.W2 {
			row = append(row, fmt.Sprintf("%.3f", w))
		}
		peak := maxOf(res.FlowFraction)
		row = append(row, fmt.Sprintf("%.2f", res.KineticEnergy), fmt.Sprintf("%.2f", res.Displacement), fmt.Sprintf("%.3f", res.Straightness),
			fmt.Sprintf("%d of %d", res.Crossings, W2Samples), fmt.Sprintf("%.3f", peak))
		rows = append(rows, row)
	}
	nb.Table(head, rows)
	lin, cur := results[0], results[1]
	last := len(ComparePathsNFE) - 1
	nb.Markdown(joinLines([]string{
		fmt.Sprintf("**Measured, curved (a = %g) against linear:**", a),
		fmt.Sprintf("- W2 to the moons with %d Euler steps: %.3f against %.3f; with %d steps: %.3f against %.3f.",
			ComparePathsNFE[0], cur.W2[0], lin.W2[0], ComparePathsNFE[last], cur.W2[last], lin.W2[last]),
		fmt.Sprintf("- kinetic energy of the learned flow: %.2f against %.2f (%.2fx); mean squared displacement E‖x(1) − x(0)‖²: %.2f against %.2f; straightness %.3f against %.3f.",
			cur.KineticEnergy, lin.KineticEnergy, cur.KineticEnergy/lin.KineticEnergy, cur.Displacement, lin.Displacement, cur.Straightness, lin.Straightness),
		fmt.Sprintf("- paths through the gap G: %d against %d of %d; peak fraction of the particles in G: %.3f against %.3f.",
			cur.Crossings, lin.Crossings, W2Samples, maxOf(cur.FlowFraction), maxOf(lin.FlowFraction)),
	}))

	var panels []*gplot.Plot
	for i, res := range results {
		p, err := plot.Trajectories(fmt.Sprintf("%s path: Euler paths of v_θ", rows[i][0]), trajs[i], 300)
		if err == nil {
			addGapOutline(p, DefaultGap, gapColour)
			panels = append(panels, p)
		}
		_ = res
	}
	var w2s, fracs []plot.Series
	for i, res := range results {
		x := make([]float64, len(res.NFE))
		for k, n := range res.NFE {
			x[k] = float64(n)
		}
		w2s = append(w2s, plot.Series{Name: rows[i][0], X: x, Y: res.W2})
		fracs = append(fracs,
			plot.Series{Name: res.Name + ": p_t", X: grid(20), Y: res.PathFraction},
			plot.Series{Name: res.Name + ": v_θ", X: grid(len(res.FlowFraction) - 1), Y: res.FlowFraction})
	}
	if p, err := plot.Curves("W2 to the moons vs Euler steps", "NFE (log)", "exact W2", false, w2s...); err == nil {
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
	return results
}

// meanSquaredDisplacement is (1/n) sum_i ||b_i - a_i||^2.
func meanSquaredDisplacement(a, b *mat.Dense) float64 {
	d := rmsDistance(a, b)
	return d * d
}

func maxOf(x []float64) float64 {
	m := math.Inf(-1)
	for _, v := range x {
		m = math.Max(m, v)
	}
	return m
}
