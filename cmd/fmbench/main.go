// Command fmbench measures the speed of a conditional flow matching training
// step on the current GoMLX backend, for two formulations run in the same
// process on the same batches:
//
//   - "gomlx-example": the formulation of GoMLX's own FlowMatching example
//     (examples/FlowMatching in the GoMLX module): fnn.New(...).NumHiddenLayers(3, 64)
//     with GELU (tanh approximation) on concat(t, x_t), x_t and the target
//     x1 - x0 built in the graph, mean squared error, Adam at lr 0.01;
//   - "fmkit": fmkit's training step (train.Trainer.StepOn): the same
//     depth and width with Swish, a sinusoidal time embedding, matrix-product
//     gradients (field.Linear), x_t and u_t built on the host.
//
// It prints steps/s of each and their ratio (fmkit / gomlx-example). Rounds
// alternate between the formulations so that machine noise hits both.
//
//	go run ./cmd/fmbench [-steps 200] [-rounds 3] [-batch 256] [-width 64] [-depth 3] [-json]
package main

import (
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"sort"
	"strings"
	"time"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/layers/fnn"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/train"
)

type batch struct {
	t      []float64
	x0, x1 *mat.Dense
}

// stepper runs one training step on a batch.
type stepper interface {
	step(b batch) error
}

// exampleStep is GoMLX's FlowMatching example trainStep, fed with host data.
type exampleStep struct {
	exec           *context.Exec
	batchSize, dim int
}

func newExampleStep(backend backends.Backend, batchSize, width, depth int) (*exampleStep, error) {
	ctx := context.New()
	opt := optimizers.Adam().LearningRate(0.01).Done()
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, t, x0, x1 *Node) *Node {
		xt := Add(Mul(OneMinus(t), x0), Mul(t, x1))
		target := Sub(x1, x0)
		inputs := Concatenate([]*Node{t, xt}, -1)
		pred := fnn.New(ctx.In("u"), inputs, 2).NumHiddenLayers(depth, width).Activation(activations.TypeGeluApprox).Done()
		loss := losses.MeanSquaredError([]*Node{target}, []*Node{pred})
		opt.UpdateGraph(ctx, t.Graph(), loss)
		return loss
	})
	if err != nil {
		return nil, err
	}
	return &exampleStep{exec: exec, batchSize: batchSize, dim: 2}, nil
}

func (e *exampleStep) step(b batch) error {
	t := make([]float32, len(b.t))
	for i, v := range b.t {
		t[i] = float32(v)
	}
	_, err := e.exec.Exec(tensors.FromFlatDataAndDimensions(t, len(t), 1), denseTensor(b.x0), denseTensor(b.x1))
	return err
}

func denseTensor(m *mat.Dense) *tensors.Tensor {
	r, c := m.Dims()
	flat := make([]float32, 0, r*c)
	for i := range r {
		for _, v := range m.RawRowView(i) {
			flat = append(flat, float32(v))
		}
	}
	return tensors.FromFlatDataAndDimensions(flat, r, c)
}

type fmkitStep struct {
	tr *train.Trainer
	lr float64
}

func (f *fmkitStep) step(b batch) error {
	_, err := f.tr.StepOn(b.t, b.x0, b.x1, f.lr)
	return err
}

type result struct {
	Formulation string    `json:"formulation"`
	Backend     string    `json:"backend"`
	StepsPerSec float64   `json:"steps_per_sec"`
	RoundRates  []float64 `json:"round_steps_per_sec"`
}

type report struct {
	Batch    int      `json:"batch"`
	Width    int      `json:"width"`
	Depth    int      `json:"depth"`
	Steps    int      `json:"steps_per_round"`
	Rounds   int      `json:"rounds"`
	Results  []result `json:"results"`
	Ratio    float64  `json:"ratio_fmkit_over_gomlx_example"`
	Baseline string   `json:"baseline"`
}

