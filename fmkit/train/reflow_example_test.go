package train_test

import (
	"fmt"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/field"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/train"
)

// Reflow a CFM model of the moons into a 2-rectified flow, distill that
// into a one-step model, and measure straightness and W2 at one Euler step.
func ExampleRectified_Reflow() {
	cfg := train.Config{
		Source: "gaussian", Target: "moons", Path: "linear", Coupling: "independent",
		Field: field.MLP{Dim: 2, Width: 64, Depth: 3, Activation: "swish", TimeFreqs: 4, MaxFreq: 10},
		Steps: 600, Batch: 128, LR: 1e-2, LRDecay: "cosine", MinLRFraction: 0.01, Seed: 1, Quiet: true,
	}
	m, err := train.Train(cfg)
	if err != nil {
		panic(err)
	}
	rf1, err := train.Rectify(m) // the 1-rectified flow: the CFM model itself
	if err != nil {
		panic(err)
	}
	// 1000 pairs (x0, Z_1(x0)) by 4 RK4 steps, then 300 Adam steps on them,
	// starting from the parent's weights.
	opt := train.ReflowOptions{Pairs: 1000, Solver: ode.Options{Method: "rk4", Steps: 4}, Steps: 300, Seed: 2, Quiet: true}
	rf2, err := rf1.Reflow(opt)
	if err != nil {
		panic(err)
	}
	c := rf2.Costs[1]
	fmt.Printf("%d-rectified flow: %d pairs, NFE %d each, %d network evaluations; %d training steps\n",
		rf2.K, c.Pairs, c.PairNFE, c.PairEvals, c.TrainSteps)
	opt.Seed = 3
	one, err := rf2.Distill(opt) // v(0, x0) regressed onto Z_1(x0) - x0
	if err != nil {
		panic(err)
	}

	accurate := ode.Options{Method: "rk4", Steps: 8}
	s1, _ := train.MeasureFlow(rf1.Model, accurate, 1000, 5, 1)
	s2, _ := train.MeasureFlow(rf2.Model, accurate, 1000, 5, 1)
	fmt.Printf("straightness: 1-RF below 0.7: %v, 2-RF above 0.95: %v\n", s1.Straightness.Mean < 0.7, s2.Straightness.Mean > 0.95)

	moons, _ := data.SampleFunc("moons")
	w2, err := train.W2AgainstSteps([]*train.Model{rf1.Model, rf2.Model, one.Model}, "euler", []int{1}, moons, 500, 5, 4)
	if err != nil {
		panic(err)
	}
	fmt.Printf("W2 at one Euler step below 0.4: 1-RF %v, 2-RF %v, distilled %v\n", w2[0][0].Mean < 0.4, w2[1][0].Mean < 0.4, w2[2][0].Mean < 0.4)
	// Output:
	// 2-rectified flow: 1000 pairs, NFE 16 each, 16000 network evaluations; 300 training steps
	// straightness: 1-RF below 0.7: true, 2-RF above 0.95: true
	// W2 at one Euler step below 0.4: 1-RF false, 2-RF true, distilled true
}
