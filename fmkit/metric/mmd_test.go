package metric_test

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/metric"
)

// Reference values from an independent NumPy computation (the formula of
// Gretton et al. 2012 with the diagonal removed, kernel matrices built by
// broadcasting; median over the upper triangle of the pooled distances):
//
//	x = [[0,0],[1,0],[0,1],[1,1.5]], y = [[0.5,0.2],[2,1],[1,-1]]
//	mmd(x, y, h=0.7)        -> -0.2031451821253647
//	median bandwidth        ->  1.4142135623730951
//	mmd(x, y, median)       -> -0.06435799467083281
func TestMMD2MatchesNumPy(t *testing.T) {
	x := mat.NewDense(4, 2, []float64{0, 0, 1, 0, 0, 1, 1, 1.5})
	y := mat.NewDense(3, 2, []float64{0.5, 0.2, 2, 1, 1, -1})
	got, err := metric.MMD2(x, y, 0.7)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "MMD2(h=0.7)", got, -0.2031451821253647, 1e-12)
	h, err := metric.MedianBandwidth(x, y)
	if err != nil {
		t.Fatal(err)
	}
	near(t, "median bandwidth", h, 1.4142135623730951, 1e-12)
	got, _ = metric.MMD2(x, y, 0)
	near(t, "MMD2(median)", got, -0.06435799467083281, 1e-12)
}

func TestMMD2SeparatesDistributions(t *testing.T) {
	ref := moons(t)
	h := 0.5
	band, err := metric.DistanceNoiseBand(metric.MMD2At(h), ref, 500, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	// Same distribution: unbiased, so the band is centred near 0.
	if math.Abs(band.Mean) > 3*band.SD+1e-3 {
		t.Errorf("MMD2 between two moons samples %v is not centred on 0", band)
	}
	bad, err := metric.Draws(metric.MMD2At(h), blurred(offset(ref, 1<<40), 0.3), ref, 500, 5, 1)
	if err != nil {
		t.Fatal(err)
	}
	if bad.Mean < band.Mean+3*band.SD {
		t.Errorf("blurred moons %v not separated from the noise band %v", bad, band)
	}
	g, _ := data.SampleFunc("gaussian")
	far, _ := metric.Draws(metric.MMD2At(h), g, ref, 500, 5, 1)
	if far.Mean < bad.Mean {
		t.Errorf("Gaussian %v closer to the moons than blurred moons %v", far, bad)
	}
	if _, err := metric.MMD2At(0)(mat.NewDense(2, 2, []float64{0, 0, 1, 1}), mat.NewDense(2, 2, []float64{0, 0, 1, 1})); err == nil {
		t.Error("MMD2At(0) accepted")
	}
	if _, err := metric.MMD2(mat.NewDense(1, 2, nil), mat.NewDense(3, 2, nil), 1); err == nil {
		t.Error("one point accepted")
	}
	if _, err := metric.MedianBandwidth(mat.NewDense(3, 2, nil), mat.NewDense(3, 2, nil)); err == nil {
		t.Error("coincident points accepted")
	}
}
