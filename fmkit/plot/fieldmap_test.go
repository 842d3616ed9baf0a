package plot

import (
	"math"
	"testing"

	"gonum.org/v1/gonum/mat"
)

func TestFieldMapErrors(t *testing.T) {
	b := Bounds{XMin: 0, XMax: 1, YMin: 0, YMax: 1}
	good := []float64{0, 1, 2, 3}
	if _, err := DensityMap("ok", "p", b, 2, 2, good); err != nil {
		t.Fatal(err)
	}
	for name, vals := range map[string][]float64{
		"short": {1, 2, 3}, "negative": {0, -1, 2, 3}, "nan": {0, math.NaN(), 2, 3}, "inf": {0, 1, math.Inf(1), 3},
	} {
		if _, err := DensityMap(name, "p", b, 2, 2, vals); err == nil {
			t.Errorf("DensityMap accepted %s values", name)
		}
	}
	if _, err := DensityMap("empty bounds", "p", Bounds{}, 2, 2, good); err == nil {
		t.Error("DensityMap accepted empty bounds")
	}
	p, _ := DensityMap("ok", "p", b, 2, 2, good)
	pts := GridPoints(b, 2, 2)
	if err := AddArrows(p, "v", pts, mat.NewDense(3, 2, nil), 1, nil); err == nil {
		t.Error("AddArrows accepted 3 vectors for 4 points")
	}
	if err := AddArrows(p, "v", pts, pts, math.NaN(), nil); err == nil {
		t.Error("AddArrows accepted a NaN unit")
	}
	if err := AddArrows(nil, "v", pts, pts, 1, nil); err == nil {
		t.Error("AddArrows accepted a nil panel")
	}
	if err := AddPoints(p, "x", mat.NewDense(1, 3, nil), nil, 2); err == nil {
		t.Error("AddPoints accepted points with 3 columns")
	}
	if err := AddArrows(p, "v", pts, pts, 0, nil); err != nil {
		t.Error(err)
	}
	if err := AddPoints(p, "x", pts, nil, 0); err != nil {
		t.Error(err)
	}
	if _, err := Row(p).PNG(); err != nil {
		t.Error(err)
	}
}
