package field

import (
	"fmt"

	"github.com/flowmatching/gofm/fmkit/internal/backendinfo"
	"github.com/gomlx/gomlx/pkg/core/dtypes"
	. "github.com/gomlx/gomlx/pkg/core/graph"
	"github.com/gomlx/gomlx/pkg/core/shapes"
	"github.com/gomlx/gomlx/pkg/ml/context"
	"github.com/gomlx/gomlx/pkg/ml/layers/activations"
)

// ThetaName is the name of the variable that holds all of an MLP's weights
// as one flat vector theta (in the context scope given to MLP.Build):
//
//	theta = [vec(W_0), b_0, vec(W_1), b_1, ..., vec(W_L), b_L],
//
// layer by layer, each W_l of shape [in_l, out_l] stored row-major, then its
// bias b_l. One variable instead of two per layer makes an optimiser step a
// handful of element-wise operations on one vector (Adam is element-wise, so
// the update is the same), which on the pure-Go backend saves a fixed cost
// per variable and per operation on every training step.
//
// The other layout, one pair of variables "hidden_<i>/weights",
// "hidden_<i>/biases", ..., "output/weights", "output/biases" per layer (as
// Linear creates them), is what networks saved before theta hold, and what a
// new network gets on GoMLX's pure-Go backend with its default parallel op
// scheduling and, on XLA, a network of more than ~65,000 parameters (see
// useLayerVariables). MLP.Build uses whichever the context
// holds, so checkpoints of either layout load on any backend.
const ThetaName = "theta"

// ThetaLayer is where one layer's W and b live in theta.
type ThetaLayer struct {
	In, Out int // W has shape [In, Out], b has Out entries
	W, B    int // offsets of vec(W) and b in theta
}

// ThetaLayout returns the layers of theta in order (the Depth hidden layers,
// then the output layer) and its length, for an input of in features
// (d + 1 + 2K: the point and the time embedding).
func (m MLP) ThetaLayout() (layers []ThetaLayer, size int) {
	in := m.Dim + 1 + 2*m.TimeFreqs
	if m.TimeFreqs == 0 {
		in = m.Dim + 1
	}
	for l := 0; l <= m.Depth; l++ {
		out := m.Width
		if l == m.Depth {
			out = m.Dim
		}
		layers = append(layers, ThetaLayer{In: in, Out: out, W: size, B: size + in*out})
		size += in*out + out
		in = out
	}
	return layers, size
}

// useLayerVariables reports whether Build should use one pair of variables
// per layer instead of ThetaName: when ctx already holds them (a network
// saved in that layout); else, when ctx holds no theta yet, for a new network
// on
//
//   - GoMLX's pure-Go backend with its default parallel op scheduling. There,
//     a training graph with the flat layout reliably deadlocked GoMLX v0.26's
//     worker pool: four matrix products became ready at once, each took one
//     of the pool's 2 x NumCPU workers (2 cores here) and then waited for a
//     free one to run its work. The per-layer graph did not deadlock in the
//     same runs (see docs/performance.md). fmkit's own pure-Go configuration
//     (fmkit.DefaultGoConfig: an unbounded pool) and "go:ops_sequential"
//     cannot deadlock this way and use the flat layout.
//   - XLA, for a network of more than xlaFlatMaxParams parameters.
func useLayerVariables(ctx *context.Context, g *Graph, m MLP) bool {
	if ctx.In("output").GetVariable("weights") != nil {
		return true
	}
	if ctx.GetVariable(ThetaName) != nil {
		return false
	}
	if isGo(g) {
		return !backendinfo.Splittable(g.Backend())
	}
	_, size := m.ThetaLayout()
	return size > xlaFlatMaxParams
}

// xlaFlatMaxParams is the largest network (in parameters) that a new MLP on
// XLA keeps in the flat vector ThetaName; larger ones get one pair of
// variables per layer. On XLA's CPU backend the flat layout's training step
// is ~1.1x faster for small networks (fewer buffers per call) and slower for
// large ones, where one Adam update over all of theta, the copies of W_l out
// of theta and the Concatenate of the gradients cost more than they save.
// Measured with `go run ./cmd/fmbench -width W` (batch 256, depth 3), the
// per-layer step ran at 0.9x the flat one at widths 64 and 96, 0.9-1.1x
// (the machine's noise) at 128 and 160 (~36,000 and ~55,000 parameters),
// 1.1-1.3x at 192, 1.4x at 256 and 1.6x at 512 (~536,000); a flat theta
// costs JAX the same on the same XLA (docs/performance.md).
const xlaFlatMaxParams = 64 << 10

