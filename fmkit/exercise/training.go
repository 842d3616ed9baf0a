package exercise

import (
	"errors"
	"fmt"
	"image/color"
	"math"
	"os"
	"runtime"
	"sort"
	"sync"
	"time"

	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/plot"
)

// Quality gate of a trained model and of the student's sampler: exact W2
// between 1000 generated points and 1000 fresh noise-free moons, averaged
// over W2Draws independent draws of the moons. For scale, the standard
// Gaussian itself is ~0.95 away and two samples of the moons are 0.10 ± 0.03
// apart (mean ± sd over seed pairs).
const (
	W2Threshold = 0.20
	W2Samples   = 1000
	W2Draws     = metric.MinDraws
)

// Seeds of the evaluation samples (fixed, and different from any training
// stream a student would pick by default).
const (
	seedX0    = 7 // x0 ~ p0 of the generated samples
	seedFresh = 8 // fresh moons (draw k uses seed seedFresh + k inside metric)
)

// evalSets returns the x0 and the fresh moons of the quality gate.
func evalSets() (x0, fresh *mat.Dense) {
	x0 = data.Gaussian{D: 2}.Sample(W2Samples, data.NewRand(seedX0))
	fresh = data.Moons{}.Sample(W2Samples, data.NewRand(seedFresh))
	return x0, fresh
}

// moons is the reference sampler of the statistics: n fresh noise-free moons.
func moons(n int, seed uint64) (*mat.Dense, error) {
	return data.Moons{}.Sample(n, data.NewRand(seed)), nil
}

// w2ToMoons is the exact W2 of x to W2Draws independent samples of fresh
// moons of its size: mean ± sd. The same reference draws are used for every
// x, so two results can be compared draw by draw (metric.PairedTest).
func w2ToMoons(x *mat.Dense) (metric.Estimate, error) {
	return metric.W2Spread(x, moons, W2Draws, seedFresh)
}

// w2ToMoonsAll is w2ToMoons of each sample, computed concurrently (one
// worker per core: the exact W2 is single-threaded and costs ~0.1-0.5 s at
// n = 1000).
func w2ToMoonsAll(xs []*mat.Dense) ([]metric.Estimate, error) {
	out := make([]metric.Estimate, len(xs))
	errs := make([]error, len(xs))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(xs)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				out[i], errs[i] = w2ToMoons(xs[i])
			}
		}()
	}
	for i := range xs {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return out, errors.Join(errs...)
}

// w2OfP0 is the exact W2 of the x0 of evalSets to the first fresh moons:
// the W2 of an untrained flow, for scale (one draw: it is ~0.95, far from
// any threshold; computed once per process).
var w2OfP0 = sync.OnceValues(func() (float64, error) {
	x0, fresh := evalSets()
	return metric.W2(x0, fresh)
})

// TrainingResult is what CheckTraining measured.
type TrainingResult struct {
	Name    string
	Steps   int
	Seconds float64         // wall time of the student's training function
	W2      metric.Estimate // exact W2 of 1000 samples (Dopri5, rtol = atol = 1e-4) to fresh moons, over W2Draws draws
	W2P0    float64         // exact W2 of x0 ~ p0 itself (an untrained flow) to the first draw of moons, for scale
	Model   *Model
}

