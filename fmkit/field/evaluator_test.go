package field

import (
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/flowmatching/gofm/fmkit"
)

// The Evaluator gives Build's values, for a scalar t and for one t per
// point, twice in one graph, on both layouts.
func TestEvaluatorMatchesBuild(t *testing.T) {
	rng := rand.New(rand.NewPCG(9, 9))
	for _, config := range []string{fmkit.DefaultGoConfig, "go:ops_sequential", "go"} {
		b := newBackend(t, config)
		for _, m := range []MLP{DefaultMLP(2), {Dim: 3, Width: 16, Depth: 0, Activation: "tanh", TimeFreqs: 0, MaxFreq: 1}} {
			ctx := context.New()
			_ = ctx.SetRNGStateFromSeed(5)
			x := randTensor(rng, 40, m.Dim)
			ts := randTensor(rng, 40)
			build, err := context.NewExec(b, ctx, func(ctx *context.Context, tt, ts, x *Node) []*Node {
				return []*Node{m.Build(ctx, tt, x), m.Build(ctx.Reuse(), ts, x)}
			})
			if err != nil {
				t.Fatal(err)
			}
			want := build.MustExec(0.3, ts, x)
			eval, err := context.NewExec(b, ctx.Reuse(), func(ctx *context.Context, tt, ts, x *Node) []*Node {
				e := m.Evaluator(ctx, x.Graph())
				return []*Node{e.Velocity(tt, x), e.Velocity(ts, x), e.Velocity(tt, x)}
			})
			if err != nil {
				t.Fatal(err)
			}
			got := eval.MustExec(0.3, ts, x)
			for i, w := range []*tensors.Tensor{want[0], want[1], want[0]} {
				if j, ok := closeSlices(flat(w), flat(got[i]), 1e-12); !ok {
					t.Fatalf("%s, %s, output %d: value %d is %v, Build gives %v", config, m, i, j, flat(got[i])[j], flat(w)[j])
				}
			}
		}
	}
}
