package field

import (
	"fmt"
	"math"
	"math/rand/v2"
	"strings"
	"testing"

	"github.com/gomlx/gomlx/backends"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/core/tensors"
	"github.com/gomlx/gomlx/pkg/ml/context"

	"github.com/flowmatching/gofm/fmkit"
)

// declareLayerVariables creates, without values, the per-layer variables of
// the layout used before ThetaName, in the order the old Build created them,
// so that Build takes its per-layer path (and initialises them as it did).
func declareLayerVariables(ctx *context.Context, m MLP) {
	layers, _ := m.ThetaLayout()
	for l, ly := range layers {
		scope := ctx.In("output")
		if l < m.Depth {
			scope = ctx.Inf("hidden_%d", l)
		}
		scope.VariableWithShape("weights", shapes.Make(flatTestDType, ly.In, ly.Out))
		scope.VariableWithShape("biases", shapes.Make(flatTestDType, ly.Out))
	}
}

// flatTestDType is the dtype of the tests' networks (randTensor makes float64).
const flatTestDType = dtypes.Float64

// runNet evaluates v_theta(t, x) and the gradients of L = sum(tanh(v)^2)
// with respect to every trainable variable and to x.
func runNet(t *testing.T, b backends.Backend, ctx *context.Context, m MLP, tt, x *tensors.Tensor) (v *tensors.Tensor, grads map[string][]float64, dx []float64) {
	t.Helper()
	var names []string
	exec, err := context.NewExec(b, ctx, func(ctx *context.Context, tt, x *Node) []*Node {
		out := m.Build(ctx, tt, x)
		loss := ReduceAllSum(Square(Tanh(out)))
		var nodes []*Node
		names = names[:0]
		for vv := range ctx.IterVariables() {
			if vv.Trainable {
				names = append(names, vv.ScopeAndName())
				nodes = append(nodes, vv.ValueGraph(x.Graph()))
			}
		}
		gs := Gradient(loss, append(nodes, x)...)
		return append([]*Node{out}, gs...)
	})
	if err != nil {
		t.Fatal(err)
	}
	outs, err := exec.Exec(tt, x)
	if err != nil {
		t.Fatal(err)
	}
	grads = map[string][]float64{}
	for i, n := range names {
		grads[n] = flat(outs[1+i])
	}
	return outs[0], grads, flat(outs[len(outs)-1])
}

func closeSlices(a, b []float64, tol float64) (int, bool) {
	if len(a) != len(b) {
		return -1, false
	}
	for i := range a {
		if math.Abs(a[i]-b[i]) > tol*(1+math.Abs(a[i])) {
			return i, false
		}
	}
	return 0, true
}

