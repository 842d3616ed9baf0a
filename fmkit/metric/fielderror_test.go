package metric_test

import (
	"fmt"
	"math"
	"testing"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/metric"
	"gonum.org/v1/gonum/mat"
)

func ExampleRMSError() {
	// Two rows: errors (3, 4) and (0, 0): RMS = sqrt((25 + 0)/2).
	want := mat.NewDense(2, 2, []float64{1, 1, 2, 2})
	got := mat.NewDense(2, 2, []float64{4, 5, 2, 2})
	e, _ := metric.RMSError(got, want)
	norm, _ := metric.RMSError(want, mat.NewDense(2, 2, nil))
	fmt.Printf("RMS error %.4f, RMS norm of want %.4f\n", e, norm)
	_, err := metric.RMSError(got, mat.NewDense(3, 2, nil))
	fmt.Println(err)
	// Output:
	// RMS error 3.5355, RMS norm of want 2.2361
	// metric.RMSError: shapes 2x2 and 3x2 differ; evaluate both fields on the same points
}

func ExampleNearestCentreRMS() {
	// The 8-Gaussian data (std 0.1 in 2D) sits about 0.1·sqrt(2) from its centres;
	// the same points pulled halfway towards their centres sit half as far.
	g := data.EightGaussians{Radius: 2, Std: 0.1}
	x := g.Sample(20000, data.NewRand(1))
	r, _ := metric.NearestCentreRMS(x, g.Centres())
	fmt.Printf("data: %.3f (0.1·sqrt(2) = %.3f)\n", r, 0.1*math.Sqrt2)
	c := g.Centres()
	for i := range 20000 {
		best, bi := math.Inf(1), 0
		for k := range 8 {
			dx, dy := x.At(i, 0)-c.At(k, 0), x.At(i, 1)-c.At(k, 1)
			if q := dx*dx + dy*dy; q < best {
				best, bi = q, k
			}
		}
		x.Set(i, 0, (x.At(i, 0)+c.At(bi, 0))/2)
		x.Set(i, 1, (x.At(i, 1)+c.At(bi, 1))/2)
	}
	r, _ = metric.NearestCentreRMS(x, c)
	fmt.Printf("contracted halfway: %.3f\n", r)
	// Output:
	// data: 0.141 (0.1·sqrt(2) = 0.141)
	// contracted halfway: 0.071
}

func TestFieldErrorInputs(t *testing.T) {
	a := mat.NewDense(2, 2, []float64{0, 0, 1, 1})
	if _, err := metric.RMSError(nil, a); err == nil {
		t.Error("nil accepted")
	}
	b := mat.NewDense(2, 2, []float64{0, math.NaN(), 1, 1})
	if _, err := metric.RMSError(a, b); err == nil {
		t.Error("NaN accepted")
	}
	if e, err := metric.RMSError(a, a); err != nil || e != 0 {
		t.Errorf("RMSError(a, a) = %v, %v; want 0", e, err)
	}
	if _, err := metric.NearestCentreRMS(a, mat.NewDense(1, 3, nil)); err == nil {
		t.Error("dimension mismatch accepted")
	}
	// One point at distance 5 from the nearest of two centres, one on a centre.
	x := mat.NewDense(2, 2, []float64{3, 4, 10, 0})
	c := mat.NewDense(2, 2, []float64{0, 0, 10, 0})
	if r, err := metric.NearestCentreRMS(x, c); err != nil || math.Abs(r-math.Sqrt(12.5)) > 1e-12 {
		t.Errorf("NearestCentreRMS = %v, %v; want sqrt(12.5)", r, err)
	}
}
