package path

import "math"

// Dual is a dual number V + D ε with ε² = 0: a value V together with its
// derivative D with respect to one variable (here the time t of a path).
// Dual numbers do forward-mode automatic differentiation. Expanding any
// smooth f in a Taylor series around a, every power of ε beyond the first
// vanishes, so
//
//	f(a + b ε) = f(a) + f'(a) b ε,
//
// exactly, not to first order: evaluating f on V + 1 ε gives f(V) in the
// value and f'(V) in the ε part. The arithmetic follows from ε² = 0:
//
//	(a + a' ε) ± (b + b' ε) = (a ± b) + (a' ± b') ε
//	(a + a' ε) (b + b' ε)   = ab + (a' b + a b') ε                       (product rule)
//	(a + a' ε) / (b + b' ε) = a/b + (a' b - a b') / b² ε                  (quotient rule)
//	g(a + a' ε)             = g(a) + g'(a) a' ε                           (chain rule)
//
// so a formula built from these operations carries its exact derivative
// along, to rounding: no step size, no truncation error (unlike a finite
// difference). FromFormula uses this to get the velocity u_t = d x_t / dt of
// a path given only by x_t.
//
// Start from Var(t) (derivative 1) for the variable and Const(c)
// (derivative 0) for constants. Go has no operator overloading, so the
// operations are methods (Add, Sub, Mul, Div, Scale, Neg, Lerp) and
// functions (Sin, Cos, Tan, Exp, Log, Sqrt, Pow, Tanh, Atan, Sigmoid).
// Where an elementary function's derivative is infinite (Sqrt or Log at 0,
// Pow(x, p) with p < 1 at 0) the ε part is ±Inf or NaN, unless the argument
// is a constant (D = 0), whose derivative stays 0.
type Dual struct {
	V float64 // value
	D float64 // derivative (the ε part)
}

// Const is the constant c: c + 0 ε.
func Const(c float64) Dual { return Dual{V: c} }

// Var is the variable of differentiation at the value v: v + 1 ε.
func Var(v float64) Dual { return Dual{V: v, D: 1} }

// Add returns a + b.
func (a Dual) Add(b Dual) Dual { return Dual{a.V + b.V, a.D + b.D} }

// Sub returns a - b.
func (a Dual) Sub(b Dual) Dual { return Dual{a.V - b.V, a.D - b.D} }

// Mul returns a b = ab + (a' b + a b') ε.
func (a Dual) Mul(b Dual) Dual { return Dual{a.V * b.V, a.D*b.V + a.V*b.D} }

// Div returns a / b = a/b + (a' b - a b') / b² ε.
func (a Dual) Div(b Dual) Dual {
	return Dual{a.V / b.V, (a.D*b.V - a.V*b.D) / (b.V * b.V)}
}

// Scale returns c a for a constant c.
func (a Dual) Scale(c float64) Dual { return Dual{c * a.V, c * a.D} }

// Neg returns -a.
func (a Dual) Neg() Dual { return Dual{-a.V, -a.D} }

// Lerp returns (1 - s) x + s y for the receiver s and constants x, y: the
// straight line from x (at s = 0) to y (at s = 1), with derivative
// (y - x) s'. With s = t it is one coordinate of the linear path.
func (s Dual) Lerp(x, y float64) Dual { return Dual{(1-s.V)*x + s.V*y, (y - x) * s.D} }

// chain returns g'(a) a', with 0 when a' = 0 even where g'(a) is infinite
// (a constant argument has derivative 0 whatever g is).
func chain(gp, d float64) float64 {
	if d == 0 {
		return 0
	}
	return gp * d
}

// Sin returns sin(a) + cos(a) a' ε.
func Sin(a Dual) Dual {
	s, c := math.Sincos(a.V)
	return Dual{s, chain(c, a.D)}
}

// Cos returns cos(a) - sin(a) a' ε.
func Cos(a Dual) Dual {
	s, c := math.Sincos(a.V)
	return Dual{c, chain(-s, a.D)}
}

// Tan returns tan(a) + (1 + tan²(a)) a' ε.
func Tan(a Dual) Dual {
	v := math.Tan(a.V)
	return Dual{v, chain(1+v*v, a.D)}
}

// Exp returns exp(a) + exp(a) a' ε.
func Exp(a Dual) Dual {
	v := math.Exp(a.V)
	return Dual{v, chain(v, a.D)}
}

// Log returns log(a) + a'/a ε (natural logarithm).
func Log(a Dual) Dual { return Dual{math.Log(a.V), chain(1/a.V, a.D)} }

// Sqrt returns sqrt(a) + a' / (2 sqrt(a)) ε.
func Sqrt(a Dual) Dual {
	v := math.Sqrt(a.V)
	return Dual{v, chain(0.5/v, a.D)}
}

// Pow returns a^p + p a^(p-1) a' ε for a constant exponent p.
func Pow(a Dual, p float64) Dual {
	var gp float64
	switch p {
	case 0:
		gp = 0
	case 1:
		gp = 1
	default:
		gp = p * math.Pow(a.V, p-1)
	}
	return Dual{math.Pow(a.V, p), chain(gp, a.D)}
}

// Tanh returns tanh(a) + (1 - tanh²(a)) a' ε.
func Tanh(a Dual) Dual {
	v := math.Tanh(a.V)
	return Dual{v, chain(1-v*v, a.D)}
}

// Atan returns atan(a) + a' / (1 + a²) ε.
func Atan(a Dual) Dual { return Dual{math.Atan(a.V), chain(1/(1+a.V*a.V), a.D)} }

// Sigmoid returns σ(a) + σ(a)(1 - σ(a)) a' ε with σ(a) = 1 / (1 + exp(-a)).
func Sigmoid(a Dual) Dual {
	v := 1 / (1 + math.Exp(-a.V))
	return Dual{v, chain(v*(1-v), a.D)}
}

// Derivative returns f(x) and f'(x) by evaluating f on the dual number
// x + 1 ε (forward-mode automatic differentiation, exact to rounding).
func Derivative(f func(Dual) Dual, x float64) (value, derivative float64) {
	y := f(Var(x))
	return y.V, y.D
}