// The flat layout computes the same v_theta and the same gradients (with
// respect to the weights and to x) as the per-layer layout with the same
// weights: batches with and without the row padding, on fmkit's pure-Go
// configuration (and on $GOMLX_BACKEND when it is another backend), for
// Swish and other activations.
func TestFlatMatchesLayerLayout(t *testing.T) {
	rng := rand.New(rand.NewPCG(5, 6))
	configs := []string{"go:ops_sequential", fmkit.DefaultGoConfig}
	if c := fmkit.ChooseBackend().Config; !strings.HasPrefix(c, "go") {
		configs = append(configs, c) // e.g. GOMLX_BACKEND=xla:cpu
	}
	for _, config := range configs {
		b := newBackend(t, config)
		for _, c := range []struct {
			batch, width, depth int
			act                 string
		}{{256, 64, 3, "swish"}, {7, 16, 2, "relu"}, {96, 32, 1, "tanh"}, {300, 64, 2, "silu"}, {250, 64, 0, "swish"}} {
			name := fmt.Sprintf("%s/B%d-%dx%d-%s", config, c.batch, c.depth, c.width, c.act)
			m := DefaultMLP(2)
			m.Width, m.Depth, m.Activation = c.width, c.depth, c.act
			tt := randTensor(rng, c.batch)
			x := randTensor(rng, c.batch, 2)

			old := context.New()
			_ = old.SetRNGStateFromSeed(3)
			declareLayerVariables(old, m)
			vOld, gOld, dxOld := runNet(t, b, old.Reuse(), m, tt, x)
			if _, ok := gOld["/"+ThetaName]; ok {
				t.Fatalf("%s: the per-layer context got a theta variable", name)
			}

			// theta = the old weights, concatenated in layout order.
			layers, size := m.ThetaLayout()
			theta := make([]float64, 0, size)
			for l := range layers {
				scope := "/output"
				if l < m.Depth {
					scope = fmt.Sprintf("/hidden_%d", l)
				}
				for _, part := range []string{"weights", "biases"} {
					val, err := old.GetVariableByScopeAndName(scope, part).Value()
					if err != nil {
						t.Fatal(err)
					}
					theta = append(theta, flat(val)...)
				}
			}
			if len(theta) != size {
				t.Fatalf("%s: %d weights, ThetaLayout says %d", name, len(theta), size)
			}
			ctx := context.New()
			ctx.VariableWithValue(ThetaName, tensors.FromFlatDataAndDimensions(theta, size))
			vNew, gNew, dxNew := runNet(t, b, ctx.Reuse(), m, tt, x)

			if i, ok := closeSlices(flat(vOld), flat(vNew), 1e-12); !ok {
				t.Fatalf("%s: v differs at %d: %v vs %v", name, i, flat(vOld)[i], flat(vNew)[i])
			}
			if i, ok := closeSlices(dxOld, dxNew, 1e-10); !ok {
				t.Fatalf("%s: dL/dx differs at %d: %v vs %v", name, i, dxOld[i], dxNew[i])
			}
			gTheta := gNew["/"+ThetaName]
			if len(gNew) != 1 || len(gTheta) != size {
				t.Fatalf("%s: flat gradients %d variables, theta gradient of %d values", name, len(gNew), len(gTheta))
			}
			for l, ly := range layers {
				scope := "/output"
				if l < m.Depth {
					scope = fmt.Sprintf("/hidden_%d", l)
				}
				for _, p := range []struct {
					part     string
					off, len int
				}{{"weights", ly.W, ly.In * ly.Out}, {"biases", ly.B, ly.Out}} {
					want := gOld[scope+"/"+p.part]
					if i, ok := closeSlices(want, gTheta[p.off:p.off+p.len], 1e-10); !ok {
						t.Fatalf("%s: dL/d%s/%s differs at %d: per-layer %v, flat %v", name, scope, p.part, i, want[i], gTheta[p.off+i])
					}
				}
			}
		}
	}
}

// A seed gives the same initial network in both layouts.
func TestFlatInitialisationMatchesLayerLayout(t *testing.T) {
	b := newBackend(t, "go:ops_sequential")
	m := DefaultMLP(2)
	rng := rand.New(rand.NewPCG(1, 1))
	tt, x := randTensor(rng, 5), randTensor(rng, 5, 2)
	eval := func(ctx *context.Context) []float64 {
		_ = ctx.SetRNGStateFromSeed(42)
		exec, err := context.NewExec(b, ctx, func(ctx *context.Context, tt, x *Node) *Node { return m.Build(ctx, tt, x) })
		if err != nil {
			t.Fatal(err)
		}
		return flat(exec.MustExec(tt, x)[0])
	}
	old := context.New()
	declareLayerVariables(old, m)
	want, got := eval(old.Reuse()), eval(context.New())
	if i, ok := closeSlices(want, got, 1e-12); !ok {
		t.Fatalf("initial v_theta differs at %d: per-layer %v, flat %v", i, want[i], got[i])
	}
}

func TestThetaLayout(t *testing.T) {
	layers, size := DefaultMLP(2).ThetaLayout()
	if want := (19*64 + 64) + 2*(64*64+64) + (64*2 + 2); size != want {
		t.Fatalf("size %d, want %d", size, want)
	}
	if len(layers) != 4 || layers[0].In != 19 || layers[3].Out != 2 || layers[1].W != 19*64+64 || layers[1].B != layers[1].W+64*64 {
		t.Fatalf("layout %+v", layers)
	}
	m := DefaultMLP(3)
	m.TimeFreqs, m.Depth = 0, 0
	if layers, size := m.ThetaLayout(); len(layers) != 1 || layers[0].In != 4 || size != 4*3+3 {
		t.Fatalf("raw time, no hidden layer: %+v, %d", layers, size)
	}
}

