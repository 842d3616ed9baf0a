package metric_test

import (
	"fmt"
	"log"
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/metric"
)

func ExampleTotalVariance() {
	// Four corners of the square [-1, 1]^2: each is sqrt(2) from the centre.
	x := mat.NewDense(4, 2, []float64{-1, -1, -1, 1, 1, -1, 1, 1})
	tv, err := metric.TotalVariance(x)
	if err != nil {
		log.Fatal(err)
	}
	// Points on a circle of radius 1 around (1, 1) lie at distance 1 from the
	// nearest corner (1, 1) when they face it.
	y := mat.NewDense(2, 2, []float64{1, 0, 0, 1})
	d, err := metric.MeanNearestDistance(y, x)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Printf("TV = %.1f, mean nearest distance = %.1f\n", tv, d)
	// Output: TV = 2.0, mean nearest distance = 1.0
}

func ExampleRMSBlocks() {
	// Ten paired rows: the second sample is the first shifted by (0.3, 0.4),
	// so every pair is 0.5 apart and each block's RMS distance is 0.5.
	x, y := mat.NewDense(10, 2, nil), mat.NewDense(10, 2, nil)
	for i := range 10 {
		x.Set(i, 0, float64(i))
		y.Set(i, 0, float64(i)+0.3)
		y.Set(i, 1, 0.4)
	}
	e, err := metric.RMSBlocks(x, y, 5)
	if err != nil {
		log.Fatal(err)
	}
	fmt.Println(e.Format(3), "over", e.N, "blocks")
	// Output: 0.500 ± 0.000 over 5 blocks
}

func TestTotalVarianceMatchesDefinition(t *testing.T) {
	x := mat.NewDense(3, 2, []float64{0, 0, 2, 0, 1, 3})
	// mean (1, 1); squared distances 2, 2, 4 -> TV = 8/3
	tv, err := metric.TotalVariance(x)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(tv-8.0/3) > 1e-12 {
		t.Fatalf("TV = %v, want 8/3", tv)
	}
	if _, err := metric.TotalVariance(nil); err == nil {
		t.Error("nil sample accepted")
	}
	if _, err := metric.TotalVariance(mat.NewDense(1, 2, []float64{math.NaN(), 0})); err == nil {
		t.Error("NaN accepted")
	}
}

func TestMeanNearestDistance(t *testing.T) {
	ref := mat.NewDense(2, 2, []float64{0, 0, 10, 0})
	x := mat.NewDense(2, 2, []float64{3, 4, 10, -2}) // 5 from (0,0), 2 from (10,0)
	d, err := metric.MeanNearestDistance(x, ref)
	if err != nil {
		t.Fatal(err)
	}
	if math.Abs(d-3.5) > 1e-12 {
		t.Fatalf("D = %v, want 3.5", d)
	}
	if d0, _ := metric.MeanNearestDistance(ref, ref); d0 != 0 {
		t.Errorf("D(ref, ref) = %v, want 0", d0)
	}
	if _, err := metric.MeanNearestDistance(x, mat.NewDense(2, 3, nil)); err == nil {
		t.Error("mismatched dimensions accepted")
	}
}

func TestRMSBlocks(t *testing.T) {
	// Block k of 2 rows differs by k in x: RMS of block k is k.
	x, y := mat.NewDense(10, 1, nil), mat.NewDense(10, 1, nil)
	for i := range 10 {
		y.Set(i, 0, float64(i/2))
	}
	e, err := metric.RMSBlocks(x, y, 5)
	if err != nil {
		t.Fatal(err)
	}
	if e.N != 5 || math.Abs(e.Mean-2) > 1e-12 || math.Abs(e.SD-math.Sqrt(2.5)) > 1e-12 {
		t.Fatalf("got %+v, want mean 2, sd sqrt(2.5) over 5 blocks", e)
	}
	if _, err := metric.RMSBlocks(x, y, 4); err == nil {
		t.Error("4 blocks accepted (fewer than MinDraws)")
	}
	if _, err := metric.RMSBlocks(x, mat.NewDense(9, 1, nil), 5); err == nil {
		t.Error("unpaired samples accepted")
	}
	if _, err := metric.RMSBlocks(mat.NewDense(9, 1, nil), mat.NewDense(9, 1, nil), 5); err == nil {
		t.Error("blocks of one row accepted")
	}
}
