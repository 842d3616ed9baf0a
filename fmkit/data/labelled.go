package data

import (
	"fmt"
	"math"
	"math/rand/v2"
	"sort"
	"strings"

	"gonum.org/v1/gonum/mat"
)

// Labelled is a distribution whose points carry a class label c in
// 0..Classes()-1: the data of conditional generation, p1(x | c) p(c)
// (section 6.5.3).
type Labelled interface {
	Dist
	// Classes is the number of classes.
	Classes() int
	// SampleLabelled draws n points (an n x Dim() matrix) and their labels.
	SampleLabelled(n int, rng *rand.Rand) (*mat.Dense, []int)
}

// LookupLabelled returns the registered distribution with class labels.
func LookupLabelled(name string) (Labelled, error) {
	d, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	l, ok := d.(Labelled)
	if !ok {
		return nil, fmt.Errorf("data: distribution %q has no class labels: use one of %s", name, strings.Join(LabelledNames(), ", "))
	}
	return l, nil
}

// LabelledNames lists the registered distributions with class labels, sorted.
func LabelledNames() []string {
	var names []string
	for _, n := range Names() {
		if d, err := Lookup(n); err == nil {
			if _, ok := d.(Labelled); ok {
				names = append(names, n)
			}
		}
	}
	sort.Strings(names)
	return names
}

// SampleLabelled draws n points of the named labelled distribution, and
// their labels, with a given seed.
func SampleLabelled(name string, n int, seed uint64) (*mat.Dense, []int, error) {
	d, err := LookupLabelled(name)
	if err != nil {
		return nil, nil, err
	}
	if n <= 0 {
		return nil, nil, fmt.Errorf("data: number of samples must be positive, got %d", n)
	}
	x, c := d.SampleLabelled(n, NewRand(seed))
	return x, c, nil
}

// The 2D toy distributions are labelled by the component each point is drawn
// from. SampleLabelled makes the same random draws as Sample, so with the
// same seed it returns the same points (with their labels).

// Classes: 0 for the upper moon, 1 for the lower one.
func (Moons) Classes() int { return 2 }

// SampleLabelled implements Labelled.
func (m Moons) SampleLabelled(n int, rng *rand.Rand) (*mat.Dense, []int) {
	x := mat.NewDense(n, 2, nil)
	c := make([]int, n)
	for i := range n {
		theta := math.Pi * rng.Float64()
		var a, b float64
		if rng.IntN(2) == 0 {
			a, b = math.Cos(theta), math.Sin(theta)
		} else {
			a, b, c[i] = 1-math.Cos(theta), 0.5-math.Sin(theta), 1
		}
		x.Set(i, 0, a+m.Noise*rng.NormFloat64())
		x.Set(i, 1, b+m.Noise*rng.NormFloat64())
	}
	return x, c
}

// Classes: component k (centre at angle 2 pi k / 8) is class k.
func (EightGaussians) Classes() int { return 8 }

// SampleLabelled implements Labelled.
func (e EightGaussians) SampleLabelled(n int, rng *rand.Rand) (*mat.Dense, []int) {
	x := mat.NewDense(n, 2, nil)
	c := make([]int, n)
	for i := range n {
		k := rng.IntN(8)
		a := 2 * math.Pi * float64(k) / 8
		x.Set(i, 0, e.Radius*math.Cos(a)+e.Std*rng.NormFloat64())
		x.Set(i, 1, e.Radius*math.Sin(a)+e.Std*rng.NormFloat64())
		c[i] = k
	}
	return x, c
}

// Classes: the 8 black squares, numbered row by row from the bottom left.
func (Checkerboard) Classes() int { return 8 }

// SampleLabelled implements Labelled.
func (Checkerboard) SampleLabelled(n int, rng *rand.Rand) (*mat.Dense, []int) {
	x := mat.NewDense(n, 2, nil)
	c := make([]int, n)
	for i := range n {
		k := rng.IntN(8)
		row := k / 2
		col := 2*(k%2) + (row % 2)
		x.Set(i, 0, -2+float64(col)+rng.Float64())
		x.Set(i, 1, -2+float64(row)+rng.Float64())
		c[i] = k
	}
	return x, c
}

// Classes: 0 for the outer circle, 1 for the inner one.
func (Circles) Classes() int { return 2 }

// SampleLabelled implements Labelled.
func (ci Circles) SampleLabelled(n int, rng *rand.Rand) (*mat.Dense, []int) {
	x := mat.NewDense(n, 2, nil)
	c := make([]int, n)
	for i := range n {
		r := 1.0
		if rng.IntN(2) == 1 {
			r, c[i] = ci.Factor, 1
		}
		a := 2 * math.Pi * rng.Float64()
		x.Set(i, 0, r*math.Cos(a)+ci.Noise*rng.NormFloat64())
		x.Set(i, 1, r*math.Sin(a)+ci.Noise*rng.NormFloat64())
	}
	return x, c
}

// Classes: the two arms of the spiral.
func (Spirals) Classes() int { return 2 }

// SampleLabelled implements Labelled.
func (s Spirals) SampleLabelled(n int, rng *rand.Rand) (*mat.Dense, []int) {
	x := mat.NewDense(n, 2, nil)
	c := make([]int, n)
	for i := range n {
		theta := math.Pi/2 + 2.5*math.Pi*rng.Float64()
		r := theta / math.Pi
		sign := 1.0
		if rng.IntN(2) == 1 {
			sign, c[i] = -1, 1
		}
		x.Set(i, 0, sign*r*math.Cos(theta)+s.Noise*rng.NormFloat64())
		x.Set(i, 1, sign*r*math.Sin(theta)+s.Noise*rng.NormFloat64())
	}
	return x, c
}

// OfClass returns the rows of x whose label is c.
func OfClass(x *mat.Dense, labels []int, c int) *mat.Dense {
	_, d := x.Dims()
	var rows []float64
	for i, l := range labels {
		if l == c {
			rows = append(rows, x.RawRowView(i)...)
		}
	}
	if len(rows) == 0 {
		return nil
	}
	return mat.NewDense(len(rows)/d, d, rows)
}

// Centres returns the 8 component means, row k at angle 2 pi k / 8 (the
// centre of class k).
func (e EightGaussians) Centres() *mat.Dense {
	c := mat.NewDense(8, 2, nil)
	for k := range 8 {
		a := 2 * math.Pi * float64(k) / 8
		c.Set(k, 0, e.Radius*math.Cos(a))
		c.Set(k, 1, e.Radius*math.Sin(a))
	}
	return c
}
