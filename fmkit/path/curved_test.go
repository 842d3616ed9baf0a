package path

import (
	"math"
	"math/rand/v2"
	"testing"
)

func TestCurved(t *testing.T) {
	for _, a := range []float64{1, -0.5, 2} {
		checkPath(t, Curved{A: a})
	}
	p, err := Lookup("curved")
	if err != nil {
		t.Fatal(err)
	}
	if c, ok := p.(Curved); !ok || c.A != CurvedAmplitude || c.Name() != "curved" {
		t.Errorf("registered curved path: %#v", p)
	}
	if name := (Curved{A: 0.5}).Name(); name != "curved(a=0.5)" {
		t.Errorf("Name = %q", name)
	}
	rng := rand.New(rand.NewPCG(3, 4))
	for range 100 {
		x0 := []float64{rng.NormFloat64(), rng.NormFloat64()}
		x1 := []float64{rng.NormFloat64(), rng.NormFloat64()}
		tt := rng.Float64()
		a := 4*rng.Float64() - 2
		xt, ut := make([]float64, 2), make([]float64, 2)
		lt, lu := make([]float64, 2), make([]float64, 2)
		Curved{A: a}.Point(tt, x0, x1, xt, ut)
		Linear().Point(tt, x0, x1, lt, lu)
		d := []float64{x1[0] - x0[0], x1[1] - x0[1]}
		bend := []float64{xt[0] - lt[0], xt[1] - lt[1]}
		// Perpendicular to the chord, of length |a| t(1-t) |x1 - x0|, on its left for a > 0.
		if dot := bend[0]*d[0] + bend[1]*d[1]; math.Abs(dot) > 1e-12 {
			t.Fatalf("bend not perpendicular to x1 - x0: dot = %v", dot)
		}
		if got, want := math.Hypot(bend[0], bend[1]), math.Abs(a)*tt*(1-tt)*math.Hypot(d[0], d[1]); math.Abs(got-want) > 1e-12 {
			t.Fatalf("bend length %v, want %v", got, want)
		}
		if cross := d[0]*bend[1] - d[1]*bend[0]; a*cross < -1e-12 {
			t.Fatalf("a = %v bends to the wrong side (cross %v)", a, cross)
		}
		// |u_t|^2 = (1 + a^2 (1-2t)^2) |x1 - x0|^2.
		want := (1 + a*a*(1-2*tt)*(1-2*tt)) * (d[0]*d[0] + d[1]*d[1])
		if got := ut[0]*ut[0] + ut[1]*ut[1]; math.Abs(got-want) > 1e-9*(1+want) {
			t.Fatalf("|u_t|^2 = %v, want %v", got, want)
		}
	}
	// a = 0 is the linear path.
	x0, x1 := []float64{1, 2, 3}, []float64{-1, 0, 5}
	xt, ut := make([]float64, 3), make([]float64, 3)
	lt, lu := make([]float64, 3), make([]float64, 3)
	Curved{}.Point(0.3, x0, x1, xt, ut)
	Linear().Point(0.3, x0, x1, lt, lu)
	for j := range 3 {
		if xt[j] != lt[j] || ut[j] != lu[j] {
			t.Fatalf("a = 0: x_t %v u_t %v, linear %v %v", xt, ut, lt, lu)
		}
	}
}
