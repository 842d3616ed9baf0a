// Package ode integrates dx/dt = v(t, x) for a batch of points, the sampling
// step of flow matching: draw x0 ~ p0, integrate from t = 0 to t = 1, and x1
// is a sample of the learned p1.
//
// The fixed-step solvers are explicit Runge-Kutta methods. With step
// h = (T1 - T0) / Steps, a method with stages k_1..k_s computes
//
//	k_i = v(t + c_i h, x + h sum_{j<i} a_ij k_j),    x <- x + h sum_i b_i k_i,
//
// which costs s evaluations of v per step, so NFE = s * Steps:
//
//	euler    (order 1, s = 1):  x <- x + h v(t, x)
//	midpoint (order 2, s = 2):  x <- x + h v(t + h/2, x + h/2 v(t, x))
//	heun     (order 2, s = 2):  x <- x + h/2 [v(t, x) + v(t + h, x + h v(t, x))]
//	rk4      (order 4, s = 4):  the classical fourth-order Runge-Kutta method
//
// SolveAdaptive is the adaptive Dormand-Prince 5(4) method ("dopri5", the
// RK45 of the chapter): it chooses each step size so that an estimate of
// the local error stays within the tolerances, and reports accepted and
// rejected steps along with the NFE.
//
// The global error of an order-p method falls as h^p: halving the step divides
// the error of rk4 by about 16.
package ode

import (
	"errors"
	"fmt"
	"math"
	"strings"

	"github.com/flowmatching/gofm/fmkit/internal/names"

	"gonum.org/v1/gonum/mat"
)

// Field is a time-dependent vector field evaluated on a batch: row i of the
// result is v(t, x_i). Implementations must not modify x.
type Field interface {
	Velocity(t float64, x *mat.Dense) (*mat.Dense, error)
}

// FieldFunc adapts a function to Field.
type FieldFunc func(t float64, x *mat.Dense) (*mat.Dense, error)

// Velocity implements Field.
func (f FieldFunc) Velocity(t float64, x *mat.Dense) (*mat.Dense, error) { return f(t, x) }

// PointFunc adapts a per-point field v(t, x) -> dx (written into dx) to Field.
type PointFunc func(t float64, x, dx []float64)

// Velocity implements Field.
func (f PointFunc) Velocity(t float64, x *mat.Dense) (*mat.Dense, error) {
	n, d := x.Dims()
	v := mat.NewDense(n, d, nil)
	for i := range n {
		f(t, x.RawRowView(i), v.RawRowView(i))
	}
	return v, nil
}

// Tableau is the Butcher tableau of an explicit Runge-Kutta method.
type Tableau struct {
	Name  string
	Order int
	A     [][]float64 // strictly lower triangular: A[i][j] for j < i
	B     []float64
	C     []float64
}

// Stages is the number of field evaluations per step.
func (tb Tableau) Stages() int { return len(tb.B) }

var methods = map[string]Tableau{
	"euler": {Name: "euler", Order: 1, A: [][]float64{{}}, B: []float64{1}, C: []float64{0}},
	"midpoint": {Name: "midpoint", Order: 2,
		A: [][]float64{{}, {0.5}}, B: []float64{0, 1}, C: []float64{0, 0.5}},
	"heun": {Name: "heun", Order: 2,
		A: [][]float64{{}, {1}}, B: []float64{0.5, 0.5}, C: []float64{0, 1}},
	"rk4": {Name: "rk4", Order: 4,
		A: [][]float64{{}, {0.5}, {0, 0.5}, {0, 0, 1}},
		B: []float64{1.0 / 6, 1.0 / 3, 1.0 / 3, 1.0 / 6}, C: []float64{0, 0.5, 0.5, 1}},
}

// Methods lists the fixed-step method names.
func Methods() []string { return names.Sorted(methods) }

// Method returns the tableau of a fixed-step method by name.
func Method(name string) (Tableau, error) {
	if n := strings.ToLower(name); n == "dopri5" || n == "rk45" {
		return Tableau{}, fmt.Errorf("ode: %s is adaptive: call ode.SolveAdaptive with RTol and ATol (fixed-step solvers: %s)", name, strings.Join(Methods(), ", "))
	}
	return names.Lookup(methods, "ode", "solver", name)
}

// Options configure Solve. T0 and T1 default to 0 and 1 when both are zero;
// T1 < T0 integrates backwards in time (from data to noise).
type Options struct {
	Method     string // "euler", "midpoint", "heun" or "rk4"
	Steps      int    // number of steps, > 0
	T0, T1     float64
	Trajectory bool // keep x at every step (Steps+1 snapshots)
}

