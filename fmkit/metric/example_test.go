package metric_test

import (
	"fmt"
	"github.com/flowmatching/gofm/fmkit/data"
	"math"

	"github.com/flowmatching/gofm/fmkit/metric"
	"gonum.org/v1/gonum/mat"
)

func ExampleW2() {
	// b is a translated by (3, 4), listed in another order: W2 = ||(3, 4)|| = 5.
	a := mat.NewDense(3, 2, []float64{0, 0, 1, 0, 0, 1})
	b := mat.NewDense(3, 2, []float64{3, 5, 3, 4, 4, 4})
	w, err := metric.W2(a, b)
	if err != nil {
		panic(err)
	}
	fmt.Printf("W2 = %.6f\n", w)

	_, err = metric.W2(a, mat.NewDense(2, 2, nil))
	fmt.Println(err)
	// Output:
	// W2 = 5.000000
	// metric.W2: W2 needs equal sample sizes, got n=3 and m=2; subsample the larger set (or use W2Sinkhorn, which allows different sizes)
}

func ExampleStraightness() {
	// One particle on a straight line at constant speed, one on a half
	// circle of radius 1, each sampled at 101 times in [0, 1].
	const K = 100
	times := make([]float64, K+1)
	traj := make([]*mat.Dense, K+1)
	for k := range K + 1 {
		t := float64(k) / K
		times[k] = t
		traj[k] = mat.NewDense(2, 2, []float64{
			2 * t, 0,
			math.Cos(math.Pi * t), math.Sin(math.Pi * t),
		})
	}
	ke, _ := metric.KineticEnergy(traj, times)
	s, _ := metric.Straightness(traj, times)
	// KE ~ (2^2 + pi^2)/2, S ~ (1 + 4/pi^2)/2.
	fmt.Printf("kinetic energy %.3f (continuous %.3f)\n", ke, (4+math.Pi*math.Pi)/2)
	fmt.Printf("straightness %.3f (continuous %.3f)\n", s, (1+4/(math.Pi*math.Pi))/2)
	// Output:
	// kinetic energy 6.934 (continuous 6.935)
	// straightness 0.703 (continuous 0.703)
}

func ExamplePairedTest() {
	// W2 of two solvers of one model, measured on the same five draws
	// (same x0, same reference sample per draw).
	euler := []float64{0.131, 0.118, 0.142, 0.125, 0.137}
	rk4 := []float64{0.126, 0.121, 0.133, 0.122, 0.131}
	c, err := metric.PairedTest(euler, rk4)
	if err != nil {
		panic(err)
	}
	fmt.Println("Euler:", c.A)
	fmt.Println("RK4:  ", c.B)
	fmt.Println(c.Sentence("Euler", "RK4"))
	// Output:
	// Euler: 0.1306 ± 0.0095
	// RK4:   0.1266 ± 0.0053
	// Euler − RK4 = 0.0040 ± 0.0045 (mean ± sd of 5 paired draws, p = 0.12): within noise
}

func ExampleNoiseBand() {
	moons := func(n int, seed uint64) (*mat.Dense, error) { return data.Sample("moons", n, seed) }
	band, err := metric.NoiseBand(moons, 500, 5, 1)
	if err != nil {
		panic(err)
	}
	// Two samples of the same data are not at W2 = 0: at n = 500 they sit
	// about 0.2 apart. A model within this band is as close as the data
	// itself.
	fmt.Println(band.N, band.Mean > 0.1 && band.Mean < 0.3)
	// Output:
	// 5 true
}
