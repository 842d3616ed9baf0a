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

	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/nb"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/plot"
)

// SamplerRun is one sampler on the trained model.
type SamplerRun struct {
	Method  string  // "euler" or "dopri5"
	Steps   int     // Euler steps (0 for dopri5)
	Tol     float64 // dopri5 rtol = atol (0 for Euler)
	NFE     int     // evaluations of v_theta
	Seconds float64 // wall time of the integration
	W2      float64 // exact W2 of the 1000 samples to 1000 fresh moons
	Error   float64 // RMS distance of the samples to the reference solution (same x0)
}

// SamplerComparison is what CompareSamplers measured. Matched pairs Euler
// runs with the Dopri5 run at rtol = atol = 1e-3.
type SamplerComparison struct {
	Reference SamplerRun // dopri5 at rtol = atol = 1e-5: the "exact" ODE solution
	Dopri5    []SamplerRun
	Euler     []SamplerRun
	// Matched: the Dopri5 run at 1e-3, the Euler run with the fewest steps
	// whose Error is at most its Error (nil if none of the step counts
	// reaches it), and the Euler run with the fewest steps whose W2 is within
	// 0.01 of its W2.
	Matched          SamplerRun
	EulerSameError   *SamplerRun
	EulerSameQuality *SamplerRun
	// FineSteps are the steps Dopri5 attempted at the smallest tolerance
	// compared (1e-4): where along t it spends its evaluations.
	FineSteps []ode.StepInfo
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
// the NFE, the wall time, the exact W2 to 1000 fresh moons (sample quality)
// and the RMS distance of the samples to a reference solution of the same
// ODE (Dopri5 at rtol = atol = 1e-5; the solver's own error). It then matches
// quality: the fewest Euler steps (of 4, 8, ..., 128) reaching the error of
// Dopri5 at 1e-3, and the fewest reaching its W2 within 0.01, and shows the
// table, the error and W2 against the NFE, and the step sizes Dopri5 chose
// along t. Wall times are measured in this
// process, one run after the other; compare them as ratios.
func CompareSamplers(euler Sampler, v Field) *SamplerComparison {
	r := &Report{Title: "Question 3b: Euler against adaptive Dopri5"}
	model, err := LoadModel("linear", v)
	if err != nil {
		if errors.Is(err, ErrNoModel) {
			r.Wait("3b comparison", "needs the linear model of part 2c")
		} else {
			r.Error("3b comparison", err, "")
		}
		r.Show()
		return nil
	}
	x0, fresh := evalSets()
	// Warm up (compiles v_theta for this batch size) so that no run pays it.
	if _, err := model.Velocity(0, x0); err != nil {
		r.Error("3b comparison", err, "evaluating the trained v_θ failed")
		r.Show()
		return nil
	}
	c := &SamplerComparison{}
	var ref *mat.Dense
	var steps []ode.StepInfo
	adaptive := func(tol float64) (SamplerRun, *mat.Dense, error) {
		start := time.Now()
		res, err := ode.SolveAdaptive(model, x0, ode.AdaptiveOptions{RTol: tol, ATol: tol})
		if err != nil {
			return SamplerRun{}, nil, err
		}
		run := SamplerRun{Method: "dopri5", Tol: tol, NFE: res.NFE, Seconds: time.Since(start).Seconds()}
		run.W2, _ = metric.W2(res.X, fresh)
		steps = res.Steps
		return run, res.X, nil
	}
	run, ref, err := adaptive(1e-5)
	if err != nil {
		r.Error("3b reference solution", err, "")
		r.Show()
		return nil
	}
	c.Reference = run
	for _, tol := range CompareTolerances {
		run, x, err := adaptive(tol)
		if err != nil {
			r.Error("3b dopri5", err, "")
			r.Show()
			return nil
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
			r.Blocked("3b Euler", err, "eulerSample failed on the trained model")
			r.Show()
			return nil
		}
		run := SamplerRun{Method: "euler", Steps: n, NFE: n, Seconds: time.Since(start).Seconds()}
		run.W2, _ = metric.W2(traj[n], fresh)
		run.Error = rmsDistance(traj[n], ref)
		c.Euler = append(c.Euler, run)
	}
	for i := range c.Euler {
		e := &c.Euler[i]
		if c.EulerSameError == nil && e.Error <= c.Matched.Error {
			c.EulerSameError = e
		}
		if c.EulerSameQuality == nil && e.W2 <= c.Matched.W2+0.01 {
			c.EulerSameQuality = e
		}
	}
	c.show()
	return c
}

func (c *SamplerComparison) show() {
	rows := [][]string{}
	add := func(name string, run SamplerRun, withErr bool) {
		errText := "(reference)"
		if withErr {
			errText = fmt.Sprintf("%.2e", run.Error)
		}
		rows = append(rows, []string{name, fmt.Sprintf("%d", run.NFE), fmt.Sprintf("%.0f", 1000*run.Seconds),
			fmt.Sprintf("%.3f", run.W2), errText})
	}
	for _, run := range c.Dopri5 {
		add(fmt.Sprintf("Dopri5, rtol = atol = %g", run.Tol), run, true)
	}
	add("Dopri5, rtol = atol = 1e-5", c.Reference, false)
	for _, run := range c.Euler {
		add(fmt.Sprintf("your Euler, %d steps", run.Steps), run, true)
	}
	nb.Table([]string{"sampler (1000 points)", "NFE", "wall ms", "W2 to moons", "RMS error to reference"}, rows)

	m := c.Matched
	lines := []string{fmt.Sprintf("**At matched quality** (against Dopri5 at rtol = atol = 1e-3: NFE %d, %.0f ms, W2 %.3f, error %.1e):", m.NFE, 1000*m.Seconds, m.W2, m.Error)}
	if e := c.EulerSameError; e != nil {
		lines = append(lines, fmt.Sprintf("- same solver error: Euler needs %d steps (NFE %d, %.1fx Dopri5's NFE, %.1fx its wall time).",
			e.Steps, e.NFE, float64(e.NFE)/float64(m.NFE), e.Seconds/m.Seconds))
	} else {
		last := c.Euler[len(c.Euler)-1]
		lines = append(lines, fmt.Sprintf("- same solver error: not reached by Euler with %d steps (error %.1e, NFE %d, %.1fx Dopri5's NFE).",
			last.Steps, last.Error, last.NFE, float64(last.NFE)/float64(m.NFE)))
	}
	if e := c.EulerSameQuality; e != nil {
		lines = append(lines, fmt.Sprintf("- same sample quality (W2 within 0.01): Euler needs %d steps (NFE %d, %.2fx Dopri5's NFE, %.2fx its wall time).",
			e.Steps, e.NFE, float64(e.NFE)/float64(m.NFE), e.Seconds/m.Seconds))
	} else {
		lines = append(lines, "- same sample quality (W2 within 0.01): not reached by Euler with the step counts tried.")
	}
	nb.Markdown(joinLines(lines))

	fig, err := c.figure()
	if err != nil {
		fmt.Println("figure not shown:", firstLine(err.Error()))
		return
	}
	show(fig)
}

// figure draws the solver error and W2 against the NFE, and the step sizes
// of Dopri5 along t.
func (c *SamplerComparison) figure() (*plot.Figure, error) {
	var eN, eErr, eW2, dN, dErr, dW2 []float64
	for _, run := range c.Euler {
		eN, eErr, eW2 = append(eN, float64(run.NFE)), append(eErr, run.Error), append(eW2, run.W2)
	}
	for _, run := range c.Dopri5 {
		dN, dErr, dW2 = append(dN, float64(run.NFE)), append(dErr, run.Error), append(dW2, run.W2)
	}
	// The error is drawn as log10 on a linear axis, with ticks labelled by
	// the error itself.
	errPlot, err1 := plot.Curves("solver error vs NFE", "NFE (log)", "RMS error to the reference (log)", false,
		plot.Series{Name: "Euler", X: eN, Y: log10s(eErr)}, plot.Series{Name: "Dopri5", X: dN, Y: log10s(dErr)})
	w2Plot, err2 := plot.Curves("sample quality vs NFE", "NFE (log)", "exact W2 to fresh moons", false,
		plot.Series{Name: "Euler", X: eN, Y: eW2}, plot.Series{Name: "Dopri5", X: dN, Y: dW2},
		plot.Series{Name: "exact ODE", X: []float64{eN[0], eN[len(eN)-1]}, Y: []float64{c.Reference.W2, c.Reference.W2}})
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

func joinLines(lines []string) string {
	s := ""
	for i, l := range lines {
		if i > 0 {
			s += "\n"
		}
		s += l
	}
	return s
}
