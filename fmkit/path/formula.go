package path

import (
	"encoding/binary"
	"fmt"
	"hash/fnv"
	"math"
	"math/rand/v2"
	"strings"
)

// Formula writes the point x_t = f(t, x0, x1) of a conditional path into xt,
// one Dual per coordinate. It receives the time as the dual number
// t = Var(t) and the pair (x0, x1) as plain numbers (they are constants
// along a conditional path), and builds each coordinate with Dual's
// arithmetic, for example the linear path
//
//	func(t path.Dual, x0, x1 []float64, xt []path.Dual) {
//		for j := range xt {
//			xt[j] = t.Lerp(x0[j], x1[j]) // (1-t) x0 + t x1
//		}
//	}
//
// Arithmetic among x0 and x1 alone (x1[j] - x0[j], ...) is ordinary float64
// arithmetic; only the terms that depend on t are Duals.
type Formula func(t Dual, x0, x1 []float64, xt []Dual)

// FormulaPath is a conditional path given only by its formula x_t = f(t, x0,
// x1). Its conditional velocity u_t(x_t | x0, x1) = d x_t / dt is not written
// by hand: Point evaluates the formula on the dual number t + 1 ε, and
// because f(a + b ε) = f(a) + f'(a) b ε (see Dual), the ε part of each
// coordinate is exactly d x_t / dt (forward-mode automatic differentiation,
// exact to rounding; no finite difference). So a path is tried in one line:
// write x_t, get (x_t, u_t) for training.
//
// Build one with FromFormula (or RegisterFormula, which also makes it a name
// for train.Config.Path), which checks the formula first.
type FormulaPath struct {
	label, name string
	dim         int
	f           Formula
}

// Checks made by FromFormula: the endpoints on FormulaPairs random pairs, to
// a tolerance of FormulaTolerance (1 + |x|) per coordinate, and finiteness
// of x_t and u_t at FormulaTimes equally spaced times in [0, 1].
const (
	FormulaPairs     = 8
	FormulaTimes     = 17
	FormulaTolerance = 1e-9
)

// unwritten marks an xt coordinate the formula has not written: a quiet NaN
// with a payload arithmetic does not produce.
var unwritten = math.Float64frombits(0x7ff80000f0f0f0f0)

// FromFormula checks the formula f of a path in dimension dim and returns
// the path. It evaluates f on FormulaPairs seeded random pairs (x0, x1) at
// FormulaTimes times from 0 to 1 and rejects, with an error that names the
// time, the pair, the coordinate and what to change:
//
//   - a formula that panics, or leaves a coordinate of xt unwritten;
//   - a NaN or infinite x_t or u_t (for example Sqrt(t), whose slope is
//     infinite at t = 0);
//   - a formula that misses an endpoint: every conditional path must start
//     at the noise, x_{t=0} = x0, and end at the data, x_{t=1} = x1, to within
//     FormulaTolerance (1 + |x0_j|) (resp. |x1_j|) in each coordinate j.
//     A term added to the straight line must vanish at both ends, like the
//     t(1-t) of the curved path. (Paths with approximate endpoints, such as
//     the VP diffusion path, are Affine paths with a Schedule instead.)
//
// The path's Name is "name@FINGERPRINT", where FINGERPRINT (8 hex digits)
// is a hash of the formula's values and derivatives on the check points:
// another formula under the same name gets another Name, so train.Cached,
// which identifies a model by its configuration's path name, trains it
// anew instead of loading the model of the old formula. name must be
// non-empty, without spaces, ':' or '@'.
func FromFormula(name string, dim int, f Formula) (*FormulaPath, error) {
	switch {
	case name == "" || strings.ContainsAny(name, " \t\n:@"):
		return nil, fmt.Errorf("path: formula name %q must be non-empty, without spaces, ':' or '@' (e.g. \"bent\")", name)
	case dim <= 0:
		return nil, fmt.Errorf("path %s: dimension %d: give the dimension of x0 and x1 (2 for the course's 2D data)", name, dim)
	case f == nil:
		return nil, fmt.Errorf("path %s: the formula is nil", name)
	}
	p := &FormulaPath{label: name, dim: dim, f: f}
	h := fnv.New64a()
	rng := rand.New(rand.NewPCG(0x5eed, uint64(dim)))
	x0, x1 := make([]float64, dim), make([]float64, dim)
	xt := make([]Dual, dim)
	var buf [8]byte
	for range FormulaPairs {
		for j := range dim {
			x0[j] = rng.NormFloat64()
			x1[j] = 2*rng.NormFloat64() + 1
		}
		for k := range FormulaTimes {
			t := float64(k) / (FormulaTimes - 1)
			if err := p.eval(t, x0, x1, xt); err != nil {
				return nil, err
			}
			for j, v := range xt {
				what := ""
				switch {
				case !finite(v.V):
					what = fmt.Sprintf("x_t is %v", v.V)
				case !finite(v.D):
					what = fmt.Sprintf("u_t = dx_t/dt is %v", v.D)
				}
				if what != "" {
					return nil, fmt.Errorf("path %s: %s at t=%v in coordinate %d, for x0=%s x1=%s: x_t and its velocity must be finite on [0, 1] (look for a division by zero, Log or Sqrt of 0 or of a negative number; Sqrt(t) has an infinite slope at t = 0)", name, what, t, j, vec(x0), vec(x1))
				}
				for _, b := range []float64{v.V, v.D} {
					binary.LittleEndian.PutUint64(buf[:], math.Float64bits(b))
					h.Write(buf[:])
				}
			}
			if k == 0 || k == FormulaTimes-1 {
				if err := checkEndpoint(name, t, x0, x1, xt); err != nil {
					return nil, err
				}
			}
		}
	}
	p.name = fmt.Sprintf("%s@%08x", name, uint32(h.Sum64()))
	return p, nil
}

