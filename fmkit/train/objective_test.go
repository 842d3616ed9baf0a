package train

import (
	"errors"
	"math"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/path"
)

// The new configuration fields are left out of the hash when zero, so the
// default configuration keeps the name of its cached checkpoint
// (moons-ad6e5e69f04b9f9b.ckpt, as committed in notebooks/index.ipynb).
func TestHashOfExistingConfigurations(t *testing.T) {
	if h := DefaultConfig().Hash(); h != "ad6e5e69f04b9f9b" {
		t.Errorf("DefaultConfig().Hash() = %s, want ad6e5e69f04b9f9b: a new Config field changed the hash of existing configurations", h)
	}
	seen := map[string]string{}
	for name, f := range map[string]func(*Config){
		"default":    func(*Config) {},
		"score":      func(c *Config) { c.Objective = "score" },
		"classes":    func(c *Config) { c.Target, c.Classes = "8gaussians", 8 },
		"label drop": func(c *Config) { c.Target, c.Classes, c.LabelDrop = "8gaussians", 8, 0.1 },
	} {
		c := DefaultConfig()
		f(&c)
		if other, dup := seen[c.Hash()]; dup {
			t.Errorf("%s and %s share a hash", name, other)
		}
		seen[c.Hash()] = name
	}
}

func TestModelConfigValidate(t *testing.T) {
	path.Register("test-bent", func() path.Path { return bent{} })
	mod := func(f func(*Config)) Config { c := DefaultConfig(); f(&c); return c }
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{mod(func(c *Config) { c.Objective = "noise" }), `unknown objective "noise": use one of velocity, score`},
		{mod(func(c *Config) { c.Objective, c.Path = "score", "test-bent" }), `needs an affine Gaussian path`},
		{mod(func(c *Config) { c.Objective, c.Source = "score", "8gaussians" }), `needs standard Gaussian noise x0 as the source, got "8gaussians"`},
		{mod(func(c *Config) { c.Classes = -1 }), "Classes must be >= 0"},
		{mod(func(c *Config) { c.LabelDrop = 0.1 }), "LabelDrop = 0.1 needs a conditional model"},
		{mod(func(c *Config) { c.Source, c.Target, c.Classes = "gaussian", "gaussian", 2 }), `"gaussian" has no class labels`},
		{mod(func(c *Config) { c.Target, c.Classes = "checkerboard", 2 }), `target "checkerboard" has 8 classes but Classes = 2; set Classes = 8`},
		{mod(func(c *Config) { c.Classes, c.LabelDrop = 2, 1 }), "LabelDrop must be in [0, 1)"},
		{mod(func(c *Config) { c.Classes, c.LabelDrop = 2, math.NaN() }), "LabelDrop must be in [0, 1)"},
		{mod(func(c *Config) { c.Classes, c.Coupling = 2, "ot" }), `coupling "ot" would pair x0 and x1 across classes`},
	} {
		err := c.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error containing %q", err, c.want)
		}
	}
	for _, ok := range []Config{
		mod(func(c *Config) { c.Objective, c.Path = "score", "vp" }),
		mod(func(c *Config) { c.Objective = "Velocity" }),
		mod(func(c *Config) { c.Classes, c.LabelDrop = 2, 0.2 }),
	} {
		if err := ok.Validate(); err != nil {
			t.Errorf("%v: %v", ok, err)
		}
	}
}

// bent is a non-affine path (for the validation test).
type bent struct{}

func (bent) Name() string { return "test-bent" }
func (bent) Point(t float64, x0, x1, xt, ut []float64) {
	for j := range x0 {
		xt[j] = (1-t)*x0[j] + t*x1[j] + t*(1-t)
		ut[j] = x1[j] - x0[j] + 1 - 2*t
	}
}

func vpConfig(objective string, steps int) Config {
	cfg := DefaultConfig()
	cfg.Path, cfg.Objective, cfg.Steps, cfg.Batch, cfg.Quiet = "vp", objective, steps, 128, true
	return cfg
}

