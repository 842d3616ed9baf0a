package ode

import (
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
)

// Dormand-Prince 5(4) tableau (Dormand & Prince 1980; Hairer, Norsett &
// Wanner, Solving ODEs I, table 5.2). The 5th-order weights B5 equal the last
// row of A, so the last stage is the first stage of the next step (FSAL).
var (
	dpC = []float64{0, 1.0 / 5, 3.0 / 10, 4.0 / 5, 8.0 / 9, 1, 1}
	dpA = [][]float64{
		{},
		{1.0 / 5},
		{3.0 / 40, 9.0 / 40},
		{44.0 / 45, -56.0 / 15, 32.0 / 9},
		{19372.0 / 6561, -25360.0 / 2187, 64448.0 / 6561, -212.0 / 729},
		{9017.0 / 3168, -355.0 / 33, 46732.0 / 5247, 49.0 / 176, -5103.0 / 18656},
		{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84},
	}
	dpB5 = []float64{35.0 / 384, 0, 500.0 / 1113, 125.0 / 192, -2187.0 / 6784, 11.0 / 84, 0}
	dpB4 = []float64{5179.0 / 57600, 0, 7571.0 / 16695, 393.0 / 640, -92097.0 / 339200, 187.0 / 2100, 1.0 / 40}
)

// AdaptiveOptions configure SolveAdaptive. T0 and T1 default to 0 and 1 when
// both are zero.
type AdaptiveOptions struct {
	RTol, ATol float64 // relative and absolute tolerances, > 0
	T0, T1     float64
	H0         float64 // first step size; 0 chooses it automatically
	HMin       float64 // smallest step size allowed (except the last step onto T1); 0: only round-off stops
	MaxSteps   int     // attempted steps allowed (accepted + rejected); 0 means 100000
	Trajectory bool    // keep x at every accepted step
}

// AdaptiveResult adds step statistics to Result.
type AdaptiveResult struct {
	Result
	Accepted, Rejected int
	Steps              []StepInfo // every attempted step, in order
}

// StepInfo describes one attempted step of an adaptive solver.
type StepInfo struct {
	T, H     float64 // start time and size of the step
	ErrNorm  float64 // scaled error estimate; the step is accepted when <= 1
	Accepted bool
}