func main() {
	steps := flag.Int("steps", 200, "timed training steps per round and formulation")
	rounds := flag.Int("rounds", 3, "alternating rounds; each formulation's rate is the median over rounds")
	warmup := flag.Int("warmup", 10, "untimed steps first (compilation)")
	batchSize := flag.Int("batch", 256, "batch size")
	width := flag.Int("width", 64, "hidden width")
	depth := flag.Int("depth", 3, "hidden layers")
	asJSON := flag.Bool("json", false, "print a JSON report instead of a table")
	flag.Parse()
	for name, v := range map[string]int{"steps": *steps, "rounds": *rounds, "batch": *batchSize, "width": *width, "depth": *depth} {
		if v <= 0 {
			fail(fmt.Errorf("-%s must be positive, got %d", name, v))
		}
	}
	if *warmup < 0 {
		fail(fmt.Errorf("-warmup must be >= 0, got %d", *warmup))
	}

	backend, err := fmkit.Backend()
	if err != nil {
		fail(err)
	}
	cfg := train.DefaultConfig()
	cfg.Batch, cfg.Field.Width, cfg.Field.Depth, cfg.Quiet = *batchSize, *width, *depth, true
	cfg.LRDecay = "none"
	tr, err := train.NewTrainer(cfg)
	if err != nil {
		fail(err)
	}
	// The same batches for both formulations.
	batches := make([]batch, 16)
	for i := range batches {
		t, x0, x1, err := tr.Draw()
		if err != nil {
			fail(err)
		}
		batches[i] = batch{t, x0, x1}
	}
	// The baseline runs as GoMLX's example would: on the backend's default
	// configuration ("go" for the pure-Go backend), not on fmkit's tuned one.
	exBackend, exConfig := backend, fmkit.BackendChoice().Config
	if strings.HasPrefix(exConfig, "go:") {
		exConfig = "go"
		if exBackend, err = fmkit.NewBackend(exConfig); err != nil {
			fail(err)
		}
	}
	ex, err := newExampleStep(exBackend, *batchSize, *width, *depth)
	if err != nil {
		fail(err)
	}
	formulations := []struct {
		name, backend string
		s             stepper
	}{{"gomlx-example", exConfig, ex}, {"fmkit", fmkit.BackendChoice().Config, &fmkitStep{tr: tr, lr: cfg.LR}}}
	rates := make([][]float64, len(formulations))
	for i, f := range formulations {
		for k := range *warmup {
			if err := f.s.step(batches[k%len(batches)]); err != nil {
				fail(fmt.Errorf("%s: %w", f.name, err))
			}
		}
		_ = i
	}
	for range *rounds {
		for i, f := range formulations {
			start := time.Now()
			for k := range *steps {
				if err := f.s.step(batches[k%len(batches)]); err != nil {
					fail(fmt.Errorf("%s: %w", f.name, err))
				}
			}
			rates[i] = append(rates[i], float64(*steps)/time.Since(start).Seconds())
		}
	}
	rep := report{Batch: *batchSize, Width: *width, Depth: *depth, Steps: *steps, Rounds: *rounds,
		Baseline: "gomlx-example"}
	for i, f := range formulations {
		rep.Results = append(rep.Results, result{Formulation: f.name, Backend: f.backend, StepsPerSec: median(rates[i]), RoundRates: rates[i]})
	}
	rep.Ratio = rep.Results[1].StepsPerSec / rep.Results[0].StepsPerSec
	if *asJSON {
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(rep)
		return
	}
	fmt.Println(fmkit.BackendChoice())
	fmt.Printf("CFM training step, two moons, MLP %dx%d, batch %d, Adam; %d rounds x %d steps (median)\n", *depth, *width, *batchSize, *rounds, *steps)
	fmt.Printf("%-15s %-20s %10s %8s\n", "formulation", "backend", "steps/s", "ratio")
	for _, r := range rep.Results {
		fmt.Printf("%-15s %-20s %10.1f %7.2fx\n", r.Formulation, r.Backend, r.StepsPerSec, r.StepsPerSec/rep.Results[0].StepsPerSec)
	}
}

func median(v []float64) float64 {
	s := append([]float64(nil), v...)
	sort.Float64s(s)
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "fmbench:", err)
	os.Exit(2)
}
