package path_test

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/flowmatching/gofm/fmkit/path"
)

// The velocity of PointEps is the time derivative of x_t for fixed
// (x0, x1, eps), by central finite differences.
func TestBridgeVelocityIsTheDerivative(t *testing.T) {
	b := path.Bridge{Sigma: 0.7}
	x0, x1, eps := []float64{0.3, -1.2}, []float64{2, 0.5}, []float64{0.8, -0.4}
	xp, xm, xt, ut, tmp := make([]float64, 2), make([]float64, 2), make([]float64, 2), make([]float64, 2), make([]float64, 2)
	for _, tt := range []float64{0.01, 0.2, 0.5, 0.77, 0.99} {
		const h = 1e-6
		b.PointEps(tt+h, x0, x1, eps, xp, tmp)
		b.PointEps(tt-h, x0, x1, eps, xm, tmp)
		b.PointEps(tt, x0, x1, eps, xt, ut)
		for j := range 2 {
			if fd := (xp[j] - xm[j]) / (2 * h); math.Abs(fd-ut[j]) > 1e-5*math.Max(1, math.Abs(fd)) {
				t.Errorf("t=%v: u[%d] = %v, finite difference %v", tt, j, ut[j], fd)
			}
		}
	}
	// sigma = 0 is the linear path.
	lin := path.Linear()
	lx, lu := make([]float64, 2), make([]float64, 2)
	path.Bridge{}.PointEps(0.3, x0, x1, eps, xt, ut)
	lin.Point(0.3, x0, x1, lx, lu)
	for j := range 2 {
		if xt[j] != lx[j] || ut[j] != lu[j] {
			t.Errorf("sigma=0: (x_t, u_t) = (%v, %v), linear path (%v, %v)", xt, ut, lx, lu)
		}
	}
}

// The score is the gradient of log N(x; mu_t, sigma^2 t(1-t) I).
func TestBridgeScoreIsTheGradient(t *testing.T) {
	b := path.Bridge{Sigma: 0.5}
	x0, x1 := []float64{0.3, -1.2}, []float64{2, 0.5}
	logp := func(tt float64, x []float64) float64 {
		v := b.Sigma * b.Sigma * tt * (1 - tt)
		s := 0.0
		for j := range x {
			e := x[j] - (1-tt)*x0[j] - tt*x1[j]
			s += -e*e/(2*v) - 0.5*math.Log(2*math.Pi*v)
		}
		return s
	}
	x, out := []float64{1, 0.1}, make([]float64, 2)
	for _, tt := range []float64{0.1, 0.5, 0.9} {
		if err := b.Score(tt, x0, x1, x, out); err != nil {
			t.Fatal(err)
		}
		for j := range 2 {
			const h = 1e-6
			xp, xm := append([]float64(nil), x...), append([]float64(nil), x...)
			xp[j] += h
			xm[j] -= h
			if fd := (logp(tt, xp) - logp(tt, xm)) / (2 * h); math.Abs(fd-out[j]) > 1e-5*math.Max(1, math.Abs(fd)) {
				t.Errorf("t=%v: score[%d] = %v, finite difference %v", tt, j, out[j], fd)
			}
		}
	}
	if err := b.Score(0, x0, x1, x, out); err == nil {
		t.Error("score at t = 0 accepted")
	}
}

// Point's noise is reproducible, standard normal and independent of t.
func TestBridgeNoiseIsStandardNormal(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	const n = 40000
	var s, ss, st, s4 float64
	eps, again := make([]float64, 3), make([]float64, 3)
	for range n {
		tt := rng.Float64()
		x0 := []float64{rng.NormFloat64(), rng.NormFloat64(), rng.NormFloat64()}
		x1 := []float64{1, 2, 3} // the same x1 for all: the noise must still vary
		path.BridgeNoise(tt, x0, x1, eps)
		path.BridgeNoise(tt, x0, x1, again)
		for j, e := range eps {
			if again[j] != e {
				t.Fatal("BridgeNoise is not reproducible")
			}
			s += e
			ss += e * e
			s4 += e * e * e * e
			st += e * (tt - 0.5)
		}
	}
	m := float64(3 * n)
	if mean := s / m; math.Abs(mean) > 4/math.Sqrt(m) {
		t.Errorf("mean %v", mean)
	}
	if v := ss / m; math.Abs(v-1) > 4*math.Sqrt(2/m) {
		t.Errorf("variance %v", v)
	}
	if k := s4 / m; math.Abs(k-3) > 0.15 {
		t.Errorf("fourth moment %v, want 3", k)
	}
	if c := st / m; math.Abs(c) > 4*math.Sqrt(1.0/12/m) {
		t.Errorf("correlation with t: %v", c)
	}
}

func TestBridgeLookup(t *testing.T) {
	p, err := path.Lookup("bridge:0.25")
	if err != nil {
		t.Fatal(err)
	}
	if b, ok := p.(path.Bridge); !ok || b.Sigma != 0.25 || p.Name() != "bridge:0.25" {
		t.Errorf("Lookup(bridge:0.25) = %#v named %q", p, p.Name())
	}
	for _, bad := range []string{"bridge:-1", "bridge:x", "bridge:"} {
		if _, err := path.Lookup(bad); err == nil || !strings.Contains(err.Error(), "sigma must be a number") {
			t.Errorf("Lookup(%q): %v", bad, err)
		}
	}
	if _, ok := path.ScheduleOf(p); ok {
		t.Error("the bridge reports an affine schedule")
	}
}
