package train

import (
	"strings"
	"testing"

	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit"
)

func TestNewModelRejects(t *testing.T) {
	backend, err := fmkit.Backend()
	if err != nil {
		t.Fatal(err)
	}
	cfg := DefaultConfig()
	if _, err := NewModel(cfg, backend, context.New(), nil); err == nil || !strings.Contains(err.Error(), "no variables") {
		t.Errorf("empty context: got %v, want an error about missing variables", err)
	}
	cond := cfg
	cond.Target, cond.Classes, cond.LabelDrop = "moons", 2, 0.1
	if _, err := NewModel(cond, backend, context.New(), nil); err == nil || !strings.Contains(err.Error(), "unconditional") {
		t.Errorf("conditional config: got %v, want an error", err)
	}
	// A network of width 32 does not fit a config of width 64.
	small := cfg
	small.Field.Width = 32
	tr, err := NewTrainer(small)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	if _, err := tr.Step(0); err != nil {
		t.Fatal(err)
	}
	if _, err := NewModel(cfg, backend, tr.ctx, nil); err == nil {
		t.Error("a context holding a width-32 network was accepted for a width-64 configuration")
	}
	m, err := NewModel(small, backend, tr.ctx, tr.History)
	if err != nil {
		t.Fatalf("the trainer's own context: %v", err)
	}
	want, _ := tr.Model().Velocity(0.3, mat.NewDense(1, 2, []float64{0.5, -0.2}))
	got, err := m.Velocity(0.3, mat.NewDense(1, 2, []float64{0.5, -0.2}))
	if err != nil || !mat.Equal(got, want) {
		t.Errorf("wrapped model's velocity %v (err %v), want the trainer's %v", mat.Formatted(got), err, mat.Formatted(want))
	}
}
