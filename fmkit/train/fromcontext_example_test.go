package train_test

import (
	"fmt"

	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/train/optimizers"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/data"
	"github.com/flowmatching/gofm/fmkit/metric"
	"github.com/flowmatching/gofm/fmkit/ode"
	"github.com/flowmatching/gofm/fmkit/train"
)

// The CFM loop written out (the index notebook shows the same code): sample
// t, x0, x1; build x_t = (1-t) x0 + t x1 and u_t = x1 - x0; take an Adam
// step on (1/B) sum_i ||v_theta(t_i, x_t,i) - u_t,i||^2. NewModel then wraps
// the trained network as a Model to sample and measure it.
func ExampleNewModel() {
	const batch, steps = 256, 300
	cfg := train.DefaultConfig()
	backend, err := fmkit.Backend()
	if err != nil {
		panic(err)
	}
	ctx := context.New()
	if err := ctx.SetRNGStateFromSeed(1); err != nil {
		panic(err)
	}
	adam := optimizers.Adam().LearningRate(0.01).Done()
	step, err := context.NewExec(backend, ctx, func(ctx *context.Context, t, x0, x1 *Node) *Node {
		t, x0, x1 = ConvertDType(t, dtypes.Float32), ConvertDType(x0, dtypes.Float32), ConvertDType(x1, dtypes.Float32)
		tc := InsertAxes(t, -1)
		xt := Add(Mul(OneMinus(tc), x0), Mul(tc, x1))
		ut := Sub(x1, x0)
		v := cfg.Field.Build(ctx.In(train.FieldScope), t, xt)
		loss := ReduceAllMean(ReduceSum(Square(Sub(v, ut)), -1))
		adam.UpdateGraph(ctx, t.Graph(), loss)
		return loss
	})
	if err != nil {
		panic(err)
	}
	p0, p1 := data.Gaussian{D: 2}, data.Moons{}
	rng := data.NewRand(1)
	var losses []float64
	for range steps {
		t := make([]float64, batch)
		for i := range t {
			t[i] = rng.Float64()
		}
		x0, x1 := p0.Sample(batch, rng), p1.Sample(batch, rng)
		out, err := step.Exec(t, tensors.FromFlatDataAndDimensions(x0.RawMatrix().Data, batch, 2),
			tensors.FromFlatDataAndDimensions(x1.RawMatrix().Data, batch, 2))
		if err != nil {
			panic(err)
		}
		losses = append(losses, float64(tensors.ToScalar[float32](out[0])))
	}
	m, err := train.NewModel(cfg, backend, ctx, losses)
	if err != nil {
		panic(err)
	}
	moons, _ := data.SampleFunc("moons")
	gauss, _ := data.SampleFunc("gaussian")
	model := m.SampleFunc(ode.Options{Method: "euler", Steps: 50})
	w2Model, err := metric.W2Draws(model, moons, 500, 5, 1)
	if err != nil {
		panic(err)
	}
	w2Start, err := metric.W2Draws(gauss, moons, 500, 5, 1)
	if err != nil {
		panic(err)
	}
	fmt.Printf("%d losses; the model is closer to the moons than p0 was: %v\n", len(m.History), w2Model.Mean+2*w2Model.SD < w2Start.Mean)
	// Output:
	// 300 losses; the model is closer to the moons than p0 was: true
}