// A score model trains on the noise x0 and is used through conversions:
// its velocity is the probability-flow ODE of its score, and every
// parameterisation converts back to the network's output.
func TestScoreModelConversions(t *testing.T) {
	m, err := Train(vpConfig("score", 5))
	if err != nil {
		t.Fatal(err)
	}
	if m.Config.Output() != path.Epsilon {
		t.Fatalf("a score model predicts %s", m.Config.Output())
	}
	x, _ := data.Sample("gaussian", 20, 3)
	vp := path.DefaultVP()
	for _, tt := range []float64{0, 0.3, 0.9, 1} {
		v, err := m.Velocity(tt, x)
		if err != nil {
			t.Fatal(err)
		}
		s, err := m.Predict(tt, x, path.Score)
		if err != nil {
			t.Fatal(err)
		}
		eps, err := m.Predict(tt, x, path.Epsilon)
		if err != nil {
			t.Fatal(err)
		}
		pf := make([]float64, 2)
		_, sigma, _, _ := vp.Coefficients(tt)
		for i := range 20 {
			vp.ProbabilityFlow(tt, x.RawRowView(i), s.RawRowView(i), pf)
			for j := range 2 {
				if math.Abs(pf[j]-v.At(i, j)) > 1e-9*math.Max(1, math.Abs(pf[j])) {
					t.Fatalf("t=%v: velocity %v, probability-flow ODE of the score %v", tt, v.At(i, j), pf[j])
				}
				if math.Abs(s.At(i, j)+eps.At(i, j)/sigma) > 1e-9*math.Max(1, math.Abs(s.At(i, j))) {
					t.Fatalf("t=%v: score %v is not -eps/sigma = %v", tt, s.At(i, j), -eps.At(i, j)/sigma)
				}
			}
		}
	}
	defer func() {
		if r := recover(); r == nil || !strings.Contains(r.(string), "predicts the noise") {
			t.Errorf("VelocityGraph of a score model: %v", r)
		}
	}()
	m.VelocityGraph(m.Context(), nil, nil)
}

// The same target learned two ways on the VP path: a velocity model (flow
// matching) and a score model (denoising score matching, sampled through
// the probability-flow ODE) both carry the Gaussian to the moons; one Adam
// step leaves either far from them. The gate, W2 <= 0.35 at n = 1000, is
// loose (the sampling floor is about 0.1) to keep the test short.
func TestScoreAndVelocityModelsLearnTheMoons(t *testing.T) {
	ref, _ := data.Sample("moons", 1000, 777)
	w2 := func(m *Model) float64 {
		res, err := m.Sample(1000, 2024, ode.Options{Method: "rk4", Steps: 25})
		if err != nil {
			t.Fatal(err)
		}
		w, err := metric.W2(res.X, ref)
		if err != nil {
			t.Fatal(err)
		}
		return w
	}
	for _, obj := range []string{"velocity", "score"} {
		untrained, err := Train(vpConfig(obj, 1))
		if err != nil {
			t.Fatal(err)
		}
		cfg := vpConfig(obj, 1000)
		m, err := Train(cfg)
		if err != nil {
			t.Fatal(err)
		}
		w0, w := w2(untrained), w2(m)
		t.Logf("%s model on the VP path: W2 after 1 step %.3f, after %d steps %.3f (%.0f steps/s)", obj, w0, cfg.Steps, w, float64(cfg.Steps)/m.Seconds)
		if w0 < 0.5 {
			t.Errorf("%s: the untrained model has W2 %.3f: the gate would not tell it apart", obj, w0)
		}
		if w > 0.35 {
			t.Errorf("%s: W2 after training = %.3f, want <= 0.35", obj, w)
		}
	}
}

