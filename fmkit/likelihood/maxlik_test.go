package likelihood

import (
	"math"
	"strings"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"gonum.org/v1/gonum/mat"

	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/field"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/path"
)

// The gradient of the unrolled maximum-likelihood loss (a gradient of a
// graph that already contains the divergence's gradients, through
// field.Linear's custom matrix-product VJPs) matches central finite
// differences of the loss, weight by weight, in float64.
func TestMaxLikGradientMatchesFiniteDifferences(t *testing.T) {
	b := backend(t)
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(3); err != nil {
		t.Fatal(err)
	}
	mlp := field.MLP{Dim: 2, Width: 16, Depth: 2, Activation: "swish", TimeFreqs: 4, MaxFreq: 10}
	f := func(ctx *context.Context, tt, x *Node) *Node { return SplitMLP(mlp)(ctx.In("field"), tt, x) }
	tb, _ := ode.Method("midpoint")
	nll := func(ctx *context.Context, x1 *Node) *Node {
		return Neg(ReduceAllMean(LogProbGraph(ctx, f, x1, tb, 3)))
	}
	x1m, _ := data.Sample("moons", 64, 1)
	x1 := tensors.FromFlatDataAndDimensions(x1m.RawMatrix().Data, 64, 2)

	var names []string
	gradExec, err := context.NewExec(b, ctx.Checked(false), func(ctx *context.Context, x1 *Node) []*Node {
		loss := nll(ctx, x1)
		var vars []*Node
		names = names[:0]
		for v := range ctx.IterVariables() {
			if !strings.HasPrefix(v.Scope(), "/field") {
				continue
			}
			vars = append(vars, v.ValueGraph(x1.Graph()))
			names = append(names, v.ScopeAndName())
		}
		return append([]*Node{loss}, Gradient(loss, vars...)...)
	})
	if err != nil {
		t.Fatal(err)
	}
	outs, err := gradExec.Exec(x1)
	if err != nil {
		t.Fatal(err)
	}
	lossExec, err := context.NewExec(b, ctx.Reuse(), nll)
	if err != nil {
		t.Fatal(err)
	}
	eval := func() float64 {
		o, err := lossExec.Exec(x1)
		if err != nil {
			t.Fatal(err)
		}
		return tensors.ToScalar[float64](o[0])
	}
	base := tensors.ToScalar[float64](outs[0])
	if d := math.Abs(eval() - base); d > 1e-12 {
		t.Fatalf("loss graphs disagree by %g", d)
	}
	vars := map[string]*context.Variable{}
	for v := range ctx.IterVariables() {
		vars[v.ScopeAndName()] = v
	}
	const h = 1e-5
	checked, worst := 0, 0.0
	for k, name := range names {
		grad, _ := tensors.CopyFlatData[float64](outs[1+k])
		v := vars[name]
		val, _ := v.Value()
		orig, err := tensors.CopyFlatData[float64](val)
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		dims := v.Shape().Dimensions
		for _, idx := range []int{0, len(orig) / 2, len(orig) - 1} {
			set := func(delta float64) {
				w := append([]float64(nil), orig...)
				w[idx] += delta
				if err := v.SetValue(tensors.FromFlatDataAndDimensions(w, dims...)); err != nil {
					t.Fatal(err)
				}
			}
			set(h)
			lp := eval()
			set(-h)
			lm := eval()
			set(0)
			fd := (lp - lm) / (2 * h)
			diff := math.Abs(fd - grad[idx])
			worst = max(worst, diff/(1e-3+math.Abs(fd)))
			if diff > 1e-5*(1+math.Abs(fd)) {
				t.Errorf("%s[%d]: gradient %.8f, finite difference %.8f", name, idx, grad[idx], fd)
			}
			checked++
		}
	}
	t.Logf("NLL %.4f; %d weights checked in %d variables, worst relative difference %.2e", base, checked, len(names), worst)
	if checked < 12 || !strings.Contains(strings.Join(names, " "), "hidden_1") {
		t.Fatalf("only %d weights (%v) checked", checked, names)
	}
}

