package path

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
)

// checkPath verifies the endpoints x_0 = x0, x_1 = x1 and that u_t is the
// time derivative of x_t (central finite difference).
func checkPath(t *testing.T, p Path) {
	t.Helper()
	rng := rand.New(rand.NewPCG(1, 2))
	d := 3
	x0, x1 := make([]float64, d), make([]float64, d)
	xt, ut := make([]float64, d), make([]float64, d)
	xp, xm, tmp := make([]float64, d), make([]float64, d), make([]float64, d)
	for range 50 {
		for j := range d {
			x0[j], x1[j] = rng.NormFloat64(), rng.NormFloat64()
		}
		p.Point(0, x0, x1, xt, ut)
		for j := range d {
			if math.Abs(xt[j]-x0[j]) > 1e-12 {
				t.Fatalf("%s: x_0 = %v, want x0 = %v", p.Name(), xt, x0)
			}
		}
		p.Point(1, x0, x1, xt, ut)
		for j := range d {
			if math.Abs(xt[j]-x1[j]) > 1e-12 {
				t.Fatalf("%s: x_1 = %v, want x1 = %v", p.Name(), xt, x1)
			}
		}
		tt := 0.05 + 0.9*rng.Float64()
		const h = 1e-6
		p.Point(tt, x0, x1, xt, ut)
		p.Point(tt+h, x0, x1, xp, tmp)
		p.Point(tt-h, x0, x1, xm, tmp)
		for j := range d {
			fd := (xp[j] - xm[j]) / (2 * h)
			if math.Abs(fd-ut[j]) > 1e-6 {
				t.Fatalf("%s at t=%v: u_t = %v but dx_t/dt = %v", p.Name(), tt, ut[j], fd)
			}
		}
	}
}

func TestRegisteredPaths(t *testing.T) {
	for _, name := range Names() {
		if name == "vp" {
			continue // approximate endpoints by design: see TestScheduleEndpoints
		}
		p, err := Lookup(name)
		if err != nil {
			t.Fatal(err)
		}
		checkPath(t, p)
	}
}

func TestLinearValues(t *testing.T) {
	x0 := mat.NewDense(2, 2, []float64{0, 0, 1, 1})
	x1 := mat.NewDense(2, 2, []float64{2, 4, -1, 3})
	s, err := Interpolate(Linear(), []float64{0.5, 0.25}, x0, x1)
	if err != nil {
		t.Fatal(err)
	}
	wantXT := mat.NewDense(2, 2, []float64{1, 2, 0.5, 1.5})
	wantUT := mat.NewDense(2, 2, []float64{2, 4, -2, 2})
	if !mat.EqualApprox(s.XT, wantXT, 1e-12) || !mat.EqualApprox(s.UT, wantUT, 1e-12) {
		t.Fatalf("x_t = %v, u_t = %v", mat.Formatted(s.XT), mat.Formatted(s.UT))
	}
}

func TestBadInput(t *testing.T) {
	if _, err := Lookup("straight"); err == nil || !strings.Contains(err.Error(), `unknown path "straight"`) || !strings.Contains(err.Error(), "linear") {
		t.Errorf("unknown path: %v", err)
	}
	a, b := mat.NewDense(3, 2, nil), mat.NewDense(3, 3, nil)
	if _, err := Interpolate(Linear(), []float64{0, 0, 0}, a, b); err == nil || !strings.Contains(err.Error(), "3x2 but x1 is 3x3") {
		t.Errorf("shape mismatch: %v", err)
	}
	if _, err := Interpolate(Linear(), []float64{0, 0}, a, a); err == nil || !strings.Contains(err.Error(), "2 times for 3 pairs") {
		t.Errorf("time count: %v", err)
	}
	if _, err := Interpolate(Linear(), []float64{0, 1.5, 0}, a, a); err == nil || !strings.Contains(err.Error(), "outside [0, 1]") {
		t.Errorf("t out of range: %v", err)
	}
}
