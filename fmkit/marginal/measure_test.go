package marginal

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/ode"
)

func TestMeasures(t *testing.T) {
	e, err := New(mat.NewDense(2, 2, []float64{0, 0, 3, 4}), "linear")
	if err != nil {
		t.Fatal(err)
	}
	// MeanNearest: (1, 0) is 1 from (0, 0); (3, 5) is 1 from (3, 4).
	d, err := e.MeanNearest(mat.NewDense(2, 2, []float64{1, 0, 3, 5}))
	if err != nil || math.Abs(d-1) > 1e-12 {
		t.Fatalf("MeanNearest = %v, %v; want 1", d, err)
	}
	if _, err := e.MeanNearest(mat.NewDense(1, 3, nil)); err == nil {
		t.Error("MeanNearest accepted points of the wrong dimension")
	}
	// Direct samples of p_1 are the points themselves.
	x, err := e.PathSampler(1)(50, 1)
	if err != nil {
		t.Fatal(err)
	}
	if d, _ := e.MeanNearest(x); d != 0 {
		t.Errorf("samples of p_1 are %v from the points, want 0", d)
	}
	// The same seed gives the same sample.
	y, _ := e.PathSampler(0.3)(20, 7)
	z, _ := e.PathSampler(0.3)(20, 7)
	if !mat.Equal(y, z) {
		t.Error("PathSampler is not reproducible with one seed")
	}
	if _, err := e.PathSampler(1.5)(10, 1); err == nil {
		t.Error("PathSampler accepted t = 1.5")
	}
	for _, tt := range []float64{0, -1, 2} {
		if _, err := e.FlowSampler(tt, ode.Options{Method: "euler", Steps: 10})(10, 1); err == nil {
			t.Errorf("FlowSampler accepted t = %v", tt)
		}
	}
	if _, err := e.FlowSampler(1, ode.Options{Method: "rk4", Steps: 10})(10, 1); err == nil {
		t.Error("FlowSampler with RK4 to t = 1 evaluated u_1 without failing")
	}
	// The closed form measured against itself has no error.
	mse, scale, err := e.FieldError(e, 0.4, 200, 3)
	if err != nil || mse != 0 || !(scale > 0) {
		t.Errorf("FieldError(u, u) = %v, %v, %v; want 0, > 0, nil", mse, scale, err)
	}
	if _, _, err := e.FieldError(e, 1, 10, 3); err == nil {
		t.Error("FieldError accepted t = 1, where u_t is undefined")
	}
	if _, _, err := e.FieldError(nil, 0.5, 10, 3); err == nil {
		t.Error("FieldError accepted a nil field")
	}
	l := &Losses{GradFM: []float64{3, 4}, GradCFM: []float64{3, 5}}
	if g, diff := l.GradNorms(); g != 5 || diff != 1 {
		t.Errorf("GradNorms = %v, %v; want 5, 1", g, diff)
	}
}
