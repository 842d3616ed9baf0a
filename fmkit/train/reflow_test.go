package train

import (
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/field"
	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/ode"
)

// reflowParent is a CFM model of the moons (independent pairs, linear
// path), trained once for the reflow tests: its flow is curved
// (straightness about 0.5).
var reflowParent = sync.OnceValues(func() (*Model, error) {
	return Train(Config{
		Source: "gaussian", Target: "moons", Path: "linear", Coupling: "independent",
		Field: field.MLP{Dim: 2, Width: 64, Depth: 3, Activation: "swish", TimeFreqs: 4, MaxFreq: 10},
		Steps: 800, Batch: 128, LR: 1e-2, LRDecay: "cosine", MinLRFraction: 0.01, Seed: 1, Quiet: true,
	})
})

func parentOf(t *testing.T) *Rectified {
	t.Helper()
	m, err := reflowParent()
	if err != nil {
		t.Fatal(err)
	}
	r, err := Rectify(m)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

// testReflowOptions: 1000 pairs from 4 RK4 steps (NFE 16), 300 Adam steps.
func testReflowOptions() ReflowOptions {
	return ReflowOptions{Pairs: 1000, Solver: ode.Options{Method: "rk4", Steps: 4}, Steps: 300, Seed: 3, Quiet: true}
}

var accurateSolver = ode.Options{Method: "rk4", Steps: 8}

// straighterThan is the test's check that m is a useful reflow of parent:
// its flow is straighter beyond the noise (paired test on the same x0 over
// 5 draws of 1000 points) AND it still samples the moons (W2 of 1000
// accurate samples to 1000 fresh moons <= 0.3, where the noise of the data
// is 0.05-0.17 and an untrained network is far above). It returns the
// reason when it fails.
func straighterThan(t *testing.T, m, parent *Model) (bool, string) {
	t.Helper()
	a, err := MeasureFlow(m, accurateSolver, 1000, 5, 9)
	if err != nil {
		t.Fatal(err)
	}
	b := a
	if parent != m {
		if b, err = MeasureFlow(parent, accurateSolver, 1000, 5, 9); err != nil {
			t.Fatal(err)
		}
	}
	c, err := metric.PairedTest(b.Straightness.Values, a.Straightness.Values)
	if err != nil {
		t.Fatal(err)
	}
	if c.Verdict != metric.ALower {
		return false, "straightness " + a.Straightness.String() + " not above the parent's " + b.Straightness.String() + ": " + c.Sentence("parent", "model")
	}
	res, err := m.Sample(1000, 21, accurateSolver)
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := data.Sample("moons", 1000, 22)
	w, err := metric.W2(res.X, ref)
	if err != nil {
		t.Fatal(err)
	}
	if w > 0.3 {
		return false, "straight but not the moons: W2 " + metric.Estimate{Mean: w}.Format(3)
	}
	return true, ""
}

func TestReflowStraighterThanParent(t *testing.T) {
	p := parentOf(t)
	x, _ := data.Sample("gaussian", 50, 5)
	before, err := p.Velocity(0.3, x)
	if err != nil {
		t.Fatal(err)
	}
	r2, err := p.Reflow(testReflowOptions())
	if err != nil {
		t.Fatal(err)
	}
	if ok, why := straighterThan(t, r2.Model, p.Model); !ok {
		t.Errorf("2-rectified flow: %s", why)
	}
	// The check fails for an unchanged model and for an untrained one.
	if ok, _ := straighterThan(t, p.Model, p.Model); ok {
		t.Error("the check passes the parent itself")
	}
	untrainedOpt := testReflowOptions()
	untrainedOpt.FromScratch, untrainedOpt.Steps = true, 1
	untrained, err := p.Reflow(untrainedOpt)
	if err != nil {
		t.Fatal(err)
	}
	if ok, _ := straighterThan(t, untrained.Model, p.Model); ok {
		t.Error("the check passes a network trained for one step from scratch")
	}
	// The parent is untouched by the warm start.
	after, err := p.Velocity(0.3, x)
	if err != nil {
		t.Fatal(err)
	}
	if !mat.Equal(before, after) {
		t.Error("reflow changed the parent's weights")
	}
	// Lineage and cost.
	if r2.Kind != "reflow" || r2.K != 2 || len(r2.Costs) != 2 || r2.Costs[0].Stage != "cfm" {
		t.Errorf("lineage: kind %q K %d costs %+v", r2.Kind, r2.K, r2.Costs)
	}
	c := r2.Costs[1]
	if c.Pairs != 1000 || c.PairNFE != 16 || c.PairEvals != 16000 || c.TrainSteps != 300 || !(c.PairSeconds > 0) || !(c.TrainSeconds > 0) {
		t.Errorf("stage cost %+v", c)
	}
	if tot := r2.TotalCost(); tot.TrainSteps != 800+300 || tot.PairEvals != 16000 || tot.TrainSeconds != p.Seconds+c.TrainSeconds {
		t.Errorf("total cost %+v", tot)
	}
	if r2.Config.Steps != 300 || r2.Config.Batch != 128 || r2.Config.LR != p.Config.LR || r2.Config.Seed != 3 {
		t.Errorf("stage config: %s", r2.Config)
	}
	t.Logf("2-RF: %+v; total %+v", c, r2.TotalCost())
}

func TestDistillBeatsParentAtOneStep(t *testing.T) {
	p := parentOf(t)
	d, err := p.Distill(testReflowOptions())
	if err != nil {
		t.Fatal(err)
	}
	if d.Kind != "distill" || d.K != 1 {
		t.Errorf("distilled model: kind %q K %d", d.Kind, d.K)
	}
	one := ode.Options{Method: "euler", Steps: 1}
	moons, _ := data.SampleFunc("moons")
	c, err := metric.ComparePaired(d.SampleFunc(one), p.SampleFunc(one), moons, 500, 5, 4)
	if err != nil {
		t.Fatal(err)
	}
	t.Log(c.Sentence("distilled, 1 Euler step", "parent, 1 Euler step"))
	if c.Verdict != metric.ALower {
		t.Errorf("distillation does not beat its parent at one step: %s", c.Sentence("distilled", "parent"))
	}
	if _, err := d.Reflow(testReflowOptions()); err == nil || !strings.Contains(err.Error(), "distilled model") {
		t.Errorf("reflow of a distilled model: %v", err)
	}
}

func TestReflowBadInput(t *testing.T) {
	cfg := smallConfig()
	m, err := Train(cfg)
	if err != nil {
		t.Fatal(err)
	}
	p, err := Rectify(m)
	if err != nil {
		t.Fatal(err)
	}
	ok := ReflowOptions{Pairs: 10, Solver: ode.Options{Method: "euler", Steps: 2}, Steps: 2, Quiet: true}
	mod := func(f func(*ReflowOptions)) ReflowOptions { o := ok; f(&o); return o }
	for _, c := range []struct {
		opt  ReflowOptions
		want string
	}{
		{mod(func(o *ReflowOptions) { o.Pairs = 0 }), "Pairs must be positive, got 0"},
		{mod(func(o *ReflowOptions) { o.Pairs = -5 }), "Pairs must be positive, got -5"},
		{mod(func(o *ReflowOptions) { o.Steps = 0 }), "Steps must be positive, got 0"},
		{mod(func(o *ReflowOptions) { o.Batch = -1 }), "Batch must be positive"},
		{mod(func(o *ReflowOptions) { o.LR = -1 }), "LR must be a positive number"},
		{mod(func(o *ReflowOptions) { o.Solver.Steps = 0 }), "Solver.Steps must be positive"},
		{mod(func(o *ReflowOptions) { o.Solver.Method = "dopri5" }), "dopri5 is adaptive"},
		{mod(func(o *ReflowOptions) { o.Solver.Method = "" }), "Solver"},
		{mod(func(o *ReflowOptions) { o.Solver.T0, o.Solver.T1 = 1, 0 }), "from t = 0 to 1"},
	} {
		for name, f := range map[string]func(ReflowOptions) (*Rectified, error){"Reflow": p.Reflow, "Distill": p.Distill, "CachedReflow": p.CachedReflow} {
			if _, err := f(c.opt); err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: got %v, want an error containing %q", name, err, c.want)
			}
		}
	}
	score := cfg
	score.Path, score.Objective = "vp", "score"
	cond := cfg
	cond.Classes, cond.LabelDrop = 8, 0.2
	for _, c := range []struct {
		m    *Model
		want string
	}{
		{nil, "no parent model"},
		{&Model{Config: score}, "reflow needs a velocity model"},
		{&Model{Config: cond}, "parent model is conditional (8 classes)"},
	} {
		if _, err := Rectify(c.m); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Rectify: got %v, want an error containing %q", err, c.want)
		}
	}
	var none *Rectified
	if _, err := none.Reflow(ok); err == nil || !strings.Contains(err.Error(), "train.Rectify") {
		t.Errorf("nil lineage: %v", err)
	}
	// Pairs: x0 as Model.Sample draws it, x1 its end point (float32 sampler).
	x0, x1, nfe, _, err := p.Pairs(50, 7, ok.Solver)
	if err != nil {
		t.Fatal(err)
	}
	ref, err := m.Sample(50, 7, ok.Solver)
	if err != nil {
		t.Fatal(err)
	}
	if nfe != 2 || !mat.Equal(x0, m.Source().Sample(50, data.NewRand(7))) || !mat.EqualApprox(x1, ref.X, 1e-4) {
		t.Errorf("Pairs: NFE %d; x0 or x1 differ from Model.Sample's", nfe)
	}
	if _, _, _, _, err := p.Pairs(0, 1, ok.Solver); err == nil || !strings.Contains(err.Error(), "must be positive") {
		t.Errorf("Pairs(0): %v", err)
	}
	other := cfg
	other.Field.Width = 8
	if _, err := newTrainerFrom(other, m); err == nil || !strings.Contains(err.Error(), "cannot warm-start") {
		t.Errorf("warm start across networks: %v", err)
	}
	if _, err := MeasureFlow(m, accurateSolver, 100, 2, 1); err == nil || !strings.Contains(err.Error(), "at least 5 draws") {
		t.Errorf("MeasureFlow with 2 draws: %v", err)
	}
}

