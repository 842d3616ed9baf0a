package exercise

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/metric"
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
		return nil, &shapeError{fmt.Sprintf("%d states returned for %d steps; return steps+1 states, x at t_k = k/steps for k = 0..steps (traj[0] = x0)", len(traj), steps)}
	}
	n, d := x0.Dims()
	for k, x := range traj {
		if x == nil {
			return nil, &shapeError{fmt.Sprintf("state %d is nil", k)}
		}
		if r, c := x.Dims(); r != n || c != d {
			return nil, &shapeError{fmt.Sprintf("state %d has shape [%d, %d], x0 has [%d, %d]", k, r, c, n, d)}
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
// Euler steps must be within exact W2 <= 0.20 of 1000 fresh moons; their
// trajectories are shown.
func CheckEuler(euler Sampler, v Field) *Report {
	r := &Report{Title: "Check of part 3a: Euler sampler"}
	var fig *plot.Figure
	defer func() {
		r.Show()
		if fig != nil {
			show(fig)
		}
	}()
	const name = "3a Euler"
	fail := func(item string, err error) {
		var se *shapeError
		switch {
		case errors.As(err, &se):
			r.Fail(item, "%s", se.msg)
		case IsNotWritten(err):
			r.ErrorIn(name, Part3a, err, "")
		default:
			r.ErrorIn(item, Part3a, err, "eulerSample failed")
		}
	}
	// Constant field.
	x0 := mat.DenseCopyOf(eulerX0)
	constant := ode.PointFunc(func(_ float64, _, dx []float64) { dx[0], dx[1] = 1, -2 })
	traj, err := runSamplerOn(euler, constant, x0, 4)
	if err != nil {
		fail(name+": constant field", err)
		return r
	}
	want := mat.DenseCopyOf(eulerX0)
	for i := range 3 {
		want.Set(i, 0, want.At(i, 0)+1)
		want.Set(i, 1, want.At(i, 1)-2)
	}
	r.Check(name+": states", maxAbsDiff(traj[0], eulerX0) < 1e-15 && maxAbsDiff(x0, eulerX0) == 0,
		"5 states for 4 steps, traj[0] = x0, x0 left unchanged",
		"traj[0] must be x0, and x0 must not be modified: copy it (mat.DenseCopyOf) before stepping")
	r.Check(name+": constant field", maxAbsDiff(traj[4], want) < 1e-12,
		"v = (1, -2) moves x0 by exactly (1, -2) from t = 0 to 1",
		fmt.Sprintf("with v = (1, -2), x at t = 1 should be x0 + (1, -2), got an error of %.3g: each step adds h v with h = 1/steps", maxAbsDiff(traj[4], want)))
	// Time-dependent field: v = (t, 0).
	const n = 5
	tField := ode.PointFunc(func(t float64, _, dx []float64) { dx[0], dx[1] = t, 0 })
	traj, err = runSampler(euler, tField, mat.DenseCopyOf(eulerX0), n)
	if err != nil {
		fail(name+": uses t_k", err)
		return r
	}
	shift := traj[n].At(0, 0) - eulerX0.At(0, 0)
	left, right := float64(n-1)/(2*n), float64(n+1)/(2*n)
	switch {
	case math.Abs(shift-left) < 1e-12:
		r.Pass(name+": uses t_k", "v(t, x) = (t, 0) gives x_N - x0 = (N-1)/(2N) = %.3f, v evaluated at t_k = k/N", left)
	case math.Abs(shift-right) < 1e-12:
		r.Fail(name+": uses t_k", "v is evaluated at the end of each step (t_{k+1}); explicit Euler uses the start: x_{k+1} = x_k + h v(t_k, x_k) with t_k = k h")
	case math.Abs(shift) < 1e-12:
		r.Fail(name+": uses t_k", "v(t, x) = (t, 0) did not move x: pass the time t_k = k h of each step to v.Velocity, not 0")
	default:
		r.Fail(name+": uses t_k", "with v(t, x) = (t, 0) and N = %d, x_N - x0 should be %.4f (t_k = k/N), got %.4f", n, left, shift)
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
			fail(name+": order 1", err)
			return r
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
	r.Check(name+": order 1", exactIterate && order > 0.85 && order < 1.15,
		fmt.Sprintf("v = -x: error to e^(-1) x0 is %.2e, %.2e, %.2e for N = 10, 20, 40 (order %.2f)", errs[0], errs[1], errs[2], order),
		fmt.Sprintf("v = -x should give x_N = (1 - 1/N)^N x0 exactly; errors to e^(-1) x0 are %.2e, %.2e, %.2e for N = 10, 20, 40 (order %.2f, want 1): x_{k+1} = x_k + h v(t_k, x_k)", errs[0], errs[1], errs[2], order))
	// NFE.
	cf := &countingField{f: constant}
	if _, err := runSampler(euler, cf, mat.DenseCopyOf(eulerX0), 7); err != nil {
		fail(name+": NFE", err)
		return r
	}
	r.Check(name+": NFE", cf.calls == 7, "7 evaluations of v for 7 steps",
		fmt.Sprintf("%d evaluations of v for 7 steps: Euler evaluates v once per step, at t_0 .. t_{N-1} (not at t = 1)", cf.calls))
	// Bad input and failing fields.
	badSteps := []int{}
	for _, s := range []int{0, -3} {
		var err error
		perr := try(func() error { _, err = euler(constant, mat.DenseCopyOf(eulerX0), s); return nil })
		if perr != nil || err == nil {
			badSteps = append(badSteps, s)
		}
	}
	r.Check(name+": bad step count", len(badSteps) == 0, "steps = 0 and steps = -3 return an error",
		fmt.Sprintf("steps = %v should return an error (not panic, not succeed): check steps > 0 first and return fmt.Errorf(...) saying what to pass", badSteps))
	failing := ode.FieldFunc(func(t float64, x *mat.Dense) (*mat.Dense, error) {
		return nil, errors.New("the field cannot be evaluated")
	})
	var ferr error
	perr := try(func() error { _, ferr = euler(failing, mat.DenseCopyOf(eulerX0), 3); return nil })
	r.Check(name+": field errors", perr == nil && ferr != nil, "an error of v.Velocity is returned",
		"when v.Velocity returns an error, return it (wrapped with the step) instead of ignoring it or panicking")
	// The trained model.
	model, err := LoadModel("linear", v)
	if err != nil {
		if errors.Is(err, ErrNoModel) {
			r.Wait(name+": trained model", "needs the linear model of part 2c")
		} else {
			r.Error(name+": trained model", err, "")
		}
		return r
	}
	x0s, fresh := evalSets()
	traj, err = runSampler(euler, model, x0s, 100)
	if err != nil {
		fail(name+": trained model", err)
		return r
	}
	w2, err := metric.W2(traj[100], fresh)
	if err != nil {
		r.Fail(name+": W2 to the moons", "%v", err)
		return r
	}
	r.Check(name+": W2 to the moons", w2 <= W2Threshold,
		fmt.Sprintf("100 Euler steps of the trained v_θ: exact W2 = %.3f <= %.2f (1000 samples vs 1000 fresh moons)", w2, W2Threshold),
		fmt.Sprintf("100 Euler steps of the trained v_θ: exact W2 = %.3f > %.2f; if part 2c passed with Dopri5, look at the sampler", w2, W2Threshold))
	paths, err1 := plot.Trajectories("your Euler sampler, 100 steps", traj, 300)
	gen, err2 := plot.Scatter(fmt.Sprintf("generated vs data: W2 %.3f", w2), plot.Points{Name: "fresh moons", X: fresh}, plot.Points{Name: "generated", X: traj[100]})
	if err := errors.Join(err1, err2); err != nil {
		fmt.Println("figure not shown:", firstLine(err.Error()))
	} else {
		fig = plot.Row(paths, gen)
	}
	return r
}