// SolveAdaptive integrates dx/dt = f(t, x) with the Dormand-Prince 5(4)
// method ("dopri5", the RK45 of the chapter) and adaptive step size. Each
// step computes a 5th-order solution x5 and an embedded 4th-order x4; the
// error estimate is the root mean square, over all coordinates of all
// points, of
//
//	(x5 - x4) / (ATol + RTol max(|x|, |x5|)),
//
// and the step is accepted when it is <= 1. The next step size is
// h * min(5, max(0.2, 0.9 err^(-1/5))) (at most h after a rejection). One
// step size is shared by the whole batch. The last stage of an accepted step
// is reused as the first stage of the next (FSAL): an accepted step costs 6
// evaluations of f.
func SolveAdaptive(f Field, x0 *mat.Dense, opt AdaptiveOptions) (*AdaptiveResult, error) {
	if !(opt.RTol > 0) || !(opt.ATol > 0) {
		return nil, fmt.Errorf("ode: dopri5 needs positive tolerances, got rtol=%v atol=%v", opt.RTol, opt.ATol)
	}
	t0, t1 := opt.T0, opt.T1
	if t0 == 0 && t1 == 0 {
		t1 = 1
	}
	if t0 == t1 {
		return nil, fmt.Errorf("ode: empty time interval [%v, %v]", t0, t1)
	}
	if opt.H0 < 0 || math.IsNaN(opt.H0) {
		return nil, fmt.Errorf("ode: H0 must be >= 0 (0 chooses it), got %v", opt.H0)
	}
	if opt.HMin < 0 || math.IsNaN(opt.HMin) {
		return nil, fmt.Errorf("ode: HMin must be >= 0 (0: no minimum), got %v", opt.HMin)
	}
	maxSteps := opt.MaxSteps
	if maxSteps == 0 {
		maxSteps = 100000
	} else if maxSteps < 0 {
		return nil, fmt.Errorf("ode: MaxSteps must be >= 0, got %d", maxSteps)
	}
	if err := checkFinite(x0, t0); err != nil {
		return nil, fmt.Errorf("ode: initial points: %w", err)
	}
	dir := 1.0
	if t1 < t0 {
		dir = -1
	}
	n, d := x0.Dims()
	x := mat.DenseCopyOf(x0)
	res := &AdaptiveResult{}
	if opt.Trajectory {
		res.Times = append(res.Times, t0)
		res.Traj = append(res.Traj, mat.DenseCopyOf(x))
	}
	eval := func(t float64, y *mat.Dense) ([]float64, error) {
		v, err := f.Velocity(t, y)
		res.NFE++
		if err != nil {
			return nil, fmt.Errorf("ode: evaluating the field at t=%.4g: %w", t, err)
		}
		if r, c := v.Dims(); r != n || c != d {
			return nil, fmt.Errorf("ode: the field returned a %dx%d velocity for %dx%d points", r, c, n, d)
		}
		out := make([]float64, n*d)
		raw := v.RawMatrix()
		for i := range n {
			copy(out[i*d:(i+1)*d], raw.Data[i*raw.Stride:i*raw.Stride+d])
		}
		return out, nil
	}
	k := make([][]float64, 7)
	var err error
	if k[0], err = eval(t0, x); err != nil {
		return nil, err
	}
	xr := x.RawMatrix().Data
	scale := func(a, b []float64, i int) float64 {
		return opt.ATol + opt.RTol*math.Max(math.Abs(a[i]), math.Abs(b[i]))
	}
	h := opt.H0
	if h == 0 {
		h, err = initialStep(eval, t0, xr, k[0], dir, math.Abs(t1-t0), opt, n, d)
		if err != nil {
			return nil, err
		}
	}
	h = math.Min(h, math.Abs(t1-t0))
	stage := mat.NewDense(n, d, nil)
	sr := stage.RawMatrix().Data
	x5 := make([]float64, n*d)
	t := t0
	nonFinite := false // the last rejection was caused by NaN or Inf
	for math.Abs(t1-t) > 1e-12*math.Max(1, math.Abs(t1)) {
		if res.Accepted+res.Rejected >= maxSteps {
			return nil, fmt.Errorf("ode: dopri5 gave up after %d steps at t=%.4g (h=%.3g); loosen rtol/atol or raise MaxSteps", maxSteps, t, h)
		}
		if h < opt.HMin && math.Abs(t1-t) > opt.HMin {
			if nonFinite {
				return nil, fmt.Errorf("ode: dopri5 at t=%.4g: %w in the stages down to the minimum step HMin=%g; check the field", t, ErrNaN, opt.HMin)
			}
			return nil, fmt.Errorf("ode: dopri5 stopped at t=%.4g: the tolerances need a step of %.3g, below the minimum HMin=%g; loosen rtol/atol or lower HMin (the field may be stiff or singular near t=%.4g)", t, h, opt.HMin, t)
		}
		if h < 1e-14*math.Max(1, math.Abs(t)) {
			if nonFinite {
				return nil, fmt.Errorf("ode: dopri5 at t=%.4g: %w in the stages however small the step; check the field", t, ErrNaN)
			}
			return nil, fmt.Errorf("ode: dopri5 step size underflow at t=%.4g; the field may be stiff or singular", t)
		}
		last := false
		if h >= math.Abs(t1-t) {
			h, last = math.Abs(t1-t), true
		}
		hs := dir * h
		for i := 1; i < 7; i++ {
			copy(sr, xr)
			for j, a := range dpA[i] {
				if a != 0 {
					axpy(sr, hs*a, k[j])
				}
			}
			if k[i], err = eval(t+dpC[i]*hs, stage); err != nil {
				return nil, err
			}
		}
		// x5 is the last stage's point (FSAL): stage holds x + h sum A[6][j] k_j.
		copy(x5, sr)
		errSum := 0.0
		finite := true
		for i := range x5 {
			e := 0.0
			for j := range 7 {
				if c := dpB5[j] - dpB4[j]; c != 0 {
					e += c * k[j][i]
				}
			}
			e *= hs
			if math.IsNaN(x5[i]) || math.IsInf(x5[i], 0) {
				finite = false
			}
			r := e / scale(xr, x5, i)
			errSum += r * r
		}
		errNorm := math.Sqrt(errSum / float64(len(x5)))
		nonFinite = !finite || math.IsNaN(errNorm)
		if nonFinite {
			errNorm = math.Inf(1)
		}
		accepted := errNorm <= 1
		res.Steps = append(res.Steps, StepInfo{T: t, H: h, ErrNorm: errNorm, Accepted: accepted})
		if accepted {
			res.Accepted++
			copy(xr, x5)
			k[0] = k[6]
			if last {
				t = t1
			} else {
				t += hs
			}
			if err := checkFinite(x, t); err != nil {
				return nil, fmt.Errorf("ode: dopri5 at t=%.4g: %w", t, err)
			}
			if opt.Trajectory {
				res.Times = append(res.Times, t)
				res.Traj = append(res.Traj, mat.DenseCopyOf(x))
			}
			fac := 5.0
			if errNorm > 0 {
				fac = math.Min(5, math.Max(0.2, 0.9*math.Pow(errNorm, -0.2)))
			}
			h *= fac
		} else {
			res.Rejected++
			if math.IsInf(errNorm, 1) {
				h *= 0.2
			} else {
				h *= math.Min(1, math.Max(0.2, 0.9*math.Pow(errNorm, -0.2)))
			}
		}
	}
	res.X = x
	return res, nil
}

// initialStep is Hairer's starting step size heuristic (Solving ODEs I,
// II.4): balance h0 = 0.01 |x| / |f| against a second-derivative estimate.
// The trial step stays within the interval (of length span): a field that is
// nearly zero at t0 would otherwise be evaluated far outside it.
func initialStep(eval func(float64, *mat.Dense) ([]float64, error), t0 float64, x, f0 []float64, dir, span float64, opt AdaptiveOptions, n, d int) (float64, error) {
	norm := func(v []float64) float64 {
		s := 0.0
		for i, a := range v {
			r := a / (opt.ATol + opt.RTol*math.Abs(x[i]))
			s += r * r
		}
		return math.Sqrt(s / float64(len(v)))
	}
	d0, d1 := norm(x), norm(f0)
	h0 := 1e-6
	if d0 >= 1e-5 && d1 >= 1e-5 {
		h0 = 0.01 * d0 / d1
	}
	h0 = math.Min(h0, span)
	y := mat.NewDense(n, d, nil)
	yr := y.RawMatrix().Data
	copy(yr, x)
	axpy(yr, dir*h0, f0)
	f1, err := eval(t0+dir*h0, y)
	if err != nil {
		return 0, err
	}
	diff := make([]float64, len(f1))
	for i := range f1 {
		diff[i] = f1[i] - f0[i]
	}
	d2 := norm(diff) / h0
	var h1 float64
	if math.Max(d1, d2) <= 1e-15 {
		h1 = math.Max(1e-6, h0*1e-3)
	} else {
		h1 = math.Pow(0.01/math.Max(d1, d2), 0.2)
	}
	return math.Min(100*h0, h1), nil
}
