package field

import (
	"math/rand/v2"
	"testing"

	. "github.com/gomlx/gomlx/pkg/core/graph"
)

// MatMulFastGrad equals GoMLX's Dot, values and gradients, on products that
// take each of the pure-Go backend's layouts (see rowBlocks): the blocked
// kernel in one piece, thin products split to stay off it, small products
// split over the cores, and products too small to split.
func TestMatMulLayouts(t *testing.T) {
	rng := rand.New(rand.NewPCG(7, 8))
	b := newBackend(t, "go:ops_sequential")
	for _, c := range []struct {
		dims   [3]int
		blocks int // row blocks of the forward product
	}{
		{[3]int{300, 64, 64}, 1},   // blocked kernel
		{[3]int{600, 19, 64}, 3},   // thin (19 inputs): 3 blocks of 200 x 64 outputs
		{[3]int{9000, 64, 2}, 2},   // thin (2 outputs)
		{[3]int{256, 64, 64}, 2},   // small: one block per core
		{[3]int{7, 3, 5}, 1},       // too small to split
		{[3]int{258, 64, 64}, 1},   // padded batch of MLP training
		{[3]int{130, 128, 128}, 1}, // blocked
	} {
		g := NewGraph(b, "plan")
		if got := rowBlocks(g, flatTestDType, c.dims[0], c.dims[1], c.dims[2]); got != c.blocks {
			t.Errorf("%v: %d row blocks, want %d", c.dims, got, c.blocks)
		}
		g.Finalize()
		x, w := randTensor(rng, c.dims[0], c.dims[1]), randTensor(rng, c.dims[1], c.dims[2])
		run := func(mm func(a, b *Node) *Node) [][]float64 {
			exec, err := NewExec(b, func(x, w *Node) []*Node {
				y := mm(x, w)
				grads := Gradient(ReduceAllSum(Square(Tanh(y))), x, w)
				return []*Node{y, grads[0], grads[1]}
			})
			if err != nil {
				t.Fatal(err)
			}
			outs := exec.MustExec(x, w)
			return [][]float64{flat(outs[0]), flat(outs[1]), flat(outs[2])}
		}
		want, got := run(Dot), run(MatMulFastGrad)
		for k, name := range []string{"x w", "dL/dx", "dL/dw"} {
			if i, ok := closeSlices(want[k], got[k], 1e-9); !ok {
				t.Fatalf("%v: %s[%d] = %v, GoMLX's Dot gives %v", c.dims, name, i, got[k][i], want[k][i])
			}
		}
	}
}