// checkEndpoint reports x_t at t = 0 (or 1) that is not x0 (or x1).
func checkEndpoint(name string, t float64, x0, x1 []float64, xt []Dual) error {
	want, sym := x0, "x0"
	if t == 1 {
		want, sym = x1, "x1"
	}
	worst, at := 0.0, -1
	for j, v := range xt {
		if off := math.Abs(v.V - want[j]); off > FormulaTolerance*(1+math.Abs(want[j])) && off > worst {
			worst, at = off, j
		}
	}
	if at < 0 {
		return nil
	}
	got := make([]float64, len(xt))
	for j, v := range xt {
		got[j] = v.V
	}
	return fmt.Errorf("path %s: the formula misses the endpoint x_{t=%v} = %s: for x0=%s x1=%s it gives x_{t=%v}=%s, off by %.3g in coordinate %d; a conditional path must start at the noise (x_{t=0} = x0) and end at the data (x_{t=1} = x1), so any term added to the straight line (1-t) x0 + t x1 must vanish at t = 0 and t = 1, e.g. by a factor t(1-t)",
		name, t, sym, vec(x0), vec(x1), t, vec(got), worst, at)
}

// eval runs the formula at time t into xt, turning a panic or an unwritten
// coordinate into an error.
func (p *FormulaPath) eval(t float64, x0, x1 []float64, xt []Dual) (err error) {
	for j := range xt {
		xt[j] = Dual{unwritten, unwritten}
	}
	defer func() {
		if r := recover(); r != nil {
			err = fmt.Errorf("path %s: the formula panicked at t=%v for x0=%s x1=%s: %v (x0, x1 and xt have length %d, the path's dimension)", p.label, t, vec(x0), vec(x1), r, len(xt))
		}
	}()
	p.f(Var(t), x0, x1, xt)
	for j, v := range xt {
		if math.Float64bits(v.V) == math.Float64bits(unwritten) {
			return fmt.Errorf("path %s: the formula did not write coordinate %d of x_t (dimension %d): set every xt[j]", p.label, j, len(xt))
		}
	}
	return nil
}

func vec(x []float64) string {
	parts := make([]string, len(x))
	for j, v := range x {
		parts[j] = fmt.Sprintf("%.4g", v)
	}
	return "[" + strings.Join(parts, " ") + "]"
}

// RegisterFormula is FromFormula followed by Register under the path's Name
// ("name@FINGERPRINT"), so that the path can be named in train.Config.Path
// and found by Lookup. Each process (each notebook cell) that trains or
// loads a model on the path must register it.
func RegisterFormula(name string, dim int, f Formula) (*FormulaPath, error) {
	p, err := FromFormula(name, dim, f)
	if err != nil {
		return nil, err
	}
	Register(p.name, func() Path { return p })
	return p, nil
}

// Name returns "name@FINGERPRINT" (see FromFormula).
func (p *FormulaPath) Name() string { return p.name }

// Label returns the name given to FromFormula, without the fingerprint.
func (p *FormulaPath) Label() string { return p.label }

// Dim returns the dimension of x0 and x1 the formula is written for.
func (p *FormulaPath) Dim() int { return p.dim }

// Point implements Path: it evaluates the formula at t + 1 ε and writes the
// values into xt and the ε parts, u_t = d x_t / dt, into ut. It panics when
// the points do not have the path's dimension.
func (p *FormulaPath) Point(t float64, x0, x1, xt, ut []float64) {
	if len(x0) != p.dim || len(x1) != p.dim || len(xt) != p.dim || len(ut) != p.dim {
		panic(fmt.Sprintf("path %s: the formula is for dimension %d, got x0, x1, xt, ut of lengths %d, %d, %d, %d", p.name, p.dim, len(x0), len(x1), len(xt), len(ut)))
	}
	out := make([]Dual, p.dim)
	p.f(Var(t), x0, x1, out)
	for j, v := range out {
		xt[j], ut[j] = v.V, v.D
	}
}