func TestScoreModelCheckpoint(t *testing.T) {
	t.Setenv("FMKIT_CACHE", t.TempDir())
	cfg := vpConfig("score", 10)
	m, err := Cached(cfg)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Load(CachePath(cfg))
	if err != nil {
		t.Fatal(err)
	}
	if again.Config.Hash() != cfg.Hash() || again.Config.Output() != path.Epsilon {
		t.Fatalf("configuration not restored: %v", again.Config)
	}
	sameVelocities(t, m, again)
	if filepath.Base(CachePath(cfg)) == filepath.Base(CachePath(vpConfig("velocity", 10))) {
		t.Error("score and velocity models share a cache entry")
	}
}

func TestStepTimes(t *testing.T) {
	a, b := smallConfig(), smallConfig()
	b.Objective, b.Path = "score", "vp"
	sec, err := StepTimes(5, 2, a, b)
	if err != nil {
		t.Fatal(err)
	}
	if len(sec) != 2 || !(sec[0] > 0) || !(sec[1] > 0) {
		t.Errorf("StepTimes = %v", sec)
	}
	if _, err := StepTimes(0, 1, a); err == nil || !strings.Contains(err.Error(), "positive") {
		t.Errorf("0 steps: %v", err)
	}
	if _, err := StepTimes(1, 1); err == nil || !strings.Contains(err.Error(), "no configurations") {
		t.Errorf("no configurations: %v", err)
	}
	bad := smallConfig()
	bad.Objective = "noise"
	if _, err := StepTimes(1, 1, a, bad); err == nil || !strings.Contains(err.Error(), "configuration 1") {
		t.Errorf("invalid configuration: %v", err)
	}
}

func TestSampleAdaptive(t *testing.T) {
	m, err := Train(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	res, err := m.SampleAdaptive(100, 1, ode.AdaptiveOptions{RTol: 1e-3, ATol: 1e-3})
	if err != nil {
		t.Fatal(err)
	}
	if r, c := res.X.Dims(); r != 100 || c != 2 || res.NFE == 0 || res.Accepted == 0 {
		t.Errorf("got %dx%d, NFE %d, accepted %d", r, c, res.NFE, res.Accepted)
	}
	fixed, _ := m.Sample(100, 1, ode.Options{Method: "rk4", Steps: 50})
	if !mat.EqualApprox(fixed.X, res.X, 0.05) {
		t.Error("adaptive and RK4 samples from the same x0 differ")
	}
	if _, err := m.SampleAdaptive(0, 1, ode.AdaptiveOptions{RTol: 1e-3, ATol: 1e-3}); err == nil {
		t.Error("SampleAdaptive(0) accepted")
	}
	if _, err := m.SampleAdaptive(10, 1, ode.AdaptiveOptions{RTol: 0, ATol: 1e-3}); err == nil || !strings.Contains(err.Error(), "positive tolerances") {
		t.Errorf("rtol 0: %v", err)
	}
}

// Timings ranks a function that does 100 times the work of another as
// slower (a ratio, not an absolute time), and reports errors.
func TestTimings(t *testing.T) {
	work := func(n int) func() error {
		return func() error {
			s := 0.0
			for i := range n {
				s += math.Sqrt(float64(i))
			}
			if s < 0 {
				return errors.New("impossible")
			}
			return nil
		}
	}
	sec, err := Timings(5, work(10000), work(1000000))
	if err != nil {
		t.Fatal(err)
	}
	if !(sec[1] > 10*sec[0]) {
		t.Errorf("100x the work took %v vs %v seconds", sec[1], sec[0])
	}
	if _, err := Timings(0, work(1)); err == nil {
		t.Error("0 rounds accepted")
	}
	if _, err := Timings(1); err == nil {
		t.Error("no functions accepted")
	}
	if _, err := Timings(1, work(1), func() error { return errors.New("boom") }); err == nil || !strings.Contains(err.Error(), "function 1: boom") {
		t.Errorf("error: %v", err)
	}
}
