package train

import (
	"fmt"
	"math"
	"testing"

	"github.com/gomlx/gomlx/pkg/core/tensors"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/field"
	"github.com/flowmatching/gofm/fmkit/ode"
)

// withChunks runs f with field.MaxChunks set to n.
func withChunks(n int, f func()) {
	saved := field.MaxChunks
	field.MaxChunks = n
	defer func() { field.MaxChunks = saved }()
	f()
}

// weightsOf returns the model's network weights, variable by variable in
// scope order.
func weightsOf(t *testing.T, m *Model) []float32 {
	t.Helper()
	var out []float32
	for v := range m.ctx.In(fieldScope).IterVariablesInScope() {
		val, err := v.Value()
		if err != nil {
			t.Fatal(err)
		}
		out = append(out, tensors.MustCopyFlatData[float32](val)...)
	}
	if len(out) == 0 {
		t.Fatal("the model has no weights")
	}
	return out
}

// Splitting the batch into chunks (fmkit's pure-Go backend, see
// field.Chunks) changes only the order of floating-point additions: the
// same seed gives the same losses, weights, velocities and samples as one
// chunk, for batches that split evenly and unevenly, unconditional and
// conditional.
func TestChunksMatchOneChunk(t *testing.T) {
	for _, c := range []struct {
		batch, classes int
	}{{256, 0}, {200, 0}, {192, 3}} {
		t.Run(fmt.Sprintf("batch%d-classes%d", c.batch, c.classes), func(t *testing.T) {
			cfg := smallConfig()
			cfg.Batch, cfg.Steps = c.batch, 5
			if c.classes > 0 {
				cfg.Target, cfg.Classes, cfg.LabelDrop = "8gaussians", 8, 0.2
			}
			var models [2]*Model
			for i, chunks := range []int{1, 3} {
				withChunks(chunks, func() {
					m, err := Train(cfg)
					if err != nil {
						t.Fatal(err)
					}
					models[i] = m
				})
			}
			for k := range models[0].History {
				a, b := models[0].History[k], models[1].History[k]
				if math.Abs(a-b) > 1e-4*math.Abs(a) {
					t.Errorf("step %d: loss %v in one chunk, %v in three", k+1, a, b)
				}
			}
			wa, wb := weightsOf(t, models[0]), weightsOf(t, models[1])
			if len(wa) != len(wb) {
				t.Fatalf("%d weights in one chunk, %d in three", len(wa), len(wb))
			}
			for i := range wa {
				if math.Abs(float64(wa[i]-wb[i])) > 1e-4 {
					t.Fatalf("weight %d after %d steps: %v in one chunk, %v in three", i, cfg.Steps, wa[i], wb[i])
				}
			}
			if c.classes > 0 {
				return
			}
			// The same network evaluated in one chunk and in three: the
			// velocity (Model.Velocity) and the compiled sampler.
			x, _ := data.Sample("gaussian", 500, 4)
			var vs [2]*mat.Dense
			var xs [2]*ode.Result
			for i, chunks := range []int{1, 3} {
				withChunks(chunks, func() {
					m := &Model{Config: models[0].Config, backend: models[0].backend, ctx: models[0].ctx}
					v, err := m.Velocity(0.4, x)
					if err != nil {
						t.Fatal(err)
					}
					s, err := m.Sampler().Solve(x, ode.Options{Method: "rk4", Steps: 5})
					if err != nil {
						t.Fatal(err)
					}
					vs[i], xs[i] = v, s
				})
			}
			if d := maxAbsDiff(vs[0], vs[1]); d > 1e-5 {
				t.Errorf("velocity: three chunks differ from one by %.2g", d)
			}
			if d := maxAbsDiff(xs[0].X, xs[1].X); d > 1e-4 {
				t.Errorf("compiled sampler: three chunks differ from one by %.2g", d)
			}
		})
	}
}

// Train draws its batches one step ahead on another goroutine (prefetch);
// the batches, and so the losses, are those of a plain loop of Step calls,
// for the OT coupling and for a conditional model.
func TestTrainMatchesStepLoop(t *testing.T) {
	ot := smallConfig()
	ot.Coupling, ot.Steps = "ot", 8
	cond := smallConfig()
	cond.Target, cond.Classes, cond.LabelDrop, cond.Steps = "8gaussians", 8, 0.2, 8
	for _, cfg := range []Config{ot, cond} {
		m, err := Train(cfg)
		if err != nil {
			t.Fatal(err)
		}
		tr, err := NewTrainer(cfg)
		if err != nil {
			t.Fatal(err)
		}
		for k := range cfg.Steps {
			loss, err := tr.Step(k)
			if err != nil {
				t.Fatal(err)
			}
			if loss != m.History[k] {
				t.Errorf("%s: step %d: Train's loss %v, Step's %v", cfg.Coupling, k+1, m.History[k], loss)
			}
		}
		tr.Close()
	}
}
