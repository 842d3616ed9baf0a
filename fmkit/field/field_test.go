package field

import (
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/flowmatching/gofm/fmkit"
)

func newBackend(t *testing.T, config string) backends.Backend {
	t.Helper()
	b, err := fmkit.NewBackend(config)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func randTensor(rng *rand.Rand, dims ...int) *tensors.Tensor {
	n := 1
	for _, d := range dims {
		n *= d
	}
	flat := make([]float64, n)
	for i := range flat {
		flat[i] = rng.NormFloat64()
	}
	return tensors.FromFlatDataAndDimensions(flat, dims...)
}

func flat(t *tensors.Tensor) []float64 { return tensors.MustCopyFlatData[float64](t) }

// The matrix-product gradient must equal GoMLX's own gradient of Dot, with
// and without splitting the products over row blocks.
func TestMatMulFastGradMatchesDot(t *testing.T) {
	rng := rand.New(rand.NewPCG(3, 4))
	for _, config := range []string{"go", "go:ops_sequential", fmkit.DefaultGoConfig} {
		b := newBackend(t, config)
		for _, dims := range [][3]int{{256, 19, 64}, {64, 64, 2}, {7, 3, 5}, {96, 5, 1}} {
			x, w := randTensor(rng, dims[0], dims[1]), randTensor(rng, dims[1], dims[2])
			run := func(mm func(a, b *Node) *Node) [][]float64 {
				exec, err := NewExec(b, func(x, w *Node) []*Node {
					y := mm(x, w)
					loss := ReduceAllSum(Square(Tanh(y)))
					grads := Gradient(loss, x, w)
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
				for i := range want[k] {
					if math.Abs(want[k][i]-got[k][i]) > 1e-9*(1+math.Abs(want[k][i])) {
						t.Fatalf("%s %v: %s[%d] = %v, GoMLX's Dot gives %v", config, dims, name, i, got[k][i], want[k][i])
					}
				}
			}
		}
	}
}

func TestMLPShapesAndTimeEmbedding(t *testing.T) {
	b := newBackend(t, "go")
	m := DefaultMLP(2)
	ctx := context.New()
	exec, err := context.NewExec(b, ctx, func(ctx *context.Context, tt, x *Node) []*Node {
		return []*Node{m.Build(ctx, tt, x), m.TimeEmbedding(tt)}
	})
	if err != nil {
		t.Fatal(err)
	}
	outs, err := exec.Exec([]float32{0, 0.5, 1}, [][]float32{{0, 0}, {1, 1}, {2, -1}})
	if err != nil {
		t.Fatal(err)
	}
	if got := outs[0].Shape().Dimensions; got[0] != 3 || got[1] != 2 {
		t.Fatalf("v_theta shape %v, want [3 2]", got)
	}
	emb := tensors.MustCopyFlatData[float32](outs[1])
	k := m.TimeFreqs
	if len(emb) != 3*(1+2*k) {
		t.Fatalf("embedding has %d values, want %d", len(emb), 3*(1+2*k))
	}
	// Row for t = 0.5: [t, sin(w_j t)..., cos(w_j t)...].
	row := emb[(1 + 2*k) : 2*(1+2*k)]
	freqs := m.Frequencies()
	if freqs[0] != 1 || math.Abs(freqs[k-1]-m.MaxFreq) > 1e-9 {
		t.Fatalf("frequencies %v, want a ladder from 1 to %v", freqs, m.MaxFreq)
	}
	for j, w := range freqs {
		if math.Abs(float64(row[1+j])-math.Sin(w*0.5)) > 1e-5 || math.Abs(float64(row[1+k+j])-math.Cos(w*0.5)) > 1e-5 {
			t.Fatalf("embedding of t=0.5 at frequency %v: got sin %v cos %v", w, row[1+j], row[1+k+j])
		}
	}
	weights := 0
	for v := range ctx.IterVariables() {
		if v.Trainable {
			weights += v.Shape().Size()
		}
	}
	if want := (19*64 + 64) + 2*(64*64+64) + (64*2 + 2); weights != want {
		t.Errorf("%d trainable weights, want %d", weights, want)
	}
}

func TestValidate(t *testing.T) {
	if err := DefaultMLP(2).Validate(); err != nil {
		t.Fatal(err)
	}
	mod := func(f func(*MLP)) MLP { m := DefaultMLP(2); f(&m); return m }
	for _, c := range []struct {
		m    MLP
		want string
	}{
		{mod(func(m *MLP) { m.Activation = "gelu-ish" }), `unknown activation "gelu-ish": use one of`},
		{mod(func(m *MLP) { m.Width = 0 }), "Width must be positive"},
		{mod(func(m *MLP) { m.Dim = -1 }), "Dim must be positive"},
		{mod(func(m *MLP) { m.Depth = -1 }), "Depth"},
		{mod(func(m *MLP) { m.TimeFreqs = -2 }), "TimeFreqs"},
		{mod(func(m *MLP) { m.MaxFreq = 0 }), "MaxFreq"},
	} {
		if err := c.m.Validate(); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%+v: got %v, want %q", c.m, err, c.want)
		}
	}
}
