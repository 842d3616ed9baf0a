package train

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/ode"
)

// w2ToMoons is the quality gate: exact W2 between 1000 samples of the model
// (100 Euler steps) and 1000 fresh samples of the noise-free moons.
func w2ToMoons(t *testing.T, m *Model) float64 {
	t.Helper()
	res, err := m.Sample(1000, 2024, ode.Options{Method: "euler", Steps: 100})
	if err != nil {
		t.Fatal(err)
	}
	ref, _ := data.Sample("moons", 1000, 777)
	w, err := metric.W2(res.X, ref)
	if err != nil {
		t.Fatal(err)
	}
	return w
}

// The default training reaches the quality gate W2 <= 0.20, which a model
// after one step fails by far (its samples are still about the Gaussian, W2
// about 0.7); the sampling floor of two moons samples is about 0.07-0.11.
func TestDefaultTrainingPassesW2Gate(t *testing.T) {
	cfg := DefaultConfig()
	cfg.Quiet = true
	one := cfg
	one.Steps = 1
	m1, err := Train(one)
	if err != nil {
		t.Fatal(err)
	}
	w1 := w2ToMoons(t, m1)
	m, err := Train(cfg)
	if err != nil {
		t.Fatal(err)
	}
	w := w2ToMoons(t, m)
	t.Logf("W2 after 1 step: %.3f; after %d steps (%.1fs, %.0f steps/s): %.3f", w1, cfg.Steps, m.Seconds, float64(cfg.Steps)/m.Seconds, w)
	if w1 < 0.5 {
		t.Errorf("an untrained model has W2 %.3f: the gate would not tell it apart", w1)
	}
	if w > 0.20 {
		t.Errorf("W2 after default training = %.3f, want <= 0.20", w)
	}
	if first, last := tailMean(m.History[:100], 100), tailMean(m.History, 100); last >= first {
		t.Errorf("loss did not decrease: first 100 steps %.3f, last 100 %.3f", first, last)
	}
}

func smallConfig() Config {
	cfg := DefaultConfig()
	cfg.Steps, cfg.Batch, cfg.Quiet = 20, 64, true
	cfg.Field.Width = 16
	return cfg
}

func sameVelocities(t *testing.T, a, b *Model) {
	t.Helper()
	x, _ := data.Sample("gaussian", 50, 5)
	for _, tt := range []float64{0, 0.3, 1} {
		va, err := a.Velocity(tt, x)
		if err != nil {
			t.Fatal(err)
		}
		vb, err := b.Velocity(tt, x)
		if err != nil {
			t.Fatal(err)
		}
		if !mat.Equal(va, vb) {
			t.Fatalf("velocities differ at t=%v", tt)
		}
	}
}

