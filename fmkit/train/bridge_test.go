package train_test

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/path"
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

// The SF2M score head: a score model on the bridge path (eps-prediction of
// the bridge's noise) trains on the same coupling as the velocity model,
// gives the score -eps_theta / (sigma sqrt(t(1-t))) and no velocity, and
// together with the velocity model samples the SDE with g = sigma to near
// the moons (an untrained pair stays near W2 ~ 0.95).
func TestBridgeScoreHead(t *testing.T) {
	const sigma = 0.5
	base := train.DefaultConfig()
	base.Path, base.Coupling, base.SinkhornEps = "bridge:0.5", "sinkhorn", 2*sigma*sigma
	base.Steps, base.Batch, base.Quiet = 400, 128, true
	vm, err := train.Train(base)
	if err != nil {
		t.Fatal(err)
	}
	sc := base
	sc.Objective = "score"
	sm, err := train.Train(sc)
	if err != nil {
		t.Fatal(err)
	}
	x, _ := data.Sample("moons", 7, 1)
	eps, err := sm.Predict(0.3, x, path.Epsilon)
	if err != nil {
		t.Fatal(err)
	}
	s, err := sm.Predict(0.3, x, path.Score)
	if err != nil {
		t.Fatal(err)
	}
	k := -1 / (sigma * math.Sqrt(0.3*0.7))
	for i := range 7 {
		for j := range 2 {
			if d := s.At(i, j) - k*eps.At(i, j); math.Abs(d) > 1e-9 {
				t.Fatalf("score %v is not -eps/(sigma sqrt(t(1-t))) = %v", s.At(i, j), k*eps.At(i, j))
			}
		}
	}
	if _, err := sm.Velocity(0.3, x); err == nil || !strings.Contains(err.Error(), "gives the score only") {
		t.Errorf("velocity of a bridge score model: %v", err)
	}
	moons, _ := data.SampleFunc("moons")
	f := func(n int, seed uint64) (*mat.Dense, error) {
		r, err := vm.SampleSDEWithScore(sm.ScoreField(), n, seed, sde.Options{Steps: 100, Noise: sde.Constant(sigma), Seed: seed})
		if err != nil {
			return nil, err
		}
		return r.X, nil
	}
	w, err := metric.W2Draws(f, moons, 1000, 5, 3)
	if err != nil {
		t.Fatal(err)
	}
	if w.Mean > 0.5 {
		t.Errorf("SB-CFM sampled by its SDE with the score head: W2 %v, want < 0.5", w)
	}
	if _, err := vm.SampleSDEWithScore(nil, 10, 1, sde.Options{Steps: 10}); err == nil || !strings.Contains(err.Error(), "score field is nil") {
		t.Errorf("nil score: %v", err)
	}
	bad := sc
	bad.Path = "bridge:0"
	if err := bad.Validate(); err == nil || !strings.Contains(err.Error(), "needs sigma > 0") {
		t.Errorf("score matching on bridge:0: %v", err)
	}
}