// buildFlat is v_theta for the features h [B, in] (the point and its time
// embedding), with the weights in the flat variable ThetaName.
//
// Gradients: theta is read through an identity whose custom gradient
// assembles dL/dtheta with one Concatenate of the per-layer gradients
// (dL/dW_l = h_l^T adj_l and dL/db_l = sum_rows adj_l, adj_l being the
// adjoint of layer l's output, captured on the way back). The layers read
// their W_l and b_l from a StopGradient copy, so GoMLX never differentiates
// the Slice that cuts them out of theta (whose gradient needs Pad, missing
// from the pure-Go backend). The output bias alone is read with Gather, which
// has a gradient everywhere: that keeps theta on a differentiable path to
// the output, which is what makes GoMLX call the custom gradient at all.
func (m MLP) buildFlat(ctx *context.Context, h *Node, act activations.Type) *Node {
	g := h.Graph()
	dtype := h.DType()
	layers, size := m.ThetaLayout()
	if in := h.Shape().Dimensions[1]; in != layers[0].In {
		panic(fmt.Sprintf("field.MLP: %d input features, the layout expects %d", in, layers[0].In))
	}
	init := ctx.WithInitializer(thetaInitializer(ctx, layers))
	theta := init.VariableWithShape(ThetaName, shapes.Make(dtype, size)).ValueGraph(g)

	// dW[l], db[l]: gradients of layer l, set during the backward pass.
	dW := make([]*Node, len(layers))
	db := make([]*Node, len(layers))
	anchor := IdentityWithCustomGradient(theta, func(_, _ *Node) *Node {
		pieces := make([]*Node, 0, 2*len(layers))
		for l, ly := range layers {
			w, b := dW[l], db[l]
			if w == nil {
				w = Zeros(g, shapes.Make(dtype, ly.In, ly.Out))
			}
			if b == nil {
				b = Zeros(g, shapes.Make(dtype, ly.Out))
			}
			pieces = append(pieces, Reshape(w, ly.In*ly.Out), b)
		}
		return Concatenate(pieces, 0)
	})
	frozen := StopGradient(anchor)

	// On fmkit's pure-Go backend, pad the batch with a few zero rows when that
	// moves the hidden layers' products onto the faster blocked kernel
	// (see blocked); the padded rows are dropped (by Gather, whose gradient
	// is defined) at the end and get a zero adjoint, so values and gradients
	// are those of the unpadded batch.
	batch := h.Shape().Dimensions[0]
	rows := paddedRows(g, h.DType(), batch, m.Width, m.Depth)
	if rows > batch {
		h = Concatenate([]*Node{h, Zeros(g, shapes.Make(dtype, rows-batch, layers[0].In))}, 0)
	}

	last := len(layers) - 1
	for l, ly := range layers {
		w := Reshape(Slice(frozen, AxisRange(ly.W, ly.W+ly.In*ly.Out)), ly.In, ly.Out)
		var b *Node
		if l == last {
			b = Gather(anchor, Const(g, rangeIndices(ly.B, ly.Out)))
		} else {
			b = Slice(frozen, AxisRange(ly.B, ly.B+ly.Out))
		}
		h = denseCaptured(h, w, b, func(gw, gb *Node) { dW[l], db[l] = gw, gb })
		if l < last {
			h = activate(act, h)
		}
	}
	if rows > batch {
		h = Gather(h, Const(g, rangeIndices(0, batch)))
	}
	return h
}

// denseCaptured is h w + b for w and b that GoMLX does not differentiate:
// their gradients, h^T adj and sum_rows adj, are handed to grads when the
// adjoint adj of the output is known; the gradient with respect to h is
// adj w^T (only built if something upstream needs it).
func denseCaptured(h, w, b *Node, grads func(dw, db *Node)) *Node {
	var adj *Node
	hg := IdentityWithCustomGradient(h, func(_, _ *Node) *Node { return matMulNT(adj, w) })
	y := addBias(matMul(hg, w), b)
	return IdentityWithCustomGradient(y, func(_, v *Node) *Node {
		adj = v
		grads(matMulTN(h, v), ReduceSum(v, 0))
		return v
	})
}

