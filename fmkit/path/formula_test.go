package path

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"
)

// curvedFormula is the curved path of Curved written only by x_t, in any
// even-or-odd dimension: each pair of coordinates bent by a t(1-t) R(x1 - x0).
func curvedFormula(a float64) Formula {
	return func(t Dual, x0, x1 []float64, xt []Dual) {
		bend := t.Mul(Const(1).Sub(t)).Scale(a) // a t(1-t)
		for j := range xt {
			xt[j] = t.Lerp(x0[j], x1[j])
		}
		for j := 0; j+1 < len(xt); j += 2 {
			xt[j] = xt[j].Add(bend.Scale(-(x1[j+1] - x0[j+1])))
			xt[j+1] = xt[j+1].Add(bend.Scale(x1[j] - x0[j]))
		}
	}
}

// samePath checks that p and q give the same x_t and u_t to tol on random
// (t, x0, x1), including t = 0 and t = 1.
func samePath(t *testing.T, p, q Path, dim int, tol float64) {
	t.Helper()
	rng := rand.New(rand.NewPCG(7, uint64(dim)))
	x0, x1 := make([]float64, dim), make([]float64, dim)
	xt, ut, wx, wu := make([]float64, dim), make([]float64, dim), make([]float64, dim), make([]float64, dim)
	worst := 0.0
	for i := range 500 {
		for j := range dim {
			x0[j], x1[j] = rng.NormFloat64(), 3*rng.NormFloat64()
		}
		tt := rng.Float64()
		if i < 2 {
			tt = float64(i)
		}
		p.Point(tt, x0, x1, xt, ut)
		q.Point(tt, x0, x1, wx, wu)
		for j := range dim {
			worst = max(worst, math.Abs(xt[j]-wx[j]), math.Abs(ut[j]-wu[j]))
			if math.Abs(xt[j]-wx[j]) > tol || math.Abs(ut[j]-wu[j]) > tol {
				t.Fatalf("%s against %s at t=%v, x0=%v, x1=%v: x_t %v vs %v, u_t %v vs %v", p.Name(), q.Name(), tt, x0, x1, xt, wx, ut, wu)
			}
		}
	}
	t.Logf("%s against %s (d=%d): largest difference %.2g", p.Name(), q.Name(), dim, worst)
}

// The curved path rebuilt from x_t alone has the hand-written velocity of
// Curved to 1e-12, in 2D and in 5D; an untouched bend (a velocity that
// forgets the t(1-t) term's derivative) would differ by O(1).
func TestFormulaCurvedMatchesHandWritten(t *testing.T) {
	for _, a := range []float64{1, -0.5, 2, 0} {
		for _, dim := range []int{2, 5} {
			p, err := FromFormula("curved", dim, curvedFormula(a))
			if err != nil {
				t.Fatal(err)
			}
			samePath(t, p, Curved{A: a}, dim, 1e-12)
			checkPath(t, mustDim(t, curvedFormula(a), 3))
		}
	}
}

