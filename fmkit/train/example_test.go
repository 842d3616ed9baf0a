package train_test

import (
	"fmt"

	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/train"
)

// Train a small flow from a Gaussian to two moons and sample it with 20
// Euler steps.
func ExampleTrain() {
	cfg := train.DefaultConfig()
	cfg.Steps, cfg.Quiet = 300, true
	fmt.Println(cfg)
	m, err := train.Train(cfg)
	if err != nil {
		panic(err)
	}
	first, last := m.History[0], m.History[len(m.History)-1]
	fmt.Printf("%d losses recorded; loss went down: %v\n", len(m.History), last < first)
	res, err := m.Sample(500, 1, ode.Options{Method: "euler", Steps: 20})
	if err != nil {
		panic(err)
	}
	r, c := res.X.Dims()
	fmt.Printf("%dx%d samples, NFE %d\n", r, c, res.NFE)
	// Output:
	// gaussian -> moons, linear path, independent coupling, MLP 3x64 swish, d=2, time K=8, 300 steps x batch 256, lr 0.01 (cosine)
	// 300 losses recorded; loss went down: true
	// 500x2 samples, NFE 20
}