func TestReflowWarmStartCopiesWeights(t *testing.T) {
	m, err := Train(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	cfg := smallConfig()
	cfg.Seed = 7 // another random initialisation, which the copy must override
	tr, err := newTrainerFrom(cfg, m)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	sameVelocities(t, tr.Model(), m)
	scratch, err := newTrainerFrom(cfg, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer scratch.Close()
	x0, _ := data.Sample("gaussian", 64, 1)
	x1, _ := data.Sample("moons", 64, 2)
	tt := make([]float64, 64)
	if _, err := scratch.StepOn(tt, x0, x1, 1e-3); err != nil {
		t.Fatal(err)
	}
	a, _ := scratch.Model().Velocity(0.5, x0)
	b, _ := m.Velocity(0.5, x0)
	if mat.Equal(a, b) {
		t.Error("a trainer without init has the parent's weights")
	}
	// Training the warm-started copy leaves the parent alone.
	before, _ := m.Velocity(0.5, x0)
	if _, err := tr.StepOn(tt, x0, x1, 1e-2); err != nil {
		t.Fatal(err)
	}
	after, _ := m.Velocity(0.5, x0)
	if !mat.Equal(before, after) {
		t.Error("a step of the warm-started trainer changed the parent")
	}
	moved, _ := tr.Model().Velocity(0.5, x0)
	if mat.Equal(moved, after) {
		t.Error("the warm-started trainer did not move")
	}
}

func TestReflowCache(t *testing.T) {
	t.Setenv("FMKIT_CACHE", t.TempDir())
	m, err := Train(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	p, err := Rectify(m)
	if err != nil {
		t.Fatal(err)
	}
	opt := ReflowOptions{Pairs: 64, Solver: ode.Options{Method: "euler", Steps: 3}, Steps: 5, Seed: 2, Quiet: true}
	r, err := p.CachedReflow(opt)
	if err != nil {
		t.Fatal(err)
	}
	ckpt, meta := stageFiles(r.Config.Target, r.Key)
	st, err := os.Stat(ckpt)
	if err != nil {
		t.Fatalf("no checkpoint: %v", err)
	}
	if _, err := os.Stat(meta); err != nil {
		t.Fatalf("no metadata: %v", err)
	}
	again, err := p.CachedReflow(opt)
	if err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(ckpt)
	if !st2.ModTime().Equal(st.ModTime()) {
		t.Error("the second CachedReflow trained again")
	}
	sameVelocities(t, r.Model, again.Model)
	if again.Key != r.Key || again.K != 2 || len(again.Costs) != 2 || again.Costs[1] != r.Costs[1] {
		t.Errorf("lineage not restored: %+v vs %+v", again.Costs, r.Costs)
	}
	// 3-RF from the loaded 2-RF: a new key that depends on the lineage.
	r3, err := again.CachedReflow(opt)
	if err != nil {
		t.Fatal(err)
	}
	if r3.K != 3 || r3.Key == r.Key || len(r3.Costs) != 3 {
		t.Errorf("3-RF: K %d key %s costs %d", r3.K, r3.Key, len(r3.Costs))
	}
	other := opt
	other.Pairs = 65
	d, err := p.CachedDistill(opt)
	if err != nil {
		t.Fatal(err)
	}
	quiet := opt
	quiet.Quiet = false
	keyOf := func(o ReflowOptions) string {
		v, err := o.validate(p.Model)
		if err != nil {
			t.Fatal(err)
		}
		return stageKey(p.Key, "reflow", v)
	}
	if keyOf(other) == r.Key || d.Key == r.Key || keyOf(quiet) != r.Key || keyOf(opt) != r.Key {
		t.Error("stage keys do not follow the options (or depend on Quiet)")
	}
	// Damaged metadata: trained again and replaced.
	if err := os.WriteFile(meta, []byte("{"), 0o644); err != nil {
		t.Fatal(err)
	}
	fixed, err := p.CachedReflow(opt)
	if err != nil {
		t.Fatal(err)
	}
	sameVelocities(t, fixed.Model, r.Model) // the same seeds give the same model
	if _, _, ok := loadStage(r.Key, r.Config, true); !ok {
		t.Error("damaged metadata not replaced")
	}
	entries, _ := os.ReadDir(filepath.Dir(ckpt))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestW2AgainstStepsIsW2Draws(t *testing.T) {
	m, err := Train(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	moons, _ := data.SampleFunc("moons")
	steps := []int{1, 3}
	est, err := W2AgainstSteps([]*Model{m, m}, "euler", steps, moons, 200, 5, 8)
	if err != nil {
		t.Fatal(err)
	}
	for j, s := range steps {
		want, err := metric.W2Draws(m.SampleFunc(ode.Options{Method: "euler", Steps: s}), moons, 200, 5, 8)
		if err != nil {
			t.Fatal(err)
		}
		for i := range 2 {
			for k, v := range want.Values {
				if est[i][j].Values[k] != v {
					t.Fatalf("model %d, %d steps, draw %d: %v, W2Draws gives %v", i, s, k, est[i][j].Values[k], v)
				}
			}
		}
		if est[0][j].Values[0] != est[1][j].Values[0] {
			t.Errorf("the same model twice gives two values at %d steps", s)
		}
	}
	if est[0][0].Mean == est[0][1].Mean {
		t.Error("1 and 3 Euler steps give the same W2")
	}
	for _, c := range []struct {
		models []*Model
		method string
		steps  []int
		draws  int
		want   string
	}{
		{nil, "euler", steps, 5, "at least one model"},
		{[]*Model{nil}, "euler", steps, 5, "model 0 is nil"},
		{[]*Model{m}, "euler", []int{0}, 5, "must be positive, got 0"},
		{[]*Model{m}, "dopri5", steps, 5, "adaptive"},
		{[]*Model{m}, "euler", steps, 2, "at least 5"},
	} {
		if _, err := W2AgainstSteps(c.models, c.method, c.steps, moons, 100, c.draws, 1); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error containing %q", err, c.want)
		}
	}
}
