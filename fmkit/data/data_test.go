package data

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/stat"
)

func TestEveryDistribution(t *testing.T) {
	for _, name := range Names() {
		t.Run(name, func(t *testing.T) {
			x, err := Sample(name, 2000, 7)
			if err != nil {
				t.Fatal(err)
			}
			d, _ := Lookup(name)
			if r, c := x.Dims(); r != 2000 || c != d.Dim() {
				t.Fatalf("got %dx%d, want 2000x%d", r, c, d.Dim())
			}
			for _, v := range x.RawMatrix().Data {
				if math.IsNaN(v) || math.IsInf(v, 0) || math.Abs(v) > 10 {
					t.Fatalf("bad coordinate %v", v)
				}
			}
			y, _ := Sample(name, 2000, 7)
			if !mat.Equal(x, y) {
				t.Fatal("the same seed gave different samples")
			}
			z, _ := Sample(name, 2000, 8)
			if mat.Equal(x, z) {
				t.Fatal("different seeds gave the same samples")
			}
		})
	}
}

func TestGaussianMoments(t *testing.T) {
	x, _ := Sample("gaussian", 20000, 1)
	for j := range 2 {
		col := mat.Col(nil, j, x)
		if m := stat.Mean(col, nil); math.Abs(m) > 0.03 {
			t.Errorf("column %d mean %v, want ~0", j, m)
		}
		if v := stat.Variance(col, nil); math.Abs(v-1) > 0.05 {
			t.Errorf("column %d variance %v, want ~1", j, v)
		}
	}
}

func TestMoonsLieOnTheirArcs(t *testing.T) {
	x, _ := Sample("moons", 5000, 3)
	upper := 0
	for i := range 5000 {
		a, b := x.At(i, 0), x.At(i, 1)
		dUpper := math.Abs(math.Hypot(a, b)-1) + math.Max(0, -b)          // on the unit circle, y >= 0
		dLower := math.Abs(math.Hypot(a-1, b-0.5)-1) + math.Max(0, b-0.5) // circle around (1, 0.5), y <= 0.5
		switch {
		case dUpper < 1e-9:
			upper++
		case dLower < 1e-9:
		default:
			t.Fatalf("point (%v, %v) is on neither moon", a, b)
		}
	}
	if upper < 2300 || upper > 2700 {
		t.Errorf("%d of 5000 points on the upper moon, want about half", upper)
	}
}

func TestCheckerboardOnBlackSquares(t *testing.T) {
	x, _ := Sample("checkerboard", 5000, 3)
	counts := map[[2]int]int{}
	for i := range 5000 {
		c, r := int(math.Floor(x.At(i, 0)+2)), int(math.Floor(x.At(i, 1)+2))
		if c < 0 || c > 3 || r < 0 || r > 3 || (c+r)%2 != 0 {
			t.Fatalf("point (%v, %v) is not on a black square", x.At(i, 0), x.At(i, 1))
		}
		counts[[2]int{c, r}]++
	}
	if len(counts) != 8 {
		t.Fatalf("points on %d squares, want 8", len(counts))
	}
}

func TestEightGaussiansAndCircles(t *testing.T) {
	x, _ := Sample("8gaussians", 4000, 2)
	hits := map[int]int{}
	for i := range 4000 {
		a := math.Atan2(x.At(i, 1), x.At(i, 0))
		k := int(math.Round(a/(2*math.Pi/8)+8)) % 8
		cx, cy := 2*math.Cos(2*math.Pi*float64(k)/8), 2*math.Sin(2*math.Pi*float64(k)/8)
		if d := math.Hypot(x.At(i, 0)-cx, x.At(i, 1)-cy); d > 0.6 {
			t.Fatalf("point %d is %v from its nearest centre", i, d)
		}
		hits[k]++
	}
	if len(hits) != 8 {
		t.Errorf("only %d components drawn", len(hits))
	}
	c, _ := Sample("circles", 4000, 2)
	for i := range 4000 {
		r := math.Hypot(c.At(i, 0), c.At(i, 1))
		if math.Abs(r-1) > 1e-9 && math.Abs(r-0.5) > 1e-9 {
			t.Fatalf("circle point at radius %v", r)
		}
	}
}

func TestBadInput(t *testing.T) {
	if _, err := Sample("mooons", 10, 1); err == nil || !strings.Contains(err.Error(), "unknown distribution \"mooons\"") || !strings.Contains(err.Error(), "moons") {
		t.Errorf("unknown name: got %v", err)
	}
	for _, n := range []int{0, -3} {
		if _, err := Sample("moons", n, 1); err == nil || !strings.Contains(err.Error(), "positive") {
			t.Errorf("n=%d: got %v", n, err)
		}
	}
}
