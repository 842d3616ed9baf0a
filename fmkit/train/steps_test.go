package train

import (
	"math"
	"strings"
	"testing"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/data"
)

// drawN draws n batches from tr's stream.
func drawN(t *testing.T, tr *Trainer, n int) (ts [][]float64, x0s, x1s []*mat.Dense) {
	t.Helper()
	for range n {
		tt, x0, x1, err := tr.Draw()
		if err != nil {
			t.Fatal(err)
		}
		ts, x0s, x1s = append(ts, tt), append(x0s, x0), append(x1s, x1)
	}
	return
}

// StepsOn's k steps in one call are k StepOn calls: same losses, same
// weights (to float32 rounding), on the same batches and learning rates.
func TestStepsOnMatchesStepOn(t *testing.T) {
	cfg := smallConfig()
	a, err := NewTrainer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, _ := NewTrainer(cfg)
	defer b.Close()
	ts, x0s, x1s := drawN(t, a, 3)
	lrs := []float64{0.01, 0.005, 0.002}
	// One step first through StepOn, so that StepsOn finds the variables
	// created (the order Train uses for a remainder is the reverse).
	if _, err := a.StepOn(ts[0], x0s[0], x1s[0], 0.01); err != nil {
		t.Fatal(err)
	}
	if _, err := b.StepOn(ts[0], x0s[0], x1s[0], 0.01); err != nil {
		t.Fatal(err)
	}
	var want []float64
	for k := range 3 {
		l, err := a.StepOn(ts[k], x0s[k], x1s[k], lrs[k])
		if err != nil {
			t.Fatal(err)
		}
		want = append(want, l)
	}
	prepared, err := b.PrepareBatches(ts, x0s, x1s)
	if err != nil {
		t.Fatal(err)
	}
	got, err := b.StepsOn(prepared, lrs)
	if err != nil {
		t.Fatal(err)
	}
	for k := range want {
		if math.Abs(got[k]-want[k]) > 1e-5*math.Max(1, want[k]) {
			t.Errorf("step %d: StepsOn loss %.7f, StepOn %.7f", k+1, got[k], want[k])
		}
	}
	if len(b.History) != 4 || b.History[3] != got[2] {
		t.Errorf("History = %v, want the first step's loss and the three of StepsOn", b.History)
	}
	x, _ := data.Sample("gaussian", 40, 3)
	va, _ := a.Model().Velocity(0.4, x)
	vb, _ := b.Model().Velocity(0.4, x)
	if d := maxAbsDiff(va, vb); d > 1e-4 {
		t.Errorf("weights after StepsOn differ from StepOn's: velocities differ by %.3g", d)
	}
}

// A trainer whose first call is StepsOn creates the variables there; a
// later StepOn (Train's remainder steps) reuses them.
func TestStepsOnFirstThenStepOn(t *testing.T) {
	tr, err := NewTrainer(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	ts, x0s, x1s := drawN(t, tr, 2)
	p, err := tr.PrepareBatches(ts, x0s, x1s)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tr.StepsOn(p, []float64{0.01, 0.01}); err != nil {
		t.Fatal(err)
	}
	if _, err := tr.StepOn(ts[0], x0s[0], x1s[0], 0.01); err != nil {
		t.Fatalf("StepOn after StepsOn: %v", err)
	}
	if len(tr.History) != 3 {
		t.Errorf("History has %d losses, want 3", len(tr.History))
	}
}

func TestStepsOnRejectsBadInput(t *testing.T) {
	tr, err := NewTrainer(smallConfig())
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	ts, x0s, x1s := drawN(t, tr, 2)
	if _, err := tr.PrepareBatches(ts, x0s[:1], x1s); err == nil || !strings.Contains(err.Error(), "as many t, x0 and x1") {
		t.Errorf("mismatched batch lists: %v", err)
	}
	small := mat.NewDense(3, 2, nil)
	if _, err := tr.PrepareBatches([][]float64{{0.1, 0.2, 0.3}}, []*mat.Dense{small}, []*mat.Dense{small}); err == nil || !strings.Contains(err.Error(), "configured for 64") {
		t.Errorf("wrong batch size: %v", err)
	}
	p, _ := tr.PrepareBatches(ts, x0s, x1s)
	if _, err := tr.StepsOn(p, []float64{0.01}); err == nil || !strings.Contains(err.Error(), "2 batches, 1 rates") {
		t.Errorf("too few learning rates: %v", err)
	}
	// The first step's update at an infinite rate makes the second loss NaN.
	if _, err := tr.StepsOn(p, []float64{math.Inf(1), 0.01}); err == nil || !strings.Contains(err.Error(), "at step 2") || !strings.Contains(err.Error(), "diverged") {
		t.Errorf("an infinite learning rate: %v", err)
	}
	if len(tr.History) != 1 {
		t.Errorf("after a diverged second step the history has %d losses, want 1", len(tr.History))
	}
}

func TestStepsPerCall(t *testing.T) {
	b, err := fmkit.NewBackend("go")
	if err != nil {
		t.Fatal(err)
	}
	if k := StepsPerCall(b); k != 1 {
		t.Errorf("pure Go: %d steps per call, want 1", k)
	}
	if k := StepsPerCall(nil); k != 1 {
		t.Errorf("no backend: %d steps per call, want 1", k)
	}
}
