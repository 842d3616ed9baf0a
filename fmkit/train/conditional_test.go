package train

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/ode"
)

func condConfig(steps int) Config {
	cfg := DefaultConfig()
	cfg.Target, cfg.Classes, cfg.LabelDrop = "8gaussians", 8, 0.2
	cfg.Steps, cfg.Batch, cfg.Quiet = steps, 128, true
	return cfg
}

// nearestCentre labels a point of the 8 Gaussians by its nearest centre.
func nearestCentre(p []float64) int {
	a := math.Atan2(p[1], p[0])
	return int(math.Round(a/(2*math.Pi/8)+8)) % 8
}

func classAccuracy(t *testing.T, m *Model, labels []int, w float64) float64 {
	t.Helper()
	res, err := m.SampleGuided(labels, w, 3, ode.Options{Method: "midpoint", Steps: 20})
	if err != nil {
		t.Fatal(err)
	}
	right := 0
	for i, l := range labels {
		if nearestCentre(res.X.RawRowView(i)) == l {
			right++
		}
	}
	return float64(right) / float64(len(labels))
}

// A conditional model trained with label dropout generates each class on
// request: at w = 0 nearly every sample lands on its own component, with
// guidance too, and at w = -1 (the unconditional field) only about 1/8 do.
// After one step the model does no better than chance.
func TestConditionalModelGeneratesClasses(t *testing.T) {
	labels := Repeat(8, 40)
	untrained, err := Train(condConfig(1))
	if err != nil {
		t.Fatal(err)
	}
	m, err := Train(condConfig(1000))
	if err != nil {
		t.Fatal(err)
	}
	a0 := classAccuracy(t, untrained, labels, 0)
	acc := map[float64]float64{}
	for _, w := range []float64{-1, 0, 2} {
		acc[w] = classAccuracy(t, m, labels, w)
	}
	t.Logf("fraction of samples on their class's component: untrained %.2f; trained w=-1 %.2f, w=0 %.2f, w=2 %.2f", a0, acc[-1], acc[0], acc[2])
	if a0 > 0.4 {
		t.Errorf("untrained accuracy %.2f: the gate would not tell it apart", a0)
	}
	if acc[0] < 0.9 || acc[2] < 0.9 {
		t.Errorf("conditional accuracy %.2f (w=0), %.2f (w=2), want >= 0.9", acc[0], acc[2])
	}
	if acc[-1] > 0.3 {
		t.Errorf("unconditional (w=-1) samples match the label %.2f of the time, want about 1/8", acc[-1])
	}
}

func TestConditionalCheckpoint(t *testing.T) {
	t.Setenv("FMKIT_CACHE", t.TempDir())
	cfg := condConfig(10)
	m, err := Cached(cfg)
	if err != nil {
		t.Fatal(err)
	}
	again, err := Cached(cfg)
	if err != nil {
		t.Fatal(err)
	}
	if again.Config.Classes != 8 || again.Config.LabelDrop != 0.2 {
		t.Fatalf("configuration not restored: %+v", again.Config)
	}
	x, _ := data.Sample("gaussian", 16, 1)
	labels := Repeat(8, 2)
	for _, w := range []float64{0, 1.5} {
		fa, _ := m.Guided(labels, w)
		fb, _ := again.Guided(labels, w)
		va, err := fa.Velocity(0.4, x)
		if err != nil {
			t.Fatal(err)
		}
		vb, err := fb.Velocity(0.4, x)
		if err != nil {
			t.Fatal(err)
		}
		if !mat.Equal(va, vb) {
			t.Errorf("w=%v: the reloaded model differs", w)
		}
	}
}

// Label dropout replaces the expected fraction of labels by ∅.
func TestLabelDropout(t *testing.T) {
	cfg := condConfig(1)
	cfg.Batch = 1000
	tr, err := NewTrainer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	_, x0, x1, labels, err := tr.DrawLabelled()
	if err != nil {
		t.Fatal(err)
	}
	dropped := 0
	for i, l := range labels {
		if l == 8 {
			dropped++
		} else if nearestCentre(x1.RawRowView(i)) != l {
			t.Fatalf("label %d for point %v", l, x1.RawRowView(i))
		}
	}
	if dropped < 160 || dropped > 240 {
		t.Errorf("%d of 1000 labels dropped, want about 200", dropped)
	}
	if r, _ := x0.Dims(); r != 1000 {
		t.Errorf("x0 has %d rows", r)
	}
}

