package metric_test

import (
	"fmt"
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/metric"
)

// gaussLogDensity is log N(x; 0, s^2 I) in 2D, row by row.
func gaussLogDensity(s float64) func(*mat.Dense) ([]float64, error) {
	return func(pts *mat.Dense) ([]float64, error) {
		n, _ := pts.Dims()
		out := make([]float64, n)
		for i := range n {
			r2 := pts.At(i, 0)*pts.At(i, 0) + pts.At(i, 1)*pts.At(i, 1)
			out[i] = -math.Log(2*math.Pi*s*s) - r2/(2*s*s)
		}
		return out, nil
	}
}

func TestCheckDensityRightAndWrong(t *testing.T) {
	x := data.Gaussian{D: 2}.Sample(40000, data.NewRand(3))
	right, err := metric.CheckDensity(x, gaussLogDensity(1), 0.4, 4, 50)
	if err != nil {
		t.Fatal(err)
	}
	if len(right.Z) < 40 {
		t.Fatalf("only %d cells kept", len(right.Z))
	}
	if s := right.Summary; math.Abs(s.Mean) > 0.3 || s.SD < 0.8 || s.SD > 1.25 {
		t.Errorf("the true density gives z = %v over %d cells, want about 0 ± 1", s, len(right.Z))
	}
	// A density 10% too wide is far outside the counting noise.
	wrong, err := metric.CheckDensity(x, gaussLogDensity(1.1), 0.4, 4, 50)
	if err != nil {
		t.Fatal(err)
	}
	if !right.WithinNoise() || !(right.P > 0.001) {
		t.Errorf("the true density: chi2 = %v over %d cells, p = %v", right.ChiSquare, len(right.Z), right.P)
	}
	if wrong.WithinNoise() || wrong.P > 1e-6 {
		t.Errorf("a wrong density: chi2 = %v over %d cells, p = %v", wrong.ChiSquare, len(wrong.Z), wrong.P)
	}
	if wrong.Summary.SD < 2 {
		t.Errorf("a wrong density gives z = %v, want an sd well above 1", wrong.Summary)
	}
	// The expected counts add up to nearly n where the kept cells hold
	// nearly all the mass.
	tot := 0.0
	for _, e := range right.Expected {
		tot += e
	}
	if tot < 0.9*40000 || tot > 40000 {
		t.Errorf("expected counts sum to %v of 40000", tot)
	}
}

func TestCheckDensityErrors(t *testing.T) {
	good := data.Gaussian{D: 2}.Sample(100, data.NewRand(1))
	cases := []struct {
		name string
		x    *mat.Dense
		f    func(*mat.Dense) ([]float64, error)
		cell float64
		sub  int
		want string
	}{
		{"nil", nil, gaussLogDensity(1), 0.5, 2, "nil sample"},
		{"3 columns", mat.NewDense(2, 3, nil), gaussLogDensity(1), 0.5, 2, "n x 2"},
		{"cell 0", good, gaussLogDensity(1), 0, 2, "cell > 0"},
		{"sub 0", good, gaussLogDensity(1), 0.5, 0, "sub >= 1"},
		{"NaN point", mat.NewDense(1, 2, []float64{math.NaN(), 0}), gaussLogDensity(1), 0.5, 2, "not finite"},
		{"short result", good, func(*mat.Dense) ([]float64, error) { return []float64{0}, nil }, 0.5, 2, "returned 1 values"},
		{"error", good, func(*mat.Dense) ([]float64, error) { return nil, fmt.Errorf("boom") }, 0.5, 2, "boom"},
		{"no cells", good, gaussLogDensity(1), 0.5, 2, "cells expect"},
	}
	for _, c := range cases {
		min := 1.0
		if c.name == "no cells" {
			min = 1e6
		}
		_, err := metric.CheckDensity(c.x, c.f, c.cell, c.sub, min)
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: got %v, want an error containing %q", c.name, err, c.want)
		}
	}
}

func ExampleCheckDensity() {
	// 40,000 points of N(0, I) against the standard normal density and
	// against one 10% too wide: cells of 0.4 x 0.4 expecting >= 50 points.
	x := data.Gaussian{D: 2}.Sample(40000, data.NewRand(3))
	for _, s := range []float64{1, 1.1} {
		c, err := metric.CheckDensity(x, gaussLogDensity(s), 0.4, 4, 50)
		if err != nil {
			panic(err)
		}
		fmt.Printf("sigma %.1f: sd of z over the cells is %s 1\n", s, map[bool]string{true: "close to", false: "far from"}[math.Abs(c.Summary.SD-1) < 0.25])
	}
	// Output:
	// sigma 1.0: sd of z over the cells is close to 1
	// sigma 1.1: sd of z over the cells is far from 1
}