func mustDim(t *testing.T, f Formula, dim int) Path {
	t.Helper()
	p, err := FromFormula("f", dim, f)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// The linear path and the affine schedule paths (cosine, polynomial) from
// their x_t = alpha_t x1 + sigma_t x0 alone.
func TestFormulaAffineMatchesSchedules(t *testing.T) {
	linear := func(t Dual, x0, x1 []float64, xt []Dual) {
		for j := range xt {
			xt[j] = t.Lerp(x0[j], x1[j])
		}
	}
	affine := func(alpha, sigma func(Dual) Dual) Formula {
		return func(t Dual, x0, x1 []float64, xt []Dual) {
			a, s := alpha(t), sigma(t)
			for j := range xt {
				xt[j] = a.Scale(x1[j]).Add(s.Scale(x0[j]))
			}
		}
	}
	cosine := affine(
		func(t Dual) Dual { return Sin(t.Scale(math.Pi / 2)) },
		func(t Dual) Dual { return Cos(t.Scale(math.Pi / 2)) })
	poly := func(n float64) Formula {
		return affine(
			func(t Dual) Dual { return Pow(t, n) },
			func(t Dual) Dual { return Const(1).Sub(Pow(t, n)) })
	}
	for _, c := range []struct {
		f    Formula
		want Path
	}{
		{linear, Linear()},
		{cosine, Affine{Label: "cosine", Schedule: Cosine{}}},
		{poly(2), Affine{Label: "poly2", Schedule: Polynomial{N: 2}}},
		{poly(3), Affine{Label: "poly3", Schedule: Polynomial{N: 3}}},
		{poly(2.5), Affine{Label: "poly2.5", Schedule: Polynomial{N: 2.5}}},
	} {
		samePath(t, mustDim(t, c.f, 3), c.want, 3, 1e-12)
	}
}

// A formula that misses an endpoint is rejected, naming the endpoint, the
// coordinate and by how much.
func TestFormulaEndpointErrors(t *testing.T) {
	// x_t = straight line + t R(x1 - x0): right at t = 0, off at t = 1.
	missesX1 := func(t Dual, x0, x1 []float64, xt []Dual) {
		xt[0] = t.Lerp(x0[0], x1[0]).Add(t.Scale(-(x1[1] - x0[1])))
		xt[1] = t.Lerp(x0[1], x1[1]).Add(t.Scale(x1[0] - x0[0]))
	}
	_, err := FromFormula("tilted", 2, missesX1)
	if err == nil || !strings.Contains(err.Error(), "misses the endpoint x_{t=1} = x1") || !strings.Contains(err.Error(), "t(1-t)") {
		t.Errorf("formula missing x1: %v", err)
	}
	// Off by exactly 0.5 in coordinate 1 at t = 0 (and at t = 1).
	shifted := func(t Dual, x0, x1 []float64, xt []Dual) {
		xt[0] = t.Lerp(x0[0], x1[0])
		xt[1] = t.Lerp(x0[1], x1[1]).Add(Const(0.5))
	}
	_, err = FromFormula("shifted", 2, shifted)
	if err == nil || !strings.Contains(err.Error(), "x_{t=0} = x0") || !strings.Contains(err.Error(), "off by 0.5 in coordinate 1") {
		t.Errorf("shifted formula: %v", err)
	}
	// Within the tolerance is accepted; just beyond it is not.
	for _, c := range []struct {
		eps float64
		ok  bool
	}{{1e-3 * FormulaTolerance, true}, {1e3 * FormulaTolerance, false}} {
		_, err := FromFormula("nearly", 1, func(t Dual, x0, x1 []float64, xt []Dual) {
			xt[0] = t.Lerp(x0[0], x1[0]).Add(Const(c.eps))
		})
		if (err == nil) != c.ok {
			t.Errorf("endpoint off by %g: err = %v", c.eps, err)
		}
	}
}

// NaN, infinite velocity, panics, unwritten coordinates and bad arguments
// are reported clearly.
func TestFormulaBadInput(t *testing.T) {
	bendBy := func(g func(Dual) Dual) Formula {
		return func(t Dual, x0, x1 []float64, xt []Dual) {
			b := g(t).Mul(t.Mul(Const(1).Sub(t)))
			xt[0] = t.Lerp(x0[0], x1[0]).Add(b)
			xt[1] = t.Lerp(x0[1], x1[1])
		}
	}
	for _, c := range []struct {
		name string
		f    Formula
		dim  int
		want []string
	}{
		{"nan", bendBy(Log), 2, []string{"x_t is NaN at t=0 in coordinate 0", "must be finite"}},
		{"sqrt", func(t Dual, x0, x1 []float64, xt []Dual) {
			xt[0] = Sqrt(t).Lerp(x0[0], x1[0])
		}, 1, []string{"u_t = dx_t/dt is +Inf at t=0", "Sqrt(t)"}},
		{"panics", curvedFormula(1), 1, nil}, // len 1: the loop skips the pair, fine
		{"index", func(t Dual, x0, x1 []float64, xt []Dual) {
			xt[0] = t.Lerp(x0[0], x1[0])
			xt[1] = t.Lerp(x0[1], x1[1])
		}, 1, []string{"panicked at t=0", "index out of range", "length 1"}},
		{"unwritten", func(t Dual, x0, x1 []float64, xt []Dual) {
			xt[0] = t.Lerp(x0[0], x1[0])
		}, 2, []string{"did not write coordinate 1"}},
		{"", curvedFormula(1), 2, []string{"must be non-empty"}},
		{"a b", curvedFormula(1), 2, []string{"without spaces"}},
		{"bridge:1", curvedFormula(1), 2, []string{"':'"}},
		{"dim", curvedFormula(1), 0, []string{"dimension 0"}},
		{"nil", nil, 2, []string{"formula is nil"}},
	} {
		_, err := FromFormula(c.name, c.dim, c.f)
		if c.want == nil {
			if err != nil {
				t.Errorf("%s: %v", c.name, err)
			}
			continue
		}
		if err == nil {
			t.Errorf("%s: accepted", c.name)
			continue
		}
		for _, w := range c.want {
			if !strings.Contains(err.Error(), w) {
				t.Errorf("%s: error %q does not say %q", c.name, err, w)
			}
		}
	}
	p, _ := FromFormula("curved", 2, curvedFormula(1))
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "dimension 2") {
			t.Errorf("Point with 3D points: %v", r)
		}
	}()
	p.Point(0.5, make([]float64, 3), make([]float64, 3), make([]float64, 3), make([]float64, 3))
}

// The name carries a fingerprint of the formula: the same formula keeps it,
// another formula under the same name changes it; RegisterFormula makes the
// path a name Lookup (and so train.Config.Path) accepts.
func TestFormulaNameAndRegister(t *testing.T) {
	a1, _ := FromFormula("Bent", 2, curvedFormula(1))
	again, _ := FromFormula("Bent", 2, curvedFormula(1))
	a2, _ := FromFormula("Bent", 2, curvedFormula(2))
	if a1.Name() != again.Name() || a1.Name() == a2.Name() || !strings.HasPrefix(a1.Name(), "Bent@") || len(a1.Name()) != len("Bent@")+8 {
		t.Errorf("names %q, %q, %q", a1.Name(), again.Name(), a2.Name())
	}
	if a1.Label() != "Bent" || a1.Dim() != 2 {
		t.Errorf("Label %q Dim %d", a1.Label(), a1.Dim())
	}
	p, err := RegisterFormula("Bent", 2, curvedFormula(2))
	if err != nil {
		t.Fatal(err)
	}
	// A 2D path in the registry would fail the 3D checks of TestRegisteredPaths.
	t.Cleanup(func() { delete(registry, strings.ToLower(p.Name())) })
	got, err := Lookup(p.Name())
	if err != nil || got != Path(p) {
		t.Errorf("Lookup(%q) = %v, %v", p.Name(), got, err)
	}
	if _, err := RegisterFormula("Bent", 2, func(t Dual, x0, x1 []float64, xt []Dual) {}); err == nil {
		t.Error("a formula that writes nothing was registered")
	}
}
