package exercise

import (
	"errors"
	"fmt"
	"math"
	"os"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/plot"
)

// Quality gate of a trained model and of the student's sampler: exact W2
// between 1000 generated points and 1000 fresh noise-free moons. For scale,
// the standard Gaussian itself is ~0.95 away and two samples of the moons
// are 0.07-0.11 apart.
const (
	W2Threshold = 0.20
	W2Samples   = 1000
)

// Seeds of the evaluation samples (fixed, and different from any training
// stream a student would pick by default).
const (
	seedX0    = 7 // x0 ~ p0 of the generated samples
	seedFresh = 8 // fresh moons
)

// evalSets returns the x0 and the fresh moons of the quality gate.
func evalSets() (x0, fresh *mat.Dense) {
	x0 = data.Gaussian{D: 2}.Sample(W2Samples, data.NewRand(seedX0))
	fresh = data.Moons{}.Sample(W2Samples, data.NewRand(seedFresh))
	return x0, fresh
}

// TrainingResult is what CheckTraining measured.
type TrainingResult struct {
	Name    string
	Steps   int
	Seconds float64 // wall time of the student's training function
	W2      float64 // exact W2 of 1000 samples (dopri5, rtol = atol = 1e-4) to fresh moons
	W2Noise float64 // the same for x0 ~ p0 itself (an untrained flow)
	Model   *Model
}

// CheckTraining grades part 2c (and, with the curved path, part 4b's
// training): it runs the student's training function on path p for the given
// number of steps, saves the weights under name (for later cells, see
// LoadModel; the model of an earlier run is deleted first), and checks the result: one finite loss per step, a loss that
// decreases (the mean of the last 10% of the steps at most 90% of the mean of
// the first 5%), and the quality gate: 1000 samples, integrated with fmkit's
// adaptive Dopri5 (so that only the training is graded), within exact W2 <=
// 0.20 of 1000 fresh moons. It shows the loss curve and the samples.
func CheckTraining(name string, train TrainFunc, p PathFunc, v Field, steps int) (*TrainingResult, *Report) {
	r := &Report{Title: fmt.Sprintf("Check of the training (%s path, %d steps)", name, steps)}
	var fig *plot.Figure
	defer func() {
		r.Show()
		if fig != nil {
			show(fig)
		}
	}()
	item, own := "2c training", Part2c
	if name != "linear" {
		item, own = "4b training ("+name+")", Part4b
	}
	if steps <= 0 {
		r.Fail(item, "the number of steps must be positive, got %d", steps)
		return nil, r
	}
	// A model saved by an earlier run of this cell must not stand in for
	// this run if it fails.
	if err := os.Remove(CheckpointPath(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		r.Fail(item, "cannot remove the previous model: %v", err)
		return nil, r
	}
	start := time.Now()
	var res TrainingResult
	var losses []float64
	var model *Model
	err := try(func() error {
		ctx, l, err := train(p, steps)
		if err != nil {
			return err
		}
		if ctx == nil {
			return fmt.Errorf("trainCFM returned a nil context: return the context that holds the trained weights")
		}
		losses = l
		model = NewModel(name, v, ctx.Reuse())
		model.Losses = l
		return nil
	})
	res.Seconds = time.Since(start).Seconds()
	if err != nil {
		r.ErrorIn(item, own, err, "trainCFM returned an error")
		return nil, r
	}
	r.Pass(item+": runs", "%d steps in %.1f s (%.0f steps/s)", steps, res.Seconds, float64(steps)/res.Seconds)
	if len(losses) != steps {
		r.Fail(item+": losses", "got %d losses for %d steps: append the loss of every step", len(losses), steps)
		return nil, r
	}
	bad := -1
	for i, l := range losses {
		if math.IsNaN(l) || math.IsInf(l, 0) {
			bad = i
			break
		}
	}
	if bad >= 0 {
		r.Fail(item+": losses", "the loss is %v at step %d: training diverged; lower the learning rate or look for a NaN in the batch", losses[bad], bad+1)
		return nil, r
	}
	head, tail := mean(losses[:max(1, steps/20)]), mean(losses[steps-max(1, steps/10):])
	r.Check(item+": loss decreases", tail <= 0.9*head,
		fmt.Sprintf("mean loss %.3f over the first 5%% of the steps, %.3f over the last 10%%", head, tail),
		fmt.Sprintf("the loss went from %.3f (first 5%% of the steps) to %.3f (last 10%%): is the optimizer's update part of the step, and the learning rate sensible (1e-3 to 1e-2)?", head, tail))
	if err := SaveModel(name, model.ctx, losses); err != nil {
		r.Fail(item+": weights", "saving the trained weights failed: %v", firstLine(err.Error()))
		return nil, r
	}
	x0, fresh := evalSets()
	var gen *ode.AdaptiveResult
	err = try(func() error {
		var err error
		gen, err = ode.SolveAdaptive(model, x0, ode.AdaptiveOptions{RTol: 1e-4, ATol: 1e-4})
		return err
	})
	if err != nil {
		r.Error(item+": samples", err, "integrating the trained v_θ from x0 ~ p0 failed (is the context returned by trainCFM the one vTheta's weights are in, at the same scope?)")
		return nil, r
	}
	w2, err := metric.W2(gen.X, fresh)
	if err != nil {
		r.Fail(item+": W2", "%v", err)
		return nil, r
	}
	res = TrainingResult{Name: name, Steps: steps, Seconds: res.Seconds, W2: w2, Model: model}
	res.W2Noise, _ = metric.W2(x0, fresh)
	r.Check(item+": W2 to the moons", w2 <= W2Threshold,
		fmt.Sprintf("exact W2 = %.3f <= %.2f (1000 samples by Dopri5, NFE %d, vs 1000 fresh moons; x0 ~ p0 itself: %.3f)", w2, W2Threshold, gen.NFE, res.W2Noise),
		fmt.Sprintf("exact W2 = %.3f > %.2f (x0 ~ p0 itself: %.3f): train longer, use a cosine-decayed learning rate, or look at the network", w2, W2Threshold, res.W2Noise))
	lossPlot, err1 := plot.Loss(fmt.Sprintf("CFM loss, %s path", name), losses, max(1, steps/40))
	scatter, err2 := plot.Scatter(fmt.Sprintf("x1 from v_θ (Dopri5): W2 %.3f", w2),
		plot.Points{Name: "fresh moons", X: fresh}, plot.Points{Name: "generated", X: gen.X})
	if err := errors.Join(err1, err2); err != nil {
		fmt.Println("figure not shown:", firstLine(err.Error()))
	} else {
		fig = plot.Row(lossPlot, scatter)
	}
	return &res, r
}

// show displays a figure; an error is printed, not fatal: a check cell must
// not end with an exit status.
func show(f *plot.Figure) {
	if err := f.Show(); err != nil {
		fmt.Println("figure not shown:", firstLine(err.Error()))
	}
}

func mean(x []float64) float64 {
	s := 0.0
	for _, v := range x {
		s += v
	}
	return s / float64(len(x))
}
