package path

import (
	"math"
	"testing"
)

// Each operation's ε part is its derivative, against the closed form.
func TestDualDerivatives(t *testing.T) {
	sig := func(x float64) float64 { return 1 / (1 + math.Exp(-x)) }
	for _, x := range []float64{0.3, 0.7, 1.9} {
		for _, c := range []struct {
			name    string
			f       func(Dual) Dual
			v, want float64
		}{
			{"add", func(u Dual) Dual { return u.Add(Const(2)) }, x + 2, 1},
			{"sub", func(u Dual) Dual { return Const(2).Sub(u) }, 2 - x, -1},
			{"mul", func(u Dual) Dual { return u.Mul(u).Mul(u) }, x * x * x, 3 * x * x},
			{"div", func(u Dual) Dual { return Const(1).Div(u.Add(Const(1))) }, 1 / (x + 1), -1 / ((x + 1) * (x + 1))},
			{"scale", func(u Dual) Dual { return u.Scale(-3) }, -3 * x, -3},
			{"neg", func(u Dual) Dual { return u.Neg() }, -x, -1},
			{"lerp", func(u Dual) Dual { return u.Mul(u).Lerp(2, 5) }, 2 + 3*x*x, 6 * x},
			{"sin", func(u Dual) Dual { return Sin(u.Scale(2)) }, math.Sin(2 * x), 2 * math.Cos(2*x)},
			{"cos", func(u Dual) Dual { return Cos(u) }, math.Cos(x), -math.Sin(x)},
			{"tan", func(u Dual) Dual { return Tan(u) }, math.Tan(x), 1 / (math.Cos(x) * math.Cos(x))},
			{"exp", func(u Dual) Dual { return Exp(u.Mul(u)) }, math.Exp(x * x), 2 * x * math.Exp(x*x)},
			{"log", func(u Dual) Dual { return Log(u) }, math.Log(x), 1 / x},
			{"sqrt", func(u Dual) Dual { return Sqrt(u) }, math.Sqrt(x), 0.5 / math.Sqrt(x)},
			{"pow", func(u Dual) Dual { return Pow(u, 2.5) }, math.Pow(x, 2.5), 2.5 * math.Pow(x, 1.5)},
			{"pow0", func(u Dual) Dual { return Pow(u, 0) }, 1, 0},
			{"tanh", func(u Dual) Dual { return Tanh(u) }, math.Tanh(x), 1 / (math.Cosh(x) * math.Cosh(x))},
			{"atan", func(u Dual) Dual { return Atan(u) }, math.Atan(x), 1 / (1 + x*x)},
			{"sigmoid", func(u Dual) Dual { return Sigmoid(u) }, sig(x), sig(x) * (1 - sig(x))},
			// Chain and product rules together: d/dx [x sin(exp(x))] = sin(e^x) + x cos(e^x) e^x.
			{"chain", func(u Dual) Dual { return u.Mul(Sin(Exp(u))) }, x * math.Sin(math.Exp(x)), math.Sin(math.Exp(x)) + x*math.Cos(math.Exp(x))*math.Exp(x)},
		} {
			v, d := Derivative(c.f, x)
			if math.Abs(v-c.v) > 1e-13*(1+math.Abs(c.v)) || math.Abs(d-c.want) > 1e-12*(1+math.Abs(c.want)) {
				t.Errorf("%s at %v: got (%v, %v), want (%v, %v)", c.name, x, v, d, c.v, c.want)
			}
		}
	}
}

// A constant argument keeps derivative 0 where the function's slope is
// infinite; a variable one reports it.
func TestDualInfiniteSlopes(t *testing.T) {
	for name, d := range map[string]Dual{
		"sqrt(0)":  Sqrt(Const(0)),
		"log(0)":   Log(Const(0)),
		"0^0.5":    Pow(Const(0), 0.5),
		"0^0":      Pow(Var(0), 0),
		"const*x":  Const(0).Mul(Var(2)),
		"lerp(0)":  Const(0.3).Lerp(1, 2),
		"sin(c)":   Sin(Const(1)),
		"sigm(-c)": Sigmoid(Const(-800)),
	} {
		if d.D != 0 {
			t.Errorf("%s: derivative %v, want 0", name, d.D)
		}
	}
	if d := Sqrt(Var(0)); !math.IsInf(d.D, 1) {
		t.Errorf("d/dt sqrt(t) at 0 = %v, want +Inf", d.D)
	}
}
