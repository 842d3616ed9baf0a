package train_test

import (
	"testing"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/sde"
	"github.com/flowmatching/gofm/fmkit/train"
)

// SB-CFM: the Brownian-bridge path over the entropic coupling with
// eps = 2 sigma^2 trains to a model far closer to the moons than the
// untrained start, sampled by its ODE; an SDE needs an affine path and says so.
func TestBridgePathTrains(t *testing.T) {
	cfg := train.DefaultConfig()
	cfg.Path, cfg.Coupling, cfg.SinkhornEps = "bridge:0.3", "sinkhorn", 2*0.3*0.3
	cfg.Steps, cfg.Batch = 300, 128
	m, err := train.Train(cfg)
	if err != nil {
		t.Fatal(err)
	}
	moons, _ := data.SampleFunc("moons")
	w, err := metric.W2Draws(m.SampleFunc(ode.Options{Method: "euler", Steps: 50}), moons, 1000, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	// An untrained model stays near the Gaussian, W2 ~ 0.95.
	if w.Mean > 0.5 {
		t.Errorf("SB-CFM after 300 steps: W2 %v, want < 0.5", w)
	}
	if _, err := m.SampleSDE(100, 1, sde.Options{Steps: 10, Noise: sde.Constant(0.5)}); err == nil {
		t.Error("SampleSDE on the bridge path (not affine) succeeded")
	}
}