// A few maximum-likelihood steps lower the NLL of the moons, and the
// trained network's log-likelihood, evaluated afterwards with a host ODE
// solver (ForModel), agrees with the unrolled graph's.
func TestMLTrainerLearns(t *testing.T) {
	cfg := MLConfig{Field: field.MLP{Dim: 2, Width: 32, Depth: 2, Activation: "swish", TimeFreqs: 4, MaxFreq: 20},
		Batch: 128, Method: "midpoint", Steps: 4, LR: 5e-3, Seed: 1}
	tr, err := NewMLTrainer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer tr.Close()
	rng := data.NewRand(3)
	for range 60 {
		if _, err := tr.StepOn(data.Moons{Noise: 0.05}.Sample(128, rng)); err != nil {
			t.Fatal(err)
		}
	}
	first, last := tr.History[0], tr.History[len(tr.History)-1]
	t.Logf("NLL: first step %.3f, step 60 %.3f", first, last)
	if last > first-0.3 {
		t.Errorf("NLL went from %.3f to %.3f in 60 steps", first, last)
	}
	x1 := data.Moons{Noise: 0.05}.Sample(64, rng)
	res, err := ForModel(tr).LogProb(x1, Options{Solver: ode.Options{Method: "midpoint", Steps: 4}})
	if err != nil {
		t.Fatal(err)
	}
	mean := 0.0
	for _, l := range res.LogP {
		mean += l / 64
	}
	if -mean > first {
		t.Errorf("the trained model's NLL on fresh data %.3f is not below the first step's %.3f", -mean, first)
	}
}

func TestMLConfigBadInput(t *testing.T) {
	good := MLConfig{Field: field.DefaultMLP(2), Batch: 8, Method: "euler", Steps: 2, LR: 1e-3}
	for _, c := range []struct {
		mod  func(*MLConfig)
		want string
	}{
		{func(c *MLConfig) { c.Steps = 0 }, "Steps > 0"},
		{func(c *MLConfig) { c.Method = "dopri5" }, "adaptive"},
		{func(c *MLConfig) { c.Batch = 0 }, "Batch must be positive"},
		{func(c *MLConfig) { c.LR = math.NaN() }, "learning rate"},
		{func(c *MLConfig) { c.Field.Activation = "sine" }, "unknown activation"},
	} {
		cfg := good
		c.mod(&cfg)
		if _, err := NewMLTrainer(cfg); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("got %v, want an error containing %q", err, c.want)
		}
	}
	if _, err := CompareStepCost(good, "moons", 0, 1); err == nil {
		t.Error("0 rounds accepted")
	}
	if _, err := CompareStepCost(good, "moon", 1, 1); err == nil || !strings.Contains(err.Error(), "unknown distribution") {
		t.Errorf("unknown target: got %v", err)
	}
	tr, _ := NewMLTrainer(good)
	if _, err := tr.StepOn(mat.NewDense(4, 2, nil)); err == nil || !strings.Contains(err.Error(), "configured for 8x2") {
		t.Errorf("wrong batch: got %v", err)
	}
}

// The likelihood step and the CFM step of CompareStepCost start from the
// same weights (same network code, same seed): after one step each at a
// negligible learning rate, every weight agrees to 1e-10.
func TestCostComparisonSameInitialWeights(t *testing.T) {
	cfg := MLConfig{Field: field.DefaultMLP(2), Batch: 64, Method: "euler", Steps: 2, LR: 1e-12, Seed: 1}
	ml, err := NewMLTrainer(cfg)
	if err != nil {
		t.Fatal(err)
	}
	defer ml.Close()
	cf, err := newCFMStep(cfg)
	if err != nil {
		t.Fatal(err)
	}
	rng := data.NewRand(1)
	if _, err := ml.StepOn(data.Moons{}.Sample(64, rng)); err != nil {
		t.Fatal(err)
	}
	x0, x1 := data.Gaussian{D: 2}.Sample(64, rng), data.Moons{}.Sample(64, rng)
	tt := make([]float64, 64)
	for i := range tt {
		tt[i] = rng.Float64()
	}
	s, _ := path.Interpolate(path.Linear(), tt, x0, x1)
	if _, err := cf.step(tt, s.XT, s.UT); err != nil {
		t.Fatal(err)
	}
	weights := func(ctx *context.Context) map[string][]float32 {
		out := map[string][]float32{}
		for v := range ctx.IterVariables() {
			if strings.HasPrefix(v.Scope(), "/field") {
				val, _ := v.Value()
				f, _ := tensors.CopyFlatData[float32](val)
				out[v.ScopeAndName()] = f
			}
		}
		return out
	}
	a, b := weights(ml.ctx), weights(cf.exec.Context())
	if len(a) == 0 || len(a) != len(b) {
		t.Fatalf("%d and %d weight variables", len(a), len(b))
	}
	for k, va := range a {
		vb := b[k]
		for i := range va {
			if math.Abs(float64(va[i]-vb[i])) > 1e-10 {
				t.Fatalf("%s[%d]: %v vs %v", k, i, va[i], vb[i])
			}
		}
	}
}