// The row padding applies only on the pure-Go backend, for hidden products
// just below the blocked kernel's threshold, and adds few rows.
func TestPaddedRows(t *testing.T) {
	g := NewGraph(newBackend(t, "go:ops_sequential"), "pad")
	defer g.Finalize()
	dt := flatTestDType
	if other := NewGraph(newBackend(t, "go"), "nopad"); paddedRows(other, dt, 256, 64, 3) != 256 {
		t.Error("rows padded on GoMLX's default (parallel) configuration")
	}
	for _, c := range []struct{ b, width, depth, want int }{
		{256, 64, 3, 258}, {252, 64, 3, 258}, {250, 64, 3, 250}, {200, 64, 3, 200}, {257, 64, 3, 257}, {512, 64, 3, 512},
		{128, 128, 3, 130}, {256, 64, 0, 256}, {16, 64, 3, 16},
	} {
		if got := paddedRows(g, dt, c.b, c.width, c.depth); got != c.want {
			t.Errorf("paddedRows(B=%d, width %d, depth %d) = %d, want %d", c.b, c.width, c.depth, got, c.want)
		}
	}
}

// Which layout a new network gets: theta on fmkit's pure-Go configuration,
// one pair of variables per layer on GoMLX's default parallel scheduling,
// and on XLA (when $GOMLX_BACKEND is XLA) theta up to xlaFlatMaxParams
// parameters, per-layer above (see useLayerVariables); an existing theta is
// used everywhere.
func TestLayoutChoice(t *testing.T) {
	m := DefaultMLP(2)
	if got := layoutVars(t, m, newBackend(t, "go:ops_sequential"), context.New()); len(got) != 1 || got[0] != "/"+ThetaName {
		t.Errorf("go:ops_sequential: variables %v, want [/%s]", got, ThetaName)
	}
	if got := layoutVars(t, m, newBackend(t, "go"), context.New()); len(got) != 8 || got[0] != "/hidden_0/weights" {
		t.Errorf("go: variables %v, want 4 layers of weights and biases", got)
	}
	_, size := m.ThetaLayout()
	ctx := context.New()
	ctx.VariableWithValue(ThetaName, tensors.FromFlatDataAndDimensions(make([]float64, size), size))
	if got := layoutVars(t, m, newBackend(t, "go"), ctx.Reuse()); len(got) != 1 {
		t.Errorf("go with an existing theta: variables %v", got)
	}

	config := fmkit.ChooseBackend().Config
	if !strings.HasPrefix(config, "xla") {
		return // the XLA cases need GOMLX_BACKEND=xla:cpu (or a GPU) and its plugin
	}
	xla := newBackend(t, config)
	small, large := DefaultMLP(2), DefaultMLP(2)
	large.Width = 192
	if _, n := small.ThetaLayout(); n > xlaFlatMaxParams {
		t.Fatalf("the default MLP has %d parameters, above xlaFlatMaxParams = %d", n, xlaFlatMaxParams)
	}
	if _, n := large.ThetaLayout(); n <= xlaFlatMaxParams {
		t.Fatalf("an MLP of width 192 has %d parameters, not above xlaFlatMaxParams = %d", n, xlaFlatMaxParams)
	}
	if got := layoutVars(t, small, xla, context.New()); len(got) != 1 || got[0] != "/"+ThetaName {
		t.Errorf("%s, %s: variables %v, want [/%s]", config, small, got, ThetaName)
	}
	if got := layoutVars(t, large, xla, context.New()); len(got) != 8 || got[0] != "/hidden_0/weights" {
		t.Errorf("%s, %s: variables %v, want 4 layers of weights and biases", config, large, got)
	}
	_, size = large.ThetaLayout()
	ctx = context.New()
	ctx.VariableWithValue(ThetaName, tensors.FromFlatDataAndDimensions(make([]float64, size), size))
	if got := layoutVars(t, large, xla, ctx.Reuse()); len(got) != 1 {
		t.Errorf("%s, %s with an existing theta: variables %v", config, large, got)
	}
}

// layoutVars builds m in ctx on b, runs it once and returns the names of the
// trainable variables it created or used.
func layoutVars(t *testing.T, m MLP, b backends.Backend, ctx *context.Context) []string {
	t.Helper()
	rng := rand.New(rand.NewPCG(2, 2))
	tt, x := randTensor(rng, 4), randTensor(rng, 4, 2)
	exec, err := context.NewExec(b, ctx, func(ctx *context.Context, tt, x *Node) *Node { return m.Build(ctx, tt, x) })
	if err != nil {
		t.Fatal(err)
	}
	exec.MustExec(tt, x)
	var names []string
	for v := range ctx.IterVariables() {
		if v.Trainable {
			names = append(names, v.ScopeAndName())
		}
	}
	return names
}
