package field_test

import (
	"fmt"

	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/flowmatching/gofm/fmkit"
	"github.com/flowmatching/gofm/fmkit/field"
)

// A class-conditional v_theta(t, x, c) for 2D data with 3 classes, and its
// classifier-free guided version (1+w) v(t, x, c) - w v(t, x, ∅): w = 0 is
// the conditional field itself, w = -1 the unconditional one.
func ExampleConditional() {
	c := field.Conditional{MLP: field.DefaultMLP(2), Classes: 3}
	fmt.Println(c, "| ∅ is label", c.Null())
	backend, err := fmkit.Backend()
	if err != nil {
		panic(err)
	}
	ctx := context.New()
	exec, err := context.NewExec(backend, ctx, func(ctx *context.Context, t, x, labels, w *Node) []*Node {
		cond := c.Build(ctx, t, x, labels)
		null := c.Build(ctx.Reuse(), t, x, MulScalar(OnesLike(labels), c.Null()))
		guided := c.Guided(ctx.Reuse(), t, x, labels, w)
		return []*Node{
			ReduceAllMax(Abs(Sub(guided, cond))), // |v_w - v(c)|
			ReduceAllMax(Abs(Sub(guided, null))), // |v_w - v(∅)|
		}
	})
	if err != nil {
		panic(err)
	}
	x := [][]float32{{0, 0}, {1, 2}}
	for _, w := range []float32{0, -1} {
		out, err := exec.Exec([]float32{0.2, 0.7}, x, []int32{0, 2}, w)
		if err != nil {
			panic(err)
		}
		fmt.Printf("w=%2g: v_w = v(c): %-5v  v_w = v(∅): %v\n", w, out[0].Value().(float32) < 1e-6, out[1].Value().(float32) < 1e-6)
	}
	// Output:
	// MLP 3x64 swish, d=2, time K=8, 3 classes + ∅ | ∅ is label 3
	// w= 0: v_w = v(c): true   v_w = v(∅): false
	// w=-1: v_w = v(c): false  v_w = v(∅): true
}
