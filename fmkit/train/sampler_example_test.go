package train_test

import (
	"fmt"

	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/train"
)

// Sample 1000 points with 100 Euler steps, 25 of them compiled into each
// call of one executable, and compare with one call per step.
func ExampleSampler() {
	cfg := train.DefaultConfig()
	cfg.Steps, cfg.Quiet = 200, true
	m, err := train.Train(cfg)
	if err != nil {
		panic(err)
	}
	s := m.Sampler() // keep it: it holds the compiled steps
	defer s.Close()
	opt := ode.Options{Method: "euler", Steps: 100}
	res, err := s.Sample(1000, 1, opt)
	if err != nil {
		panic(err)
	}
	ref, err := m.Sample(1000, 1, opt) // ode.Solve: one call per step
	if err != nil {
		panic(err)
	}
	r, c := res.X.Dims()
	fmt.Printf("%dx%d samples, NFE %d, %d steps per call\n", r, c, res.NFE, s.StepsPerCall)
	diff := 0.0
	for i := range r {
		for j := range c {
			diff = max(diff, abs(res.X.At(i, j)-ref.X.At(i, j)))
		}
	}
	fmt.Println("same points as one call per step (to float32 rounding):", diff < 1e-3)
	// Output:
	// 1000x2 samples, NFE 100, 25 steps per call
	// same points as one call per step (to float32 rounding): true
}

func abs(x float64) float64 {
	if x < 0 {
		return -x
	}
	return x
}