// Result of an integration.
type Result struct {
	X     *mat.Dense   // x(T1)
	NFE   int          // number of evaluations of the field
	Times []float64    // times of the snapshots in Traj (when Trajectory is set)
	Traj  []*mat.Dense // x at each time in Times, Traj[0] = x(T0)
}

// ErrNaN is wrapped by errors reporting a non-finite state.
var ErrNaN = errors.New("non-finite value")

// Solve integrates dx/dt = f(t, x) from x(T0) = x0 with a fixed-step
// Runge-Kutta method. x0 is not modified.
func Solve(f Field, x0 *mat.Dense, opt Options) (*Result, error) {
	tb, err := Method(opt.Method)
	if err != nil {
		return nil, err
	}
	if opt.Steps <= 0 {
		return nil, fmt.Errorf("ode: number of steps must be positive, got %d", opt.Steps)
	}
	t0, t1 := span(opt)
	if t0 == t1 {
		return nil, fmt.Errorf("ode: empty time interval [%v, %v]", t0, t1)
	}
	if err := checkFinite(x0, t0); err != nil {
		return nil, fmt.Errorf("ode: initial points: %w", err)
	}
	h := (t1 - t0) / float64(opt.Steps)
	x := mat.DenseCopyOf(x0)
	res := &Result{}
	if opt.Trajectory {
		res.Times = append(res.Times, t0)
		res.Traj = append(res.Traj, mat.DenseCopyOf(x))
	}
	st := newStepper(tb, x)
	for k := range opt.Steps {
		t := t0 + float64(k)*h
		if k == opt.Steps-1 {
			h = t1 - t // land exactly on T1
		}
		if err := st.step(f, t, h, x); err != nil {
			return nil, err
		}
		res.NFE += tb.Stages()
		if err := checkFinite(x, t+h); err != nil {
			return nil, fmt.Errorf("ode: %s step %d of %d (t=%.4g, h=%.4g): %w; try a smaller step or check the field", tb.Name, k+1, opt.Steps, t+h, h, err)
		}
		if opt.Trajectory {
			res.Times = append(res.Times, t+h)
			res.Traj = append(res.Traj, mat.DenseCopyOf(x))
		}
	}
	res.X = x
	return res, nil
}

func span(opt Options) (float64, float64) {
	if opt.T0 == 0 && opt.T1 == 0 {
		return 0, 1
	}
	return opt.T0, opt.T1
}

// stepper holds the scratch space of one explicit RK method.
type stepper struct {
	tb    Tableau
	k     []*mat.Dense
	stage *mat.Dense
}

func newStepper(tb Tableau, x *mat.Dense) *stepper {
	n, d := x.Dims()
	return &stepper{tb: tb, k: make([]*mat.Dense, tb.Stages()), stage: mat.NewDense(n, d, nil)}
}

// step advances x in place by one step of size h from time t.
func (s *stepper) step(f Field, t, h float64, x *mat.Dense) error {
	xr := x.RawMatrix().Data
	sr := s.stage.RawMatrix().Data
	for i := range s.tb.Stages() {
		copy(sr, xr)
		for j, a := range s.tb.A[i] {
			if a != 0 {
				axpy(sr, h*a, s.k[j].RawMatrix().Data)
			}
		}
		v, err := f.Velocity(t+s.tb.C[i]*h, s.stage)
		if err != nil {
			return fmt.Errorf("ode: evaluating the field at t=%.4g: %w", t+s.tb.C[i]*h, err)
		}
		if r, c := v.Dims(); r != x.RawMatrix().Rows || c != x.RawMatrix().Cols {
			return fmt.Errorf("ode: the field returned a %dx%d velocity for %dx%d points", r, c, x.RawMatrix().Rows, x.RawMatrix().Cols)
		}
		if v.RawMatrix().Stride != v.RawMatrix().Cols {
			v = mat.DenseCopyOf(v) // a view: make it contiguous
		}
		s.k[i] = v
	}
	for i, b := range s.tb.B {
		if b != 0 {
			axpy(xr, h*b, s.k[i].RawMatrix().Data)
		}
	}
	return nil
}

func axpy(y []float64, a float64, x []float64) {
	for i, v := range x {
		y[i] += a * v
	}
}

func checkFinite(x *mat.Dense, t float64) error {
	raw := x.RawMatrix()
	for i, v := range raw.Data {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			return fmt.Errorf("%w %v in point %d at t=%.4g", ErrNaN, v, i/raw.Cols, t)
		}
	}
	return nil
}
