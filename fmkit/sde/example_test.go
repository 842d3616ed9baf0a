package sde_test

import (
	"fmt"
	"math"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/path"
	"github.com/flowmatching/gofm/fmkit/sde"
)

func ExampleSample() {
	// The exact velocity of the linear path from N(0, I) to N((2, -1), 0.5^2 I),
	// sampled by the ODE (g = 0) and by SDEs with more and more noise: all
	// reach the same p_1, whose mean is (2, -1) and sd 0.5.
	v := gaussianField(path.LinearSchedule{}, []float64{2, -1}, 0.5)
	x0, _ := data.Sample("gaussian", 20000, 1)
	for _, g := range []float64{0, 0.5, 1.5} {
		res, err := sde.Sample(v, path.LinearSchedule{}, x0, sde.Options{Steps: 400, Noise: sde.Vanishing(g), Seed: 2})
		if err != nil {
			panic(err)
		}
		m, vr := moments(res.X)
		fmt.Printf("g=%.1f: NFE %d, mean (%.1f, %.1f), sd (%.1f, %.1f)\n", g, res.NFE, m[0], m[1], math.Sqrt(vr[0]), math.Sqrt(vr[1]))
	}
	_, err := sde.Sample(v, nil, x0, sde.Options{Steps: 10, Noise: sde.Constant(1)})
	fmt.Println(err != nil)
	var _ ode.Field = v
	// Output:
	// g=0.0: NFE 400, mean (2.0, -1.0), sd (0.5, 0.5)
	// g=0.5: NFE 400, mean (2.0, -1.0), sd (0.5, 0.5)
	// g=1.5: NFE 400, mean (2.0, -1.0), sd (0.5, 0.5)
	// true
}

func ExampleSampleWithScore() {
	// A Brownian motion started from N(0, I) keeps p_t = N(0, (1 + t) I); its
	// velocity field v_t(x) = x / (2(1 + t)) carries the same marginals
	// deterministically, and the score is -x / (1 + t). The ODE (g = 0) and the
	// SDE with g = 1, given the score as its own field, reach the same p_1:
	// sd sqrt(2) ~ 1.41.
	v := ode.PointFunc(func(t float64, x, dx []float64) {
		for j := range x {
			dx[j] = x[j] / (2 * (1 + t))
		}
	})
	score := ode.PointFunc(func(t float64, x, dx []float64) {
		for j := range x {
			dx[j] = -x[j] / (1 + t)
		}
	})
	x0, _ := data.Sample("gaussian", 20000, 1)
	for _, g := range []float64{0, 1} {
		res, err := sde.SampleWithScore(v, score, x0, sde.Options{Steps: 200, Noise: sde.Constant(g), Seed: 2})
		if err != nil {
			panic(err)
		}
		_, vr := moments(res.X)
		fmt.Printf("g=%.0f: NFE %d, sd (%.1f, %.1f)\n", g, res.NFE, math.Sqrt(vr[0]), math.Sqrt(vr[1]))
	}
	// Output:
	// g=0: NFE 200, sd (1.4, 1.4)
	// g=1: NFE 200, sd (1.4, 1.4)
}
