package train_test

import (
	"fmt"
	"math"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/path"
	"github.com/flowmatching/gofm/fmkit/train"
)

// A score model: denoising score matching on the VP path. The network
// predicts the noise; Predict converts it to the score, and Velocity to the
// probability-flow ODE 1/2 beta (x + s), which Sample integrates.
func ExampleModel_Predict() {
	cfg := train.DefaultConfig()
	cfg.Path, cfg.Objective, cfg.Steps, cfg.Batch, cfg.Quiet = "vp", "score", 200, 128, true
	fmt.Println(cfg)
	m, err := train.Train(cfg)
	if err != nil {
		panic(err)
	}
	fmt.Println("the network predicts:", m.Config.Output())
	x, _ := data.Sample("gaussian", 5, 1)
	t := 0.3
	s, err := m.Predict(t, x, path.Score)
	if err != nil {
		panic(err)
	}
	v, err := m.Velocity(t, x)
	if err != nil {
		panic(err)
	}
	vp, pf, worst := path.DefaultVP(), make([]float64, 2), 0.0
	for i := range 5 {
		vp.ProbabilityFlow(t, x.RawRowView(i), s.RawRowView(i), pf)
		worst = math.Max(worst, math.Max(math.Abs(pf[0]-v.At(i, 0)), math.Abs(pf[1]-v.At(i, 1))))
	}
	fmt.Println("velocity = probability-flow ODE of the score:", worst < 1e-9)
	res, err := m.Sample(100, 1, ode.Options{Method: "euler", Steps: 20})
	if err != nil {
		panic(err)
	}
	r, c := res.X.Dims()
	fmt.Printf("%dx%d samples with NFE %d\n", r, c, res.NFE)
	// Output:
	// gaussian -> moons, vp path, independent coupling, MLP 3x64 swish, d=2, time K=8, 200 steps x batch 128, lr 0.01 (cosine), score matching (eps-prediction)
	// the network predicts: epsilon
	// velocity = probability-flow ODE of the score: true
	// 100x2 samples with NFE 20
}

// A class-conditional model of the 8 Gaussians with label dropout, sampled
// with classifier-free guidance: the samples of each class land on its
// component.
func ExampleModel_SampleGuided() {
	cfg := train.DefaultConfig()
	cfg.Target, cfg.Classes, cfg.LabelDrop = "8gaussians", 8, 0.2
	cfg.Steps, cfg.Batch, cfg.Quiet = 800, 128, true
	m, err := train.Train(cfg)
	if err != nil {
		panic(err)
	}
	labels := train.Repeat(8, 10) // 10 samples of each class
	res, err := m.SampleGuided(labels, 2, 1, ode.Options{Method: "midpoint", Steps: 10})
	if err != nil {
		panic(err)
	}
	centres := data.EightGaussians{Radius: 2}.Centres()
	right := 0
	for i, c := range labels {
		if math.Hypot(res.X.At(i, 0)-centres.At(c, 0), res.X.At(i, 1)-centres.At(c, 1)) < 0.5 {
			right++
		}
	}
	fmt.Printf("%d samples, at least 90%% within 0.5 of their class's centre: %v\n", len(labels), right >= 72)
	_, err = m.SampleGuided([]int{3, 8}, 2, 1, ode.Options{Method: "euler", Steps: 1})
	fmt.Println(err)
	_, err = m.Guided([]int{3}, math.NaN())
	fmt.Println(err)
	// Output:
	// 80 samples, at least 90% within 0.5 of their class's centre: true
	// model: field: label 8 (row 1) is ∅, "no class": pass a class 0..7, and get the unconditional field with guidance weight w = -1
	// model: field: guidance weight w = NaN: use a finite number (0: the conditional field, no guidance; 1-4: typical guidance; -1: unconditional)
}

// A classifier of real labelled data, to check what a conditional model
// generates.
func ExampleFitClassifier() {
	x, labels, _ := data.SampleLabelled("checkerboard", 3000, 1)
	clf, err := train.FitClassifier(x, labels, 8, train.DefaultClassifierConfig())
	if err != nil {
		panic(err)
	}
	xt, lt, _ := data.SampleLabelled("checkerboard", 1000, 2)
	s, err := clf.Evaluate(xt, lt)
	if err != nil {
		panic(err)
	}
	fmt.Printf("held-out accuracy at least 0.95: %v (%d classes)\n", s.Accuracy >= 0.95, len(s.PerClass))
	// Output:
	// held-out accuracy at least 0.95: true (8 classes)
}

// Time two training steps in one process and compare them as a ratio: the
// score model's step does the same work as the velocity model's.
func ExampleStepTimes() {
	fm := train.DefaultConfig()
	fm.Path, fm.Batch, fm.Quiet = "vp", 64, true
	sm := fm
	sm.Objective = "score"
	sec, err := train.StepTimes(5, 3, fm, sm)
	if err != nil {
		panic(err)
	}
	fmt.Println("seconds per step measured for both:", sec[0] > 0 && sec[1] > 0)
	// Output:
	// seconds per step measured for both: true
}