func TestConditionalBadInput(t *testing.T) {
	m, err := Train(condConfig(2))
	if err != nil {
		t.Fatal(err)
	}
	x, _ := data.Sample("gaussian", 4, 1)
	for _, c := range []struct {
		labels []int
		w      float64
		want   string
	}{
		{[]int{0, 1}, math.NaN(), "guidance weight w = NaN: use a finite number"},
		{[]int{0, 1}, math.Inf(1), "guidance weight w = +Inf"},
		{[]int{0, 9}, 1, "label 9 (row 1) is outside the model's classes 0..7"},
		{[]int{-1}, 1, "label -1 (row 0) is outside"},
		{[]int{8}, 1, "is ∅"},
		{nil, 1, "no labels"},
	} {
		if _, err := m.Guided(c.labels, c.w); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("Guided(%v, %v): got %v, want %q", c.labels, c.w, err, c.want)
		}
		if _, err := m.SampleGuided(c.labels, c.w, 1, ode.Options{Method: "euler", Steps: 2}); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("SampleGuided(%v, %v): got %v, want %q", c.labels, c.w, err, c.want)
		}
	}
	f, _ := m.Guided([]int{0, 1, 2}, 1)
	if _, err := f.Velocity(0.5, x); err == nil || !strings.Contains(err.Error(), "for 3 points of dimension 2, got 4x2") {
		t.Errorf("row count mismatch: %v", err)
	}
	if _, err := m.Velocity(0.5, x); err == nil || !strings.Contains(err.Error(), "conditional") {
		t.Errorf("Velocity of a conditional model: %v", err)
	}
	if _, err := m.Sample(4, 1, ode.Options{Method: "euler", Steps: 2}); err == nil || !strings.Contains(err.Error(), "SampleGuided") {
		t.Errorf("Sample of a conditional model: %v", err)
	}
	tr, _ := NewTrainer(condConfig(2))
	defer tr.Close()
	tt, x0, x1, labels, _ := tr.DrawLabelled()
	if _, err := tr.StepOn(tt, x0, x1, 0.01); err == nil || !strings.Contains(err.Error(), "StepOnLabelled") {
		t.Errorf("StepOn of a conditional trainer: %v", err)
	}
	labels[3] = 12
	if _, err := tr.StepOnLabelled(tt, x0, x1, labels, 0.01); err == nil || !strings.Contains(err.Error(), "label 12 (row 3)") {
		t.Errorf("bad training label: %v", err)
	}
	if _, err := tr.StepOnLabelled(tt, x0, x1, labels[:5], 0.01); err == nil || !strings.Contains(err.Error(), "5 labels") {
		t.Errorf("short labels: %v", err)
	}
	plain, _ := NewTrainer(smallConfig())
	defer plain.Close()
	if _, _, _, _, err := plain.DrawLabelled(); err == nil || !strings.Contains(err.Error(), "unconditional") {
		t.Errorf("DrawLabelled of an unconditional trainer: %v", err)
	}
	um, _ := Train(smallConfig())
	if _, err := um.Guided([]int{0}, 1); err == nil || !strings.Contains(err.Error(), "unconditional") {
		t.Errorf("Guided of an unconditional model: %v", err)
	}
}

func TestRepeat(t *testing.T) {
	if got := Repeat(3, 2); len(got) != 6 || got[0] != 0 || got[1] != 0 || got[2] != 1 || got[5] != 2 {
		t.Errorf("Repeat(3, 2) = %v", got)
	}
}

// The classifier separates the 8 Gaussians (held-out accuracy near 1) and
// reports per-class accuracy; an untrained-sized run of 1 step does not.
func TestClassifier(t *testing.T) {
	x, labels, _ := data.SampleLabelled("8gaussians", 2000, 1)
	xt, lt, _ := data.SampleLabelled("8gaussians", 800, 2)
	cfg := DefaultClassifierConfig()
	cfg.Steps = 300
	c, err := FitClassifier(x, labels, 8, cfg)
	if err != nil {
		t.Fatal(err)
	}
	s, err := c.Evaluate(xt, lt)
	if err != nil {
		t.Fatal(err)
	}
	one := cfg
	one.Steps = 1
	c1, _ := FitClassifier(x, labels, 8, one)
	s1, _ := c1.Evaluate(xt, lt)
	t.Logf("held-out accuracy: %.3f after %d steps, %.3f after 1", s.Accuracy, cfg.Steps, s1.Accuracy)
	if s.Accuracy < 0.98 || len(s.PerClass) != 8 {
		t.Errorf("held-out accuracy %.3f, per class %v", s.Accuracy, s.PerClass)
	}
	if s1.Accuracy > 0.7 {
		t.Errorf("1 step already reaches %.3f: the check would not tell", s1.Accuracy)
	}
	lin := cfg
	lin.Hidden = 0
	if _, err := FitClassifier(x, labels, 8, lin); err != nil {
		t.Errorf("softmax regression: %v", err)
	}
	for _, bad := range []struct {
		x      *mat.Dense
		labels []int
		k      int
		cfg    ClassifierConfig
		want   string
	}{
		{x, labels[:10], 8, cfg, "2000 examples but 10 labels"},
		{x, labels, 1, cfg, "at least 2 classes"},
		{x, labels, 4, cfg, "outside the model's classes 0..3"},
		{x, labels, 8, ClassifierConfig{Steps: 0, Batch: 1, LR: 1}, "Steps and Batch must be positive"},
		{x, labels, 8, ClassifierConfig{Steps: 1, Batch: 1, LR: math.NaN()}, "learning rate"},
		{mat.NewDense(1, 2, []float64{math.NaN(), 0}), []int{0}, 2, cfg, "contain NaN"},
	} {
		if _, err := FitClassifier(bad.x, bad.labels, bad.k, bad.cfg); err == nil || !strings.Contains(err.Error(), bad.want) {
			t.Errorf("got %v, want %q", err, bad.want)
		}
	}
	if _, err := c.Predict(mat.NewDense(2, 3, nil)); err == nil || !strings.Contains(err.Error(), "3 columns") {
		t.Errorf("Predict dimension: %v", err)
	}
	if _, err := c.Evaluate(xt, lt[:3]); err == nil {
		t.Error("Evaluate with too few labels: no error")
	}
}
