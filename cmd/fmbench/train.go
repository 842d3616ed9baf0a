package main

import (
	"fmt"
	"strings"
	"time"

	. "github.com/gomlx/gomlx/pkg/core/graph"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/train"
	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
	"github.com/gomlx/gomlx/pkg/ml/layers/fnn"
	"github.com/gomlx/gomlx/pkg/ml/train/losses"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"
	"gonum.org/v1/gonum/mat"
)

type batch struct {
	t      []float64
	x0, x1 *mat.Dense
}

// stepper runs one call of a formulation's training step: on batch b of
// the pre-drawn ones for a step per call, or on its own prepared batches for
// several steps per call. It returns the number of steps taken.
type stepper interface {
	step(b batch) (int, error)
}

// exampleStep is GoMLX's FlowMatching example trainStep, fed with host data.
type exampleStep struct {
	exec *context.Exec
}

func newExampleStep(backend backends.Backend, width, depth int) (*exampleStep, error) {
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
	return &exampleStep{exec: exec}, nil
}

func (e *exampleStep) step(b batch) (int, error) {
	t := make([]float32, len(b.t))
	for i, v := range b.t {
		t[i] = float32(v)
	}
	_, err := e.exec.Exec(tensors.FromFlatDataAndDimensions(t, len(t), 1), denseTensor(b.x0), denseTensor(b.x1))
	return 1, err
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

// fmkitStep is fmkit's training step, train.Trainer.StepOn: one step per
// call on a host batch (x_t, u_t built and converted to float32 each step).
type fmkitStep struct {
	tr *train.Trainer
	lr float64
}

func (f *fmkitStep) step(b batch) (int, error) {
	_, err := f.tr.StepOn(b.t, b.x0, b.x1, f.lr)
	return 1, err
}

// fmkitSteps is fmkit's k-step call, train.Trainer.StepsOn, on the same
// pre-drawn batches taken k at a time in turn, prepared once (interpolated,
// converted and, at the first call, moved to the backend), as the JAX peer
// converts its batches to device arrays once.
type fmkitSteps struct {
	tr      *train.Trainer
	groups  []*train.Batches
	lrs     []float64
	next, k int
}

func newFmkitSteps(tr *train.Trainer, batches []batch, k int, lr float64) (*fmkitSteps, error) {
	f := &fmkitSteps{tr: tr, k: k, lrs: make([]float64, k)}
	for i := range f.lrs {
		f.lrs[i] = lr
	}
	for g := range max(1, len(batches)/k) {
		var ts [][]float64
		var x0s, x1s []*mat.Dense
		for i := range k {
			b := batches[(g*k+i)%len(batches)]
			ts, x0s, x1s = append(ts, b.t), append(x0s, b.x0), append(x1s, b.x1)
		}
		p, err := tr.PrepareBatches(ts, x0s, x1s)
		if err != nil {
			return nil, err
		}
		f.groups = append(f.groups, p)
	}
	return f, nil
}

func (f *fmkitSteps) step(batch) (int, error) {
	g := f.groups[f.next%len(f.groups)]
	f.next++
	_, err := f.tr.StepsOn(g, f.lrs)
	return f.k, err
}

func newTrainer(batchSize, width, depth int) (*train.Trainer, train.Config, error) {
	cfg := train.DefaultConfig()
	cfg.Batch, cfg.Field.Width, cfg.Field.Depth, cfg.Quiet = batchSize, width, depth, true
	cfg.LRDecay = "none"
	tr, err := train.NewTrainer(cfg)
	return tr, cfg, err
}

func drawBatches(tr *train.Trainer, n int) ([]batch, error) {
	batches := make([]batch, n)
	for i := range batches {
		t, x0, x1, err := tr.Draw()
		if err != nil {
			return nil, err
		}
		batches[i] = batch{t, x0, x1}
	}
	return batches, nil
}

func measureTraining(o options, rep *Report) error {
	backend, err := fmkit.Backend()
	if err != nil {
		return err
	}
	choice := fmkit.BackendChoice().Config
	tr, cfg, err := newTrainer(o.batch, o.width, o.depth)
	if err != nil {
		return err
	}
	defer tr.Close()
	batches, err := drawBatches(tr, 16) // the same batches for every formulation
	if err != nil {
		return err
	}
	type form struct {
		name, backend string
		s             stepper
	}
	var forms []form
	for _, name := range o.formulations {
		switch name {
		case "gomlx-example":
			// As GoMLX's example would run: on the backend's default
			// configuration ("go" for the pure-Go backend), not fmkit's.
			exBackend, exConfig := backend, choice
			if strings.HasPrefix(exConfig, "go:") || exConfig == "go" {
				exConfig = "go"
				if exBackend, err = fmkit.NewBackend(exConfig); err != nil {
					return err
				}
			}
			ex, err := newExampleStep(exBackend, o.width, o.depth)
			if err != nil {
				return err
			}
			forms = append(forms, form{name, exConfig, ex})
		case "fmkit":
			k := o.trainStepsPerCall
			if k == 0 {
				k = train.StepsPerCall(backend)
			}
			if k == 1 {
				forms = append(forms, form{name, choice, &fmkitStep{tr: tr, lr: cfg.LR}})
				break
			}
			fs, err := newFmkitSteps(tr, batches, k, cfg.LR)
			if err != nil {
				return err
			}
			forms = append(forms, form{name, fmt.Sprintf("%s, %d steps/call", choice, k), fs})
			rep.StepsPerCall = k
		}
	}
	rates := make([][]float64, len(forms))
	for _, f := range forms {
		for k := 0; k < o.warmup; {
			n, err := f.s.step(batches[k%len(batches)])
			if err != nil {
				return fmt.Errorf("%s: %w", f.name, err)
			}
			k += n
		}
	}
	// Each round gives every formulation the same wall time (at least
	// -round-seconds, at least -steps steps), one after the other, so that the
	// two rates of a round are measured a few seconds apart on a machine in
	// the same state; the ratio is the median of the rounds' ratios.
	for range o.rounds {
		for i, f := range forms {
			start := time.Now()
			k := 0
			for k < o.steps || time.Since(start).Seconds() < o.roundSeconds {
				n, err := f.s.step(batches[k%len(batches)])
				if err != nil {
					return fmt.Errorf("%s: %w", f.name, err)
				}
				k += n
			}
			rates[i] = append(rates[i], float64(k)/time.Since(start).Seconds())
		}
	}
	for i, f := range forms {
		rep.Results = append(rep.Results, Result{Formulation: f.name, Backend: f.backend, Process: choice, Batch: o.batch, Width: o.width,
			Rate: median(rates[i]), Unit: "steps/s", RoundRates: rates[i]})
	}
	if len(forms) == 2 {
		rep.Baseline = "gomlx-example"
		rep.Ratio = pairedRatio(rates[1], rates[0])
		rep.Ratios[choice] = rep.Ratio
	}
	return nil
}
