package field_test

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/field"
)

// Build v_theta(t, x) for 2D data and evaluate it (untrained) on a batch of
// three points at three times.
func ExampleMLP() {
	m := field.DefaultMLP(2)
	fmt.Println(m)
	fmt.Printf("time frequencies: %.3g\n", m.Frequencies())
	backend, err := fmkit.NewBackend("go")
	if err != nil {
		panic(err)
	}
	ctx := context.New()
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, t, x *Node) *Node {
		return m.Build(ctx, t, x)
	})
	if err != nil {
		panic(err)
	}
	v, err := exec.Exec([]float32{0, 0.5, 1}, [][]float32{{0, 0}, {1, 1}, {2, -1}})
	if err != nil {
		panic(err)
	}
	weights := 0
	for v := range ctx.IterVariables() {
		if v.Trainable {
			weights += v.Shape().Size()
		}
	}
	fmt.Println("v_theta shape:", v[0].Shape(), "trainable weights:", weights)
	// Output:
	// MLP 3x64 swish, d=2, time K=8
	// time frequencies: [1 1.93 3.73 7.2 13.9 26.8 51.8 100]
	// v_theta shape: (Float32)[3 2] trainable weights: 9730
}
