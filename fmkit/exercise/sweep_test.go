package exercise_test

import (
	"bytes"
	"math"
	"strings"
	"testing"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/exercise"
	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/path"
	fmtrain "github.com/flowmatching/gofm/fmkit/train"
)

// tinySweep is a sweep small enough for a test: a narrow network, few steps.
func tinySweep(values ...float64) exercise.PathSweep {
	cfg := fmtrain.DefaultConfig()
	cfg.Field.Width, cfg.Field.Depth = 32, 2
	cfg.Steps, cfg.Batch, cfg.Quiet = 300, 128, true
	return exercise.PathSweep{
		Param: "a", Values: values, Baseline: 0, Train: cfg,
		Path: func(a float64) (path.Path, error) { return path.Curved{A: a}, nil },
		NFE:  []int{1, 4}, EnergySteps: 20, N: 300, Draws: 5, Seed: 9,
	}
}

func TestPathSweep(t *testing.T) {
	t.Setenv("FMKIT_CACHE", t.TempDir())
	s := tinySweep(0, 3)
	s.SeedCheck = true
	res, err := s.Run()
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Points) != 2 || res.SeedCheck == nil || res.SeedCheck.Seed != s.Train.Seed+1 || res.SeedCheck.Value != 0 {
		t.Fatalf("points %+v, seed check %+v", res.Points, res.SeedCheck)
	}
	base, bent := res.Points[0], res.Points[1]
	if base.Path != "linear" && base.Path != (path.Curved{}).Name() || bent.Path != (path.Curved{A: 3}).Name() {
		t.Errorf("trained on %q and %q", base.Path, bent.Path)
	}
	// The baseline compared with itself: no difference.
	for k := range s.NFE {
		if c := base.W2VsBaseline[k]; c.Diff.Mean != 0 || c.Verdict != metric.WithinNoise {
			t.Errorf("baseline against itself at %d steps: %+v", s.NFE[k], c.Diff)
		}
	}
	// The W2 of a point are those of the model measured on its own, draw by draw.
	cfg := s.Train
	cfg.Path = bent.Path
	m, err := fmtrain.Cached(cfg)
	if err != nil {
		t.Fatal(err)
	}
	ref := func(n int, seed uint64) (*mat.Dense, error) { return data.Sample("moons", n, seed) }
	for k, nfe := range s.NFE {
		w, err := metric.W2Draws(m.SampleFunc(ode.Options{Method: "euler", Steps: nfe}), ref, s.N, s.Draws, s.Seed)
		if err != nil {
			t.Fatal(err)
		}
		for d := range w.Values {
			if math.Abs(w.Values[d]-bent.W2[k].Values[d]) > 1e-3 {
				t.Errorf("W2 at %d steps, draw %d: sweep %v, direct %v", nfe, d, bent.W2[k].Values[d], w.Values[d])
			}
		}
	}
	for _, p := range append(res.Points, *res.SeedCheck) {
		if p.Excess.Mean < -1e-6 || math.Abs(p.Energy.Mean-p.Displacement.Mean-p.Excess.Mean) > 1e-9 || p.Straightness.Mean <= 0 || p.Straightness.Mean > 1 {
			t.Errorf("a=%v: energy %v, displacement %v, excess %v, straightness %v", p.Value, p.Energy, p.Displacement, p.Excess, p.Straightness)
		}
	}
	// The bent path's conditional energy is (1 + a^2/3) E||x1 - x0||^2, 4x the
	// straight one's at a = 3: its learned flow spends more, beyond the noise.
	if c := bent.EnergyVsBaseline; c.Verdict != metric.BLower || bent.Energy.Mean < 1.5*base.Energy.Mean {
		t.Errorf("kinetic energy a=3 %v against a=0 %v: %v", bent.Energy, base.Energy, c.Sentence("a=3", "a=0"))
	}
	if f, err := res.Figure(); err != nil || f == nil {
		t.Errorf("figure: %v", err)
	}
	res.Table() // prints a text table outside a notebook
}

func TestPathSweepBadInput(t *testing.T) {
	for _, c := range []struct {
		change func(*exercise.PathSweep)
		want   string
	}{
		{func(s *exercise.PathSweep) { s.Baseline = 5 }, "baseline a = 5 is not one of the values"},
		{func(s *exercise.PathSweep) { s.Values = []float64{0} }, "at least 2 values"},
		{func(s *exercise.PathSweep) { s.Values = []float64{0, 1, 0} }, "appears twice"},
		{func(s *exercise.PathSweep) { s.NFE = []int{2, 0} }, "positive Euler step counts"},
		{func(s *exercise.PathSweep) { s.Draws = 2 }, "at least 5 draws"},
		{func(s *exercise.PathSweep) { s.EnergySteps = 1 }, "at least 2 steps"},
		{func(s *exercise.PathSweep) { s.Path = nil }, "no Path function"},
		{func(s *exercise.PathSweep) {
			s.Path = func(a float64) (path.Path, error) {
				return path.FromFormula("tilted", 2, func(t path.Dual, x0, x1 []float64, xt []path.Dual) {
					xt[0] = t.Lerp(x0[0], x1[0]).Add(t.Scale(a)) // misses x1 unless a = 0
					xt[1] = t.Lerp(x0[1], x1[1])
				})
			}
			s.Train.Steps = 5
		}, "the path of a = 1: path tilted: the formula misses the endpoint"},
	} {
		t.Setenv("FMKIT_CACHE", t.TempDir())
		s := tinySweep(0, 1)
		c.change(&s)
		if _, err := s.Run(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("want %q, got %v", c.want, err)
		}
	}
}

func TestSweepView(t *testing.T) {
	t.Setenv("FMKIT_CACHE", t.TempDir())
	s := tinySweep(0, 2)
	if _, err := s.View(); err == nil || !strings.Contains(err.Error(), "the model of a = 0 is not trained") || !strings.Contains(err.Error(), "never trains") {
		t.Fatalf("a view before the sweep ran: %v", err)
	}
	if _, err := s.Run(); err != nil {
		t.Fatal(err)
	}
	v, err := s.View()
	if err != nil {
		t.Fatal(err)
	}
	start := time.Now()
	a0, err := v.PNG(0)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("first figure (loads the model) in %v", time.Since(start))
	a2, err := v.PNG(2)
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Equal(a0, a2) || !bytes.HasPrefix(a0, []byte("\x89PNG")) {
		t.Error("the figures of a = 0 and a = 2 are the same, or not PNG")
	}
	if again, err := v.PNG(0); err != nil || !bytes.Equal(again, a0) {
		t.Errorf("drawing a = 0 again gave another figure (err %v)", err)
	}
	if _, err := v.PNG(1); err == nil || !strings.Contains(err.Error(), "a = 1 is not one of the sweep's values") {
		t.Errorf("a value not swept: %v", err)
	}
}