// CheckTraining grades part 2c (name "linear") or the training of part 4b
// (any other name): it runs the student's training function on path p for
// the given number of steps, saves the weights under name with the verdict
// (for later cells, see LoadModel; the model of an earlier run is deleted
// first), and checks the result: one finite, non-negative loss per step, a
// loss that decreases (the mean of the last 10% of the steps at most 90% of
// the mean of the first 5%), and the quality gate: 1000 samples,
// integrated with fmkit's adaptive Dopri5 (so that only the training is
// graded), within exact W2 <= 0.20 of fresh moons (mean over W2Draws draws).
//
// It first grades again, silently, what the training relies on: the
// network v (part 1b), the path p (part 2a for the linear path; for another,
// its endpoints and u_t = dx_t/dt, part 4b) and the loss (part 2b). When
// one of them fails, an item that fails says "needs part X, which failed:
// ..." instead of hinting at the training. It shows the loss curve and the
// samples.
func CheckTraining(name string, train TrainFunc, p PathFunc, loss Loss, v Field, steps int) (*TrainingResult, *Report) {
	part, prefix := Part2c, "2c/"
	pathName := Text{"线性", "linear"}
	if name != "linear" {
		part, prefix = Part4b, "4b/training-"
		pathName = both(name)
		if name == "curved" {
			pathName = Text{"弯曲", "curved"}
		}
	}
	id := func(key string) string { return prefix + key }
	r := &Report{Title: tr("训练的检查（%s路径，%d 步）", "Check of the training (%s path, %d steps)", pathName, steps)}
	var fig *plot.Figure
	defer func() {
		r.Show()
		if fig != nil {
			show(fig)
		}
	}()
	if steps <= 0 {
		r.fail(id("run"), tr("步数必须为正，得到 %d", "the number of steps must be positive, got %d", steps))
		return nil, r
	}
	// A model saved by an earlier run of this cell must not stand in for
	// this run if it fails.
	if err := os.Remove(CheckpointPath(name)); err != nil && !errors.Is(err, os.ErrNotExist) {
		r.fail(id("run"), tr("无法删除之前的模型：%v", "cannot remove the previous model: %v", err))
		return nil, r
	}
	deps := []verdict{gradeNetwork(v), gradePath(name, p), gradeLoss(loss)}
	sort.SliceStable(deps, func(i, j int) bool { return deps[i].part < deps[j].part })

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
			return errors.New("trainCFM returned a nil context: return the context that holds the trained weights")
		}
		losses = l
		model = NewModel(name, v, ctx.Reuse())
		model.Losses = l
		return nil
	})
	res.Seconds = time.Since(start).Seconds()
	if err != nil {
		r.err(id("run"), part, err, deps, tr("trainCFM 返回了错误", "trainCFM returned an error"))
		return nil, r
	}
	r.pass(id("run"), tr("%d 步用了 %.1f 秒（每秒 %.0f 步）", "%d steps in %.1f s (%.0f steps/s)", steps, res.Seconds, float64(steps)/res.Seconds))
	if len(losses) != steps {
		r.fail(id("losses"), tr("%d 步却得到 %d 个损失：每一步都要把损失追加进去", "got %[2]d losses for %[1]d steps: append the loss of every step", steps, len(losses)))
		return nil, r
	}
	bad, negative := -1, -1
	for i, l := range losses {
		if math.IsNaN(l) || math.IsInf(l, 0) {
			bad = i
			break
		}
		if l < 0 && negative < 0 {
			negative = i
		}
	}
	switch {
	case bad >= 0:
		r.failOr(id("losses"), deps, tr("第 %[2]d 步的损失是 %[1]v：训练发散了；降低学习率，或检查批次里是否有 NaN",
			"the loss is %v at step %d: training diverged; lower the learning rate or look for a NaN in the batch", losses[bad], bad+1))
		return nil, r
	case negative >= 0:
		r.failOr(id("losses"), deps, tr("第 %[2]d 步的损失是 %.4[1]g，是负数：平方范数的平均不可能小于 0",
			"the loss is %.4g at step %d, a negative value: a mean of squared norms can never be negative", losses[negative], negative+1))
	}
	head, tail := mean(losses[:max(1, steps/20)]), mean(losses[steps-max(1, steps/10):])
	hint := tr("损失从 %.3f（前 5%% 的步）变到 %.3f（后 10%%）：优化器的更新是否在每一步里？学习率是否合适（1e-3 到 1e-2）？",
		"the loss went from %.3f (first 5%% of the steps) to %.3f (last 10%%): is the optimizer's update part of the step, and the learning rate sensible (1e-3 to 1e-2)?", head, tail)
	if math.Abs(tail-head) <= 0.1*math.Abs(head) {
		hint = tr("损失根本没有下降（前 5%% 的步平均 %.3f，后 10%% 平均 %.3f），权重没有更新：你编译的每一步里要调用 adam.UpdateGraph(ctx, g, loss)",
			"the loss did not go down at all (mean %.3f over the first 5%% of the steps, %.3f over the last 10%%), so the weights were not updated: the step you compile must call adam.UpdateGraph(ctx, g, loss)", head, tail)
	}
	decreased := r.checkOr(id("decreases"), tail <= 0.9*head && negative < 0, deps,
		tr("前 5%% 的步平均损失 %.3f，后 10%% 平均 %.3f", "mean loss %.3f over the first 5%% of the steps, %.3f over the last 10%%", head, tail), hint)

	x0, fresh := evalSets()
	var gen *ode.AdaptiveResult
	err = try(func() error {
		var err error
		gen, err = ode.SolveAdaptive(model, x0, ode.AdaptiveOptions{RTol: 1e-4, ATol: 1e-4})
		return err
	})
	if err != nil {
		r.err(id("samples"), part, err, deps, tr("从 x0 ~ p0 出发积分训练好的 v_θ 出错（trainCFM 返回的 context 是否就是 vTheta 的权重所在的那个，作用域也相同？）",
			"integrating the trained v_θ from x0 ~ p0 failed (is the context returned by trainCFM the one vTheta's weights are in, at the same scope?)"))
		return nil, r
	}
	var w2 metric.Estimate
	var w2p0 float64
	var err1, err2 error
	var wg sync.WaitGroup
	wg.Add(1)
	go func() { defer wg.Done(); w2p0, err2 = w2OfP0() }()
	w2, err1 = w2ToMoons(gen.X)
	wg.Wait()
	if err := errors.Join(err1, err2); err != nil {
		r.fail(id("w2"), both(firstLine(err.Error())))
		return nil, r
	}
	res = TrainingResult{Name: name, Steps: steps, Seconds: res.Seconds, W2: w2, W2P0: w2p0, Model: model}
	passed := tr("W2 = %s ≤ %.2f（Dopri5 生成 1000 个样本，NFE %d；对 %d 组各 1000 个新的月牙样本取均值 ± 标准差；作为参照，x0 ~ p0 本身约为 %.2f）",
		"W2 = %s <= %.2f (1000 samples by Dopri5, NFE %d, against %d draws of 1000 fresh moons, mean ± sd; for scale, x0 ~ p0 itself: about %.2f)",
		fmtW2(w2), W2Threshold, gen.NFE, W2Draws, w2p0)
	if !decreased {
		r.wait(id("w2"), paren(tr("要先让损失下降（见上一项）", "needs the loss to decrease first (see the item above)"),
			tr("现在 W2 = %s", "W2 is now %s", fmtW2(w2))))
	} else {
		r.checkOr(id("w2"), w2.Mean <= W2Threshold, deps, passed,
			tr("W2 = %s > %.2f（x0 ~ p0 本身约为 %.2f）：多训练一些步，用余弦衰减的学习率，或者检查网络",
				"W2 = %s > %.2f (x0 ~ p0 itself: about %.2f): train longer, use a cosine-decayed learning rate, or look at the network", fmtW2(w2), W2Threshold, w2p0))
	}
	gate := Gate{Part: part, Passed: r.Passed(), W2: w2.Mean, W2SD: w2.SD}
	if it, ok := r.FirstProblem(); ok {
		gate.Reason = reasonOf(it)
	}
	if err := SaveModel(name, model.ctx, losses, gate); err != nil {
		r.fail(id("weights"), tr("保存训练好的权重失败：%v", "saving the trained weights failed: %v", firstLine(err.Error())))
		return nil, r
	}
	model.Gate = gate
	lossPlot, err1 := plot.Loss(fmt.Sprintf("CFM loss, %s path", name), losses, max(1, steps/40))
	scatter, err2 := plot.Scatter(fmt.Sprintf("x1 from v_θ (Dopri5): W2 %s", fmtW2(w2)),
		plot.Points{Name: "fresh moons (faint)", X: fresh, Color: faintData},
		plot.Points{Name: "generated", X: gen.X, Color: generatedColour})
	if err := errors.Join(err1, err2); err != nil {
		fmt.Println("figure not shown:", firstLine(err.Error()))
	} else {
		fig = plot.Row(lossPlot, scatter)
	}
	return &res, r
}

// fmtW2 formats a W2 estimate as mean ± sd with three decimals, or in
// exponent notation when training has diverged.
func fmtW2(e metric.Estimate) string {
	if math.Abs(e.Mean) < 100 {
		return e.Format(3)
	}
	return fmt.Sprintf("%.3g ± %.2g", e.Mean, e.SD)
}

// Colours of the scatter plots: the data faint beneath, the generated
// points on top, so that the data does not hide where the model fails.
var (
	faintData       = color.NRGBA{R: 0x80, G: 0x80, B: 0x80, A: 0x50}
	generatedColour = color.NRGBA{R: 0x1f, G: 0x77, B: 0xb4, A: 0xc0}
)

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
