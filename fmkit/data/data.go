package data

import (
	"fmt"
	"math"
	"math/rand/v2"

	"github.com/flowmatching/gofm/fmkit/internal/names"

	"gonum.org/v1/gonum/mat"
)

// Dist is a distribution that can be sampled.
type Dist interface {
	// Name is the registry name, e.g. "moons".
	Name() string
	// Dim is the dimension d of a point.
	Dim() int
	// Sample draws n points, an n x Dim() matrix.
	Sample(n int, rng *rand.Rand) *mat.Dense
}

// NewRand returns a deterministic random source for a seed (PCG).
func NewRand(seed uint64) *rand.Rand {
	return rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))
}

// registry maps names to constructors of the default-parameter distributions.
var registry = map[string]func() Dist{
	"gaussian":     func() Dist { return Gaussian{D: 2} },
	"moons":        func() Dist { return Moons{} },
	"8gaussians":   func() Dist { return EightGaussians{Radius: 2, Std: 0.1} },
	"checkerboard": func() Dist { return Checkerboard{} },
	"circles":      func() Dist { return Circles{Factor: 0.5} },
	"spirals":      func() Dist { return Spirals{Noise: 0.05} },
}

// Names lists the registered distribution names, sorted.
func Names() []string { return names.Sorted(registry) }

// Lookup returns the registered distribution with default parameters.
func Lookup(name string) (Dist, error) {
	mk, err := names.Lookup(registry, "data", "distribution", name)
	if err != nil {
		return nil, err
	}
	return mk(), nil
}

// Sample draws n points of the named distribution with a given seed.
func Sample(name string, n int, seed uint64) (*mat.Dense, error) {
	d, err := Lookup(name)
	if err != nil {
		return nil, err
	}
	if n <= 0 {
		return nil, fmt.Errorf("data: number of samples must be positive, got %d", n)
	}
	return d.Sample(n, NewRand(seed)), nil
}

// SampleFunc returns the named distribution as a seeded sampler,
// func(n, seed) -> n x d points, the shape metric.Sampler expects (for
// example the reference of metric.W2Draws or metric.NoiseBand). It fails
// at once for an unknown name.
func SampleFunc(name string) (func(n int, seed uint64) (*mat.Dense, error), error) {
	if _, err := Lookup(name); err != nil {
		return nil, err
	}
	return func(n int, seed uint64) (*mat.Dense, error) { return Sample(name, n, seed) }, nil
}

// Gaussian is the standard normal N(0, I_D).
type Gaussian struct{ D int }

func (g Gaussian) Name() string { return "gaussian" }
func (g Gaussian) Dim() int     { return g.D }
func (g Gaussian) Sample(n int, rng *rand.Rand) *mat.Dense {
	x := mat.NewDense(n, g.D, nil)
	raw := x.RawMatrix().Data
	for i := range raw {
		raw[i] = rng.NormFloat64()
	}
	return x
}

// Moons is scikit-learn's two interleaved half circles; Noise is the standard
// deviation of added Gaussian noise (0: points exactly on the arcs).
type Moons struct{ Noise float64 }

func (Moons) Name() string { return "moons" }
func (Moons) Dim() int     { return 2 }
func (m Moons) Sample(n int, rng *rand.Rand) *mat.Dense {
	x := mat.NewDense(n, 2, nil)
	for i := range n {
		theta := math.Pi * rng.Float64()
		var a, b float64
		if rng.IntN(2) == 0 {
			a, b = math.Cos(theta), math.Sin(theta)
		} else {
			a, b = 1-math.Cos(theta), 0.5-math.Sin(theta)
		}
		x.Set(i, 0, a+m.Noise*rng.NormFloat64())
		x.Set(i, 1, b+m.Noise*rng.NormFloat64())
	}
	return x
}

// EightGaussians is an equal mixture of 8 isotropic Gaussians with standard
// deviation Std, centred at Radius (cos 2 pi k/8, sin 2 pi k/8).
type EightGaussians struct{ Radius, Std float64 }

func (EightGaussians) Name() string { return "8gaussians" }
func (EightGaussians) Dim() int     { return 2 }
func (e EightGaussians) Sample(n int, rng *rand.Rand) *mat.Dense {
	x := mat.NewDense(n, 2, nil)
	for i := range n {
		k := rng.IntN(8)
		a := 2 * math.Pi * float64(k) / 8
		x.Set(i, 0, e.Radius*math.Cos(a)+e.Std*rng.NormFloat64())
		x.Set(i, 1, e.Radius*math.Sin(a)+e.Std*rng.NormFloat64())
	}
	return x
}

// Checkerboard is uniform on the 8 "black" unit squares of a 4x4
// checkerboard covering [-2, 2]^2 (squares whose integer corner coordinates
// sum to an even number).
type Checkerboard struct{}

func (Checkerboard) Name() string { return "checkerboard" }
func (Checkerboard) Dim() int     { return 2 }
func (Checkerboard) Sample(n int, rng *rand.Rand) *mat.Dense {
	x := mat.NewDense(n, 2, nil)
	for i := range n {
		// Choose one of the 8 black squares, then a uniform point in it.
		k := rng.IntN(8)
		row := k / 2               // 0..3
		col := 2*(k%2) + (row % 2) // alternate columns per row
		x.Set(i, 0, -2+float64(col)+rng.Float64())
		x.Set(i, 1, -2+float64(row)+rng.Float64())
	}
	return x
}

// Circles is two concentric circles (scikit-learn's make_circles): the outer
// of radius 1, the inner of radius Factor, equal weights, plus Gaussian noise
// of standard deviation Noise.
type Circles struct{ Factor, Noise float64 }

func (Circles) Name() string { return "circles" }
func (Circles) Dim() int     { return 2 }
func (c Circles) Sample(n int, rng *rand.Rand) *mat.Dense {
	x := mat.NewDense(n, 2, nil)
	for i := range n {
		r := 1.0
		if rng.IntN(2) == 1 {
			r = c.Factor
		}
		a := 2 * math.Pi * rng.Float64()
		x.Set(i, 0, r*math.Cos(a)+c.Noise*rng.NormFloat64())
		x.Set(i, 1, r*math.Sin(a)+c.Noise*rng.NormFloat64())
	}
	return x
}

// Spirals is two interleaved Archimedean spirals: theta ~ U[pi/2, 3 pi],
// r = theta / pi, the second arm rotated by pi, plus Gaussian noise of
// standard deviation Noise; coordinates lie in about [-3, 3].
type Spirals struct{ Noise float64 }

func (Spirals) Name() string { return "spirals" }
func (Spirals) Dim() int     { return 2 }
func (s Spirals) Sample(n int, rng *rand.Rand) *mat.Dense {
	x := mat.NewDense(n, 2, nil)
	for i := range n {
		theta := math.Pi/2 + 2.5*math.Pi*rng.Float64()
		r := theta / math.Pi
		sign := 1.0
		if rng.IntN(2) == 1 {
			sign = -1
		}
		x.Set(i, 0, sign*r*math.Cos(theta)+s.Noise*rng.NormFloat64())
		x.Set(i, 1, sign*r*math.Sin(theta)+s.Noise*rng.NormFloat64())
	}
	return x
}