// activate applies the activation; Swish (SiLU) gets a shorter gradient.
func activate(act activations.Type, x *Node) *Node {
	if act == activations.TypeSwish || act == activations.TypeSilu {
		return swish(x)
	}
	return activations.Apply(act, x)
}

// swish is y = x s(x) with s the logistic sigmoid, with its gradient written
// from the forward values,
//
//	dy/dx = s + x s (1 - s) = s + y (1 - s),
//
// four element-wise operations instead of the six of GoMLX's product and
// sigmoid rules.
func swish(x *Node) *Node {
	var adj, s, y *Node
	xg := IdentityWithCustomGradient(x, func(_, _ *Node) *Node {
		return Mul(adj, Add(s, Mul(y, OneMinus(s))))
	})
	s = sigmoid(xg)
	y = Mul(xg, s)
	return IdentityWithCustomGradient(y, func(_, v *Node) *Node {
		adj = v
		return v
	})
}

// sigmoid is the logistic function s(x) = 1 / (1 + e^-x). On XLA it is
// computed as s(x) = (1 + tanh(x/2)) / 2, the same function, which XLA's CPU
// backend evaluates with a fast vectorised tanh (a Swish network's step
// on 10,000 points took ~2.1 ms instead of ~2.9 ms with Logistic); GoMLX's
// pure-Go backend computes both with float64 math per element, and there
// Logistic is one op instead of three.
func sigmoid(x *Node) *Node {
	if isGo(x.Graph()) {
		return Logistic(x)
	}
	return MulScalar(OnePlus(Tanh(MulScalar(x, 0.5))), 0.5)
}

// forwardActivation is the activation for graphs that are not
// differentiated: Swish as x s(x) with sigmoid, the others as GoMLX has them.
func forwardActivation(act activations.Type, x *Node) *Node {
	if act == activations.TypeSwish || act == activations.TypeSilu {
		return Mul(x, sigmoid(x))
	}
	return activations.Apply(act, x)
}

// paddedRows is the number of rows to run a batch of b rows with, for
// hidden layers of the given width: b, or on a pure-Go backend where
// products may be split (fmkit's configuration, or "go:ops_sequential") the
// smallest even count above the blocked kernel's threshold when that adds
// at most b/32 rows (at least 2). Not with GoMLX's default
// parallel op scheduling: there a training graph using the blocked kernel
// was seen to stall for good (GoMLX v0.26: its scheduler waited for a free
// worker while none was running).
func paddedRows(g *Graph, dtype dtypes.DType, b, width, depth int) int {
	if !backendinfo.Splittable(g.Backend()) || depth == 0 {
		return b
	}
	minOut := blockedMin(dtype)
	if b*width > minOut {
		return b
	}
	r := minOut/width + 1
	if r%2 == 1 {
		r++
	}
	if r-b > max(2, b/32) {
		return b
	}
	return r
}

// rangeIndices returns the Gather indices [[from], [from+1], ..., [from+n-1]].
func rangeIndices(from, n int) [][]int32 {
	idx := make([][]int32, n)
	for i := range idx {
		idx[i] = []int32{int32(from + i)}
	}
	return idx
}

// thetaInitializer initialises theta as the per-layer layout was: for each
// layer, W with GoMLX's default initializer (He: normal with variance 2/in)
// and b with zeros, drawn from ctx's random state in the same order, so a
// seed gives the same network.
func thetaInitializer(ctx *context.Context, layers []ThetaLayer) context.VariableInitializer {
	base := context.DefaultInitializer(ctx)
	return func(g *Graph, shape shapes.Shape) *Node {
		pieces := make([]*Node, 0, 2*len(layers))
		for _, ly := range layers {
			w := base(g, shapes.Make(shape.DType, ly.In, ly.Out))
			pieces = append(pieces, Reshape(w, ly.In*ly.Out), Zeros(g, shapes.Make(shape.DType, ly.Out)))
		}
		return Concatenate(pieces, 0)
	}
}