func TestCheckpointRoundTripAndCache(t *testing.T) {
	t.Setenv("FMKIT_CACHE", t.TempDir())
	cfg := smallConfig()
	m, err := Cached(cfg)
	if err != nil {
		t.Fatal(err)
	}
	file := CachePath(cfg)
	st, err := os.Stat(file)
	if err != nil {
		t.Fatalf("Cached did not write %s: %v", file, err)
	}
	again, err := Cached(cfg)
	if err != nil {
		t.Fatal(err)
	}
	st2, _ := os.Stat(file)
	if !st2.ModTime().Equal(st.ModTime()) {
		t.Error("the second Cached call trained again instead of loading")
	}
	if len(again.History) != cfg.Steps || again.History[cfg.Steps-1] != m.History[cfg.Steps-1] {
		t.Error("loss history not restored")
	}
	if again.Config.Hash() != cfg.Hash() {
		t.Errorf("config not restored: %+v", again.Config)
	}
	sameVelocities(t, m, again)

	other := cfg
	other.Seed = 2
	if CachePath(other) == file {
		t.Error("different seeds share a cache entry")
	}
	entries, _ := os.ReadDir(filepath.Dir(file))
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestCorruptCheckpoints(t *testing.T) {
	dir := t.TempDir()
	m, err := Train(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "m.ckpt")
	if err := m.Save(good); err != nil {
		t.Fatal(err)
	}
	raw, _ := os.ReadFile(good)
	flipped := bytes.Clone(raw)
	flipped[len(flipped)/2] ^= 0x40
	for name, content := range map[string][]byte{
		"truncated": raw[:len(raw)*2/3],
		"flipped":   flipped,
		"empty":     {},
		"garbage":   []byte("this is not a checkpoint at all, just text"),
	} {
		f := filepath.Join(dir, name+".ckpt")
		_ = os.WriteFile(f, content, 0o644)
		_, err := Load(f)
		if err == nil || !errors.Is(err, ErrCorrupt) || !strings.Contains(err.Error(), f) {
			t.Errorf("%s: got %v, want an ErrCorrupt naming the file", name, err)
		}
	}
	if _, err := Load(filepath.Join(dir, "missing.ckpt")); err == nil || !os.IsNotExist(errors.Unwrap(err)) && !strings.Contains(err.Error(), "no such file") {
		t.Errorf("missing file: %v", err)
	}
	// A damaged cache entry is replaced by a fresh training.
	t.Setenv("FMKIT_CACHE", dir)
	cfg := smallConfig()
	_ = os.WriteFile(CachePath(cfg), raw[:100], 0o644)
	m2, err := Cached(cfg)
	if err != nil {
		t.Fatalf("Cached with a damaged entry: %v", err)
	}
	if _, err := Load(CachePath(cfg)); err != nil {
		t.Errorf("damaged cache entry not replaced: %v", err)
	}
	sameVelocities(t, m2, m)
	// Saving over a directory fails and leaves nothing behind.
	target := filepath.Join(dir, "adir")
	_ = os.Mkdir(target, 0o755)
	if err := m.Save(target); err == nil {
		t.Error("saving over a directory succeeded")
	}
	entries, _ := os.ReadDir(dir)
	for _, e := range entries {
		if strings.Contains(e.Name(), ".tmp") {
			t.Errorf("temporary file left behind: %s", e.Name())
		}
	}
}

func TestDivergenceIsAnError(t *testing.T) {
	cfg := smallConfig()
	cfg.LR, cfg.LRDecay, cfg.Steps = 1e9, "none", 200
	_, err := Train(cfg)
	if err == nil || !strings.Contains(err.Error(), "diverged") || !strings.Contains(err.Error(), "lower the learning rate") {
		t.Fatalf("got %v, want a divergence error", err)
	}
}

func TestConfigValidate(t *testing.T) {
	mod := func(f func(*Config)) Config { c := DefaultConfig(); f(&c); return c }
	for _, c := range []struct {
		cfg  Config
		want string
	}{
		{mod(func(c *Config) { c.Target = "moon" }), `unknown distribution "moon"`},
		{mod(func(c *Config) { c.Source = "uniform" }), `unknown distribution "uniform"`},
		{mod(func(c *Config) { c.Path = "curvy" }), `unknown path "curvy"`},
		{mod(func(c *Config) { c.Coupling = "greedy" }), `unknown coupling "greedy"`},
		{mod(func(c *Config) { c.Coupling = "sinkhorn" }), `set SinkhornEps`},
		{mod(func(c *Config) { c.Field.Activation = "sine" }), `unknown activation "sine"`},
		{mod(func(c *Config) { c.Field.Dim = 3 }), "the field's Dim is 3"},
		{mod(func(c *Config) { c.Steps = 0 }), "Steps must be positive"},
		{mod(func(c *Config) { c.Batch = -1 }), "Batch must be positive"},
		{mod(func(c *Config) { c.LR = 0 }), "learning rate must be a positive number"},
		{mod(func(c *Config) { c.LRDecay = "step" }), `unknown LRDecay "step"`},
	} {
		err := c.cfg.Validate()
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error containing %q", err, c.want)
		}
		if _, err := Train(c.cfg); err == nil {
			t.Errorf("Train accepted an invalid config (%s)", c.want)
		}
	}
	m, err := Train(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Velocity(0.5, mat.NewDense(4, 3, nil)); err == nil || !strings.Contains(err.Error(), "3 columns") {
		t.Errorf("shape mismatch: %v", err)
	}
	if _, err := m.Sample(0, 1, ode.Options{Method: "euler", Steps: 1}); err == nil {
		t.Error("Sample(0) accepted")
	}
}
